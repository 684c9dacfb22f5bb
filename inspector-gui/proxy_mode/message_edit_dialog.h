// Edits or composes one message: the catalog's fields as a form (label with unit, a choice box for
// enums) or the raw "<code><data>" text; both stay in step. Used for a held line (Edit) and for
// Compose (inject toward the car or the server), where a picker of the catalog's commands and
// messages (compose_catalog.h) starts the form of a fresh one.
#pragma once

#include <QDialog>
#include <vector>

#include "proxy_mode/message_form.h"

class QComboBox;
class QFormLayout;
class QLineEdit;
class QWidget;

namespace inspector {

class MessageEditDialog : public QDialog {
  Q_OBJECT
 public:
  MessageEditDialog(const QString& title, const QString& body, QWidget* parent = nullptr);
  QString body() const;
  // Tests and the screenshot script: the form's editor of a field by catalog name (null: none).
  QWidget* fieldEditor(const QString& name) const;
  QLineEdit* rawEditor() const { return raw_; }
  // Compose: a picker above the text; choosing an entry replaces the message with a fresh one of it.
  void addCatalogPicker();
  QComboBox* picker() const { return picker_; }
  // Shows `form` (its fields, even empty ones) and its text.
  void setForm(const MessageForm& form);

 private:
  void rebuildForm();
  void buildEditors();
  void formEdited();

  QLineEdit* raw_;
  QComboBox* picker_ = nullptr;
  QWidget* form_host_;
  QFormLayout* form_ = nullptr;
  MessageForm current_;
  std::vector<QWidget*> editors_;
  bool syncing_ = false;
};

}  // namespace inspector
