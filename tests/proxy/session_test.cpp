// QtTest of the proxy's network layer (ovms_proxy_net) on 127.0.0.1 with real sockets: a Server in
// front of a QTcpServer the test plays upstream with, a QTcpSocket the test plays client with.
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include "server.h"

using namespace ovms;
using namespace ovms::proxy;

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

 private Q_SLOTS:
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
