#include "app/live_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

#include "io/open_source.h"
#include "ovms/live_capture.h"

namespace inspector {

LiveDialog::LiveDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Start a live capture"));
  iface_ = new QComboBox;
  iface_->setEditable(true);
  std::string error;
  for (const auto& i : ovms::list_interfaces(error)) {
    QString flags = QString::fromStdString(i.flags_text());
    iface_->addItem(QString::fromStdString(i.name) + (flags.isEmpty() ? "" : "  [" + flags + "]"), QString::fromStdString(i.name));
  }
  filter_ = new QLineEdit(default_live_filter());
  auto* form = new QFormLayout(this);
  form->addRow(tr("Interface:"), iface_);
  form->addRow(tr("Capture filter (BPF):"), filter_);
  if (!error.empty()) form->addRow(new QLabel(QString::fromStdString(error)));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  form->addRow(buttons);
}

QString LiveDialog::interfaceName() const {
  QVariant d = iface_->currentData();
  return iface_->currentText() == iface_->itemText(iface_->currentIndex()) && d.isValid() ? d.toString()
                                                                                         : iface_->currentText().trimmed();
}

QString LiveDialog::filter() const { return filter_->text(); }

}  // namespace inspector
