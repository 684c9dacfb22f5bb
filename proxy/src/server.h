// The proxy's listening side: accepts clients (TCP, or TLS with a certificate), starts a Session for
// each, and drives every session's clock with one Tick timer. A car that reconnects is a new client,
// so it gets a fresh session (and a fresh upstream connection).
#pragma once

#include <QHostAddress>
#include <QSslCertificate>
#include <QSslKey>
#include <QTcpServer>
#include <QTimer>
#include <map>

#include "session.h"

namespace ovms::proxy {

struct ServerTls {
  QSslCertificate certificate;  // shown to the car
  QList<QSslCertificate> chain; // issuers after it (the local CA)
  QSslKey key;
};

class Server : public QTcpServer {
  Q_OBJECT
 public:
  Server(SessionConfig config, Rules* rules, Recorder* recorder, QObject* parent = nullptr);
  void setTls(const ServerTls& tls) { tls_ = tls; tls_on_ = true; }
  void setIntercept(std::function<bool(const LineRecord&, Leg)> f) { intercept_ = std::move(f); }

  const std::map<uint32_t, Session*>& sessions() const { return sessions_; }
  uint32_t accepted() const { return next_id_; }
  void closeAll();  // every session, both legs

 Q_SIGNALS:
  void sessionStarted(ovms::proxy::Session* session);  // connect its signals here
  void sessionFinished(quint32 id);
  void clientRefused(const QString& why);  // a TLS client that failed the handshake
  // Accepting failed (out of descriptors): paused until a session ends or a second has passed.
  void acceptFailed(const QString& error);

 protected:
  void incomingConnection(qintptr fd) override;

 private:
  void resumeAfterError();

  SessionConfig config_;
  Rules* rules_;
  Recorder* recorder_;
  ServerTls tls_;
  bool tls_on_ = false;
  std::function<bool(const LineRecord&, Leg)> intercept_;
  std::map<uint32_t, Session*> sessions_;
  uint32_t next_id_ = 0;
  QTimer tick_;
  bool accept_paused_ = false;
};

}  // namespace ovms::proxy
