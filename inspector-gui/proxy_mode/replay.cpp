#include "proxy_mode/replay.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTcpSocket>

#include "ovms/connection.h"
#include "ovms/line_encoder.h"
#include "ovms/protocol.h"
#include "ovms/welcome_lines.h"

namespace inspector {

using namespace ovms;

std::vector<ReplayLine> car_messages(const std::vector<RecordPtr>& records, std::string& vehicle) {
  std::vector<ReplayLine> out;
  std::optional<uint32_t> conn;
  for (const RecordPtr& r : records) {
    if (r->role != Role::Car || r->dir != Direction::ClientToServer) continue;
    if (!conn) {
      if (!vehicle.empty() && r->vehicle != vehicle) continue;
      conn = r->conn;
      vehicle = r->vehicle;
    }
    if (r->conn != *conn || r->kind != LineKind::Message || !r->plain || r->body_offset < 0) continue;
    std::string body = r->plain->substr(static_cast<std::size_t>(r->body_offset));
    if (!body.empty()) out.push_back(ReplayLine{std::move(body), r->ts});
  }
  return out;
}

struct Replayer::Sink : RecordSink {
  std::shared_ptr<RecordBatch> batch = std::make_shared<RecordBatch>();
  void on_record(const RecordPtr& r) override { batch->records.push_back(r); }
  void on_response_link(uint64_t req, uint64_t resp, uint64_t) override { batch->links.emplace_back(req, resp); }
};

struct Replayer::Codec {
  explicit Codec(const KeyStore* keys) : decoder(0, keys, &next_id) {}
  uint64_t next_id = 0;
  ConnectionDecoder decoder;
  LineEncoder encoder;
  uint64_t frame = 0;
};

Replayer::Replayer(KeyStore keys, QObject* parent) : RecordSource(parent), keys_(std::move(keys)) {}
Replayer::~Replayer() = default;

QString Replayer::name() const { return tr("replay of %1 to %2").arg(QString::fromStdString(vehicle_), where_); }

bool Replayer::start(const QString& host, quint16 port, const std::string& vehicle, std::vector<ReplayLine> lines,
                     bool timing, QString& error) {
  const VehicleKey* v = keys_.find_vehicle(vehicle);
  if (!v || !v->server_password) {
    error = tr("replay: the keys have no server password for vehicle '%1'").arg(QString::fromStdString(vehicle));
    return false;
  }
  vehicle_ = vehicle;
  secret_ = *v->server_password;
  lines_ = std::move(lines);
  timing_ = timing;
  where_ = QStringLiteral("%1:%2").arg(host).arg(port);
  codec_ = std::make_unique<Codec>(&keys_);
  // A fresh token: a server refuses a token it has seen (replay protection), and the session key is new.
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+";
  for (int i = 0; i < 22; ++i) token_ += kAlphabet[QRandomGenerator::system()->bounded(63)];
  socket_ = new QTcpSocket(this);
  connect(socket_, &QTcpSocket::connected, this, [this] {
    const std::string w = codec_->encoder.encode_plain(client_welcome_line('C', token_, secret_, vehicle_));
    feed(Direction::ClientToServer, w);
    socket_->write(w.data(), static_cast<qint64>(w.size()));
  });
  connect(socket_, &QTcpSocket::readyRead, this, &Replayer::onReadable);
  connect(socket_, &QTcpSocket::disconnected, this, [this] {
    finish(next_ < lines_.size() ? tr("replay: %1 closed the connection after %2 of %3 messages")
                                       .arg(where_).arg(sent_).arg(lines_.size())
                                 : QString());
  });
  connect(socket_, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
    if (e != QAbstractSocket::RemoteHostClosedError) finish(tr("replay: %1: %2").arg(where_, socket_->errorString()));
  });
  socket_->connectToHost(host, port);
  QTimer::singleShot(0, this, [this] { Q_EMIT progress(0); });
  return true;
}

void Replayer::feed(Direction dir, const std::string& bytes) {
  Sink sink;
  codec_->decoder.feed(dir, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), ++codec_->frame,
                       static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0, sink);
  if (!sink.batch->records.empty()) Q_EMIT batchReady(sink.batch);
}

void Replayer::onReadable() {
  const QByteArray data = socket_->readAll();
  const std::string bytes(data.constData(), static_cast<std::size_t>(data.size()));
  feed(Direction::ServerToClient, bytes);
  if (logged_in_) return;
  inbox_ += bytes;
  const std::size_t end = inbox_.find('\n');
  if (end == std::string::npos) return;
  // "MP-S 0 <server token> <digest>": the session key from both tokens, then the messages.
  std::string line = inbox_.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.rfind("MP-S 0 ", 0) != 0) {
    finish(tr("replay: %1 did not accept the login: '%2'").arg(where_, QString::fromStdString(line.substr(0, 40))));
    socket_->abort();
    return;
  }
  const std::size_t sp = line.find(' ', 7);
  const std::string server_token = line.substr(7, sp - 7);
  codec_->encoder.start_scheme0(session_key(secret_, server_token, token_));
  logged_in_ = true;
  sendNext();
}

void Replayer::sendNext() {
  if (done_) return;
  if (next_ >= lines_.size()) {
    // Everything sent: a moment for the server's last answers, then the car leaves.
    QTimer::singleShot(500, this, [this] { if (socket_) socket_->disconnectFromHost(); });
    return;
  }
  const ReplayLine& l = lines_[next_++];
  const std::string wire = codec_->encoder.encode(l.body);
  feed(Direction::ClientToServer, wire);
  socket_->write(wire.data(), static_cast<qint64>(wire.size()));
  ++sent_;
  Q_EMIT progress(static_cast<int>(100 * sent_ / lines_.size()));
  double gap = 0;
  if (timing_ && next_ < lines_.size()) gap = std::max(0.0, lines_[next_].ts - l.ts);
  QTimer::singleShot(static_cast<int>(gap * 1000), this, &Replayer::sendNext);
}

void Replayer::cancel() {
  if (socket_) socket_->abort();
  finish(QString());
}

void Replayer::finish(const QString& error) {
  if (done_) return;
  done_ = true;
  Sink sink;
  codec_->decoder.finish(++codec_->frame, static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0, sink);
  if (!sink.batch->records.empty()) Q_EMIT batchReady(sink.batch);
  Q_EMIT finished(error, false);
}

}  // namespace inspector
