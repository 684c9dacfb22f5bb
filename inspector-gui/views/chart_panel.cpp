#include "views/chart_panel.h"

#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTextStream>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QDateTimeAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>
#include <cmath>

#include "ovms/field_names.h"

namespace inspector {

ChartPanel::ChartPanel(const RecordStore& store, QWidget* parent) : QWidget(parent), store_(store) {
  choice_ = new QComboBox;
  choice_->setMinimumContentsLength(24);
  auto* add = new QPushButton(tr("Add"));
  auto* clear = new QPushButton(tr("Clear"));
  auto* png = new QPushButton(tr("PNG…"));
  auto* csv = new QPushButton(tr("CSV…"));
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Field:")));
  bar->addWidget(choice_, 1);
  for (auto* b : {add, clear, png, csv}) bar->addWidget(b);
  chart_ = new QChart;
  chart_->legend()->setAlignment(Qt::AlignRight);  // a column: room for every vehicle's name
  view_ = new QChartView(chart_);
  view_->setRenderHint(QPainter::Antialiasing);
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(0, 0, 0, 0);
  l->addLayout(bar);
  l->addWidget(view_, 1);
  connect(add, &QPushButton::clicked, this, [this] { addField(choice_->currentData().toString()); });
  connect(clear, &QPushButton::clicked, this, &ChartPanel::clearFields);
  connect(png, &QPushButton::clicked, this, [this] {
    QString p = QFileDialog::getSaveFileName(this, tr("Export chart"), "chart.png", tr("PNG (*.png)"));
    QString e;
    if (!p.isEmpty() && !exportPng(p, e)) QMessageBox::warning(this, tr("Export"), e);
  });
  connect(csv, &QPushButton::clicked, this, [this] {
    QString p = QFileDialog::getSaveFileName(this, tr("Export chart data"), "chart.csv", tr("CSV (*.csv)"));
    QString e;
    if (!p.isEmpty() && !exportCsv(p, e)) QMessageBox::warning(this, tr("Export"), e);
  });
}

void ChartPanel::storeReset() {
  fields_.clear();
  data_.clear();
  refreshChoices();
  rebuild();
}

void ChartPanel::storeAppended(std::size_t first) {
  std::size_t before = fields_.size();
  collect_numeric_fields(store_, first, fields_);
  if (fields_.size() != before) refreshChoices();
  for (const auto& f : shown_) collect_series(store_, f, first, data_[f]);
  // With nothing chosen yet, chart the state of charge: the first thing anyone looks for.
  if (shown_.empty() && fields_.count("status.soc")) addField("status.soc");
  else if (!shown_.empty()) rebuild();
}

void ChartPanel::refreshChoices() {
  QString keep = choice_->currentData().toString();
  choice_->clear();
  for (const auto& [name, label] : fields_)
    choice_->addItem(QString::fromStdString(label) + "  (" + QString::fromStdString(name) + ")", QString::fromStdString(name));
  int i = choice_->findData(keep);
  if (i >= 0) choice_->setCurrentIndex(i);
}

QStringList ChartPanel::availableFields() const {
  QStringList out;
  for (const auto& f : fields_) out << QString::fromStdString(f.first);
  return out;
}

bool ChartPanel::addField(const QString& name) {
  std::string n = name.toStdString();
  if (!fields_.count(n)) return false;
  for (const auto& s : shown_)
    if (s == n) return true;
  shown_.push_back(n);
  if (int i = choice_->findData(name); i >= 0) choice_->setCurrentIndex(i);
  collect_series(store_, n, 0, data_[n]);
  rebuild();
  return true;
}

void ChartPanel::clearFields() {
  shown_.clear();
  data_.clear();
  rebuild();
}

void ChartPanel::rebuild() {
  chart_->removeAllSeries();
  for (QAbstractAxis* a : chart_->axes()) {
    chart_->removeAxis(a);
    delete a;
  }
  cursor_ = nullptr;
  if (shown_.empty()) {
    chart_->setTitle(fields_.empty() ? tr("No numeric fields in this capture") : tr("Choose a field and Add"));
    return;
  }
  chart_->setTitle({});
  auto* time = new QDateTimeAxis;
  time->setFormat("HH:mm:ss");
  time->setTitleText(tr("Time (UTC)"));
  chart_->addAxis(time, Qt::AlignBottom);
  double t0 = INFINITY, t1 = -INFINITY;
  int k = 0;
  for (const auto& f : shown_) {
    const ovms::FieldName* fn = ovms::find_field_name(f);
    const ovms::FieldDef* def = fn ? fn->field() : nullptr;
    auto* axis = new QValueAxis;
    QString unit = def && def->unit ? QString(" (%1)").arg(QString::fromUtf8(def->unit)) : QString();
    axis->setTitleText(QString::fromStdString(fn ? fn->label : f) + unit);
    chart_->addAxis(axis, k++ % 2 ? Qt::AlignRight : Qt::AlignLeft);
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& [vehicle, points] : data_[f]) {
      auto* s = new QLineSeries;
      s->setName(QString::fromStdString(shown_.size() == 1 ? vehicle : vehicle + " " + f));
      QList<QPointF> pts;
      pts.reserve(static_cast<int>(points.size()));
      for (const auto& p : points) {
        pts.append(QPointF(p.ts * 1000.0, p.value));
        lo = std::min(lo, p.value);
        hi = std::max(hi, p.value);
        t0 = std::min(t0, p.ts);
        t1 = std::max(t1, p.ts);
      }
      s->replace(pts);
      s->setPointsVisible(points.size() < 200);
      chart_->addSeries(s);
      s->attachAxis(time);
      s->attachAxis(axis);
      connect(s, &QLineSeries::clicked, this, [this, f, vehicle](const QPointF& at) {
        // The point nearest in time, of this series.
        const auto& pts = data_[f][vehicle];
        std::size_t best = SIZE_MAX;
        double bd = INFINITY;
        for (const auto& p : pts)
          if (std::abs(p.ts * 1000.0 - at.x()) < bd) {
            bd = std::abs(p.ts * 1000.0 - at.x());
            best = p.row;
          }
        if (best != SIZE_MAX) Q_EMIT storeRowClicked(best);
      });
    }
    if (lo <= hi) axis->setRange(lo - (hi - lo) * 0.05 - (lo == hi), hi + (hi - lo) * 0.05 + (lo == hi));
  }
  if (t0 <= t1) {
    if (t0 == t1) t1 = t0 + 1;
    time->setRange(QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(t0 * 1000), Qt::UTC),
                   QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(t1 * 1000), Qt::UTC));
  }
  setCursorRow(cursor_row_);
}

void ChartPanel::setCursorRow(std::size_t row) {
  cursor_row_ = row;
  if (shown_.empty() || row >= store_.size()) return;
  auto axes = chart_->axes(Qt::Vertical);
  auto times = chart_->axes(Qt::Horizontal);
  if (axes.isEmpty() || times.isEmpty()) return;
  auto* axis = static_cast<QValueAxis*>(axes.first());
  if (!cursor_) {
    cursor_ = new QLineSeries;
    cursor_->setName(tr("selected"));
    cursor_->setPen(QPen(Qt::red, 1, Qt::DashLine));
    chart_->addSeries(cursor_);
    cursor_->attachAxis(times.first());
    cursor_->attachAxis(axis);
  }
  double x = store_.at(row)->ts * 1000.0;
  cursor_->replace(QList<QPointF>{{x, axis->min()}, {x, axis->max()}});
}

bool ChartPanel::exportCsv(const QString& path, QString& error) const {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
    error = tr("'%1': %2").arg(path, f.errorString());
    return false;
  }
  QTextStream out(&f);
  out << "field,vehicle,time,frame,value\n";
  for (const auto& [field, byVehicle] : data_)
    for (const auto& [vehicle, points] : byVehicle)
      for (const auto& p : points)
        out << QString::fromStdString(field) << ',' << QString::fromStdString(vehicle) << ','
            << QString::number(p.ts, 'f', 6) << ',' << store_.at(p.row)->frame << ',' << QString::number(p.value, 'g', 12)
            << '\n';
  return true;
}

bool ChartPanel::exportPng(const QString& path, QString& error) const {
  if (!view_->grab().save(path, "PNG")) {
    error = tr("'%1': cannot write the image").arg(path);
    return false;
  }
  return true;
}

}  // namespace inspector
