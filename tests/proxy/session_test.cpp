// QtTest of the proxy's network layer (ovms_proxy_net) on 127.0.0.1 with real sockets: a Server in
// front of a QTcpServer the test plays upstream with, a QTcpSocket the test plays client with.
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include "server.h"

using namespace ovms;
using namespace ovms::proxy;

namespace {

// Plain nonblocking POSIX sockets for the test's peers: Qt's sockets cannot half-close, and the
// proxy runs on this thread's event loop, so the peers never block (QTRY_ waits run the loop).
int listen_socket(quint16& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 8) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    qFatal("listen: %s", strerror(errno));
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  port = ntohs(a.sin_port);
  return fd;
}

int connect_to(quint16 port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) qFatal("connect: %s", strerror(errno));
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

// What one peer has read so far, and how its stream ended.
struct Peer {
  int fd = -1;
  QByteArray got;
  bool eof = false;
  int error = 0;  // errno of a failed read (ECONNRESET)
  // Reads what is there; true once the stream has ended (EOF or an error).
  bool pump() {
    char buf[4096];
    while (!eof && !error) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) got.append(buf, n);
      else if (n == 0) eof = true;
      else if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      else error = errno;
    }
    return eof || error;
  }
  void send(const QByteArray& b) const { QCOMPARE(::send(fd, b.constData(), b.size(), MSG_NOSIGNAL), ssize_t(b.size())); }
  void reset() {  // RST instead of FIN
    struct linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
    fd = -1;
  }
  ~Peer() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

class SessionTest : public QObject {
  Q_OBJECT
 private:
  // A proxy listening on a free port toward `upstream_port`.
  std::unique_ptr<Server> proxy(quint16 upstream_port, std::size_t bound = 256 * 1024) {
    SessionConfig c;
    c.upstream_host = QStringLiteral("127.0.0.1");
    c.upstream_port = upstream_port;
    c.bound = bound;
    auto s = std::make_unique<Server>(c, nullptr, nullptr);
    if (!s->listen(QHostAddress::LocalHost, 0)) qFatal("listen failed");
    return s;
  }

 private:
  // A client and a server peer talking through a proxy (no keys: the pass-through path).
  struct Rig {
    std::unique_ptr<Server> proxy;
    Peer client, server;
    int listen_fd = -1;
    ~Rig() {
      if (listen_fd >= 0) ::close(listen_fd);
    }
  };
  void rig(Rig& r, SessionTest* t) {
    quint16 port = 0;
    r.listen_fd = listen_socket(port);
    r.proxy = t->proxy(port);
    r.client.fd = connect_to(r.proxy->serverPort());
    // QTRY_ evaluates its condition once more at the end: the accept keeps what it got.
    auto accepted = [&r] {
      if (r.server.fd < 0) r.server.fd = ::accept4(r.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      return r.server.fd >= 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(accepted(), 10000);
  }

  // `closer` half-closes after a line; the other peer reads the line and EOF, answers, and the
  // closer still reads the answer; then the other closes too and the session ends.
  void halfClose(bool client_closes) {
    Rig r;
    rig(r, this);
    Peer& closer = client_closes ? r.client : r.server;
    Peer& other = client_closes ? r.server : r.client;
    QSignalSpy finished(r.proxy.get(), &Server::sessionFinished);
    const QByteArray line("the last line before my FIN\r\n");
    closer.send(line);
    QCOMPARE(::shutdown(closer.fd, SHUT_WR), 0);
    QTRY_VERIFY_WITH_TIMEOUT(other.pump(), 10000);
    QVERIFY2(other.eof && !other.error, "the other peer reads an orderly end of stream, not a reset");
    QCOMPARE(other.got, line);
    const QByteArray answer("an answer after your FIN\r\n");
    other.send(answer);  // the half-closed peer still reads
    QTRY_VERIFY_WITH_TIMEOUT((closer.pump(), closer.got.size() >= answer.size()), 10000);
    QCOMPARE(closer.got, answer);
    QVERIFY(!closer.pump());  // not ended yet: the other peer has not closed
    QCOMPARE(finished.count(), 0);
    ::shutdown(other.fd, SHUT_WR);
    QTRY_VERIFY_WITH_TIMEOUT(closer.pump(), 10000);
    QVERIFY(closer.eof && !closer.error);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
  }

  // `resetter` sends RST; the other peer's next read fails with ECONNRESET.
  void reset(bool client_resets) {
    Rig r;
    rig(r, this);
    Peer& resetter = client_resets ? r.client : r.server;
    Peer& other = client_resets ? r.server : r.client;
    QSignalSpy finished(r.proxy.get(), &Server::sessionFinished);
    resetter.send("some bytes first\r\n");
    QTRY_VERIFY_WITH_TIMEOUT((other.pump(), other.got.size() >= 18), 10000);
    QCOMPARE(other.got, QByteArray("some bytes first\r\n"));
    resetter.reset();
    QTRY_VERIFY_WITH_TIMEOUT(other.pump(), 10000);
    QVERIFY2(other.error == ECONNRESET, other.eof ? "an orderly EOF instead of a reset" : strerror(other.error));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
  }

 private Q_SLOTS:
  void clientHalfCloseIsPassedOn() { halfClose(true); }
  void serverHalfCloseIsPassedOn() { halfClose(false); }
  void clientResetIsPassedOn() { reset(true); }
  void serverResetIsPassedOn() { reset(false); }

  void passesBytesBothWaysWithoutKeys() {
    QTcpServer up;
    QVERIFY(up.listen(QHostAddress::LocalHost, 0));
    auto p = proxy(up.serverPort());
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, p->serverPort());
    QVERIFY(client.waitForConnected(5000));
    QTRY_VERIFY(up.hasPendingConnections());
    QTcpSocket* server = up.nextPendingConnection();
    const QByteArray hello("MP-C 0 notawelcome\r\nsecond line\r\n");
    client.write(hello);
    QByteArray got;
    QTRY_VERIFY((got += server->readAll()).size() >= hello.size());
    QCOMPARE(got, hello);
    server->write("from the server\n");
    QByteArray back;
    QTRY_VERIFY((back += client.readAll()).size() >= 16);
    QCOMPARE(back, QByteArray("from the server\n"));
    // The client leaves: the upstream leg closes, the session finishes.
    QSignalSpy finished(p.get(), &Server::sessionFinished);
    client.disconnectFromHost();
    QTRY_COMPARE(finished.count(), 1);
    QTRY_COMPARE(server->state(), QAbstractSocket::UnconnectedState);
    QVERIFY(p->sessions().empty());
  }

  void unreachableUpstreamClosesTheClient() {
    QTcpServer gone;
    QVERIFY(gone.listen(QHostAddress::LocalHost, 0));
    const quint16 port = gone.serverPort();
    gone.close();
    auto p = proxy(port);
    QStringList notes;
    connect(p.get(), &Server::sessionStarted, this, [&](Session* s) {
      connect(s, &Session::noted, this, [&](quint32, int, const QString& n) { notes << n; });
    });
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, p->serverPort());
    QVERIFY(client.waitForConnected(5000));
    QTRY_COMPARE(client.state(), QAbstractSocket::UnconnectedState);
    QVERIFY(!notes.isEmpty());
    QVERIFY2(notes.first().contains("upstream_unreachable"), qPrintable(notes.first()));
  }

  void slowReceiverPausesTheSender() {
    QTcpServer up;
    QVERIFY(up.listen(QHostAddress::LocalHost, 0));
    auto p = proxy(up.serverPort(), 64 * 1024);
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, p->serverPort());
    QVERIFY(client.waitForConnected(5000));
    QTRY_VERIFY(up.hasPendingConnections());
    QTcpSocket* server = up.nextPendingConnection();
    server->setReadBufferSize(64 * 1024);  // the test's receiver reads nothing yet
    QByteArray data(16 << 20, '\0');
    for (int i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + (i >> 11));
    client.write(data);
    Session* s = p->sessions().begin()->second;
    QTRY_VERIFY_WITH_TIMEOUT(s->paused(Leg::Client), 10000);
    QVERIFY(s->queued_to(Leg::Server) < 4u << 20);  // bounded: most of the 16 MiB wait in the client
    server->setReadBufferSize(0);
    QByteArray got;
    QTRY_VERIFY_WITH_TIMEOUT((got += server->readAll()).size() >= data.size(), 20000);
    QCOMPARE(got.size(), data.size());
    QVERIFY(got == data);
  }
};

QTEST_GUILESS_MAIN(SessionTest)
#include "session_test.moc"
