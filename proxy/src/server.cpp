#include "server.h"

#include <QSslSocket>

namespace ovms::proxy {

Server::Server(SessionConfig config, Rules* rules, Recorder* recorder, QObject* parent)
    : QTcpServer(parent), config_(std::move(config)), rules_(rules), recorder_(recorder) {
  // One timer for all sessions: the relay's hold deadlines are seconds apart, a second is fine.
  tick_.setInterval(1000);
  connect(&tick_, &QTimer::timeout, this, [this] {
    for (auto& [id, s] : sessions_) s->tick();
  });
  tick_.start();
}

void Server::incomingConnection(qintptr fd) {
  QTcpSocket* socket;
  if (tls_on_) {
    auto* s = new QSslSocket;
    s->setLocalCertificate(tls_.certificate);
    s->setPrivateKey(tls_.key);
    if (!tls_.chain.isEmpty()) {
      QSslConfiguration c = s->sslConfiguration();
      QList<QSslCertificate> chain{tls_.certificate};
      chain += tls_.chain;
      c.setLocalCertificateChain(chain);
      s->setSslConfiguration(c);
    }
    if (!s->setSocketDescriptor(fd)) {
      delete s;
      return;
    }
    connect(s, &QSslSocket::sslErrors, this, [this](const QList<QSslError>& errors) {
      for (const QSslError& e : errors) Q_EMIT clientRefused(e.errorString());
    });
    s->startServerEncryption();
    socket = s;
  } else {
    socket = new QTcpSocket;
    if (!socket->setSocketDescriptor(fd)) {
      delete socket;
      return;
    }
  }
  const uint32_t id = next_id_++;
  auto* session = new Session(id, socket, config_, rules_, recorder_, this);
  if (intercept_) session->setIntercept(intercept_);
  sessions_[id] = session;
  connect(session, &Session::finished, this, [this](quint32 sid) {
    auto it = sessions_.find(sid);
    if (it == sessions_.end()) return;
    it->second->deleteLater();
    sessions_.erase(it);
    Q_EMIT sessionFinished(sid);
  });
  Q_EMIT sessionStarted(session);
}

void Server::closeAll() {
  std::vector<Session*> all;
  for (auto& [id, s] : sessions_) all.push_back(s);
  for (Session* s : all) s->close();
}

}  // namespace ovms::proxy
