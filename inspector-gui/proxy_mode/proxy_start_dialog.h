// Proxy › Start: where the proxy listens (loopback unless another address is typed), the upstream
// server, TLS toward it, and the keys file. The car's leg in TLS needs a certificate the proxy does not
// make yet (proxy/README.md): the dialog says so instead of offering it.
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
  QLineEdit* keys_;
  QLabel* warning_;
};

}  // namespace inspector
