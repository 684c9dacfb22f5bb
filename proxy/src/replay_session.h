// One replay (ovms-proxy --replay): a fresh, authenticated session toward the server as a car or an
// app (a new client token, the welcome built by welcome_lines.h, the session key from the server's
// own token), then the recorded messages re-encrypted with LineEncoder, with their capture timing
// scaled by `speed` or (speed 0) as fast as the server reads them. The live server's pings are
// answered. Every line of the session, both ways, is decoded by the core's ConnectionDecoder and
// handed out with `line`, so the caller shows what the server answered.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QSslCertificate>
#include <QString>
#include <memory>
#include <vector>

#include "ovms/connection.h"
#include "ovms/line_encoder.h"
#include "ovms/record.h"
#include "replay_capture.h"
#include "session.h"  // Q_DECLARE_METATYPE(ovms::RecordPtr), declared once

class QTcpSocket;
class QTimer;

namespace ovms::proxy {

struct ReplayConfig {
  QString host;
  quint16 port = 6867;
  bool tls = false, insecure = false;  // TLS toward the server (6870), verified unless insecure
  QList<QSslCertificate> ca;           // trusted besides the system's CAs
  std::shared_ptr<const KeyStore> keys;
  std::string vehicle;
  Role as = Role::Car;                 // Car or App
  double speed = 1;                    // 1: the capture's timing; 2: twice as fast; 0: as fast as the server reads
  double linger = 2;                   // seconds to keep listening after the last message
  std::size_t bound = 64 * 1024;       // speed 0: bytes not yet written before waiting
};

class ReplaySession : public QObject, private RecordSink {
  Q_OBJECT
 public:
  ReplaySession(ReplayConfig cfg, std::vector<ReplayMessage> messages, QObject* parent = nullptr);
  ~ReplaySession() override;

  void start();
  std::size_t sent() const { return next_; }
  std::size_t total() const { return messages_.size(); }
  std::size_t received() const { return received_; }  // message lines from the server

 Q_SIGNALS:
  // Every decoded line of the session: ours (c2s) and the server's (s2c).
  void line(const ovms::RecordPtr& record);
  // The session is over: `ok` when every message went out and the server kept the connection.
  void finished(bool ok, const QString& why);

 private:
  void on_record(const RecordPtr& r) override;
  void connected();
  void readable();
  void closed();
  void send_body(const std::string& body);
  void send_bytes(const std::string& bytes);
  void schedule();  // sends what is due, then waits for the next due time or for the socket to drain
  void finish(bool ok, const QString& why);

  ReplayConfig cfg_;
  std::vector<ReplayMessage> messages_;
  std::string secret_, token_;
  QTcpSocket* socket_ = nullptr;
  QTimer* timer_ = nullptr;
  ConnectionDecoder decoder_;
  LineEncoder enc_;
  QElapsedTimer clock_;
  uint64_t events_ = 0;
  std::size_t next_ = 0, received_ = 0;
  bool logged_in_ = false, done_ = false, lingering_ = false;
};

}  // namespace ovms::proxy
