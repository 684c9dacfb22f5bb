// The display filter bar: the core's filter language (as `ovmsdump -Y` and tshark's -Y), completion of
// field names from field_names.h as one types, and Wireshark's colours: green when the text compiles,
// red (with the core's error and its column) when it does not. Enter applies.
#pragma once

#include <QCompleter>
#include <QLineEdit>
#include <QStringListModel>
#include <optional>

#include "ovms/filter.h"

namespace inspector {

class FilterBar : public QLineEdit {
  Q_OBJECT
 public:
  enum class Validity { Empty, Valid, Invalid };
  explicit FilterBar(QWidget* parent = nullptr);

  Validity validity() const { return validity_; }
  const QString& errorText() const { return error_; }
  // The names offered for the word under the cursor (what the completer's popup lists).
  QStringList completions() const { return names_->stringList(); }

 signals:
  // Enter on a valid text (nullopt: the bar is empty, show everything).
  void filterApplied(std::optional<ovms::DisplayFilter> filter);

 private:
  void check(const QString& text);
  void complete();
  void insertCompletion(const QString& name);
  void apply();
  // Start and length of the name being typed at the cursor.
  std::pair<int, int> wordAtCursor() const;

  QCompleter* completer_;
  QStringListModel* names_;
  Validity validity_ = Validity::Empty;
  QString error_;
};

}  // namespace inspector
