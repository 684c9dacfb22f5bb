#include "session.h"

#include <sys/socket.h>

#include <QDateTime>
#include <QSslSocket>
#include <QTimer>

#include "ovms/present.h"
#include "recorder.h"
#include "rules.h"

namespace ovms::proxy {

namespace {

// The sockets' own read buffers: small, so that a leg we stop reading fills the kernel's window
// (the sender slows down) instead of Qt's memory.
constexpr qint64 kSocketReadBuffer = 64 * 1024;

QString diag_text(const Diagnostic& d) { return QString::fromStdString(present::diagnostic_line(d)); }

}  // namespace

double Session::now() { return static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0; }

Session::Session(uint32_t id, QTcpSocket* client, const SessionConfig& config, Rules* rules, Recorder* recorder,
                 QObject* parent)
    : QObject(parent),
      id_(id),
      config_(config),
      rules_(rules),
      recorder_(recorder),
      relay_([&] {
        RelayOptions o;
        o.keys = config.keys;
        o.conn = id;
        o.warn_before = config.warn_before;
        o.timeouts = config.timeouts;
        // Rules hold the lines they select (and decide at once); the front end's filter holds the rest it wants.
        o.intercept = [this](const LineRecord& r, Leg from) {
          if (rules_ && rules_->match(r, from)) return true;
          return intercept_ && intercept_(r, from);
        };
        return o;
      }()),
      client_(client) {
  client_->setParent(this);
  client_->setReadBufferSize(kSocketReadBuffer);
  connect(client_, &QTcpSocket::readyRead, this, [this] { readLeg(Leg::Client); });
  connect(client_, &QTcpSocket::bytesWritten, this, [this] { updatePause(); });
  connect(client_, &QTcpSocket::disconnected, this, [this] { legClosed(Leg::Client, false); });
  connect(client_, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
    if (e != QAbstractSocket::RemoteHostClosedError) legClosed(Leg::Client, true);
  });
  QTimer::singleShot(0, this, &Session::startUpstream);
}

Session::~Session() = default;

std::size_t Session::queued_to(Leg leg) const {
  QTcpSocket* s = socket(leg);
  return s ? static_cast<std::size_t>(s->bytesToWrite()) : 0;
}

void Session::startUpstream() {
  Q_EMIT stateChanged(id_, QStringLiteral("connecting"));
  QSslSocket* s = new QSslSocket(this);
  upstream_ = s;
  upstream_->setReadBufferSize(kSocketReadBuffer);
  open_[1] = true;
  auto ready = [this] {
    connected_ = true;
    Q_EMIT stateChanged(id_, QStringLiteral("connected"));
    readLeg(Leg::Client);  // the car spoke first: its welcome waits in the socket
  };
  if (config_.upstream_tls) {
    if (config_.upstream_insecure) s->setPeerVerifyMode(QSslSocket::VerifyNone);
    if (!config_.upstream_ca.isEmpty()) {
      QSslConfiguration c = s->sslConfiguration();
      c.addCaCertificates(config_.upstream_ca);
      s->setSslConfiguration(c);
    }
    connect(s, &QSslSocket::encrypted, this, ready);
    connect(s, &QSslSocket::sslErrors, this, [this](const QList<QSslError>& errors) {
      for (const QSslError& e : errors)
        Q_EMIT noted(id_, 1, QStringLiteral("! error proxy.upstream_tls: %1 (--upstream-insecure skips the check)")
                               .arg(e.errorString()));
    });
    s->connectToHostEncrypted(config_.upstream_host, config_.upstream_port);
  } else {
    connect(s, &QTcpSocket::connected, this, ready);
    s->connectToHost(config_.upstream_host, config_.upstream_port);
  }
  connect(s, &QTcpSocket::readyRead, this, [this] { readLeg(Leg::Server); });
  connect(s, &QTcpSocket::bytesWritten, this, [this] { updatePause(); });
  connect(s, &QTcpSocket::disconnected, this, [this] { legClosed(Leg::Server, false); });
  connect(s, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
    if (!connected_) {
      // Never reached: the car's leg closes with a clear word, no bytes to it.
      Q_EMIT noted(id_, 1, QStringLiteral("! error proxy.upstream_unreachable: %1:%2: %3: closing the client's leg")
                             .arg(config_.upstream_host)
                             .arg(config_.upstream_port)
                             .arg(upstream_->errorString()));
      open_[1] = false;
      closeLeg(Leg::Client, false);
      finishIfDone();
      return;
    }
    if (e != QAbstractSocket::RemoteHostClosedError) {
      Q_EMIT noted(id_, 1, QStringLiteral("! warning proxy.upstream_error: %1").arg(upstream_->errorString()));
      legClosed(Leg::Server, true);
    }
  });
}

void Session::readLeg(Leg leg) {
  QTcpSocket* s = socket(leg);
  if (done_ || !s || !connected_ || paused_[static_cast<int>(leg)]) return;
  // One bounded read at a time, so that a pause takes effect between reads.
  while (!paused_[static_cast<int>(leg)] && s->bytesAvailable() > 0) {
    QByteArray data = s->read(kSocketReadBuffer);
    if (data.isEmpty()) break;
    if (recorder_) recorder_->data(id_, leg, true, *s, data.constData(), static_cast<std::size_t>(data.size()));
    handle(relay::Received{leg, std::string(data.constData(), static_cast<std::size_t>(data.size())), now()});
    updatePause();
    if (done_) return;
  }
  const int i = static_cast<int>(leg);
  if (eof_pending_[i] && s->bytesAvailable() == 0) {
    eof_pending_[i] = false;
    legClosed(leg, false);
  }
}

void Session::updatePause() {
  for (Leg leg : {Leg::Client, Leg::Server}) {
    // The relay's own store counts only behind a held line: a partial line needs more bytes to finish,
    // so pausing for it would wait forever (the relay's max_buffered bounds that case).
    const bool over = (relay_.held() > 0 && relay_.buffered(leg) > config_.bound) ||
                      queued_to(other_leg(leg)) > config_.bound;
    const int i = static_cast<int>(leg);
    if (paused_[i] == over) continue;
    paused_[i] = over;
    // Reading again: what the socket kept while paused is not announced again by readyRead.
    if (!over) QTimer::singleShot(0, this, [this, leg] { readLeg(leg); });
  }
}

void Session::handle(const relay::Event& e) {
  std::vector<relay::Command> cmds = relay_.handle(e);
  for (relay::Command& c : cmds) carryOut(c);
  const QString state = QString::fromLatin1(relay_state_name(relay_.state()));
  if (state != lastState_) {
    lastState_ = state;
    Q_EMIT stateChanged(id_, state);
  }
  finishIfDone();
}

void Session::carryOut(relay::Command& c) {
  if (auto* x = std::get_if<relay::Send>(&c)) {
    QTcpSocket* s = socket(x->leg);
    if (s && open_[static_cast<int>(x->leg)]) {
      s->write(x->bytes.data(), static_cast<qint64>(x->bytes.size()));
      if (recorder_) recorder_->data(id_, x->leg, false, *s, x->bytes.data(), x->bytes.size());
    }
  } else if (auto* x = std::get_if<relay::Close>(&c)) {
    closeLeg(x->leg, x->reset);
  } else if (auto* x = std::get_if<relay::Show>(&c)) {
    Q_EMIT shown(ShownLine{id_, *x});
  } else if (auto* x = std::get_if<relay::Hold>(&c)) {
    Rule* rule = rules_ ? rules_->match(*x->record, x->from) : nullptr;
    if (!rule) {
      Q_EMIT held(id_, x->hold_id, x->record, static_cast<int>(x->from), x->deadline, QString::fromStdString(x->who));
      return;
    }
    Decision d = rules_->decide(*rule, *x->record, x->from);
    if (!d.error.empty()) Q_EMIT noted(id_, static_cast<int>(x->from), QString::fromStdString("! warning proxy.rule: " + d.error));
    const uint64_t hold = x->hold_id;
    auto give = [this, hold, d] {
      verdict(hold, static_cast<int>(d.action), QString::fromStdString(d.body), d.inner);
      if (d.inject_toward) inject(static_cast<int>(*d.inject_toward), QString::fromStdString(d.inject));
    };
    // Verdicts are given from the event loop, not from inside the relay's handle().
    QTimer::singleShot(static_cast<int>(d.delay * 1000), this, give);
  } else if (auto* x = std::get_if<relay::Warn>(&c)) {
    Q_EMIT warned(id_, x->hold_id, QString::fromStdString(x->message));
  } else if (auto* x = std::get_if<relay::Note>(&c)) {
    Q_EMIT noted(id_, static_cast<int>(x->leg), diag_text(x->diag));
  }
}

void Session::verdict(quint64 holdId, int action, const QString& body, bool inner) {
  if (done_) return;
  relay::Verdict v;
  v.hold_id = holdId;
  v.action = static_cast<relay::Verdict::Action>(action);
  v.body = body.toStdString();
  v.inner = inner;
  v.now = now();
  handle(v);
  updatePause();
  // Lines behind the hold may have been waiting in the sockets.
  QTimer::singleShot(0, this, [this] { readLeg(Leg::Client); readLeg(Leg::Server); });
}

void Session::inject(int towardLeg, const QString& body) {
  if (done_) return;
  handle(relay::Inject{static_cast<Leg>(towardLeg), body.toStdString(), now()});
}

void Session::tick() {
  if (!done_) handle(relay::Tick{now()});
}

void Session::close() {
  if (done_) return;
  closeLeg(Leg::Client, false);
  closeLeg(Leg::Server, false);
  finishIfDone();
}

void Session::closeLeg(Leg leg, bool reset) {
  QTcpSocket* s = socket(leg);
  const int i = static_cast<int>(leg);
  if (!s || !open_[i]) return;
  open_[i] = false;
  if (reset) {
    // A reset is passed on as a reset: linger 0, then abort sends RST.
    struct linger l{1, 0};
    if (s->socketDescriptor() >= 0) ::setsockopt(static_cast<int>(s->socketDescriptor()), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    s->abort();
  } else {
    s->disconnectFromHost();  // after what is still to write
  }
}

void Session::legClosed(Leg leg, bool reset) {
  const int i = static_cast<int>(leg);
  if (done_) return;
  QTcpSocket* s = socket(leg);
  if (!reset && open_[i] && s && s->bytesAvailable() > 0) {
    // The peer's last bytes are still in the socket (a paused leg): the close waits until they are read.
    eof_pending_[i] = true;
    return;
  }
  const bool was_open = open_[i];
  open_[i] = false;
  if (was_open) handle(relay::Closed{leg, reset, now()});
  // Qt has no half-open sockets: once a peer is gone, the other leg is closed after its last bytes.
  closeLeg(other_leg(leg), reset);
  finishIfDone();
}

void Session::finishIfDone() {
  if (done_) return;
  auto gone = [](QTcpSocket* s) { return !s || s->state() == QAbstractSocket::UnconnectedState; };
  const bool legs_done = !open_[0] && !open_[1];
  if (!(legs_done || relay_.state() == Relay::State::Closed)) return;
  if (relay_.state() == Relay::State::Closed) {
    closeLeg(Leg::Client, false);
    closeLeg(Leg::Server, false);
  }
  // Wait for the last bytes to leave: each socket's disconnected() comes back here (legClosed).
  if (!gone(client_) || !gone(upstream_)) return;
  done_ = true;
  if (recorder_) recorder_->closed(id_);
  Q_EMIT stateChanged(id_, QStringLiteral("done"));
  Q_EMIT finished(id_);
}

}  // namespace ovms::proxy
