// ovms-inspector [CAPTURE] [-k KEYS]: the window, with a capture opened and a keys file chosen.
#include <QApplication>
#include <QCommandLineParser>
#include <QTabWidget>
#include <QTimer>
#include <cstdio>

#include "model/allocator.h"

#include "app/main_window.h"
#include "views/filter_bar.h"
#ifdef OVMS_PROXY_MODE
#include "proxy_mode/proxy_menu.h"  // the Proxy menu and dock (proxy_mode/)
#endif

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  inspector::prepare_allocator_for_records();
  QApplication::setOrganizationName("ovms-inspector");
  QApplication::setApplicationName("ovms-inspector");
  QCommandLineParser args;
  args.setApplicationDescription("The OVMS inspector: decoded OVMS v2 traffic from a capture or a live interface.");
  args.addHelpOption();
  args.addPositionalArgument("CAPTURE", "a capture to open (pcap, pcapng, plain or .gz)", "[CAPTURE]");
  QCommandLineOption keys({"k", "keys"}, "the keys file (YAML, see keys/README.md)", "KEYS");
  QCommandLineOption filter({"Y", "filter"}, "a display filter to apply", "FILTER");
  // For the screenshot script (scripts/screenshots.sh) and for checking a capture at a glance.
  QCommandLineOption shot("screenshot", "when the capture is read, save the window as a PNG and quit", "PNG");
  QCommandLineOption tab("tab", "the picture to show: timeline, charts, map or statistics", "TAB");
  QCommandLineOption frame("frame", "select the first message of this frame", "FRAME");
  args.addOption(shot);
  args.addOption(tab);
  args.addOption(frame);
  args.addOption(keys);
  args.addOption(filter);
  args.process(app);
  if (args.positionalArguments().size() > 1) {
    std::fprintf(stderr, "ovms-inspector: one capture at a time (got %lld)\n",
                 static_cast<long long>(args.positionalArguments().size()));
    return 2;
  }
  inspector::MainWindow w;
#ifdef OVMS_PROXY_MODE
  inspector::installProxyMode(&w);
#endif
  w.show();
  if (args.isSet(keys)) w.setKeysFile(args.value(keys));
  if (!args.positionalArguments().isEmpty()) w.openCapture(args.positionalArguments().first());
  if (args.isSet(filter)) {
    w.filterBar()->setText(args.value(filter));
    QMetaObject::invokeMethod(w.filterBar(), "returnPressed");
  }
  if (args.isSet(tab)) {
    const QStringList tabs{"timeline", "charts", "map", "statistics"};
    int i = tabs.indexOf(args.value(tab).toLower());
    if (i < 0) {
      std::fprintf(stderr, "ovms-inspector: --tab: one of timeline, charts, map, statistics\n");
      return 2;
    }
    w.pictures()->setCurrentIndex(i);
  }
  QObject::connect(&w, &inspector::MainWindow::loadFinished, &w, [&] {
    if (args.isSet(frame)) {
      const auto& recs = w.store().records();
      for (std::size_t i = 0; i < recs.size(); ++i)
        if (recs[i]->frame >= args.value(frame).toULongLong() && w.messageModel()->modelRow(i)) {
          w.selectStoreRow(i);
          break;
        }
    }
    if (args.isSet(shot)) {
      QTimer::singleShot(300, &w, [&] {
        w.grab().save(args.value(shot), "PNG");
        QApplication::quit();
      });
    }
  });
  return QApplication::exec();
}
