// The inspector's models and window under QTest offscreen, over the real samples, checked against
// ovmsdump's own output on the same files (the same core, another front end).
#include <QAction>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWheelEvent>
#include <algorithm>
#include <unistd.h>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>

#include "app/main_window.h"
#include "io/open_source.h"
#include "model/map_track.h"
#include "model/message_model.h"
#include "model/statistics.h"
#include "model/time_series.h"
#include "ovms/field_names.h"
#include "ovms/json.h"
#include "views/chart_panel.h"
#include "views/details_view.h"
#include "views/filter_bar.h"
#include "views/keys_editor.h"
#include <QTableWidget>
#include "views/map_view.h"
#include "views/timeline_view.h"

using namespace inspector;

namespace {

const QString kSamples = QStringLiteral(OVMS_SOURCE_DIR "/samples");
const QString kKeys = kSamples + "/keys.yaml";

QStringList samples() {
  return QDir(kSamples).entryList({"*.pcap"}, QDir::Files, QDir::Name);
}

// ovmsdump's JSON Lines for a capture (and a filter), one string per line.
QStringList ovmsdump_json(const QString& capture, const QString& filter = {}, const QString& keys = kKeys) {
  QProcess p;
  QStringList args{"-r", capture, "-k", keys, "--json"};
  if (!filter.isEmpty()) args << "-Y" << filter;
  p.start(OVMSDUMP, args);
  p.waitForFinished(60000);
  QStringList lines = QString::fromUtf8(p.readAllStandardOutput()).split('\n');
  if (!lines.isEmpty() && lines.last().isEmpty()) lines.removeLast();
  return lines;
}

// Reads a capture through the window's own loader (worker thread, batches by queued signals).
struct Loaded {
  RecordStore store;
  bool cancelled = false;
  QString error;
  int batches = 0;
};

void load(const QString& path, Loaded& out, int cancel_after_batches = -1) {
  QString error;
  auto keys = load_keys(kKeys, error);
  QVERIFY2(keys, qPrintable(error));
  auto worker = open_capture_file(path, std::move(keys), error);
  QVERIFY2(worker, qPrintable(error));
  QEventLoop loop;
  QObject::connect(worker.get(), &RecordSource::batchReady, &loop, [&](const BatchPtr& b) {
    out.store.append(std::move(*b));
    if (++out.batches == cancel_after_batches) worker->cancel();
  }, Qt::QueuedConnection);
  QObject::connect(worker.get(), &RecordSource::finished, &loop, [&](const QString& e, bool c) {
    out.error = e;
    out.cancelled = c;
    loop.quit();
  }, Qt::QueuedConnection);
  worker->start();
  QTimer::singleShot(120000, &loop, &QEventLoop::quit);
  loop.exec();
}

std::string json_of(const RecordStore& s, std::size_t row) {
  std::string out;
  const auto& r = *s.at(row);
  ovms::append_record_json(out, r, s.connection(r.conn));
  return out;
}

bool wait_loaded(MainWindow& w) {
  QSignalSpy done(&w, &MainWindow::loadFinished);
  return done.count() || done.wait(60000);
}

}  // namespace

class InspectorGuiTest : public QObject {
  Q_OBJECT
 private slots:
  // Every sample, read by the loader, holds the very records ovmsdump --json prints.
  void samplesEqualOvmsdump_data() {
    QTest::addColumn<QString>("sample");
    for (const QString& s : samples()) QTest::newRow(qPrintable(s)) << s;
  }
  void samplesEqualOvmsdump() {
    QFETCH(QString, sample);
    Loaded l;
    load(kSamples + "/" + sample, l);
    QVERIFY(l.error.isEmpty());
    QStringList expected = ovmsdump_json(kSamples + "/" + sample);
    QVERIFY(!expected.isEmpty());
    QCOMPARE(static_cast<qsizetype>(l.store.size()), expected.size());
    for (std::size_t i = 0; i < l.store.size(); ++i)
      QCOMPARE(QString::fromStdString(json_of(l.store, i)), expected[static_cast<int>(i)]);
    MessageModel m(l.store);
    m.storeAppended(0);
    QCOMPARE(static_cast<std::size_t>(m.rowCount()), l.store.size());
    QCOMPARE(m.columnCount(), 1 + static_cast<int>(ovms::present::Column::kCount));
    QCOMPARE(m.headerData(7, Qt::Horizontal, Qt::DisplayRole).toString(), QString("Summary"));
    // The cells are the core's wording.
    auto v = ovms::present::view_of(*l.store.at(0));
    QCOMPARE(m.index(0, 6).data().toString().toStdString(), ovms::present::column_text(ovms::present::Column::Name, v));
  }

  // A filter shows exactly the lines ovmsdump -Y shows.
  void filterEqualsOvmsdump_data() {
    QTest::addColumn<QString>("filter");
    for (const char* f : {"status.soc < 60", "dir == \"s2c\" && vehicle == \"DEMO\"", "location.latitude > 48",
                          "ovms.code == \"C\"", "diag", "inner.code == \"S\"", "ovms.key_source == \"iccid\""})
      QTest::newRow(f) << QString(f);
  }
  void filterEqualsOvmsdump() {
    QFETCH(QString, filter);
    Loaded l;
    load(kSamples + "/all.pcap", l);
    ovms::FilterError err;
    auto f = ovms::DisplayFilter::compile(filter.toStdString(), err);
    QVERIFY2(f, qPrintable(QString::fromStdString(err.message)));
    MessageModel m(l.store);
    m.setFilter(f);
    QStringList expected = ovmsdump_json(kSamples + "/all.pcap", filter);
    QCOMPARE(m.rowCount(), expected.size());
    for (int i = 0; i < m.rowCount(); ++i)
      QCOMPARE(QString::fromStdString(json_of(l.store, m.storeRow(i))), expected[i]);
  }

  // The loader can be cancelled midway: it stops soon, says so, and what it read is intact.
  void loaderCancel() {
    QTemporaryDir dir;
    QString big = dir.filePath("load.pcap"), keys = dir.filePath("keys.yaml");
    QProcess sim;
    sim.start(OVMS_SIM, {"--scenario", "load", "--messages", "200000", "--seed", "1", "--out", big, "--keys-out", keys});
    QVERIFY(sim.waitForFinished(120000));
    QCOMPARE(sim.exitCode(), 0);
    Loaded all, part;
    load(big, all);
    QVERIFY(!all.cancelled);
    load(big, part, 2);
    QVERIFY(part.cancelled);
    QVERIFY(part.error.isEmpty());
    QVERIFY(part.store.size() > 0);
    QVERIFY2(part.store.size() < all.store.size(), qPrintable(QString("%1 of %2").arg(part.store.size()).arg(all.store.size())));
    for (std::size_t i = 0; i < part.store.size(); ++i) QCOMPARE(part.store.at(i)->id, all.store.at(i)->id);
  }

  // The detail tree of a status message shows each field with its unit, and selecting a field
  // highlights exactly its bytes in the decrypted text.
  void detailTreeAndBytes() {
    Loaded l;
    load(kSamples + "/basic.pcap", l);
    std::size_t row = SIZE_MAX;
    for (std::size_t i = 0; i < l.store.size() && row == SIZE_MAX; ++i)
      if (l.store.at(i)->effective().code == 'S' && l.store.at(i)->plain) row = i;
    QVERIFY(row != SIZE_MAX);
    const ovms::LineRecord& r = *l.store.at(row);
    DetailsView d;
    d.setRecord(&r);
    FieldTreeModel* m = d.model();
    QModelIndex fields;
    for (int i = 0; i < m->rowCount(); ++i)
      if (m->index(i, 0).data().toString().startsWith("Car status")) fields = m->index(i, 0);
    QVERIFY(fields.isValid());
    QCOMPARE(static_cast<std::size_t>(m->rowCount(fields)), r.msg.fields.size());
    int with_units = 0;
    for (int i = 0; i < m->rowCount(fields); ++i) {
      const ovms::FieldValue& v = r.msg.fields[i];
      QModelIndex item = m->index(i, 0, fields);
      QString text = item.data().toString();
      QVERIFY2(text.startsWith(QString::fromUtf8(v.def->label)), qPrintable(text));
      if (v.def->unit && *v.def->unit && v.kind != ovms::FieldValue::Kind::Empty && !ovms::enum_value(*v.def, v)) {
        QVERIFY2(text.endsWith(" " + QString::fromUtf8(v.def->unit)), qPrintable(text));
        ++with_units;
      }
      d.tree()->setCurrentIndex(item);
      QCOMPARE(QString::fromStdString(d.bytes()->highlighted()), QString::fromStdString(std::string(v.text)));
      QCOMPARE(r.plain->substr(v.offset, v.length), std::string(v.text));
    }
    QVERIFY(with_units > 3);
  }

  // Chart series are the decoded values; the map track has one point per message with a position.
  void chartAndMap() {
    Loaded l;
    load(kSamples + "/all.pcap", l);
    std::map<std::string, std::vector<SeriesPoint>> series;
    collect_series(l.store, "status.soc", 0, series);
    std::size_t expected = 0, got = 0;
    for (std::size_t i = 0; i < l.store.size(); ++i)
      if (const auto* soc = l.store.at(i)->effective().field("soc"); soc && l.store.at(i)->effective().code == 'S' && soc->is_number())
        ++expected;
    for (const auto& [vehicle, pts] : series) {
      got += pts.size();
      for (const auto& p : pts) {
        const auto& r = *l.store.at(p.row);
        QCOMPARE(QString::fromStdString(r.vehicle.empty() ? "-" : r.vehicle), QString::fromStdString(vehicle));
        QCOMPARE(p.value, r.effective().field("soc")->f);
        QCOMPARE(p.ts, r.ts);
      }
    }
    QVERIFY(expected > 5);
    QCOMPARE(got, expected);
    ChartPanel chart(l.store);
    chart.storeAppended(0);
    QVERIFY(chart.availableFields().contains("status.soc"));
    QVERIFY(chart.series().count("status.soc"));  // charted by default
    QTemporaryDir dir;
    QString err;
    QVERIFY(chart.exportCsv(dir.filePath("soc.csv"), err));
    QFile csv(dir.filePath("soc.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(static_cast<std::size_t>(csv.readAll().count('\n')), expected + 1);

    MapView map(l.store);
    map.storeAppended(0);
    std::size_t locations = 0, points = 0;
    double lat, lon;
    for (std::size_t i = 0; i < l.store.size(); ++i)
      if (l.store.at(i)->effective().code == 'L' && record_position(*l.store.at(i), lat, lon)) ++locations;
    for (const auto& [v, pts] : map.tracks())
      for (const auto& p : pts) points += l.store.at(p.row)->effective().code == 'L';
    QVERIFY(locations > 3);
    QCOMPARE(points, locations);
  }

  // A tile server by URL template (file:// here: no network in tests): the map fetches the tiles it
  // shows and draws them; without a template it fetches nothing.
  void mapTiles() {
    Loaded l;
    load(kSamples + "/all.pcap", l);
    QTemporaryDir dir;
    QPixmap tile(256, 256);
    tile.fill(Qt::green);
    for (int z = 0; z <= 19; ++z)
      for (int x = 0; x < 4; ++x) {  // enough for the world at low zoom; higher levels are not all there
        QDir().mkpath(dir.filePath(QString("%1/%2").arg(z).arg(x)));
        for (int y = 0; y < 4; ++y) tile.save(dir.filePath(QString("%1/%2/%3.png").arg(z).arg(x).arg(y)));
      }
    MapView map(l.store);
    map.resize(512, 512);
    map.storeAppended(0);
    map.grab();
    QCOMPARE(map.tilesLoaded(), 0);
    map.setTileTemplate(QUrl::fromLocalFile(dir.path()).toString() + "/{z}/{x}/{y}.png");
    // Zoomed out to the whole world: level 1, tiles 0..1 each way.
    for (int i = 0; i < 12; ++i) {
      QWheelEvent out(QPointF(256, 256), map.mapToGlobal(QPointF(256, 256)), {}, {0, -120}, Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
      QCoreApplication::sendEvent(&map, &out);
    }
    map.grab();
    QTRY_VERIFY_WITH_TIMEOUT(map.tilesLoaded() > 0, 5000);
    QImage img = map.grab().toImage();
    if (qEnvironmentVariableIsSet("INSPECTOR_TEST_DUMP")) img.save(qEnvironmentVariable("INSPECTOR_TEST_DUMP"));
    QCOMPARE(img.pixelColor(256, 140), QColor(Qt::green));  // far north of every track: a tile, nothing else
  }

  // The keys editor shows the file's vehicles and accounts, and saves what it holds, 0600, in a file
  // the core loads back with the same secrets.
  void keysEditor() {
    QString error;
    auto keys = load_keys(kKeys, error);
    QVERIFY(keys);
    KeysEditor ed(keys, {});
    QCOMPARE(static_cast<std::size_t>(ed.vehicles()->rowCount()), keys->vehicles().size());
    QCOMPARE(static_cast<std::size_t>(ed.accounts()->rowCount()), keys->accounts().size());
    // Unchanged, it saves a file that decodes as the original does (checked in the window below).
    QTemporaryDir dir;
    QString same = dir.filePath("same.yaml");
    QVERIFY2(ed.save(same, error), qPrintable(error));
    int r = ed.vehicles()->rowCount();
    ed.vehicles()->insertRow(r);
    ed.vehicles()->setItem(r, 0, new QTableWidgetItem("NEWCAR"));
    ed.vehicles()->setItem(r, 1, new QTableWidgetItem("new, \"quoted\" secret: #1"));
    QString path = dir.filePath("keys.yaml");
    QVERIFY2(ed.save(path, error), qPrintable(error));
    QCOMPARE(QFile(path).permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
             QFile::Permissions());
    QStringList warnings;
    auto back = load_keys(path, error, &warnings);
    QVERIFY2(back, qPrintable(error));
    QVERIFY(warnings.isEmpty());
    QCOMPARE(back->vehicles().size(), keys->vehicles().size() + 1);
    for (const auto& v : keys->vehicles()) {
      if (v.id.empty()) continue;
      const auto* w = back->find_vehicle(v.id);
      QVERIFY(w);
      QCOMPARE(w->server_password, v.server_password);
      QCOMPARE(w->module_password, v.module_password);
    }
    QCOMPARE(*back->find_vehicle("NEWCAR")->server_password, std::string("new, \"quoted\" secret: #1"));
    // The window decodes with the saved file as it did with the original.
    MainWindow w;
    w.setQuiet(true);
    QVERIFY(w.setKeysFile(same));
    QVERIFY(w.openCapture(kSamples + "/all.pcap"));
    QVERIFY(wait_loaded(w));
    // (ovmsdump with the saved file: diagnostics name the line of the keys file a key is on.)
    QStringList expected = ovmsdump_json(kSamples + "/all.pcap", {}, same);
    // Every line the original keys decrypt, the saved ones decrypt too.
    QCOMPARE(ovmsdump_json(kSamples + "/all.pcap").filter("\"plain\":\"").size(), expected.filter("\"plain\":\"").size());
    QCOMPARE(static_cast<qsizetype>(w.store().size()), expected.size());
    for (std::size_t i = 0; i < w.store().size(); ++i)
      QCOMPARE(QString::fromStdString(json_of(w.store(), i)), expected[static_cast<int>(i)]);
  }

  // Statistics count as ovmsdump --stats does (one count per line in each table).
  void statistics() {
    Loaded l;
    load(kSamples + "/commands.pcap", l);
    Statistics s;
    s.add(l.store, 0);
    uint64_t total = 0;
    for (const auto& [k, n] : s.table(ovms::present::StatTable::Message)) total += n;
    QCOMPARE(total, static_cast<uint64_t>(l.store.size()));
    QVERIFY(!s.roundTrips().empty());
    for (const auto& [cmd, rt] : s.roundTrips()) {
      QVERIFY(rt.min() <= rt.median() && rt.median() <= rt.max());
      QVERIFY(rt.min() >= 0);
    }
  }

  // The filter bar: completion from the catalog's names, colours by validity, the core's error.
  void filterBar() {
    FilterBar bar;
    bar.show();
    QTest::keyClicks(&bar, "status.so");
    QVERIFY2(bar.completions().contains("status.soc"), qPrintable(bar.completions().join(",")));
    bar.setText("status.soc < 20");
    QCOMPARE(bar.validity(), FilterBar::Validity::Valid);
    bar.setText("status.soc <");
    QCOMPARE(bar.validity(), FilterBar::Validity::Invalid);
    QVERIFY(bar.errorText().startsWith("column "));
    bar.setText("status.nosuch == 1");
    QCOMPARE(bar.validity(), FilterBar::Validity::Invalid);
    bar.clear();
    QCOMPARE(bar.validity(), FilterBar::Validity::Empty);
  }

  // Live capture on lo with traffic the test makes (the simulator's server and car on a free port):
  // the messages show as they arrive. Without the right to capture (not root), the window names the
  // missing capability and the setcap line.
  void liveCapture() {
    MainWindow w;
    w.setQuiet(true);
    QVERIFY(w.setKeysFile(kKeys));
    QProcess serve;
    serve.start(OVMS_SIM, {"serve", "--listen", "127.0.0.1:0", "-k", kKeys});
    QVERIFY(serve.waitForReadyRead(10000));
    QString first = QString::fromUtf8(serve.readLine()).trimmed();
    QVERIFY2(first.startsWith("listening on 127.0.0.1:"), qPrintable(first));
    QString port = first.section(':', -1);
    bool started = w.startLiveCapture("lo", "tcp port " + port);
    if (geteuid() != 0 && !started) {
      QVERIFY2(w.lastError().contains("CAP_NET_RAW") && w.lastError().contains("setcap"), qPrintable(w.lastError()));
      serve.kill();
      serve.waitForFinished();
      return;
    }
    QVERIFY2(started, qPrintable(w.lastError()));
    QVERIFY(w.loading());
    QProcess car;
    car.start(OVMS_SIM, {"car", "--connect", "127.0.0.1:" + port, "--vehicle", "DEMO", "-k", kKeys, "--interval", "1",
                         "--duration", "20"});
    QVERIFY(car.waitForStarted());
    // Status messages from the car appear while it still runs, decrypted with the keys.
    QTRY_VERIFY_WITH_TIMEOUT(
        std::any_of(w.store().records().begin(), w.store().records().end(),
                    [](const ovms::RecordPtr& r) { return r->effective().code == 'S' && r->vehicle == "DEMO" && r->plain; }),
        15000);
    QCOMPARE(car.state(), QProcess::Running);
    QVERIFY(w.messageModel()->rowCount() > 0);
    QSignalSpy done(&w, &MainWindow::loadFinished);
    for (QAction* a : w.findChildren<QAction*>())
      if (a->text() == "S&top") a->trigger();
    QVERIFY(done.wait(5000));
    QVERIFY(!w.loading());
    // Saved with its keys, the capture decodes in ovmsdump to the very records the window showed.
    QTemporaryDir dir;
    QVERIFY2(w.saveLiveCapture(dir.filePath("live.pcapng")), qPrintable(w.lastError()));
    QVERIFY(QFile::exists(dir.filePath("live.keys.yaml")));
    QCOMPARE(QFile(dir.filePath("live.pcapng")).permissions() & (QFile::ReadOther | QFile::ReadGroup), QFile::Permissions());
    QStringList saved = ovmsdump_json(dir.filePath("live.pcapng"), {}, dir.filePath("live.keys.yaml"));
    QCOMPARE(static_cast<qsizetype>(w.store().size()), saved.size());
    for (std::size_t i = 0; i < w.store().size(); ++i) {
      QJsonObject a = QJsonDocument::fromJson(QByteArray::fromStdString(json_of(w.store(), i))).object();
      QJsonObject b = QJsonDocument::fromJson(saved[static_cast<int>(i)].toUtf8()).object();
      for (const char* k : {"frame", "conn", "dir", "vehicle", "wire", "plain", "code", "fields"}) QCOMPARE(a[k], b[k]);
    }
    car.kill();
    serve.kill();
    car.waitForFinished();
    serve.waitForFinished();
  }

  // The window: a sample opens into list, details, timeline; a filter typed in the bar applies;
  // a click on the timeline selects; bad captures and keys files give a message, not a crash.
  void windowSmoke() {
    MainWindow w;
    w.setQuiet(true);
    w.show();
    QVERIFY(w.setKeysFile(kKeys));
    QVERIFY(w.openCapture(kSamples + "/all.pcap"));
    QVERIFY(wait_loaded(w));
    QCOMPARE(static_cast<qsizetype>(w.store().size()), ovmsdump_json(kSamples + "/all.pcap").size());
    QCOMPARE(static_cast<std::size_t>(w.messageModel()->rowCount()), w.store().size());
    QVERIFY(w.details()->model()->rowCount() > 0);  // the first row is selected
    std::set<uint32_t> conns;
    for (const auto& r : w.store().records()) conns.insert(r->conn);
    QCOMPARE(w.timeline()->lanes().size(), conns.size());

    w.filterBar()->setFocus();
    w.filterBar()->setText("status.soc > 50");
    QTest::keyClick(w.filterBar(), Qt::Key_Return);
    QCOMPARE(w.messageModel()->rowCount(), ovmsdump_json(kSamples + "/all.pcap", "status.soc > 50").size());

    w.selectStoreRow(w.messageModel()->storeRow(3));
    QCOMPARE(w.messageView()->currentIndex().row(), 3);
    QTest::keyClick(w.messageView(), Qt::Key_Down);
    QCOMPARE(w.messageView()->currentIndex().row(), 4);

    QTemporaryDir dir;
    QString junk = dir.filePath("junk.pcap");
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a capture\n");
    f.close();
    QVERIFY(!w.openCapture(junk));
    QVERIFY2(w.lastError().contains("junk.pcap"), qPrintable(w.lastError()));
    QVERIFY(!w.openCapture(dir.filePath("missing.pcap")));
    QVERIFY(w.lastError().contains("missing.pcap"));
    QString badkeys = dir.filePath("bad.yaml");
    QFile k(badkeys);
    QVERIFY(k.open(QIODevice::WriteOnly));
    k.write("vehicles: [ {id: X, server_password: \n");
    k.close();
    QVERIFY(!w.setKeysFile(badkeys));
    QVERIFY2(w.lastError().contains("bad.yaml"), qPrintable(w.lastError()));
    // A capture cut off in its middle: what comes before the damage is shown, and the window says where.
    QFile whole(kSamples + "/basic.pcap");
    QVERIFY(whole.open(QIODevice::ReadOnly));
    QByteArray bytes = whole.readAll();
    QString cut = dir.filePath("cut.pcap");
    QFile c(cut);
    QVERIFY(c.open(QIODevice::WriteOnly));
    c.write(bytes.left(bytes.size() / 2 + 7));
    c.close();
    QVERIFY(w.openCapture(cut));
    QVERIFY(wait_loaded(w));
    QVERIFY2(w.lastError().contains("frame"), qPrintable(w.lastError()));
    QVERIFY(w.store().size() > 0);
    QVERIFY(static_cast<qsizetype>(w.store().size()) < ovmsdump_json(kSamples + "/basic.pcap").size());
    // The window still works afterwards.
    QVERIFY(w.openCapture(kSamples + "/basic.pcap"));
    QVERIFY(wait_loaded(w));
    QVERIFY(w.store().size() > 0);
  }
};

QTEST_MAIN(InspectorGuiTest)
#include "inspector_gui_test.moc"
