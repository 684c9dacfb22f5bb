// The inspector's proxy mode (inspector-gui/proxy_mode/) against the simulator's live server, car and
// app on 127.0.0.1 with free ports: relayed lines reach the record store, an intercepted status edited
// reaches the server's app with the new value, a dropped message never arrives, an injected command's
// reply is kept from the app, and a recording made while it runs decodes completely with ovmsdump. The
// window's own list shows each relayed and replayed line with its leg and what the proxy did to it,
// and Compose starts from the catalog's commands and messages.
#include <QComboBox>
#include <QJsonDocument>
#include <QLineEdit>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "app/main_window.h"
#include "io/open_source.h"
#include "model/message_model.h"
#include "ovms/present.h"
#include "proxy_mode/message_edit_dialog.h"
#include "views/details_view.h"
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

// The window's list as (leg, proxy mark, record) per row, read through the model as a view reads it.
struct ListedRow {
  QString leg, mark;
  ovms::RecordPtr record;
};
std::vector<ListedRow> listed(const MainWindow& w) {
  std::vector<ListedRow> v;
  const MessageModel* m = w.messageModel();
  const int leg = m->notesColumn(ProxyNotes::kLeg), mark = m->notesColumn(ProxyNotes::kProxy);
  if (leg < 0 || mark < 0) return v;
  for (int r = 0; r < m->rowCount(); ++r)
    v.push_back({m->index(r, leg).data().toString(), m->index(r, mark).data().toString(), w.store().at(m->storeRow(r))});
  return v;
}

// The relay's own word for a line it showed with these flags (what the list must say).
QString markName(bool changed, bool injected, bool to_proxy) {
  ovms::relay::Show sh;
  sh.changed = changed;
  sh.injected = injected;
  sh.to_proxy = to_proxy;
  return QString::fromLatin1(ovms::relay::show_mark_name(sh));
}

QString legName(ovms::Leg l) { return QString::fromLatin1(ovms::leg_name(l)); }

QString headlineOf(const ovms::LineRecord& r) {
  return QString::fromStdString(ovms::printable_text(ovms::present::headline(ovms::present::view_of(r))));
}

// Every item of a tree model, depth first.
void allItems(const QAbstractItemModel& m, const QModelIndex& parent, QStringList& out) {
  for (int r = 0; r < m.rowCount(parent); ++r) {
    const QModelIndex i = m.index(r, 0, parent);
    out << i.data().toString();
    allItems(m, i, out);
  }
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

    // The window owns the proxy as its source (as Proxy › Start does): its list is what is checked.
    MainWindow w;
    w.setQuiet(true);
    auto owned = std::make_unique<ProxyController>();
    ProxyController& proxy = *owned;
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
    w.attachSource(std::move(owned));
    QCOMPARE(w.messageModel()->columnCount(), 1 + int(ovms::present::Column::kCount) + int(ProxyNotes::kColumns));
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

    // A command toward the car, composed from the catalog's picker: its answer is the proxy's, not the app's.
    QTest::qWait(500);
    const auto sid = proxy.firstSession();
    QVERIFY(sid);
    MessageEditDialog compose(QStringLiteral("Compose"), QString());
    compose.addCatalogPicker();
    QComboBox* picker = compose.picker();
    QVERIFY(picker);
    QStringList items;
    for (int i = 0; i < picker->count(); ++i) items << picker->itemText(i);
    // Every command of the catalog is listed once by number and name, and every message but C by name and code.
    std::size_t nc = 0, nm = 0;
    const ovms::CommandDef* commands = ovms::command_defs(&nc);
    QVERIFY(nc > 10);
    int execute = -1;
    for (std::size_t i = 0; i < nc; ++i) {
      const QString number = QString::number(commands[i].number);
      const QString text = number + " · " + commands[i].name + " (C" + number + ")";
      QCOMPARE(int(items.count(text)), 1);
      if (commands[i].number == 7) execute = int(items.indexOf(text));
    }
    const ovms::MessageDef* messages = ovms::message_defs(&nm);
    for (std::size_t i = 0; i < nm; ++i)
      if (messages[i].code != 'C')
        QCOMPARE(int(items.count(QString::fromLatin1(messages[i].name) + " (" + QChar(messages[i].code) + ")")), 1);
    QCOMPARE(picker->count(), 1 + int(nc) + int(nm) - 1);  // "(raw text)" first
    // Picking command 7 builds its form from the catalog: its parameter, empty, to fill in.
    QVERIFY(execute > 0);
    picker->setCurrentIndex(execute);
    Q_EMIT picker->activated(execute);
    const ovms::CommandDef* c7 = ovms::find_command(7);
    QVERIFY(c7 && c7->n_params >= 1);
    auto* param = qobject_cast<QLineEdit*>(compose.fieldEditor(QString::fromLatin1(c7->params[0].name)));
    QVERIFY2(param, c7->params[0].name);
    QVERIFY(param->text().isEmpty());
    param->setText("stat");
    Q_EMIT param->textEdited("stat");
    QCOMPARE(compose.body(), QStringLiteral("C7,stat"));
    QVERIFY(proxy.inject(*sid, ovms::Leg::Client, compose.body()));
    QTRY_VERIFY_WITH_TIMEOUT(!proxy.injectedReplies().empty(), 10000);
    const ovms::RecordPtr reply = proxy.injectedReplies().front();
    QCOMPARE(QString(QChar(reply->effective().code)), QStringLiteral("c"));
    const ProxyMark* m = proxy.mark(reply->id);
    QVERIFY(m && m->to_proxy);
    // The reply is shown: in the dock's replies and in the window's list, marked as the proxy's.
    QTRY_VERIFY(panel.repliesList()->topLevelItemCount() >= 1);
    QCOMPARE(panel.repliesList()->topLevelItem(0)->text(1), headlineOf(*reply));
    QTRY_VERIFY_WITH_TIMEOUT(w.store().row_of_id(reply->id).has_value(), 10000);

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

    // The window's list: every line with its leg, the edited S marked changed (the relay's words), the
    // injected command and its reply marked, both legs seen; the details show what arrived and what was sent.
    const std::size_t relayedSoFar = storeRecords.size();
    QTRY_VERIFY(w.store().size() >= relayedSoFar);  // the window takes each batch one turn later
    const std::vector<ListedRow> rows = listed(w);
    QCOMPARE(rows.size(), w.store().size());
    ovms::relay::Show droppedShow;
    droppedShow.dropped = true;
    const QString droppedName = QString::fromLatin1(ovms::relay::show_mark_name(droppedShow));
    bool clientLeg = false, serverLeg = false, editedListed = false, injectedListed = false, replyListed = false;
    for (const ListedRow& row : rows) {
      const ProxyMark* x = proxy.mark(row.record->id);
      QVERIFY(x);
      QCOMPARE(row.leg, legName(x->from));
      clientLeg |= row.leg == legName(ovms::Leg::Client);
      serverLeg |= row.leg == legName(ovms::Leg::Server);
      const char code = row.record->effective().code;
      if (row.mark == markName(true, false, false)) {
        QCOMPARE(code, 'S');
        QCOMPARE(QString::fromStdString(std::string(row.record->effective().field("soc")->text)), QStringLiteral("12.5"));
        editedListed = true;
        // Its details: what arrived (the car's soc) and what was sent (12.5).
        w.selectStoreRow(*w.store().row_of_id(row.record->id));
        QStringList tree;
        allItems(*w.details()->tree()->model(), {}, tree);
        QVERIFY2(tree.contains("Received: " + headlineOf(*x->arrived)), qPrintable(tree.join('\n')));
        QVERIFY2(tree.contains("Sent: " + headlineOf(*row.record)), qPrintable(tree.join('\n')));
        QVERIFY2(tree.filter(" → 12.5").size() == 1, qPrintable(tree.join('\n')));
      } else if (row.mark == markName(false, true, false)) {
        QCOMPARE(code, 'C');
        QCOMPARE(row.leg, legName(ovms::Leg::Server));  // it seems to come from the server, toward the car
        injectedListed = true;
      } else if (row.mark == markName(false, false, true)) {
        QCOMPARE(code, 'c');
        replyListed = true;
      } else if (row.mark == droppedName) {
        QCOMPARE(code, 'D');
      } else {
        QVERIFY2(row.mark.isEmpty(), qPrintable(row.mark));  // passed as it came
      }
    }
    QVERIFY(clientLeg && serverLeg);
    QVERIFY2(editedListed, "the edited status is not marked changed in the window's list");
    QVERIFY2(injectedListed, "the injected command is not in the window's list");
    QVERIFY2(replyListed, "the reply to the injected command is not in the window's list");

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

    // Replay… in the inspector: the controller's replay, its lines in the window's list like relayed ones.
    MainWindow w;
    w.setQuiet(true);
    auto owned = std::make_unique<ProxyController>();
    ProxyController& proxy = *owned;
    ProxyConfig cfg;
    cfg.listen_port = 0;
    cfg.upstream_port = up;
    cfg.keys = *keys;
    QVERIFY2(proxy.start(cfg, error), qPrintable(error));
    w.attachSource(std::move(owned));
    QVERIFY(!proxy.replay(QStringLiteral(OVMS_SOURCE_DIR "/samples/no-such.pcap"), 0, error));
    QVERIFY2(error.contains("no-such.pcap"), qPrintable(error));
    quint32 conn = 0;
    ovms::proxy::ReplaySession* replay = proxy.replay(QString::fromStdString(sample), 0, error, &conn);
    QVERIFY2(replay, qPrintable(error));
    bool done = false, ok = false;
    std::size_t sent = 0;
    QString end;
    connect(replay, &ovms::proxy::ReplaySession::finished, this, [&, replay](bool o, const QString& e) {
      done = true;
      ok = o;
      end = e;
      sent = replay->sent();
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
    QVERIFY2(ok, qPrintable(end));
    QCOMPARE(sent, lines->size());
    // Both directions in the window's list on the replay's connection, on the server leg; every car line a
    // message of the catalog, marked replayed; the server's welcome verified.
    const QString replayed = QString::fromLatin1(ProxyNotes::replayedName());
    auto carLines = [&] {
      std::size_t n = 0;
      for (const ListedRow& row : listed(w))
        if (row.record->conn == conn && row.record->dir == ovms::Direction::ClientToServer &&
            row.record->kind == ovms::LineKind::Message)
          ++n;
      return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(carLines(), lines->size(), 10000);
    bool serverWelcome = false;
    for (const ListedRow& row : listed(w)) {
      QCOMPARE(row.record->conn, conn);
      QCOMPARE(row.leg, legName(ovms::Leg::Server));
      const bool ours = row.record->dir == ovms::Direction::ClientToServer;
      QCOMPARE(row.mark, ours ? replayed : QString());
      if (row.record->kind == ovms::LineKind::ServerWelcome) serverWelcome = row.record->handshake && row.record->handshake->ok;
      if (ours && row.record->kind == ovms::LineKind::Message) QVERIFY(row.record->msg.def);
    }
    QVERIFY(serverWelcome);
    QVERIFY(w.store().connection(conn));
    // An app logging in now gets the replayed status from the server.
    app.start(QStringLiteral(OVMS_SIM), {"app", "--connect", QStringLiteral("127.0.0.1:%1").arg(up), "--vehicle",
                                         "DEMO", "-k", kKeys, "--json", "--duration", "3"});
    QVERIFY(app.waitForFinished(15000));
    const QList<QJsonObject> s = withCode(jsonLines(app.readAllStandardOutput()), "S");
    QVERIFY(!s.isEmpty());
    QCOMPARE(s.first().value("fields").toObject().value("soc").toDouble(), lastSoc.toDouble());

    // A capture file in the same window: no proxy columns, and nothing of the proxy in its details.
    QVERIFY(w.openCapture(QString::fromStdString(sample)));
    QCOMPARE(w.messageModel()->columnCount(), 1 + int(ovms::present::Column::kCount));
    QCOMPARE(w.messageModel()->notesColumn(ProxyNotes::kLeg), -1);
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
