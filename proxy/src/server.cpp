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
  // Many cars connecting at once (a server restart brings them all back): a short backlog would drop SYNs.
  setListenBacklogSize(1024);
  // Qt pauses accepting after an accept error (EMFILE: the descriptors are used up); try again when a
  // session has given its two back, or a second later.
  connect(this, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError) {
    accept_paused_ = true;
    Q_EMIT acceptFailed(errorString());
    QTimer::singleShot(1000, this, [this] { resumeAfterError(); });
  });
}

void Server::resumeAfterError() {
  if (!accept_paused_) return;
  accept_paused_ = false;
  resumeAccepting();
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
    resumeAfterError();
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
