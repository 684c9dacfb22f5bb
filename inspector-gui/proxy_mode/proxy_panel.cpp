#include "proxy_mode/proxy_panel.h"

#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <cmath>

#include "ovms/present.h"
#include "io/open_source.h"
#include "proxy_mode/message_edit_dialog.h"
#include "replay_session.h"
#include <QMessageBox>

namespace inspector {

namespace {

QString headline(const ovms::LineRecord& r) {
  return QString::fromStdString(ovms::present::headline(ovms::present::view_of(r)));
}

QString body_text(const ovms::LineRecord& r) {
  if (!r.plain || r.body_offset < 0) return QString::fromStdString(r.wire);
  return QString::fromStdString(r.plain->substr(static_cast<std::size_t>(r.body_offset)));
}

// The relay's own names: "client", "server".
QString leg_word(ovms::Leg l) { return QString::fromLatin1(ovms::leg_name(l)); }

QString conn_word(uint32_t conn) { return QString::fromStdString(ovms::present::conn_text(conn)); }

QTreeWidget* table(const QStringList& headers) {
  auto* t = new QTreeWidget;
  t->setHeaderLabels(headers);
  t->setRootIsDecorated(false);
  t->setUniformRowHeights(true);
  t->header()->setStretchLastSection(true);
  return t;
}

QPushButton* button(const QString& text, QWidget* parent, std::function<void()> f) {
  auto* b = new QPushButton(text, parent);
  QObject::connect(b, &QPushButton::clicked, parent, std::move(f));
  return b;
}

}  // namespace

ProxyPanel::ProxyPanel(QWidget* parent) : QDockWidget(tr("Proxy"), parent) {
  setObjectName("proxyPanel");
  auto* w = new QWidget;
  auto* top = new QVBoxLayout(w);

  auto* fl = new QHBoxLayout;
  fl->addWidget(new QLabel(tr("Intercept:")));
  filter_ = new QLineEdit;
  filter_->setPlaceholderText(tr("a filter, e.g. ovms.code == \"S\" (empty: off)"));
  connect(filter_, &QLineEdit::returnPressed, this, &ProxyPanel::applyFilter);
  fl->addWidget(filter_, 1);
  fl->addWidget(button(tr("Intercept"), this, [this] { applyFilter(); }));
  fl->addWidget(button(tr("Off"), this, [this] {
    filter_->clear();
    applyFilter();
  }));
  top->addLayout(fl);
  filter_state_ = new QLabel;
  top->addWidget(filter_state_);

  auto* split = new QSplitter(Qt::Vertical);
  auto* hb = new QWidget;
  auto* hl = new QVBoxLayout(hb);
  hl->setContentsMargins(0, 0, 0, 0);
  hl->addWidget(new QLabel(tr("Held lines")));
  held_ = table({tr("Message"), tr("Time left"), tr("Leg"), tr("Session")});
  connect(held_, &QTreeWidget::itemDoubleClicked, this, [this] { editHeld(currentHeld()); });
  hl->addWidget(held_);
  auto* hbuttons = new QHBoxLayout;
  hbuttons->addWidget(button(tr("Forward"), this, [this] { if (controller_ && currentHeld() >= 0) controller_->forward(currentHeld()); }));
  hbuttons->addWidget(button(tr("Edit…"), this, [this] { editHeld(currentHeld()); }));
  hbuttons->addWidget(button(tr("Drop"), this, [this] { if (controller_ && currentHeld() >= 0) controller_->drop(currentHeld()); }));
  hbuttons->addWidget(button(tr("Forward all"), this, [this] { if (controller_) controller_->forwardAll(); }));
  hl->addLayout(hbuttons);
  split->addWidget(hb);

  auto* cb = new QWidget;
  auto* cl = new QVBoxLayout(cb);
  cl->setContentsMargins(0, 0, 0, 0);
  auto* crow = new QHBoxLayout;
  toward_ = new QComboBox;
  toward_->addItem(tr("toward the car"), 0);
  toward_->addItem(tr("toward the server"), 1);
  crow->addWidget(button(tr("Compose…"), this, [this] { compose(); }));
  crow->addWidget(toward_);
  crow->addStretch();
  crow->addWidget(button(tr("Replay…"), this, [this] { replay(); }));
  record_ = button(tr("Record…"), this, [this] { toggleRecord(); });
  crow->addWidget(record_);
  cl->addLayout(crow);
  replies_ = table({tr("Conn"), tr("Reply to an injected command")});
  cl->addWidget(replies_);
  split->addWidget(cb);

  auto* sb = new QWidget;
  auto* sl = new QVBoxLayout(sb);
  sl->setContentsMargins(0, 0, 0, 0);
  sessions_ = table({tr("Session"), tr("Conn"), tr("Role"), tr("Vehicle"), tr("State"), tr("Held")});
  sl->addWidget(sessions_);
  sl->addWidget(button(tr("Close session"), this, [this] {
    if (controller_ && sessions_->currentItem()) controller_->closeSession(sessions_->currentItem()->text(0).toUInt());
  }));
  split->addWidget(sb);

  relayed_ = table({tr("#"), tr("Leg"), tr("Proxy"), tr("Message"), tr("Conn")});
  split->addWidget(relayed_);
  top->addWidget(split, 1);
  status_ = new QLabel;
  status_->setWordWrap(true);
  top->addWidget(status_);
  setWidget(w);

  // The held lines' time left counts down with the clock.
  clock_ = new QTimer(this);
  clock_->setInterval(1000);
  connect(clock_, &QTimer::timeout, this, &ProxyPanel::refreshHeld);
  clock_->start();
}

void ProxyPanel::setController(ProxyController* c) {
  controller_ = c;
  held_->clear();
  sessions_->clear();
  relayed_->clear();
  replies_->clear();
  if (!c) return;
  connect(c, &ProxyController::heldChanged, this, &ProxyPanel::refreshHeld);
  connect(c, &ProxyController::sessionsChanged, this, &ProxyPanel::refreshSessions);
  connect(c, &RecordSource::batchReady, this, &ProxyPanel::addRelayed);
  connect(c, &ProxyController::note, this, [this](const QString& n) { status_->setText(n); });
  connect(c, &ProxyController::replyReceived, this, [this](const ovms::RecordPtr& r) {
    auto* it = new QTreeWidgetItem(replies_, {conn_word(r->conn), headline(*r)});
    replies_->scrollToItem(it);
  });
  status_->setText(tr("Listening: %1").arg(c->name()));
}

int ProxyPanel::currentHeld() const {
  const int row = held_->indexOfTopLevelItem(held_->currentItem());
  if (row >= 0) return row;
  return held_->topLevelItemCount() ? 0 : -1;  // nothing selected: the oldest
}

void ProxyPanel::refreshHeld() {
  if (!controller_) return;
  const int keep = held_->indexOfTopLevelItem(held_->currentItem());
  held_->clear();
  const double now = static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
  for (const HeldLine& h : controller_->held()) {
    QString left = std::isfinite(h.deadline)
                       ? tr("%1 s (%2)").arg(std::max(0.0, std::floor(h.deadline - now))).arg(h.who)
                       : tr("no timeout");
    auto* it = new QTreeWidgetItem(held_, {headline(*h.record), left, leg_word(h.from), QString::number(h.session)});
    if (!h.warning.isEmpty()) {
      it->setForeground(1, QColor(0xb0, 0x30, 0x00));
      it->setToolTip(1, h.warning);
    }
  }
  if (keep >= 0 && keep < held_->topLevelItemCount()) held_->setCurrentItem(held_->topLevelItem(keep));
  held_->setColumnWidth(0, std::max(held_->width() / 2, 200));
  held_->resizeColumnToContents(1);
}

void ProxyPanel::refreshSessions() {
  if (!controller_) return;
  sessions_->clear();
  for (const SessionRow& s : controller_->sessions())
    new QTreeWidgetItem(sessions_, {QString::number(s.id), conn_word(s.conn), s.role, s.vehicle, s.state, QString::number(s.held)});
}

// The window's notes word the leg and the mark, so the dock reads as the list does.
void ProxyPanel::addRelayed(const BatchPtr& b) {
  if (!controller_) return;
  const std::shared_ptr<const RecordNotes> notes = controller_->notes();
  for (const ovms::RecordPtr& r : b->records)
    new QTreeWidgetItem(relayed_, {QString::number(r->id), notes->text(*r, ProxyNotes::kLeg),
                                   notes->text(*r, ProxyNotes::kProxy), headline(*r), conn_word(r->conn)});
  relayed_->scrollToBottom();
}

void ProxyPanel::applyFilter() {
  if (!controller_) return;
  QString error;
  if (!controller_->setInterceptFilter(filter_->text(), error)) {
    filter_state_->setText(tr("Filter: %1").arg(error));
    filter_state_->setStyleSheet("color: #b00000");
    return;
  }
  filter_state_->setStyleSheet({});
  filter_state_->setText(filter_->text().isEmpty() ? tr("Intercept off") : tr("Intercepting: %1").arg(filter_->text()));
}

void ProxyPanel::editHeld(int row) {
  if (!controller_ || row < 0 || row >= static_cast<int>(controller_->held().size())) return;
  const HeldLine h = controller_->held()[static_cast<std::size_t>(row)];
  const ovms::LineRecord& r = *h.record;
  // A paranoid EM line is edited as its inner message and wrapped again by the relay.
  const bool inner = r.inner != nullptr;
  const QString body = inner ? QString::fromStdString(r.inner->plain.substr(5)) : body_text(r);
  MessageEditDialog d(tr("Edit held line"), body, this);
  if (d.exec() != QDialog::Accepted) return;
  // The queue may have moved while the dialog was open: find the same hold again.
  const auto& now = controller_->held();
  for (std::size_t i = 0; i < now.size(); ++i)
    if (now[i].session == h.session && now[i].hold_id == h.hold_id) {
      controller_->edit(i, d.body(), inner);
      return;
    }
}

void ProxyPanel::compose() {
  if (!controller_) return;
  const auto s = sessions_->currentItem() ? std::optional<quint32>(sessions_->currentItem()->text(0).toUInt())
                                          : controller_->firstSession();
  if (!s) {
    status_->setText(tr("No session to inject into"));
    return;
  }
  // Start from a command or message of the catalog (its form), or type the text.
  MessageEditDialog d(tr("Compose %1").arg(toward_->currentText()), QString(), this);
  d.addCatalogPicker();
  if (d.exec() != QDialog::Accepted) return;
  const ovms::Leg toward = toward_->currentData().toInt() == 0 ? ovms::Leg::Client : ovms::Leg::Server;
  if (!controller_->inject(*s, toward, d.body())) status_->setText(tr("Session %1 has ended").arg(*s));
}

void ProxyPanel::toggleRecord() {
  if (!controller_) return;
  QString error;
  if (controller_->recording()) {
    if (!controller_->stopRecording(error)) status_->setText(error);
    record_->setText(tr("Record…"));
    return;
  }
  const QString p = QFileDialog::getSaveFileName(this, tr("Record the proxy's sessions"), QStringLiteral("proxy.pcapng"),
                                                 tr("pcapng (*.pcapng)"));
  if (p.isEmpty()) return;
  if (!controller_->recordTo(p, error)) {
    status_->setText(tr("Record: %1").arg(error));
    return;
  }
  record_->setText(tr("Stop recording"));
  status_->setText(tr("Recording to %1 (keys beside it, both 0600)").arg(p));
}

}  // namespace inspector

namespace inspector {

// Replay…: a capture's car sent again by meaning to the proxy's upstream server over a fresh session
// (the controller, with the proxy library's ReplaySession, as `ovms-proxy --replay`). Its lines reach
// the window's list like relayed ones, on a connection of their own, the sent ones marked replayed.
void ProxyPanel::replay() {
  if (!controller_) return;
  const QString path = QFileDialog::getOpenFileName(this, tr("Replay a capture's car"), QString(),
                                                    tr("Captures (*.pcap *.pcapng *.gz);;All files (*)"));
  if (path.isEmpty()) return;
  const bool timing = QMessageBox::question(this, tr("Replay"), tr("Keep the capture's timing? (No: as fast as the server takes it)")) ==
                      QMessageBox::Yes;
  QString error;
  quint32 conn = 0;
  ovms::proxy::ReplaySession* r = controller_->replay(path, timing ? 1 : 0, error, &conn);
  if (!r) {
    status_->setText(tr("Replay: %1").arg(error));
    return;
  }
  connect(r, &ovms::proxy::ReplaySession::finished, this, [this, r](bool ok, const QString& why) {
    status_->setText(ok ? tr("Replay done: %1 of %2 messages sent").arg(r->sent()).arg(r->total()) : tr("Replay: %1").arg(why));
  });
  const ProxyConfig& cfg = controller_->config();
  status_->setText(tr("Replaying %1 messages to %2:%3 as %4…")
                       .arg(r->total()).arg(cfg.upstream_host).arg(cfg.upstream_port).arg(conn_word(conn)));
}

}  // namespace inspector
