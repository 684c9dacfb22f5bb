// Capture › Start: the interface (as libpcap lists them) and the BPF filter (the default OVMS filter,
// or one's own).
#pragma once

#include <QDialog>

class QComboBox;
class QLineEdit;

namespace inspector {

class LiveDialog : public QDialog {
  Q_OBJECT
 public:
  explicit LiveDialog(QWidget* parent = nullptr);
  QString interfaceName() const;
  QString filter() const;

 private:
  QComboBox* iface_;
  QLineEdit* filter_;
};

}  // namespace inspector
