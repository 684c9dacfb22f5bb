// File › Export under QTest offscreen, over the real samples, against the real ovmsdump: the frames
// shown as pcapng (with the keys beside it, 0600) decode to the messages shown and are the frames
// ovmsdump -Y FILTER -w writes; the CSV is ovmsdump -T fields -E header=y -E separator=, -E quote=d; the
// JSON Lines are ovmsdump --json; bad paths and names give a message in the window, not a crash.
#include <QAction>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenu>
#include <QMenuBar>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QLineEdit>
#include <QPushButton>
#include <unistd.h>
#include <set>

#include "app/main_window.h"
#include "io/export_frames.h"
#include "model/message_model.h"
#include "ovms/json.h"
#include "ovms/field_text.h"
#include "views/export_fields_dialog.h"
#include "views/filter_bar.h"

using namespace inspector;

namespace {

const QString kSamples = QStringLiteral(OVMS_SOURCE_DIR "/samples");
const QString kKeys = kSamples + "/keys.yaml";

struct Run {
  int code = -1;
  QByteArray out, err;
};

Run ovmsdump(const QStringList& args) {
  QProcess p;
  p.start(OVMSDUMP, args);
  Run r;
  if (!p.waitForFinished(120000)) return r;
  r.code = p.exitCode();
  r.out = p.readAllStandardOutput();
  r.err = p.readAllStandardError();
  return r;
}

QList<QByteArray> lines(const QByteArray& text) {
  QList<QByteArray> l = text.split('\n');
  if (!l.isEmpty() && l.last().isEmpty()) l.removeLast();
  return l;
}

// A decoded message without where it sat in its file: frame and connection numbers (of the line, its
// diagnostics, the request it answers, the frame a key was learned in) differ between a capture and an
// excerpt of it; everything else is the same.
QJsonValue without_numbers(const QJsonValue& v) {
  if (v.isArray()) {
    QJsonArray a;
    for (const QJsonValue& e : v.toArray()) a.append(without_numbers(e));
    return a;
  }
  if (!v.isObject()) return v;
  QJsonObject o = v.toObject();
  for (const char* k : {"frame", "conn", "response_to", "key_learned_in"}) o.remove(k);
  // A diagnostic names the line of the keys file a key is on: the keys written beside the export are
  // another file (the same keys, as the core's KeysWriter lays them out).
  if (o.contains("message"))
    o["message"] = o["message"].toString().replace(QRegularExpression("keys file line \\d+"), "keys file line N");
  for (auto it = o.begin(); it != o.end(); ++it) it.value() = without_numbers(it.value());
  return o;
}

QJsonObject message_of(const QByteArray& json_line) {
  return without_numbers(QJsonDocument::fromJson(json_line).object()).toObject();
}

bool private_file(const QString& path) {
  return QFile::exists(path) && (QFile(path).permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup |
                                                             QFile::WriteOther)) == QFile::Permissions();
}

// The window with a sample and the keys loaded, and `filter` typed in the bar (empty: none).
bool open_window(MainWindow& w, const QString& sample, const QString& filter) {
  w.setQuiet(true);
  if (!w.setKeysFile(kKeys)) return false;
  QSignalSpy done(&w, &MainWindow::loadFinished);
  if (!w.openCapture(kSamples + "/" + sample) || !(done.count() || done.wait(60000))) return false;
  w.filterBar()->setText(filter);
  QTest::keyClick(w.filterBar(), Qt::Key_Return);
  return true;
}

const char* const kFilters[] = {"status.soc < 60", "dir == \"s2c\" && vehicle == \"DEMO\"", "ovms.code == \"C\"",
                                "location.latitude > 48", "diag", "inner.code == \"S\""};

}  // namespace

class InspectorExportTest : public QObject {
  Q_OBJECT
 private slots:
  // The menu has the three exports.
  void menu() {
    MainWindow w;
    QStringList texts;
    for (QAction* a : w.menuBar()->actions())
      if (a->menu() && a->text() == "&File")
        for (QAction* b : a->menu()->actions())
          if (b->menu() && b->text() == "&Export")
            for (QAction* c : b->menu()->actions()) texts << c->text();
    QCOMPARE(texts, QStringList({"Messages shown as &JSON Lines…", "&Fields as CSV…", "Frames shown as &pcapng…"}));
  }

  // The frames shown, exported with their keys, are the frames ovmsdump -Y FILTER -w writes, and decode
  // (with the keys written beside them, by the real ovmsdump) to exactly the messages the filter shows.
  void framesEqualOvmsdump_data() {
    QTest::addColumn<QString>("sample");
    QTest::addColumn<QString>("filter");
    for (const char* f : kFilters) QTest::newRow(f) << "all.pcap" << QString(f);
    QTest::newRow("no filter") << "all.pcap" << QString();
    QTest::newRow("paranoid inner") << "paranoid.pcap" << "inner.code == \"S\"";
    QTest::newRow("websocket") << "websocket.pcap" << "ovms.code == \"S\"";
  }
  void framesEqualOvmsdump() {
    QFETCH(QString, sample);
    QFETCH(QString, filter);
    MainWindow w;
    QVERIFY(open_window(w, sample, filter));
    QTemporaryDir dir;
    const QString out = dir.filePath("shown.pcapng");
    QVERIFY2(w.exportFrames(out), qPrintable(w.lastError()));
    QVERIFY(private_file(out));
    QVERIFY2(private_file(out + ".keys.yaml"), "the keys beside it, 0600");
    QCOMPARE(exported_keys_path(out), out + ".keys.yaml");

    // The same frames as ovmsdump -w chooses: decoded, the two files are the same line for line.
    QStringList args{"-r", kSamples + "/" + sample, "-k", kKeys, "-q", "-w", dir.filePath("dump.pcapng")};
    if (!filter.isEmpty()) args << "-Y" << filter;
    Run w_run = ovmsdump(args);
    QCOMPARE(w_run.code, 0);
    Run mine = ovmsdump({"-r", out, "-k", out + ".keys.yaml", "--json"});
    Run theirs = ovmsdump({"-r", dir.filePath("dump.pcapng"), "-k", dir.filePath("dump.pcapng.keys.yaml"), "--json"});
    QCOMPARE(mine.code, 0);
    QCOMPARE(mine.out, theirs.out);

    // And what the filter shows in the sample, it shows in the export: the same messages.
    QStringList sel{"-r", kSamples + "/" + sample, "-k", kKeys, "--json"};
    if (!filter.isEmpty()) sel << "-Y" << filter;
    const auto expected = lines(ovmsdump(sel).out);
    QCOMPARE(static_cast<qsizetype>(w.messageModel()->rowCount()), expected.size());
    QStringList again{"-r", out, "-k", out + ".keys.yaml", "--json"};
    if (!filter.isEmpty()) again << "-Y" << filter;
    const auto got = lines(ovmsdump(again).out);
    QCOMPARE(got.size(), expected.size());
    for (qsizetype i = 0; i < got.size(); ++i) QCOMPARE(message_of(got[i]), message_of(expected[i]));
    if (filter.isEmpty()) {  // without a filter every frame is written: the same frame numbers
      for (qsizetype i = 0; i < got.size(); ++i)
        QCOMPARE(QJsonDocument::fromJson(got[i])["frame"], QJsonDocument::fromJson(expected[i])["frame"]);
    } else {
      // A connection with no message shown is left out.
      std::set<uint32_t> shown, all;
      for (const auto& r : w.store().records()) all.insert(r->conn);
      for (int i = 0; i < w.messageModel()->rowCount(); ++i) shown.insert(w.store().at(w.messageModel()->storeRow(i))->conn);
      if (shown.size() < all.size()) QVERIFY(QFile(out).size() < QFile(kSamples + "/" + sample).size());
    }
  }

  // The CSV of chosen fields is ovmsdump's -T fields with -E header=y -E separator=, -E quote=d, byte for byte.
  void csvEqualsOvmsdump_data() {
    QTest::addColumn<QString>("filter");
    QTest::newRow("no filter") << QString();
    for (const char* f : kFilters) QTest::newRow(f) << QString(f);
  }
  void csvEqualsOvmsdump() {
    QFETCH(QString, filter);
    MainWindow w;
    QVERIFY(open_window(w, "all.pcap", filter));
    const QStringList fields{"frame", "time",         "vehicle",           "dir",     "code", "ovms.name",
                             "status.soc", "environment.doors1", "environment.lock_state", "location.latitude", "summary", "plain", "diag"};
    QTemporaryDir dir;
    const QString out = dir.filePath("shown.csv");
    QVERIFY2(w.exportFieldsCsv(out, fields), qPrintable(w.lastError()));
    QStringList args{"-r", kSamples + "/all.pcap", "-k", kKeys, "-T", "fields", "-E", "header=y", "-E", "separator=,",
                     "-E", "quote=d"};
    for (const QString& f : fields) args << "-e" << f;
    if (!filter.isEmpty()) args << "-Y" << filter;
    Run r = ovmsdump(args);
    QCOMPARE(r.code, 0);
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray csv = f.readAll();
    QCOMPARE(csv, r.out);
    QCOMPARE(static_cast<qsizetype>(lines(csv).size()), w.messageModel()->rowCount() + 1);
    QVERIFY(csv.startsWith("\"frame\",\"time\",\"vehicle\""));
  }

  // With no message shown, the CSV still has its header (ovmsdump writes its header with the first row).
  void csvHeaderWhenNothingShown() {
    MainWindow w;
    QVERIFY(open_window(w, "all.pcap", "status.soc > 1000"));
    QCOMPARE(w.messageModel()->rowCount(), 0);
    QTemporaryDir dir;
    QVERIFY(w.exportFieldsCsv(dir.filePath("none.csv"), {"frame", "status.soc"}));
    QFile f(dir.filePath("none.csv"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("\"frame\",\"status.soc\"\n"));
  }

  // The JSON Lines are ovmsdump --json -Y FILTER, byte for byte.
  void jsonLinesEqualOvmsdump() {
    for (const char* filter : kFilters) {
      MainWindow w;
      QVERIFY(open_window(w, "all.pcap", filter));
      QTemporaryDir dir;
      QVERIFY2(w.exportJsonLines(dir.filePath("shown.jsonl")), qPrintable(w.lastError()));
      QFile f(dir.filePath("shown.jsonl"));
      QVERIFY(f.open(QIODevice::ReadOnly));
      Run r = ovmsdump({"-r", kSamples + "/all.pcap", "-k", kKeys, "--json", "-Y", filter});
      QCOMPARE(r.code, 0);
      QVERIFY(!r.out.isEmpty());
      QCOMPARE(f.readAll(), r.out);
    }
  }

  // Bad paths, bad names and nothing to export: a message naming what and where, never a crash.
  void badInput() {
    MainWindow w;
    w.setQuiet(true);
    QTemporaryDir dir;
    QVERIFY(!w.exportFrames(dir.filePath("nothing.pcapng")));
    QVERIFY2(w.lastError().contains("no capture"), qPrintable(w.lastError()));
    QVERIFY(open_window(w, "all.pcap", "status.soc < 60"));
    const QString missing = dir.filePath("no/such/dir/x");
    QVERIFY(!w.exportFrames(missing + ".pcapng"));
    QVERIFY2(w.lastError().contains(missing + ".pcapng"), qPrintable(w.lastError()));
    QVERIFY(!w.exportFieldsCsv(missing + ".csv", {"frame"}));
    QVERIFY2(w.lastError().contains(missing + ".csv"), qPrintable(w.lastError()));
    QVERIFY(!w.exportJsonLines(missing + ".jsonl"));
    QVERIFY2(w.lastError().contains(missing + ".jsonl"), qPrintable(w.lastError()));
    QVERIFY(!w.exportFieldsCsv(dir.filePath("bad.csv"), {"frame", "status.sock"}));
    QVERIFY2(w.lastError().contains("status.sock") && w.lastError().contains("status.soc"), qPrintable(w.lastError()));
    QVERIFY(!w.exportFieldsCsv(dir.filePath("empty.csv"), {}));
    QVERIFY2(w.lastError().contains("no fields"), qPrintable(w.lastError()));
    // The keys beside it cannot be written (a folder holds the name): said, with the keys file's name.
    QVERIFY(QDir().mkpath(dir.filePath("k.pcapng.keys.yaml")));
    QVERIFY(!w.exportFrames(dir.filePath("k.pcapng")));
    QVERIFY2(w.lastError().contains("k.pcapng.keys.yaml"), qPrintable(w.lastError()));
    // Over the capture it reads from: refused before anything is truncated.
    QTemporaryDir copy;
    const QString sample = copy.filePath("all.pcap");
    QVERIFY(QFile::copy(kSamples + "/all.pcap", sample));
    const qint64 size = QFile(sample).size();
    QSignalSpy done(&w, &MainWindow::loadFinished);
    QVERIFY(w.openCapture(sample));
    QVERIFY(done.wait(60000));
    QVERIFY(!w.exportFrames(sample));
    QVERIFY2(w.lastError().contains("is the capture"), qPrintable(w.lastError()));
    QCOMPARE(QFile(sample).size(), size);
    // Nothing shown: no frames to write (a pcapng without frames has no interface, and no reader opens it).
    w.filterBar()->setText("status.soc > 1000");
    QTest::keyClick(w.filterBar(), Qt::Key_Return);
    QCOMPARE(w.messageModel()->rowCount(), 0);
    QVERIFY(!w.exportFrames(dir.filePath("none.pcapng")));
    QVERIFY2(w.lastError().contains("no message"), qPrintable(w.lastError()));
    QVERIFY(!QFile::exists(dir.filePath("none.pcapng")));
    w.filterBar()->setText("");
    QTest::keyClick(w.filterBar(), Qt::Key_Return);
    // The window still exports afterwards.
    QVERIFY2(w.exportFrames(dir.filePath("ok.pcapng")), qPrintable(w.lastError()));
  }

  // A live capture (on lo, traffic the test makes with the simulator on a free port): the frames shown
  // are read from the capture's own recording. While it runs, the export holds the messages shown so far
  // (more may have been decoded since); once stopped, exactly the messages shown.
  void liveCaptureFrames() {
    MainWindow w;
    w.setQuiet(true);
    QVERIFY(w.setKeysFile(kKeys));
    QProcess serve;
    serve.start(OVMS_SIM, {"serve", "--listen", "127.0.0.1:0", "-k", kKeys});
    QVERIFY(serve.waitForReadyRead(10000));
    const QString first = QString::fromUtf8(serve.readLine()).trimmed();
    QVERIFY2(first.startsWith("listening on 127.0.0.1:"), qPrintable(first));
    const QString port = first.section(':', -1);
    if (!w.startLiveCapture("lo", "tcp port " + port)) {
      serve.kill();
      serve.waitForFinished();
      QVERIFY2(geteuid() != 0, qPrintable(w.lastError()));
      QSKIP("not permitted to capture on lo (run as root)");
    }
    QProcess car;
    car.start(OVMS_SIM, {"car", "--connect", "127.0.0.1:" + port, "--vehicle", "DEMO", "-k", kKeys, "--interval", "1",
                         "--duration", "30"});
    QVERIFY(car.waitForStarted());
    const QString filter = "ovms.code == \"S\" && vehicle == \"DEMO\"";
    w.filterBar()->setText(filter);
    QTest::keyClick(w.filterBar(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(w.messageModel()->rowCount() >= 2, 20000);
    QTemporaryDir dir;
    auto shown_json = [&] {
      QList<QByteArray> out;
      for (int i = 0; i < w.messageModel()->rowCount(); ++i) {
        std::string line;
        const auto& r = *w.store().at(w.messageModel()->storeRow(i));
        ovms::append_record_json(line, r, w.store().connection(r.conn));
        out << QByteArray::fromStdString(line);
      }
      return out;
    };
    // Running: what was shown when it was written is the start of what the file decodes to.
    const auto running = shown_json();
    QVERIFY2(w.exportFrames(dir.filePath("running.pcapng")), qPrintable(w.lastError()));
    const auto part = lines(ovmsdump({"-r", dir.filePath("running.pcapng"), "-k", dir.filePath("running.pcapng.keys.yaml"),
                                      "--json", "-Y", filter}).out);
    QVERIFY2(part.size() >= running.size(), qPrintable(QString("%1 < %2").arg(part.size()).arg(running.size())));
    // Each message shown is in the file (a file cut at the last decoded frame may end its decode with
    // more, and on a loaded machine in another place than the window had them so far).
    QList<QJsonObject> in_file;
    for (const QByteArray& l : part) in_file << message_of(l);
    for (const QByteArray& l : running)
      QVERIFY2(in_file.contains(message_of(l)), l.left(300).constData());
    // Stopped: exactly the messages shown.
    QSignalSpy done(&w, &MainWindow::loadFinished);
    for (QAction* a : w.findChildren<QAction*>())
      if (a->text() == "S&top") a->trigger();
    QVERIFY(done.count() || done.wait(10000));
    const auto stopped = shown_json();
    QVERIFY2(w.exportFrames(dir.filePath("live.pcapng")), qPrintable(w.lastError()));
    QVERIFY(private_file(dir.filePath("live.pcapng")) && private_file(dir.filePath("live.pcapng.keys.yaml")));
    const auto all = lines(ovmsdump({"-r", dir.filePath("live.pcapng"), "-k", dir.filePath("live.pcapng.keys.yaml"),
                                     "--json", "-Y", filter}).out);
    QCOMPARE(all.size(), stopped.size());
    for (qsizetype i = 0; i < all.size(); ++i) QCOMPARE(message_of(all[i]), message_of(stopped[i]));
    car.kill();
    serve.kill();
    car.waitForFinished();
    serve.waitForFinished();
  }

  // A load cancelled midway: the frames up to the last one decoded, so the export decodes to the
  // messages shown and no more.
  void cancelledLoad() {
    QTemporaryDir dir;
    const QString big = dir.filePath("load.pcap"), keys = dir.filePath("keys.yaml");
    QProcess sim;
    sim.start(OVMS_SIM, {"--scenario", "load", "--messages", "200000", "--seed", "1", "--out", big, "--keys-out", keys});
    QVERIFY(sim.waitForFinished(120000));
    QCOMPARE(sim.exitCode(), 0);
    MainWindow w;
    w.setQuiet(true);
    QVERIFY(w.setKeysFile(keys));
    QSignalSpy done(&w, &MainWindow::loadFinished);
    QVERIFY(w.openCapture(big));
    QTRY_VERIFY_WITH_TIMEOUT(w.store().size() > 0, 60000);
    for (QAction* a : w.findChildren<QAction*>())
      if (a->text() == "Cancel") a->trigger();
    for (QPushButton* b : w.findChildren<QPushButton*>())
      if (b->text() == "Cancel") b->click();
    QVERIFY(done.count() || done.wait(60000));
    const qsizetype shown = w.messageModel()->rowCount();
    const qsizetype whole = lines(ovmsdump({"-r", big, "-k", keys, "--json"}).out).size();
    QVERIFY2(shown < whole, qPrintable(QString("%1 of %2: not cancelled midway").arg(shown).arg(whole)));
    QVERIFY2(w.exportFrames(dir.filePath("part.pcapng")), qPrintable(w.lastError()));
    const auto got = lines(ovmsdump({"-r", dir.filePath("part.pcapng"), "-k", dir.filePath("part.pcapng.keys.yaml"),
                                     "--json"}).out);
    QCOMPARE(got.size(), shown);
    for (qsizetype i = 0; i < got.size(); ++i) {
      std::string line;
      const auto& r = *w.store().at(static_cast<std::size_t>(i));
      ovms::append_record_json(line, r, w.store().connection(r.conn));
      QCOMPARE(message_of(got[i]), message_of(QByteArray::fromStdString(line)));
    }
  }

  // The fields dialog: offers the catalog's readable names, keeps the order chosen, refuses unknown ones.
  void fieldsDialog() {
    ExportFieldsDialog d({"frame", "no.such.field", "status.soc"});
    QCOMPARE(d.fields(), QStringList({"frame", "status.soc"}));
    QVERIFY(d.addField("vehicle"));
    QVERIFY(!d.addField("status.sock"));
    QCOMPARE(d.fields(), QStringList({"frame", "status.soc", "vehicle"}));
    const int all = d.offeredCount();
    QVERIFY(all > 100);
    auto* offered = d.findChild<QTreeWidget*>();
    QVERIFY(offered);
    for (int i = 0; i < offered->topLevelItemCount(); ++i) {
      std::string error;
      QVERIFY2(ovms::FieldText::resolve(offered->topLevelItem(i)->text(0).toStdString(), error),
               qPrintable(offered->topLevelItem(i)->text(0)));
    }
    d.search()->setText("soc");
    QVERIFY(d.offeredCount() > 0 && d.offeredCount() < all);
    d.search()->setText("location.latitude");
    QTest::keyClick(d.search(), Qt::Key_Return);
    QCOMPARE(d.fields().last(), QString("location.latitude"));
    // The command it shows writes the same rows (run here through a shell, as a user would paste it).
    d.setCommandContext(kSamples + "/all.pcap", kKeys, "vehicle == \"DEMO\" && status.soc < 60");
    QVERIFY(d.command().contains("-Y 'vehicle == \"DEMO\" && status.soc < 60'"));
    QProcess sh;
    sh.start("sh", {"-c", QString(d.command()).replace(QRegularExpression("^ovmsdump"), OVMSDUMP)});
    QVERIFY(sh.waitForFinished(60000));
    QCOMPARE(sh.exitCode(), 0);
    const QByteArray rows = sh.readAllStandardOutput();
    QVERIFY(rows.startsWith("\"frame\",\"status.soc\",\"vehicle\",\"location.latitude\"\n"));
    QVERIFY(lines(rows).size() > 2);
    if (qEnvironmentVariableIsSet("INSPECTOR_EXPORT_SHOT")) {
      d.search()->setText("status.");
      d.setCommandContext("samples/all.pcap", "samples/keys.yaml", "vehicle == \"DEMO\" && status.soc < 60");
      d.show();
      QTest::qWait(200);
      d.grab().save(qEnvironmentVariable("INSPECTOR_EXPORT_SHOT"));
    }
  }
};

QTEST_MAIN(InspectorExportTest)
#include "inspector_export_test.moc"
