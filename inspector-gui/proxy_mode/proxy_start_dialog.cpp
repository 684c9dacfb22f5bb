#include "proxy_mode/proxy_start_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>

#include "io/open_source.h"
#include "proxy_mode/car_tls.h"

namespace inspector {

ProxyStartDialog::ProxyStartDialog(const QString& keysPath, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Start the proxy"));
  auto* form = new QFormLayout(this);
  listen_ = new QLineEdit(QStringLiteral("127.0.0.1"));
  listen_port_ = new QSpinBox;
  listen_port_->setRange(0, 65535);
  listen_port_->setValue(6867);
  listen_port_->setSpecialValueText(tr("any free port"));
  auto* l = new QHBoxLayout;
  l->addWidget(listen_);
  l->addWidget(listen_port_);
  form->addRow(tr("Listen on"), l);
  warning_ = new QLabel;
  warning_->setStyleSheet("color: #a04000");
  form->addRow(QString(), warning_);
  // Another address than loopback is a choice the user types; the dialog names what it means.
  connect(listen_, &QLineEdit::textChanged, this, [this](const QString& t) {
    QHostAddress a;
    warning_->setText(a.setAddress(t) && !a.isLoopback() ? tr("reachable from the network, not only this machine")
                                                         : QString());
  });
  upstream_ = new QLineEdit(QStringLiteral("127.0.0.1"));
  upstream_port_ = new QSpinBox;
  upstream_port_->setRange(1, 65535);
  upstream_port_->setValue(6867);
  auto* u = new QHBoxLayout;
  u->addWidget(upstream_);
  u->addWidget(upstream_port_);
  form->addRow(tr("Upstream server"), u);
  upstream_tls_ = new QCheckBox(tr("TLS toward the server (port 6870)"));
  insecure_ = new QCheckBox(tr("do not verify the server's certificate"));
  insecure_->setEnabled(false);
  connect(upstream_tls_, &QCheckBox::toggled, insecure_, &QWidget::setEnabled);
  form->addRow(QString(), upstream_tls_);
  form->addRow(QString(), insecure_);
  // TLS toward the car: a certificate from the proxy's local CA (shared with `ovms-proxy --tls`); the
  // module must trust that CA once, so its certificate can be exported with the steps.
  car_tls_ = new QCheckBox(tr("TLS for the car (the proxy's own CA)"));
  auto* export_ca = new QPushButton(tr("Export CA certificate…"));
  connect(export_ca, &QPushButton::clicked, this, [this] {
    const QString to = QFileDialog::getSaveFileName(this, tr("Export the proxy's CA certificate"),
                                                    QStringLiteral("ovms-proxy-ca.pem"), tr("PEM (*.pem)"));
    if (to.isEmpty()) return;
    QString steps, error;
    if (!export_ca_certificate(QString(), to, steps, error))
      QMessageBox::warning(this, tr("Export CA certificate"), error);
    else
      QMessageBox::information(this, tr("Trust the proxy's CA on the module"), steps);
  });
  auto* t = new QHBoxLayout;
  t->addWidget(car_tls_);
  t->addWidget(export_ca);
  form->addRow(QString(), t);
  keys_ = new QLineEdit(keysPath);
  auto* browse = new QPushButton(tr("Browse…"));
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, tr("Keys file"), keys_->text(), tr("Keys (*.yaml *.yml)"));
    if (!p.isEmpty()) keys_->setText(p);
  });
  auto* k = new QHBoxLayout;
  k->addWidget(keys_);
  k->addWidget(browse);
  form->addRow(tr("Keys"), k);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  form->addRow(buttons);
}

QString ProxyStartDialog::keysPath() const { return keys_->text(); }

bool ProxyStartDialog::config(ProxyConfig& out, QString& error) const {
  QHostAddress a;
  if (!a.setAddress(listen_->text().trimmed())) {
    error = tr("Listen on: '%1' is not an IP address").arg(listen_->text());
    return false;
  }
  out.listen_host = listen_->text().trimmed();
  out.listen_port = static_cast<quint16>(listen_port_->value());
  out.upstream_host = upstream_->text().trimmed();
  out.upstream_port = static_cast<quint16>(upstream_port_->value());
  out.upstream_tls = upstream_tls_->isChecked();
  out.upstream_insecure = insecure_->isChecked();
  out.car_tls = car_tls_->isChecked();
  if (!keys_->text().isEmpty()) {
    auto ks = load_keys(keys_->text(), error);
    if (!ks) return false;
    out.keys = std::move(ks);
  }
  return true;
}

}  // namespace inspector
