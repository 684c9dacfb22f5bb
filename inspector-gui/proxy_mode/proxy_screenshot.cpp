// ovms-inspector-proxy-shot SIM KEYS OUTDIR: screenshots of proxy mode (for inspector-gui/README.md):
// starts `SIM serve`, the window in proxy mode toward it, `SIM car` pointed at the proxy, holds the
// car's status, and saves the window with the held line, the edit form, the window after it (the list's
// Leg and Proxy columns, the edited line's details: received and sent), Compose's catalog picker and
// the form of a picked command, and Proxy › Start.
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QHeaderView>
#include <QLineEdit>
#include <QAbstractItemView>
#include <QScreen>
#include <QSplitter>
#include <QTreeView>
#include <QTableView>
#include <QProcess>
#include <QTimer>
#include <QTreeWidget>
#include <cstdio>

#include "app/main_window.h"
#include "io/open_source.h"
#include "proxy_mode/message_edit_dialog.h"
#include "proxy_mode/proxy_menu.h"
#include "proxy_mode/proxy_panel.h"
#include "proxy_mode/proxy_start_dialog.h"
#include "views/details_view.h"

using namespace inspector;

static void waitFor(const std::function<bool()>& done, int ms) {
  for (int t = 0; t < ms && !done(); t += 50) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QThread::msleep(10);
  }
}

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  if (argc != 4) {
    std::fprintf(stderr, "usage: ovms-inspector-proxy-shot SIM KEYS OUTDIR\n");
    return 2;
  }
  const QString sim = argv[1], keys = argv[2], out = argv[3];
  QProcess server, car;
  server.start(sim, {"serve", "--listen", "127.0.0.1:0", "-k", keys});
  server.waitForReadyRead(5000);
  const QByteArray line = server.readAllStandardOutput();
  const quint16 up = static_cast<quint16>(line.mid(line.lastIndexOf(':') + 1).trimmed().toUInt());

  MainWindow w;
  w.setQuiet(true);
  w.resize(1600, 900);
  ProxyPanel* panel = installProxyMode(&w);
  w.show();
  QString error;
  auto c = std::make_unique<ProxyController>();
  ProxyConfig cfg;
  cfg.listen_port = 0;
  cfg.upstream_port = up;
  cfg.keys = load_keys(keys, error);
  if (!c->start(std::move(cfg), error)) {
    std::fprintf(stderr, "proxy: %s\n", qPrintable(error));
    return 1;
  }
  ProxyController* proxy = c.get();
  w.attachSource(std::move(c));
  panel->setController(proxy);
  panel->show();
  w.resizeDocks({panel}, {560}, Qt::Horizontal);
  panel->filterEdit()->setText(QStringLiteral("ovms.code == \"S\""));
  proxy->setInterceptFilter(panel->filterEdit()->text(), error);
  QMetaObject::invokeMethod(panel->filterEdit(), "returnPressed");
  car.start(sim, {"car", "--connect", QStringLiteral("127.0.0.1:%1").arg(proxy->listenPort()), "--vehicle", "DEMO",
                  "-k", keys, "--interval", "5"});
  waitFor([&] { return !proxy->held().empty(); }, 15000);
  waitFor([] { return false; }, 1500);  // the clock column counts once
  panel->heldList()->setCurrentItem(panel->heldList()->topLevelItem(0));
  w.grab().save(QDir(out).filePath("inspector-proxy-held.png"));

  const ovms::LineRecord& r = *proxy->held().front().record;
  MessageEditDialog d(QStringLiteral("Edit held line"), QString::fromStdString(r.plain->substr(r.body_offset)), &w);
  d.resize(560, 640);
  d.show();
  if (auto* soc = qobject_cast<QLineEdit*>(d.fieldEditor("soc"))) {
    soc->setText("12.5");
    Q_EMIT soc->textEdited("12.5");
  }
  waitFor([] { return false; }, 300);
  d.grab().save(QDir(out).filePath("inspector-proxy-edit.png"));
  proxy->edit(0, d.body());
  d.close();
  proxy->interceptOff();
  proxy->forwardAll();
  waitFor([] { return false; }, 2000);
  // The edited line selected: its row marked, its details with what arrived and what was sent.
  const MessageModel* model = w.messageModel();
  ovms::relay::Show edited;
  edited.changed = true;
  for (int row = 0; row < model->rowCount(); ++row)
    if (model->index(row, model->notesColumn(ProxyNotes::kProxy)).data().toString() == QLatin1String(ovms::relay::show_mark_name(edited))) {
      w.selectStoreRow(model->storeRow(row));
      break;
    }
  // The details wider, the proxy's item (the last) open: Received, Sent, Changed fields.
  if (auto* bottom = qobject_cast<QSplitter*>(w.details()->parentWidget())) bottom->setSizes({700, 300});
  QTreeView* tree = w.details()->tree();
  tree->collapseAll();
  const QModelIndex proxyItem = tree->model()->index(tree->model()->rowCount() - 1, 0);
  tree->expandRecursively(proxyItem);
  for (int i = 0; i < tree->model()->rowCount(proxyItem); ++i) {
    const QModelIndex child = tree->model()->index(i, 0, proxyItem);
    if (i < 2) tree->collapse(child);  // Received and Sent: their headlines; the fields that changed below
  }
  tree->scrollTo(proxyItem, QAbstractItemView::PositionAtTop);
  waitFor([] { return false; }, 300);
  w.grab().save(QDir(out).filePath("inspector-proxy-relayed.png"));

  // Compose: the catalog's commands and messages in the picker (its list open), then a picked command's form.
  MessageEditDialog compose(QStringLiteral("Compose toward the car"), QString(), &w);
  compose.addCatalogPicker();
  compose.resize(560, 420);
  compose.move(w.geometry().center() - QPoint(280, 320));
  compose.show();
  waitFor([] { return false; }, 300);
  compose.picker()->showPopup();
  waitFor([] { return false; }, 500);
  const QRect popup = compose.picker()->view()->window()->geometry();
  const QRect shot = compose.frameGeometry().united(popup);
  compose.screen()->grabWindow(0, shot.x(), shot.y(), shot.width(), shot.height())
      .save(QDir(out).filePath("inspector-proxy-compose-picker.png"));
  compose.picker()->hidePopup();
  for (int i = 0; i < compose.picker()->count(); ++i)
    if (compose.picker()->itemText(i).startsWith("10 · ")) {
      compose.picker()->setCurrentIndex(i);
      Q_EMIT compose.picker()->activated(i);
    }
  if (auto* mode = qobject_cast<QComboBox*>(compose.fieldEditor(QString::fromLatin1(ovms::find_command(10)->params[0].name))))
    mode->setCurrentIndex(0);  // the catalog's first charge mode, as a user picks it
  compose.resize(560, 300);
  waitFor([] { return false; }, 300);
  compose.grab().save(QDir(out).filePath("inspector-proxy-compose.png"));
  compose.close();
  ProxyStartDialog start(keys, &w);  // Proxy › Start, with TLS for the car and the CA export
  start.show();
  waitFor([] { return false; }, 300);
  start.grab().save(QDir(out).filePath("inspector-proxy-start.png"));
  start.close();
  car.terminate();
  car.waitForFinished(2000);
  server.terminate();
  server.waitForFinished(2000);
  return 0;
}
