#include "views/keys_editor.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ovms/keys_writer.h"

namespace inspector {

namespace {
enum VehicleColumn { kId, kServer, kModule, kIccid, kVin, kVehicleColumns };

QString text_of(const std::optional<std::string>& s) { return s ? QString::fromStdString(*s) : QString(); }
std::optional<std::string> optional_of(const QTableWidgetItem* item) {
  if (!item || item->text().isEmpty()) return std::nullopt;
  return item->text().toStdString();
}
std::string string_of(const QTableWidgetItem* item) { return item ? item->text().toStdString() : std::string(); }

QWidget* table_with_buttons(QTableWidget* t) {
  auto* w = new QWidget;
  auto* l = new QVBoxLayout(w);
  l->setContentsMargins(0, 0, 0, 0);
  l->addWidget(t);
  auto* row = new QHBoxLayout;
  auto* add = new QPushButton(QObject::tr("Add"));
  auto* remove = new QPushButton(QObject::tr("Remove"));
  row->addWidget(add);
  row->addWidget(remove);
  row->addStretch();
  l->addLayout(row);
  QObject::connect(add, &QPushButton::clicked, t, [t] { t->insertRow(t->rowCount()); });
  QObject::connect(remove, &QPushButton::clicked, t, [t] {
    if (t->currentRow() >= 0) t->removeRow(t->currentRow());
  });
  t->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  return w;
}
}  // namespace

KeysEditor::KeysEditor(const std::optional<ovms::KeyStore>& keys, const QString& path, QWidget* parent)
    : QDialog(parent), path_(path) {
  setWindowTitle(path.isEmpty() ? tr("Keys editor") : tr("Keys editor — %1").arg(path));
  resize(800, 500);
  vehicles_ = new QTableWidget(0, kVehicleColumns);
  vehicles_->setHorizontalHeaderLabels({tr("Vehicle id"), tr("Server password"), tr("Module password"), tr("ICCID"), tr("VIN")});
  accounts_ = new QTableWidget(0, 2);
  accounts_->setHorizontalHeaderLabels({tr("Username"), tr("Password")});
  if (keys) {
    for (const ovms::VehicleKey& v : keys->vehicles()) {
      int r = vehicles_->rowCount();
      vehicles_->insertRow(r);
      vehicles_->setItem(r, kId, new QTableWidgetItem(QString::fromStdString(v.id)));
      vehicles_->setItem(r, kServer, new QTableWidgetItem(text_of(v.server_password)));
      vehicles_->setItem(r, kModule, new QTableWidgetItem(text_of(v.module_password)));
      vehicles_->setItem(r, kIccid, new QTableWidgetItem(text_of(v.iccid)));
      vehicles_->setItem(r, kVin, new QTableWidgetItem(text_of(v.vin)));
    }
    for (const ovms::Account& a : keys->accounts()) {
      int r = accounts_->rowCount();
      accounts_->insertRow(r);
      accounts_->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(a.username)));
      accounts_->setItem(r, 1, new QTableWidgetItem(QString::fromStdString(a.password)));
    }
  }
  auto* l = new QVBoxLayout(this);
  l->addWidget(new QLabel(tr("Vehicles (scheme 0 and paranoid mode; auto-provisioning by ICCID and VIN)")));
  l->addWidget(table_with_buttons(vehicles_), 3);
  l->addWidget(new QLabel(tr("Accounts (scheme 1 logins)")));
  l->addWidget(table_with_buttons(accounts_), 1);
  l->addWidget(new QLabel(tr("The file holds secrets: it is saved readable by you only (mode 0600).")));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
  l->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, this, [this] {
    QString p = path_;
    if (p.isEmpty()) p = QFileDialog::getSaveFileName(this, tr("Save keys"), "keys.yaml", tr("Keys (*.yaml *.yml)"));
    if (p.isEmpty()) return;
    QString error;
    if (save(p, error)) accept();
    else QMessageBox::warning(this, tr("Cannot save keys"), error);
  });
}

ovms::KeyStore KeysEditor::keys() const {
  ovms::KeyStore ks;
  for (int r = 0; r < vehicles_->rowCount(); ++r) {
    ovms::VehicleKey v;
    v.id = string_of(vehicles_->item(r, kId));
    v.server_password = optional_of(vehicles_->item(r, kServer));
    v.module_password = optional_of(vehicles_->item(r, kModule));
    v.iccid = optional_of(vehicles_->item(r, kIccid));
    v.vin = optional_of(vehicles_->item(r, kVin));
    if (v.id.empty() && !v.iccid && !v.vin) continue;  // an empty row: nothing to name it by
    ks.add_vehicle(std::move(v));
  }
  for (int r = 0; r < accounts_->rowCount(); ++r) {
    std::string user = string_of(accounts_->item(r, 0));
    if (!user.empty()) ks.add_account({user, string_of(accounts_->item(r, 1)), 0});
  }
  return ks;
}

bool KeysEditor::save(const QString& path, QString& error) {
  std::string why;
  ovms::KeysWriter writer(keys());
  if (!writer.write(path.toStdString(), "OVMS keys, written by ovms-inspector's keys editor", why)) {
    error = QString::fromStdString(why);
    return false;
  }
  path_ = path;
  return true;
}

}  // namespace inspector
