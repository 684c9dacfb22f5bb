// Proxy › Start: where the proxy listens (loopback unless another address is typed), the upstream
// server, TLS toward it, TLS toward the car with the proxy's local CA (and its certificate exported for
// the module, with the trust steps), and the keys file.
#pragma once

#include <QDialog>

#include "proxy_mode/proxy_controller.h"

class QLineEdit;
class QSpinBox;
class QCheckBox;
class QLabel;

namespace inspector {

class ProxyStartDialog : public QDialog {
  Q_OBJECT
 public:
  explicit ProxyStartDialog(const QString& keysPath, QWidget* parent = nullptr);
  // The settings as chosen; false with `error` (a bad address, an unreadable keys file).
  bool config(ProxyConfig& out, QString& error) const;
  QString keysPath() const;

 private:
  QLineEdit* listen_;
  QSpinBox* listen_port_;
  QLineEdit* upstream_;
  QSpinBox* upstream_port_;
  QCheckBox* upstream_tls_;
  QCheckBox* insecure_;
  QCheckBox* car_tls_;
  QLineEdit* keys_;
  QLabel* warning_;
};

}  // namespace inspector
