#include "proxy_mode/proxy_controller.h"

#include <QFileInfo>
#include <QTimer>

#include "proxy_mode/car_tls.h"
#include "proxy_mode/proxy_tap.h"
#include "replay_session.h"

namespace inspector {

using namespace ovms;
using namespace ovms::proxy;

ProxyController::ProxyController(QObject* parent) : RecordSource(parent), tap_(std::make_unique<ProxyTap>()) {
  qRegisterMetaType<ovms::proxy::ShownLine>();
  qRegisterMetaType<ovms::RecordPtr>();
}

ProxyController::~ProxyController() {
  QString e;
  tap_->stop(e);
  if (server_) server_->closeAll();
  server_.reset();
}

bool ProxyController::start(ProxyConfig config, QString& error) {
  QHostAddress addr;
  if (!addr.setAddress(config.listen_host)) {
    error = tr("listen address '%1' is not an IP address").arg(config.listen_host);
    return false;
  }
  config_ = std::move(config);
  if (config_.keys) keys_ = std::make_shared<const KeyStore>(*config_.keys);
  SessionConfig sc;
  sc.keys = keys_;
  sc.upstream_host = config_.upstream_host;
  sc.upstream_port = config_.upstream_port;
  sc.upstream_tls = config_.upstream_tls;
  sc.upstream_insecure = config_.upstream_insecure;
  server_ = std::make_unique<Server>(sc, nullptr, tap_.get());
  if (config_.car_tls) {
    std::optional<ServerTls> tls = car_tls_from_local_ca(config_.ca_dir, config_.listen_host, error);
    if (!tls) {
      server_.reset();
      return false;
    }
    server_->setTls(*tls);
  }
  // Every session asks the same filter, so changing it applies to lines still to come on all of them.
  server_->setIntercept([this](const LineRecord& r, Leg) { return intercept_ && intercept_->matches(r); });
  connect(server_.get(), &Server::sessionStarted, this, &ProxyController::sessionStarted);
  connect(server_.get(), &Server::sessionFinished, this, [this](quint32 id) {
    auto it = sessions_.find(id);
    if (it != sessions_.end()) it->second.state = QStringLiteral("done");
    Q_EMIT sessionsChanged();
  });
  connect(server_.get(), &Server::clientRefused, this,
          [this](const QString& why) { Q_EMIT note(tr("TLS client refused: %1").arg(why)); });
  if (!server_->listen(addr, config_.listen_port)) {
    error = tr("cannot listen on %1:%2: %3").arg(config_.listen_host).arg(config_.listen_port).arg(server_->errorString());
    server_.reset();
    return false;
  }
  if (!addr.isLoopback())
    Q_EMIT note(tr("listening on %1:%2: reachable from the network, not only this machine")
                    .arg(config_.listen_host).arg(listenPort()));
  // After the window has connected (attachSource): a busy bar, no total.
  QTimer::singleShot(0, this, [this] { Q_EMIT progress(-1); });
  return true;
}

quint16 ProxyController::listenPort() const { return server_ ? server_->serverPort() : 0; }

QString ProxyController::name() const {
  return tr("proxy %1:%2 → %3:%4")
      .arg(config_.listen_host).arg(listenPort()).arg(config_.upstream_host).arg(config_.upstream_port);
}

void ProxyController::cancel() {
  if (!server_) return;
  server_->close();
  server_->closeAll();
  QTimer::singleShot(0, this, [this] { Q_EMIT finished(QString(), false); });
}

void ProxyController::sessionStarted(Session* s) {
  const quint32 id = s->id();
  const quint32 conn = next_conn_++;
  conn_of_session_[id] = conn;
  sessions_[id] = SessionRow{id, conn, QStringLiteral("connecting"), {}, {}, 0};
  ConnectionInfo ci;
  ci.id = conn;
  ci.client_text = "proxy client #" + std::to_string(id);
  ci.server_text = config_.upstream_host.toStdString() + ":" + std::to_string(config_.upstream_port);
  ci.is_ovms = true;
  conns_[conn] = ci;
  connect(s, &Session::shown, this, &ProxyController::onShown);
  connect(s, &Session::held, this, &ProxyController::onHeld);
  connect(s, &Session::warned, this, [this](quint32 sid, quint64 hold, const QString& m) {
    for (HeldLine& h : held_)
      if (h.session == sid && h.hold_id == hold) h.warning = m;
    Q_EMIT heldChanged();
  });
  connect(s, &Session::noted, this, [this](quint32 sid, int leg, const QString& line) {
    Q_EMIT note(QStringLiteral("#%1 %2: %3").arg(sid).arg(leg_name(static_cast<Leg>(leg))).arg(line));
  });
  connect(s, &Session::stateChanged, this, [this, s](quint32 sid, const QString& st) {
    SessionRow& row = sessions_[sid];
    row.state = st;
    row.vehicle = QString::fromStdString(s->relay().vehicle());
    row.role = QString::fromLatin1(role_name(s->relay().client_role()));
    Q_EMIT sessionsChanged();
  });
  Q_EMIT sessionsChanged();
}

// Each session's relay (and each replay) numbers its records from 0; the store needs one rising id
// over all of them, and a connection number for each session and replay.
RecordPtr ProxyController::renumber(const RecordPtr& r, quint32 conn) {
  auto c = std::make_shared<LineRecord>();
  LineRecord& x = *c;
  x.id = next_id_++;
  x.frame = x.id;
  x.ts = r->ts;
  x.conn = conn;
  x.dir = r->dir;
  x.role = r->role;
  x.vehicle = r->vehicle;
  x.wire = r->wire;
  x.plain = r->plain;
  x.body_offset = r->body_offset;
  x.kind = r->kind;
  x.msg = r->msg;
  if (x.plain) x.msg.rebase(*x.plain);  // its field texts are views into its own plaintext
  if (r->inner) x.inner = std::make_unique<InnerMessage>(*r->inner);
  if (r->handshake) x.handshake = std::make_unique<HandshakeInfo>(*r->handshake);
  x.diags = r->diags;
  x.stream_pos = r->stream_pos;
  x.stream_end = r->stream_end;
  return c;
}

void ProxyController::onShown(const ShownLine& line) {
  const relay::Show& sh = line.show;
  if (!sh.record) return;
  // A changed line is shown as it was sent (what its receiver got); the mark keeps it as it came.
  RecordPtr r = renumber(sh.changed && sh.sent ? sh.sent : sh.record, conn_of_session_[line.session]);
  ProxyMark m;
  m.from = sh.from;
  m.changed = sh.changed;
  m.dropped = sh.dropped;
  m.injected = sh.injected;
  m.to_proxy = sh.to_proxy;
  m.arrived = sh.record;
  m.session = line.session;
  m.what = relay::show_mark_name(sh);
  notes_->add(r->id, std::move(m));
  if (sh.to_proxy) {
    replies_.push_back(r);
    Q_EMIT replyReceived(r);
  }
  const quint32 conn = r->conn;
  queue(std::move(r), conn);
}

void ProxyController::queue(RecordPtr r, quint32 conn) {
  if (!pending_) {
    pending_ = std::make_shared<RecordBatch>();
    // Lines come one by one: a batch per event-loop turn keeps the views' work per line small.
    QTimer::singleShot(0, this, &ProxyController::flush);
  }
  auto ci = conns_.find(conn);
  if (ci != conns_.end()) {
    pending_->connections.push_back(ci->second);
    conns_.erase(ci);
  }
  pending_->records.push_back(std::move(r));
}

void ProxyController::flush() {
  if (!pending_) return;
  BatchPtr b = std::move(pending_);
  pending_.reset();
  Q_EMIT batchReady(b);
}

void ProxyController::onHeld(quint32 session, quint64 hold, const RecordPtr& r, int from, double deadline,
                             const QString& who) {
  held_.push_back(HeldLine{session, hold, r, static_cast<Leg>(from), deadline, who, {}});
  sessions_[session].held++;
  Q_EMIT heldChanged();
  Q_EMIT sessionsChanged();
}

bool ProxyController::setInterceptFilter(const QString& text, QString& error) {
  if (text.trimmed().isEmpty()) {
    interceptOff();
    return true;
  }
  FilterError fe;
  auto f = DisplayFilter::compile(text.toStdString(), fe);
  if (!f) {
    error = tr("column %1: %2").arg(fe.column).arg(QString::fromStdString(fe.message));
    return false;
  }
  intercept_ = std::move(f);
  intercept_text_ = text;
  return true;
}

void ProxyController::interceptOff() {
  intercept_.reset();
  intercept_text_.clear();
}

bool ProxyController::verdict(std::size_t index, int action, const QString& body, bool inner) {
  if (index >= held_.size() || !server_) return false;
  HeldLine h = held_[index];
  held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(index));
  auto it = server_->sessions().find(h.session);
  if (sessions_[h.session].held) sessions_[h.session].held--;
  Q_EMIT heldChanged();
  Q_EMIT sessionsChanged();
  if (it == server_->sessions().end()) return false;  // the session ended meanwhile
  it->second->verdict(h.hold_id, action, body, inner);
  return true;
}

bool ProxyController::forward(std::size_t i) { return verdict(i, 0, {}, false); }
bool ProxyController::edit(std::size_t i, const QString& body, bool inner) { return verdict(i, 1, body, inner); }
bool ProxyController::drop(std::size_t i) { return verdict(i, 2, {}, false); }
void ProxyController::forwardAll() {
  while (!held_.empty()) forward(0);
}

bool ProxyController::inject(quint32 session, Leg toward, const QString& body) {
  if (!server_) return false;
  auto it = server_->sessions().find(session);
  if (it == server_->sessions().end()) return false;
  it->second->inject(static_cast<int>(toward), body);
  return true;
}

std::optional<quint32> ProxyController::firstSession() const {
  if (!server_ || server_->sessions().empty()) return std::nullopt;
  return server_->sessions().begin()->first;
}

std::vector<SessionRow> ProxyController::sessions() const {
  std::vector<SessionRow> v;
  for (const auto& [id, row] : sessions_) v.push_back(row);
  return v;
}

bool ProxyController::closeSession(quint32 id) {
  if (!server_) return false;
  auto it = server_->sessions().find(id);
  if (it == server_->sessions().end()) return false;
  // Held lines of a closed session get no verdict.
  for (std::size_t i = held_.size(); i-- > 0;)
    if (held_[i].session == id) held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
  it->second->close();
  Q_EMIT heldChanged();
  return true;
}

bool ProxyController::recordTo(const QString& path, QString& error) { return tap_->start(path, keys_.get(), error); }
bool ProxyController::stopRecording(QString& error) { return tap_->stop(error); }
bool ProxyController::recording() const { return tap_->recording(); }

ReplaySession* ProxyController::replay(const QString& path, double speed, QString& error, quint32* conn_out) {
  if (!keys_) {
    error = tr("replay needs keys (Proxy › Start with a keys file)");
    return nullptr;
  }
  ReplayConfig rc;
  rc.host = config_.upstream_host;
  rc.port = config_.upstream_port;
  rc.tls = config_.upstream_tls;
  rc.insecure = config_.upstream_insecure;
  rc.keys = keys_;
  rc.as = Role::Car;
  rc.speed = speed;
  std::optional<std::vector<ReplayMessage>> messages;
  std::string why = path.toStdString() + ": the keys have no vehicle";
  for (const VehicleKey& v : keys_->vehicles()) {
    if (v.id.empty()) continue;
    messages = load_replay_messages(path.toStdString(), keys_.get(), v.id, Role::Car, why);
    if (messages) {
      rc.vehicle = v.id;
      break;
    }
  }
  if (!messages) {
    error = QString::fromStdString(why);
    return nullptr;
  }
  const quint32 conn = next_conn_++;
  ConnectionInfo ci;
  ci.id = conn;
  ci.client_text = "replay of " + QFileInfo(path).fileName().toStdString();
  ci.server_text = config_.upstream_host.toStdString() + ":" + std::to_string(config_.upstream_port);
  ci.is_ovms = true;
  conns_[conn] = ci;
  if (conn_out) *conn_out = conn;
  auto* r = new ReplaySession(std::move(rc), std::move(*messages), this);
  // The replay is the proxy's own connection to the server: every line is on the server leg, and the
  // ones it sent (as the car would) are marked replayed.
  connect(r, &ReplaySession::line, this, [this, conn](const RecordPtr& x) {
    RecordPtr shown = renumber(x, conn);
    ProxyMark m;
    m.from = Leg::Server;
    m.replayed = x->dir == Direction::ClientToServer;
    m.what = m.replayed ? ProxyNotes::replayedName() : "";
    m.arrived = x;
    notes_->add(shown->id, std::move(m));
    queue(std::move(shown), conn);
  });
  connect(r, &ReplaySession::finished, r, &QObject::deleteLater);
  r->start();
  return r;
}

}  // namespace inspector
