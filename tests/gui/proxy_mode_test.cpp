// The inspector's proxy mode (inspector-gui/proxy_mode/) against the simulator's live server, car and
// app on 127.0.0.1 with free ports: relayed lines reach the record store, an intercepted status edited
// reaches the server's app with the new value, a dropped message never arrives, an injected command's
// reply is kept from the app, and a recording made while it runs decodes completely with ovmsdump.
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "io/open_source.h"
#include "proxy_mode/message_form.h"
#include "proxy_mode/proxy_controller.h"
#include "proxy_mode/proxy_panel.h"
#include <QTreeWidget>
#include "proxy_mode/car_tls.h"
#include "replay_session.h"
#include <QSslSocket>

using namespace inspector;

namespace {

const QString kKeys = QStringLiteral(OVMS_SOURCE_DIR "/samples/keys.yaml");

// Starts `ovms-sim serve` on a free port; returns its port (0 on failure).
quint16 startServer(QProcess& p) {
  p.start(QStringLiteral(OVMS_SIM), {"serve", "--listen", "127.0.0.1:0", "-k", kKeys});
  if (!p.waitForStarted(5000)) return 0;
  QByteArray line;
  for (int i = 0; i < 100 && !line.contains('\n'); ++i) {
    p.waitForReadyRead(100);
    line += p.readAllStandardOutput();
  }
  const int colon = line.lastIndexOf(':');
  return colon < 0 ? 0 : static_cast<quint16>(line.mid(colon + 1).trimmed().toUInt());
}

QList<QJsonObject> jsonLines(const QByteArray& out) {
  QList<QJsonObject> v;
  for (const QByteArray& l : out.split('\n'))
    if (!l.trimmed().isEmpty()) v << QJsonDocument::fromJson(l).object();
  return v;
}

QList<QJsonObject> withCode(const QList<QJsonObject>& recs, const QString& code) {
  QList<QJsonObject> v;
  for (const QJsonObject& o : recs)
    if (o.value("code").toString() == code) v << o;
  return v;
}

// The body of a status with its first field (the state of charge) replaced.
QString withSoc(const ovms::LineRecord& r, const QString& soc) {
  QString body = QString::fromStdString(r.plain->substr(static_cast<std::size_t>(r.body_offset)));
  const int comma = body.indexOf(',');
  return QStringLiteral("S") + soc + body.mid(comma);
}

void stop(QProcess& p) {
  if (p.state() == QProcess::NotRunning) return;
  p.terminate();
  if (!p.waitForFinished(3000)) p.kill();
  p.waitForFinished(1000);
}

}  // namespace

class ProxyModeTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void interceptEditDropInjectRecord() {
    QProcess server, car, app;
    // A failed check returns early: the simulator's processes end with the test either way.
    struct Ender {
      QProcess* p[3];
      ~Ender() { for (QProcess* x : p) stop(*x); }
    } ender{{&car, &app, &server}};
    const quint16 up = startServer(server);
    QVERIFY2(up, "ovms-sim serve did not say where it listens");

    // The app on the real server: whatever reaches it came through the server from the proxy.
    app.start(QStringLiteral(OVMS_SIM), {"app", "--connect", QStringLiteral("127.0.0.1:%1").arg(up), "--vehicle",
                                         "DEMO", "-k", kKeys, "--json", "--duration", "12"});
    QVERIFY(app.waitForStarted(5000));
    QTest::qWait(800);

    ProxyController proxy;
    ProxyConfig cfg;
    cfg.listen_port = 0;
    cfg.upstream_port = up;
    QString error;
    QStringList warnings;
    std::string e;
    auto keys = ovms::KeyStore::load_file(kKeys.toStdString(), e);
    QVERIFY2(keys, e.c_str());
    cfg.keys = std::move(*keys);
    QVERIFY(!proxy.setInterceptFilter("status.soc <", error));  // a bad filter says where
    QVERIFY2(error.contains("column"), qPrintable(error));
    QVERIFY2(proxy.setInterceptFilter(R"(ovms.code == "S" || ovms.code == "D")", error), qPrintable(error));
    QVERIFY2(proxy.start(cfg, error), qPrintable(error));
    QVERIFY(proxy.listenPort());
    std::size_t shown = 0;
    ProxyPanel panel;  // the dock over the same controller: the held line listed with its time left
    panel.setController(&proxy);
    std::vector<ovms::RecordPtr> storeRecords;
    connect(&proxy, &RecordSource::batchReady, this, [&](const BatchPtr& b) {
      shown += b->records.size();
      storeRecords.insert(storeRecords.end(), b->records.begin(), b->records.end());
    });

    car.start(QStringLiteral(OVMS_SIM), {"car", "--connect", QStringLiteral("127.0.0.1:%1").arg(proxy.listenPort()),
                                         "--vehicle", "DEMO", "-k", kKeys, "--interval", "60"});
    QVERIFY(car.waitForStarted(5000));

    // The login burst stops at S: the welcome lines and F went on, shown as relayed.
    QTRY_VERIFY_WITH_TIMEOUT(!proxy.held().empty(), 10000);
    QTRY_VERIFY(shown >= 3);  // the welcome lines and F, in the batch that follows
    const HeldLine s = proxy.held().front();
    QCOMPARE(QString(QChar(s.record->effective().code)), QStringLiteral("S"));
    QCOMPARE(s.from, ovms::Leg::Client);
    QVERIFY2(std::isfinite(s.deadline) && s.deadline > QDateTime::currentSecsSinceEpoch(), qPrintable(s.who));
    QVERIFY2(s.who.contains("server"), qPrintable(s.who));
    QTRY_VERIFY(panel.heldList()->topLevelItemCount() >= 1);
    QVERIFY(panel.heldList()->topLevelItem(0)->text(0).startsWith("S status"));
    QVERIFY2(panel.heldList()->topLevelItem(0)->text(1).contains(" s (the server"),
             qPrintable(panel.heldList()->topLevelItem(0)->text(1)));
    QCOMPARE(proxy.sessions().size(), std::size_t(1));
    QCOMPARE(proxy.sessions().front().state, QStringLiteral("encrypted"));
    QVERIFY(proxy.sessions().front().held >= 1);  // the D behind it may be held already

    // Recording starts while it runs: what went before is in the file too.
    QTemporaryDir dir;
    const QString pcap = dir.filePath("proxy.pcapng");
    QVERIFY2(proxy.recordTo(pcap, error), qPrintable(error));
    QCOMPARE(QFile(pcap).permissions() & (QFile::ReadGroup | QFile::ReadOther), QFileDevice::Permissions());

    QVERIFY(proxy.edit(0, withSoc(*s.record, "12.5")));
    QTRY_VERIFY_WITH_TIMEOUT(!proxy.held().empty(), 10000);  // then D
    QCOMPARE(QString(QChar(proxy.held().front().record->effective().code)), QStringLiteral("D"));
    // From now on only D stops, and every D is dropped (the car sends D again in its full update).
    QVERIFY2(proxy.setInterceptFilter(R"(ovms.code == "D")", error), qPrintable(error));
    int dropped = 0;
    auto dropAll = [&] {
      while (!proxy.held().empty()) {
        QCOMPARE(QString(QChar(proxy.held().front().record->effective().code)), QStringLiteral("D"));
        QVERIFY(proxy.drop(0));
        ++dropped;
      }
    };
    // The proxy as the context: a drop still pending when the test ends dies with it, not later.
    connect(&proxy, &ProxyController::heldChanged, this, [&] { QTimer::singleShot(0, &proxy, dropAll); });
    dropAll();

    // A command toward the car: its answer is the proxy's, not the app's.
    QTest::qWait(500);
    const auto sid = proxy.firstSession();
    QVERIFY(sid);
    QVERIFY(proxy.inject(*sid, ovms::Leg::Client, "C7,stat"));
    QTRY_VERIFY_WITH_TIMEOUT(!proxy.injectedReplies().empty(), 10000);
    const ovms::RecordPtr reply = proxy.injectedReplies().front();
    QCOMPARE(QString(QChar(reply->effective().code)), QStringLiteral("c"));
    const ProxyMark* m = proxy.mark(reply->id);
    QVERIFY(m && m->to_proxy);

    QVERIFY(app.waitForFinished(20000));
    const QList<QJsonObject> got = jsonLines(app.readAllStandardOutput());
    const QList<QJsonObject> statuses = withCode(got, "S");
    QVERIFY2(!statuses.isEmpty(), "the app got no status");
    // The server stored nothing before the car came (a fresh server): the first status is the edited one;
    // the car's later full update (intercept off) passes unchanged.
    QVERIFY(s.record->effective().field("soc")->text != "12.5");
    QCOMPARE(statuses.first().value("fields").toObject().value("soc").toDouble(), 12.5);
    QVERIFY2(withCode(got, "D").isEmpty(), "a dropped D reached the app");
    QVERIFY(dropped >= 1);
    QVERIFY2(!withCode(got, "L").isEmpty(), "the lines after the held ones did not arrive");
    QVERIFY2(withCode(got, "c").isEmpty(), "the injected command's reply reached the app");
    for (const QJsonObject& o : got)
      QVERIFY2(!QJsonDocument(o).toJson().contains("\"error\""), QJsonDocument(o).toJson().constData());
    // The store's marks: the edited status is marked changed.
    // The store's records: the edited status shown as sent (12.5), marked changed, the original kept.
    bool changed = false;
    for (const ovms::RecordPtr& r : storeRecords) {
      const ProxyMark* x = proxy.mark(r->id);
      QVERIFY(x);
      if (!x->changed) continue;
      changed = true;
      QCOMPARE(QString::fromStdString(std::string(r->effective().field("soc")->text)), QStringLiteral("12.5"));
      QCOMPARE(std::string(x->arrived->effective().field("soc")->text), std::string(s.record->effective().field("soc")->text));
    }
    QVERIFY(changed);

    stop(car);
    QTRY_VERIFY_WITH_TIMEOUT(proxy.sessions().front().state == "done", 10000);
    QVERIFY2(proxy.stopRecording(error), qPrintable(error));
    stop(server);

    // ovmsdump decodes the whole recording with the keys written beside it.
    const QString keysOut = dir.filePath("proxy.keys.yaml");
    QVERIFY(QFile::exists(keysOut));
    QProcess dump;
    dump.start(QStringLiteral(OVMSDUMP), {"--json", "-k", keysOut, "-r", pcap});
    QVERIFY(dump.waitForFinished(20000));
    QCOMPARE(dump.exitCode(), 0);
    const QList<QJsonObject> recs = jsonLines(dump.readAllStandardOutput());
    QVERIFY(recs.size() > 10);
    bool soc125 = false;
    for (const QJsonObject& o : recs) {
      const QByteArray t = QJsonDocument(o).toJson(QJsonDocument::Compact);
      QVERIFY2(!t.contains("not_decrypted") && !t.contains("\"severity\":\"error\""), t.constData());
      if (o.value("code").toString() == "S" && o.value("fields").toObject().value("soc").toDouble() == 12.5) soc125 = true;
    }
    QVERIFY(soc125);
    stop(app);
  }
  // A sample capture's car replayed by meaning against the simulator's server: a fresh login (the
  // server verifies it), every message re-encoded, and the server keeps the sample's last status.
  void replayOfASampleAgainstTheServer() {
    QProcess server, app;
    struct Ender {
      QProcess* p[2];
      ~Ender() { for (QProcess* x : p) stop(*x); }
    } ender{{&app, &server}};
    const quint16 up = startServer(server);
    QVERIFY(up);
    QString error;
    auto keys = load_keys(kKeys, error);
    QVERIFY2(keys, qPrintable(error));
    // The proxy library's replay (the inspector's Replay… and `ovms-proxy --replay` share it).
    const std::string sample = OVMS_SOURCE_DIR "/samples/basic.pcap";
    std::string why;
    auto shared = std::make_shared<const ovms::KeyStore>(*keys);
    QVERIFY(!ovms::proxy::load_replay_messages(sample, shared.get(), "NOSUCHCAR", ovms::Role::Car, why));
    QVERIFY2(QString::fromStdString(why).contains("NOSUCHCAR"), why.c_str());
    auto lines = ovms::proxy::load_replay_messages(sample, shared.get(), "DEMO", ovms::Role::Car, why);
    QVERIFY2(lines, why.c_str());
    QVERIFY(lines->size() >= 6);
    QString lastSoc;
    for (const ovms::proxy::ReplayMessage& l : *lines)
      if (l.body[0] == 'S') lastSoc = QString::fromStdString(l.body.substr(1, l.body.find(',') - 1));
    QVERIFY(!lastSoc.isEmpty());

    ovms::proxy::ReplayConfig rc;
    rc.host = QStringLiteral("127.0.0.1");
    rc.port = up;
    rc.keys = shared;
    rc.vehicle = "DEMO";
    rc.speed = 0;
    rc.linger = 0.5;
    ovms::proxy::ReplaySession replay(rc, *lines);
    std::vector<ovms::RecordPtr> got;
    bool done = false, ok = false;
    QString end;
    connect(&replay, &ovms::proxy::ReplaySession::line, this, [&](const ovms::RecordPtr& r) { got.push_back(r); });
    connect(&replay, &ovms::proxy::ReplaySession::finished, this, [&](bool o, const QString& e) {
      done = true;
      ok = o;
      end = e;
    });
    replay.start();
    QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
    QVERIFY2(ok, qPrintable(end));
    QCOMPARE(replay.sent(), lines->size());
    // Both directions decoded: the server's welcome verified, every car line a message of the catalog.
    std::size_t carLines = 0;
    bool serverWelcome = false;
    for (const ovms::RecordPtr& r : got) {
      if (r->kind == ovms::LineKind::ServerWelcome) serverWelcome = r->handshake && r->handshake->ok;
      if (r->dir == ovms::Direction::ClientToServer && r->kind == ovms::LineKind::Message) {
        ++carLines;
        QVERIFY(r->msg.def);
      }
    }
    QVERIFY(serverWelcome);
    QCOMPARE(carLines, lines->size());
    // An app logging in now gets the replayed status from the server.
    app.start(QStringLiteral(OVMS_SIM), {"app", "--connect", QStringLiteral("127.0.0.1:%1").arg(up), "--vehicle",
                                         "DEMO", "-k", kKeys, "--json", "--duration", "3"});
    QVERIFY(app.waitForFinished(15000));
    const QList<QJsonObject> s = withCode(jsonLines(app.readAllStandardOutput()), "S");
    QVERIFY(!s.isEmpty());
    QCOMPARE(s.first().value("fields").toObject().value("soc").toDouble(), lastSoc.toDouble());
  }

  // The edit form: the catalog's fields with units and enum choices, and back to the same text.
  // TLS toward the car with the proxy's local CA: the exported certificate (no key) is all the car
  // trusts, and its TLS login through the proxy decodes like a plain one.
  void carTlsWithTheLocalCa() {
    QProcess server, car;
    struct Ender {
      QProcess* p[2];
      ~Ender() { for (QProcess* x : p) stop(*x); }
    } ender{{&car, &server}};
    const quint16 up = startServer(server);
    QVERIFY(up);
    QTemporaryDir dir;
    ProxyController proxy;
    ProxyConfig cfg;
    cfg.listen_port = 0;
    cfg.upstream_port = up;
    cfg.car_tls = true;
    cfg.ca_dir = dir.filePath("ca");
    std::string e;
    auto keys = ovms::KeyStore::load_file(kKeys.toStdString(), e);
    QVERIFY2(keys, e.c_str());
    cfg.keys = std::move(*keys);
    QString error;
    QVERIFY2(proxy.start(cfg, error), qPrintable(error));
    QVERIFY(QFile::exists(dir.filePath("ca/ca.key")));  // created on first use

    const QString pem = dir.filePath("exported-ca.pem");
    QString steps;
    QVERIFY2(export_ca_certificate(cfg.ca_dir, pem, steps, error), qPrintable(error));
    QFile f(pem);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(text.contains("BEGIN CERTIFICATE"));
    QVERIFY(!text.contains("PRIVATE KEY"));
    QVERIFY2(steps.contains("tls trust reload") && steps.contains(pem), qPrintable(steps));
    QVERIFY(!export_ca_certificate(cfg.ca_dir, dir.filePath("no/such/dir/ca.pem"), steps, error));
    QVERIFY2(error.contains("no/such/dir"), qPrintable(error));

    std::size_t shown = 0;
    connect(&proxy, &RecordSource::batchReady, this, [&](const BatchPtr& b) { shown += b->records.size(); });
    car.start(QStringLiteral(OVMS_SIM), {"car", "--connect", QStringLiteral("127.0.0.1:%1").arg(proxy.listenPort()),
                                         "--vehicle", "DEMO", "-k", kKeys, "--interval", "60", "--tls", "--cafile", pem});
    QVERIFY(car.waitForStarted(5000));
    QTRY_VERIFY_WITH_TIMEOUT(shown >= 3, 10000);
    QCOMPARE(proxy.sessions().size(), std::size_t(1));
    QTRY_COMPARE(proxy.sessions().front().state, QStringLiteral("encrypted"));

    // A client that does not trust the exported CA is refused: the certificate really is the CA's.
    QSslSocket stranger;
    QSslConfiguration c = stranger.sslConfiguration();
    c.setCaCertificates({});
    stranger.setSslConfiguration(c);
    bool refused = false;
    connect(&stranger, &QSslSocket::sslErrors, this, [&] { refused = true; });
    stranger.connectToHostEncrypted(QStringLiteral("127.0.0.1"), proxy.listenPort());
    QTRY_VERIFY_WITH_TIMEOUT(refused, 10000);
  }

  void formFromTheCatalog() {
    MessageForm f;
    QVERIFY(form_of("S80.0,K,230,16,charging,standard,300,280", f));
    QCOMPARE(f.fields.size(), std::size_t(8));
    QCOMPARE(QString::fromStdString(f.fields[0].label), QStringLiteral("State of charge (%)"));
    QVERIFY(!f.fields[4].choices.empty());
    f.fields[0].text = "12.5";
    QCOMPARE(QString::fromStdString(body_of(f)), QStringLiteral("S12.5,K,230,16,charging,standard,300,280"));
    QVERIFY(form_of("C7,stat", f));
    QCOMPARE(QString::fromStdString(body_of(f)), QStringLiteral("C7,stat"));
    QVERIFY(!form_of("EMSxyz", f));  // a paranoid envelope: raw text only
  }
};

QTEST_MAIN(ProxyModeTest)
#include "proxy_mode_test.moc"
