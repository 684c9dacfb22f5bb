#include "session.h"

#include <sys/socket.h>
#include <unistd.h>

#include <QDateTime>
#include <QSslSocket>
#include <QTimer>

#include "leg_writer.h"
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
  connect(client_, &QTcpSocket::bytesWritten, this, [this] { sentAll(Leg::Client); updatePause(); });
  connect(client_, &QTcpSocket::disconnected, this, [this] { legClosed(Leg::Client, peerReset(Leg::Client)); });
  connect(client_, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
    if (e == QAbstractSocket::RemoteHostClosedError) {
      peerReset(Leg::Client);
      return;
    }
    legClosed(Leg::Client, true);
  });
  plain_[0] = !qobject_cast<QSslSocket*>(client_);
  adopt(Leg::Client);
  QTimer::singleShot(0, this, &Session::startUpstream);
}

Session::~Session() {
  dropDuplicate(Leg::Client);
  dropDuplicate(Leg::Server);
}

void Session::adopt(Leg leg) {
  // Only a plain TCP leg. Made at the start: by the time Qt reports the peer's FIN (or RST) it has
  // closed its own descriptor already. So a session holds four descriptors.
  const int i = static_cast<int>(leg);
  QTcpSocket* s = socket(leg);
  if (!plain_[i] || shut_[i] || reset_seen_[i] || dup_[i] >= 0 || !s) return;
  dup_[i] = duplicate_descriptor(static_cast<int>(s->socketDescriptor()));
}

void Session::dropDuplicate(Leg leg) {
  int& fd = dup_[static_cast<int>(leg)];
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::size_t Session::queued_to(Leg leg) const {
  QTcpSocket* s = socket(leg);
  const LegWriter* w = writer_[static_cast<int>(leg)];
  return (s ? static_cast<std::size_t>(s->bytesToWrite()) : 0) + (w ? w->pending() : 0);
}

void Session::startUpstream() {
  Q_EMIT stateChanged(id_, QStringLiteral("connecting"));
  QSslSocket* s = new QSslSocket(this);
  upstream_ = s;
  upstream_->setReadBufferSize(kSocketReadBuffer);
  open_[1] = true;
  auto ready = [this] {
    connected_ = true;
    plain_[1] = !config_.upstream_tls;
    adopt(Leg::Server);
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
  connect(s, &QTcpSocket::bytesWritten, this, [this] { sentAll(Leg::Server); updatePause(); });
  connect(s, &QTcpSocket::disconnected, this, [this] { legClosed(Leg::Server, peerReset(Leg::Server)); });
  connect(s, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
    if (!connected_) {
      // Never reached: the car's leg closes with a clear word, no bytes to it.
      Q_EMIT noted(id_, 1, QStringLiteral("! error proxy.upstream_unreachable: %1:%2: %3: closing the client's leg")
                             .arg(config_.upstream_host)
                             .arg(config_.upstream_port)
                             .arg(upstream_->errorString()));
      open_[1] = false;
      peer_ended_[1] = shut_[1] = true;
      closeWhole(Leg::Client);
      finishIfDone();
      return;
    }
    if (e == QAbstractSocket::RemoteHostClosedError) {
      peerReset(Leg::Server);
    } else {
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
    legClosed(leg, peerReset(leg));
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
    const int i = static_cast<int>(x->leg);
    LegWriter* w = writer_[i];
    if (s && !shut_[i] && (w || (open_[i] && s->state() == QAbstractSocket::ConnectedState))) {
      if (w) w->write(x->bytes.data(), x->bytes.size());  // the peer half-closed and reads on
      else s->write(x->bytes.data(), static_cast<qint64>(x->bytes.size()));
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
  closeWhole(Leg::Client);
  closeWhole(Leg::Server);
  finishIfDone();
}

void Session::closeLeg(Leg leg, bool reset) {
  QTcpSocket* s = socket(leg);
  const int i = static_cast<int>(leg);
  if (!s || (shut_[i] && !reset)) return;
  shut_[i] = true;
  if (reset) {
    // A reset is passed on as a reset: linger 0, then the last close of the connection sends RST.
    open_[i] = false;
    whole_[i] = true;
    set_reset_on_close(dup_[i] >= 0 ? dup_[i] : static_cast<int>(s->socketDescriptor()));  // either is the connection
    dropDuplicate(leg);
    if (writer_[i]) writer_[i]->reset();
    s->abort();
    return;
  }
  if (writer_[i]) {
    writer_[i]->finish();  // the peer half-closed before: FIN after the last byte, then closed
  } else if (!plain_[i]) {
    closeWhole(leg);  // TLS: no half-close
  } else if (s->state() == QAbstractSocket::ConnectedState) {
    shut_pending_[i] = true;  // FIN after what Qt still has to write; the peer may still send
    sentAll(leg);
  }
}

void Session::sentAll(Leg leg) {
  const int i = static_cast<int>(leg);
  QTcpSocket* s = socket(leg);
  if (!shut_pending_[i] || !s || s->bytesToWrite() > 0) return;
  shut_pending_[i] = false;
  shutdown_write(static_cast<int>(s->socketDescriptor()));
}

void Session::closeWhole(Leg leg) {
  QTcpSocket* s = socket(leg);
  const int i = static_cast<int>(leg);
  if (!s || whole_[i]) return;
  whole_[i] = shut_[i] = true;
  open_[i] = false;
  if (writer_[i]) writer_[i]->finish();
  if (s->state() == QAbstractSocket::UnconnectedState) dropDuplicate(leg);
  else s->disconnectFromHost();  // after what is still to write; disconnected() drops the duplicate
}

void Session::legClosed(Leg leg, bool reset) {
  const int i = static_cast<int>(leg);
  if (done_) return;
  QTcpSocket* s = socket(leg);
  if (!reset && !whole_[i] && s && s->bytesAvailable() > 0) {
    // The peer's last bytes are still in the socket (a paused leg): the close waits until they are read.
    eof_pending_[i] = true;
    return;
  }
  if (whole_[i] || reset) dropDuplicate(leg);  // we closed it, or it is gone: nothing more to write
  if (peer_ended_[i]) {
    finishIfDone();
    return;
  }
  peer_ended_[i] = true;
  open_[i] = false;
  if (leg == Leg::Server && !peer_ended_[0] && !whole_[1])
    Q_EMIT noted(id_, 1, QStringLiteral("! warning proxy.upstream_gone: the server %1 the connection: %2 the client's leg")
                           .arg(reset ? QStringLiteral("reset") : QStringLiteral("closed"))
                           .arg(reset ? QStringLiteral("resetting") : QStringLiteral("closing")));
  if (!reset && !shut_[i] && dup_[i] >= 0) {
    // A half-close: the peer may still read what the other leg sends back.
    writer_[i] = new LegWriter(dup_[i], this);
    dup_[i] = -1;
    connect(writer_[i], &LegWriter::drained, this, [this] { updatePause(); finishIfDone(); });
    connect(writer_[i], &LegWriter::failed, this, [this] { finishIfDone(); });
  } else if (!reset) {
    dropDuplicate(leg);  // both directions are over (or TLS)
    shut_[i] = true;
  }
  handle(relay::Closed{leg, reset, now()});
  // A leg that cannot take the other peer's answer (TLS, or already closed our way): that leg closes
  // whole after its last bytes, as it did before half-closes were passed on.
  if (!reset && !writer_[i]) closeWhole(other_leg(leg));
  finishIfDone();
}

bool Session::peerReset(Leg leg) {
  // Qt reads a RST as an end of stream (RemoteHostClosedError): the kernel's TCP state tells them apart.
  const int i = static_cast<int>(leg);
  QTcpSocket* s = socket(leg);
  if (!reset_seen_[i] && !shut_[i])
    reset_seen_[i] = reset_by_peer(dup_[i] >= 0 ? dup_[i] : s ? static_cast<int>(s->socketDescriptor()) : -1);
  return reset_seen_[i];
}

bool Session::legGone(Leg leg) const {
  const int i = static_cast<int>(leg);
  QTcpSocket* s = socket(leg);
  const bool socket_gone = !s || s->state() == QAbstractSocket::UnconnectedState;
  return socket_gone && dup_[i] < 0 && (!writer_[i] || writer_[i]->done());
}

void Session::finishIfDone() {
  if (done_) return;
  auto over = [this](int i) { return peer_ended_[i] || whole_[i]; };
  const bool legs_done = over(0) && (over(1) || !upstream_);
  if (!(legs_done || relay_.state() == Relay::State::Closed)) return;
  if (relay_.state() == Relay::State::Closed) {
    // Both directions are over (or one was reset): what is still open closes after its last bytes.
    for (Leg leg : {Leg::Client, Leg::Server}) {
      const int i = static_cast<int>(leg);
      if (writer_[i]) writer_[i]->finish();
      else if (!peer_ended_[i] || dup_[i] >= 0) closeWhole(leg);
    }
  }
  // Wait for the last bytes to leave: each socket's disconnected() comes back here (legClosed).
  if (!legGone(Leg::Client) || !legGone(Leg::Server)) return;
  done_ = true;
  if (recorder_) recorder_->closed(id_);
  Q_EMIT stateChanged(id_, QStringLiteral("done"));
  Q_EMIT finished(id_);
}

}  // namespace ovms::proxy
