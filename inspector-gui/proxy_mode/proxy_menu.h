// The one hook into the window: a Proxy menu (Start…, Stop) and the Proxy dock. Starting attaches a
// ProxyController to the window as its record source, so relayed lines fill the same views.
#pragma once

namespace inspector {

class MainWindow;
class ProxyPanel;

ProxyPanel* installProxyMode(MainWindow* window);

}  // namespace inspector
