#include "proxy_mode/proxy_menu.h"

#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>

#include "app/main_window.h"
#include "proxy_mode/proxy_panel.h"
#include "proxy_mode/proxy_start_dialog.h"

namespace inspector {

ProxyPanel* installProxyMode(MainWindow* w) {
  auto* panel = new ProxyPanel(w);
  w->addDockWidget(Qt::RightDockWidgetArea, panel);
  panel->hide();
  QMenu* menu = w->menuBar()->addMenu(QObject::tr("&Proxy"));
  QAction* stop = nullptr;
  QAction* start = menu->addAction(QObject::tr("&Start…"));
  stop = menu->addAction(QObject::tr("S&top"));
  stop->setEnabled(false);
  menu->addAction(panel->toggleViewAction());
  QObject::connect(start, &QAction::triggered, w, [w, panel, stop] {
    ProxyStartDialog d(QSettings().value("keys/file").toString(), w);
    if (d.exec() != QDialog::Accepted) return;
    ProxyConfig cfg;
    QString error;
    auto c = std::make_unique<ProxyController>();
    if (!d.config(cfg, error) || !c->start(std::move(cfg), error)) {
      QMessageBox::warning(w, QObject::tr("Cannot start the proxy"), error);
      return;
    }
    ProxyController* raw = c.get();
    w->attachSource(std::move(c));  // the window owns it; the panel's pointer clears when it goes
    panel->setController(raw);
    panel->show();
    stop->setEnabled(true);
    QObject::connect(raw, &QObject::destroyed, stop, [stop] { stop->setEnabled(false); });
  });
  QObject::connect(stop, &QAction::triggered, panel, [panel] {
    if (panel->controller()) panel->controller()->cancel();
  });
  return panel;
}

}  // namespace inspector
