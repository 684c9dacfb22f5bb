#include "replay_session.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>
#include <algorithm>

#include "ovms/protocol.h"
#include "ovms/welcome_lines.h"

namespace ovms::proxy {
namespace {

// A client token as the firmware makes them: 22 characters of letters and digits.
std::string fresh_token() {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string t(22, ' ');
  for (char& c : t) c = kAlphabet[QRandomGenerator::system()->bounded(62)];
  return t;
}

double wall_now() { return static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0; }

}  // namespace

ReplaySession::ReplaySession(ReplayConfig cfg, std::vector<ReplayMessage> messages, QObject* parent)
    : QObject(parent),
      cfg_(std::move(cfg)),
      messages_(std::move(messages)),
      decoder_(0, cfg_.keys.get(), nullptr),
      enc_(LineFraming::crlf()) {
  timer_ = new QTimer(this);
  timer_->setSingleShot(true);
  connect(timer_, &QTimer::timeout, this, [this] {
    if (lingering_) finish(true, {});
    else schedule();
  });
}

ReplaySession::~ReplaySession() = default;

void ReplaySession::start() {
  const VehicleKey* key = cfg_.keys ? cfg_.keys->find_vehicle(cfg_.vehicle) : nullptr;
  if (!key || !key->server_password) {
    QTimer::singleShot(0, this, [this] {
      finish(false, QString::fromStdString("the keys have no server password for vehicle " + cfg_.vehicle));
    });
    return;
  }
  secret_ = *key->server_password;
  if (cfg_.tls) {
    auto* s = new QSslSocket(this);
    if (cfg_.insecure) s->setPeerVerifyMode(QSslSocket::VerifyNone);
    if (!cfg_.ca.isEmpty()) {
      QSslConfiguration c = s->sslConfiguration();
      c.addCaCertificates(cfg_.ca);
      s->setSslConfiguration(c);
    }
    connect(s, &QSslSocket::encrypted, this, &ReplaySession::connected);
    connect(s, &QSslSocket::sslErrors, this, [this, s](const QList<QSslError>& errors) {
      if (!cfg_.insecure) finish(false, "TLS: " + errors.value(0).errorString());
      else s->ignoreSslErrors();
    });
    socket_ = s;
    s->connectToHostEncrypted(cfg_.host, cfg_.port);
  } else {
    socket_ = new QTcpSocket(this);
    connect(socket_, &QTcpSocket::connected, this, &ReplaySession::connected);
    socket_->connectToHost(cfg_.host, cfg_.port);
  }
  connect(socket_, &QTcpSocket::readyRead, this, &ReplaySession::readable);
  connect(socket_, &QTcpSocket::disconnected, this, &ReplaySession::closed);
  connect(socket_, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
    if (e == QAbstractSocket::RemoteHostClosedError) return;  // `disconnected` follows
    finish(false, cfg_.host + ":" + QString::number(cfg_.port) + ": " + socket_->errorString());
  });
  // Speed 0: the next message as soon as the socket has written what it holds.
  connect(socket_, &QTcpSocket::bytesWritten, this, [this] {
    if (logged_in_ && cfg_.speed <= 0 && !lingering_) schedule();
  });
}

void ReplaySession::connected() {
  token_ = fresh_token();
  const char type = cfg_.as == Role::App ? 'A' : 'C';
  send_bytes(enc_.encode_plain(client_welcome_line(type, token_, secret_, cfg_.vehicle)));
}

void ReplaySession::send_bytes(const std::string& bytes) {
  socket_->write(bytes.data(), static_cast<qint64>(bytes.size()));
  decoder_.feed(Direction::ClientToServer, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), ++events_,
                wall_now(), *this);
}

void ReplaySession::send_body(const std::string& body) { send_bytes(enc_.encode(body)); }

void ReplaySession::readable() {
  const QByteArray data = socket_->readAll();
  decoder_.feed(Direction::ServerToClient, reinterpret_cast<const uint8_t*>(data.constData()),
                static_cast<std::size_t>(data.size()), ++events_, wall_now(), *this);
}

void ReplaySession::on_record(const RecordPtr& r) {
  Q_EMIT line(r);
  if (r->dir != Direction::ServerToClient || done_) return;
  if (r->kind == LineKind::ServerWelcome && !logged_in_) {
    if (!r->handshake || !r->handshake->ok) {
      finish(false, "the server's welcome does not match the vehicle's secret");
      return;
    }
    // The session key from the server's fresh token and ours (PROTOCOL.md §2.4).
    enc_.start_scheme0(session_key(secret_, r->handshake->server_token, token_));
    logged_in_ = true;
    clock_.start();
    schedule();
    return;
  }
  if (r->kind != LineKind::Message || !r->plain || r->body_offset < 0) return;
  ++received_;
  // The server's ping wants its answer (PROTOCOL.md §1.5); the recorded pings were left out.
  if (cfg_.as == Role::Car && r->msg.code == 'A') send_body("a");
}

void ReplaySession::schedule() {
  if (done_ || lingering_) return;
  const double t0 = messages_.empty() ? 0 : messages_.front().ts;
  while (next_ < messages_.size()) {
    if (cfg_.speed <= 0) {
      if (static_cast<std::size_t>(socket_->bytesToWrite()) > cfg_.bound) return;  // bytesWritten resumes
    } else {
      const double due_ms = (messages_[next_].ts - t0) / cfg_.speed * 1000.0;
      const double wait_ms = due_ms - static_cast<double>(clock_.elapsed());
      if (wait_ms > 0) {
        timer_->start(static_cast<int>(std::min(wait_ms + 0.5, 2.0e9)));
        return;
      }
    }
    send_body(messages_[next_++].body);
  }
  lingering_ = true;  // everything sent: listen a while for what the server answers
  timer_->start(static_cast<int>(cfg_.linger * 1000));
}

void ReplaySession::closed() {
  if (done_) return;
  decoder_.closed(Direction::ServerToClient, ++events_, wall_now(), *this);
  if (!logged_in_) finish(false, "the server closed the connection before its welcome (a wrong secret?)");
  else finish(false, QString("the server closed the connection after %1 of %2 messages").arg(next_).arg(messages_.size()));
}

void ReplaySession::finish(bool ok, const QString& why) {
  if (done_) return;
  done_ = true;
  timer_->stop();
  if (socket_) {
    socket_->disconnect(this);
    socket_->disconnectFromHost();
  }
  Q_EMIT finished(ok, why);
}

}  // namespace ovms::proxy
