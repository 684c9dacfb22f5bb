// File › Export › Fields as CSV: which fields, in which order. The names offered are the catalog's
// (field_names.h, as -Y and ovmsdump -e take them, each with its description), only those FieldText
// can read from a record; the dialog shows the ovmsdump command that writes the same rows.
#pragma once

#include <QDialog>
#include <QStringList>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTreeWidget;

namespace inspector {

class ExportFieldsDialog : public QDialog {
  Q_OBJECT
 public:
  // `chosen`: the fields chosen last time (names no longer known are dropped).
  explicit ExportFieldsDialog(const QStringList& chosen, QWidget* parent = nullptr);

  QStringList fields() const;
  // The capture, keys file and filter the shown command names (placeholders where empty).
  void setCommandContext(const QString& capture, const QString& keys, const QString& filter);
  QString command() const;
  // Adds a field by name (as typed in the search box, or double-clicked). False when it is not known.
  bool addField(const QString& name);
  // The fields offered now (the search box narrows them).
  int offeredCount() const;
  QLineEdit* search() const { return search_; }

 private:
  void narrow(const QString& text);
  void update();

  QLineEdit* search_;
  QTreeWidget* offered_;
  QListWidget* chosen_;
  QLabel* command_;
  QString capture_ = "CAPTURE", keys_ = "KEYS", filter_ = "FILTER";
  QPushButton* ok_;
};

}  // namespace inspector
