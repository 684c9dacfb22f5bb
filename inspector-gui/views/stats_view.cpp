#include "views/stats_view.h"

#include <QHeaderView>

namespace inspector {

StatsView::StatsView(const RecordStore& store, QWidget* parent) : QTreeWidget(parent), store_(store) {
  setColumnCount(5);
  setHeaderLabels({tr("Item"), tr("Count"), tr("Min"), tr("Median"), tr("Max")});
  header()->setSectionResizeMode(0, QHeaderView::Stretch);
  setUniformRowHeights(true);
}

void StatsView::storeReset() {
  stats_.clear();
  stale_ = true;
  if (isVisible()) refill();
}

void StatsView::storeAppended(std::size_t first) {
  stats_.add(store_, first);
  stale_ = true;
  if (isVisible()) refill();  // filling a hidden tree for every batch would be wasted
}

void StatsView::showEvent(QShowEvent* e) {
  if (stale_) refill();
  QTreeWidget::showEvent(e);
}

void StatsView::refill() {
  stale_ = false;
  clear();
  auto add_table = [&](const QString& title, const std::map<std::string, uint64_t>& t) {
    auto* top = new QTreeWidgetItem(this, {title});
    for (const auto& [k, n] : t) new QTreeWidgetItem(top, {QString::fromStdString(k), QString::number(n)});
    top->setExpanded(true);
  };
  for (int t = 0; t < static_cast<int>(ovms::present::StatTable::kCount); ++t) {
    auto table = static_cast<ovms::present::StatTable>(t);
    add_table(QString::fromUtf8(ovms::present::stat_table_title(table)), stats_.table(table));
  }
  add_table(tr("Diagnostics by id"), stats_.diagnostics());
  auto ms = [](double s) { return QString::number(s * 1000.0, 'f', 1) + " ms"; };
  auto* trips = new QTreeWidgetItem(this, {tr("Command round trips")});
  for (const auto& [cmd, rt] : stats_.roundTrips())
    new QTreeWidgetItem(trips, {QString::fromStdString(cmd), QString::number(rt.seconds.size()), ms(rt.min()),
                                ms(rt.median()), ms(rt.max())});
  trips->setExpanded(true);
  auto* convs = new QTreeWidgetItem(this, {tr("Conversations")});
  for (const auto& [id, c] : stats_.conversations()) {
    const auto* ci = store_.connection(id);
    QString name = QString::fromStdString(ovms::present::conn_text(id) + " " + (c.vehicle.empty() ? "-" : c.vehicle));
    if (ci) name += QString::fromStdString(" " + ci->client_text + " → " + ci->server_text);
    auto* it = new QTreeWidgetItem(convs, {name, QString::number(c.lines)});
    it->setToolTip(0, tr("%1 c2s, %2 s2c, %3 s").arg(c.c2s).arg(c.s2c).arg(c.last - c.first, 0, 'f', 3));
  }
  convs->setExpanded(false);
}

}  // namespace inspector
