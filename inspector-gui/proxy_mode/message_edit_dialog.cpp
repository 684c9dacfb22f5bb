#include "proxy_mode/message_edit_dialog.h"

#include "proxy_mode/compose_catalog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QVBoxLayout>

namespace inspector {

MessageEditDialog::MessageEditDialog(const QString& title, const QString& body, QWidget* parent) : QDialog(parent) {
  setWindowTitle(title);
  auto* top = new QVBoxLayout(this);
  top->setObjectName("top");
  auto* what = new QLabel(tr("Message (<code><data>, without \"MP-0 \"):"));
  what->setTextFormat(Qt::PlainText);
  top->addWidget(what);
  raw_ = new QLineEdit(body);
  raw_->setObjectName("raw");
  top->addWidget(raw_);
  form_host_ = new QWidget;
  // A status has over forty fields: the form scrolls, the dialog stays on the screen.
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setWidget(form_host_);
  scroll->setMinimumHeight(360);
  top->addWidget(scroll, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  top->addWidget(buttons);
  // The raw text is the truth; the form is rebuilt when the code (or command) changes, else just refilled.
  connect(raw_, &QLineEdit::textEdited, this, [this] { if (!syncing_) rebuildForm(); });
  rebuildForm();
  resize(560, 520);
}

QString MessageEditDialog::body() const { return raw_->text(); }

QWidget* MessageEditDialog::fieldEditor(const QString& name) const {
  for (std::size_t i = 0; i < current_.fields.size() && i < editors_.size(); ++i)
    if (current_.fields[i].def && name == QLatin1String(current_.fields[i].def->name)) return editors_[i];
  return nullptr;
}

void MessageEditDialog::rebuildForm() {
  if (!form_of(raw_->text().toStdString(), current_)) current_ = MessageForm{};
  buildEditors();
}

void MessageEditDialog::setForm(const MessageForm& form) {
  current_ = form;
  syncing_ = true;
  raw_->setText(QString::fromStdString(body_of(current_)));
  raw_->setCursorPosition(0);
  syncing_ = false;
  buildEditors();
}

void MessageEditDialog::addCatalogPicker() {
  if (picker_) return;
  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel(tr("From the catalog:")));
  picker_ = new QComboBox;
  picker_->setObjectName("catalogPicker");
  picker_->addItem(tr("(raw text)"));
  const std::vector<ComposeEntry> entries = compose_entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    picker_->addItem(QString::fromUtf8(entries[i].text.c_str()), static_cast<int>(i));
    picker_->setItemData(picker_->count() - 1, QString::fromUtf8(entries[i].label.c_str()), Qt::ToolTipRole);
  }
  // Some ninety entries: a scrolling list under the box (the style's own popup would cover the screen).
  picker_->setStyleSheet(QStringLiteral("QComboBox { combobox-popup: 0; }"));
  picker_->setMaxVisibleItems(16);
  connect(picker_, &QComboBox::activated, this, [this, entries](int index) {
    const QVariant i = picker_->itemData(index);
    if (i.isValid()) setForm(entries[static_cast<std::size_t>(i.toInt())].form());
  });
  row->addWidget(picker_, 1);
  static_cast<QVBoxLayout*>(layout())->insertLayout(0, row);
}

void MessageEditDialog::buildEditors() {
  delete form_host_->layout();
  for (QWidget* w : form_host_->findChildren<QWidget*>(QString(), Qt::FindDirectChildrenOnly)) delete w;
  editors_.clear();
  form_ = new QFormLayout(form_host_);
  if (!current_.code) {
    form_->addRow(new QLabel(tr("No form for this message: edit the text above.")));
    return;
  }
  for (const FormField& f : current_.fields) {
    QWidget* ed;
    if (!f.choices.empty()) {
      auto* c = new QComboBox;
      c->setEditable(true);  // a value the catalog does not name can still be sent
      for (const auto& [text, label] : f.choices)
        c->addItem(QStringLiteral("%1 — %2").arg(QString::fromStdString(text), QString::fromUtf8(label.c_str())),
                   QString::fromStdString(text));
      const int at = c->findData(QString::fromStdString(f.text));
      if (at >= 0) c->setCurrentIndex(at);
      else c->setEditText(QString::fromStdString(f.text));
      connect(c, &QComboBox::currentTextChanged, this, &MessageEditDialog::formEdited);
      ed = c;
    } else {
      auto* e = new QLineEdit(QString::fromStdString(f.text));
      connect(e, &QLineEdit::textEdited, this, &MessageEditDialog::formEdited);
      ed = e;
    }
    if (f.def) ed->setObjectName(QString::fromLatin1(f.def->name));
    editors_.push_back(ed);
    form_->addRow(QString::fromStdString(f.label), ed);
  }
}

void MessageEditDialog::formEdited() {
  for (std::size_t i = 0; i < editors_.size() && i < current_.fields.size(); ++i) {
    if (auto* c = qobject_cast<QComboBox*>(editors_[i])) {
      const QVariant d = c->currentData();
      const bool chosen = c->currentIndex() >= 0 && c->itemText(c->currentIndex()) == c->currentText();
      current_.fields[i].text = (chosen && d.isValid() ? d.toString() : c->currentText()).toStdString();
    } else if (auto* e = qobject_cast<QLineEdit*>(editors_[i])) {
      current_.fields[i].text = e->text().toStdString();
    }
  }
  syncing_ = true;
  raw_->setText(QString::fromStdString(body_of(current_)));
  raw_->setCursorPosition(0);  // the code and the first fields stay in sight
  syncing_ = false;
}

}  // namespace inspector
