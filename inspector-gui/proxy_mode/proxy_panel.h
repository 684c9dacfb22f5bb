// The proxy mode's dock: the intercept filter, the queue of held lines (time left before the
// receiver's timeout; Forward, Edit, Drop, Forward all, Intercept off), Compose (toward the car or the
// server) with the replies to injected commands, Record, the sessions with their state (Close), and
// the relayed lines with their leg and whether the proxy changed them. The same lines go to the
// window's list, timeline, details, charts and map through the controller (a RecordSource).
#pragma once

#include <QDockWidget>
#include <QPointer>

#include "proxy_mode/proxy_controller.h"

class QLineEdit;
class QTreeWidget;
class QComboBox;
class QPushButton;
class QLabel;
class QTimer;

namespace inspector {

class ProxyPanel : public QDockWidget {
  Q_OBJECT
 public:
  explicit ProxyPanel(QWidget* parent = nullptr);
  void setController(ProxyController* c);
  ProxyController* controller() const { return controller_; }

  // For tests and the screenshot script.
  QTreeWidget* heldList() const { return held_; }
  QTreeWidget* sessionList() const { return sessions_; }
  QTreeWidget* relayedList() const { return relayed_; }
  QTreeWidget* repliesList() const { return replies_; }
  QLineEdit* filterEdit() const { return filter_; }
  void editHeld(int row);  // opens the edit dialog on held line `row`

 private:
  void refreshHeld();
  void refreshSessions();
  void addRelayed(const BatchPtr& b);
  void applyFilter();
  void compose();
  void toggleRecord();
  void replay();
  int currentHeld() const;

  QPointer<ProxyController> controller_;
  QLineEdit* filter_;
  QLabel* filter_state_;
  QTreeWidget* held_;
  QTreeWidget* sessions_;
  QTreeWidget* relayed_;
  QTreeWidget* replies_;
  QComboBox* toward_;
  QPushButton* record_;
  QLabel* status_;
  QTimer* clock_;
};

}  // namespace inspector
