#include "views/filter_bar.h"

#include <QAbstractItemView>

#include "ovms/field_names.h"

namespace inspector {

namespace {
bool name_char(QChar c) { return c.isLetterOrNumber() || c == '_' || c == '.'; }
}  // namespace

FilterBar::FilterBar(QWidget* parent) : QLineEdit(parent) {
  setPlaceholderText(tr("Display filter, e.g. status.soc < 20 && vehicle == \"DEMO\"  (Ctrl+F)"));
  setClearButtonEnabled(true);
  names_ = new QStringListModel(this);
  completer_ = new QCompleter(names_, this);
  completer_->setWidget(this);
  completer_->setCompletionMode(QCompleter::PopupCompletion);
  completer_->setCaseSensitivity(Qt::CaseInsensitive);
  connect(completer_, qOverload<const QString&>(&QCompleter::activated), this, &FilterBar::insertCompletion);
  connect(this, &QLineEdit::textChanged, this, &FilterBar::check);
  connect(this, &QLineEdit::textEdited, this, &FilterBar::complete);
  connect(this, &QLineEdit::returnPressed, this, &FilterBar::apply);
}

void FilterBar::check(const QString& text) {
  ovms::FilterError err;
  if (text.trimmed().isEmpty()) {
    validity_ = Validity::Empty;
    error_.clear();
    setStyleSheet({});
    setToolTip({});
    return;
  }
  auto f = ovms::DisplayFilter::compile(text.toStdString(), err);
  validity_ = f ? Validity::Valid : Validity::Invalid;
  error_ = f ? QString() : tr("column %1: %2").arg(err.column).arg(QString::fromStdString(err.message));
  setStyleSheet(f ? "QLineEdit { background: #afffaf; color: black; }" : "QLineEdit { background: #ffafaf; color: black; }");
  setToolTip(error_);
}

std::pair<int, int> FilterBar::wordAtCursor() const {
  const QString t = text();
  int end = cursorPosition(), start = end;
  while (start > 0 && name_char(t[start - 1])) --start;
  while (end < t.size() && name_char(t[end])) ++end;
  return {start, end - start};
}

void FilterBar::complete() {
  auto [start, len] = wordAtCursor();
  QString prefix = text().mid(start, cursorPosition() - start);
  if (prefix.isEmpty() || prefix[0].isDigit()) {
    completer_->popup()->hide();
    return;
  }
  QStringList names;
  for (const auto& c : ovms::complete_field_names(prefix.toStdString(), 50)) names << QString::fromStdString(c.name);
  names_->setStringList(names);
  if (names.isEmpty() || (names.size() == 1 && names[0] == prefix)) {
    completer_->popup()->hide();
    return;
  }
  completer_->setCompletionPrefix(prefix);
  QRect r = cursorRect();
  r.setWidth(completer_->popup()->sizeHintForColumn(0) + 30);
  completer_->complete(r);
}

void FilterBar::insertCompletion(const QString& name) {
  auto [start, len] = wordAtCursor();
  QString t = text();
  t.replace(start, len, name);
  setText(t);
  setCursorPosition(start + name.size());
}

void FilterBar::apply() {
  if (completer_->popup()->isVisible()) return;
  ovms::FilterError err;
  if (text().trimmed().isEmpty()) {
    Q_EMIT filterApplied(std::nullopt);
    return;
  }
  auto f = ovms::DisplayFilter::compile(text().toStdString(), err);
  if (f) Q_EMIT filterApplied(std::move(f));
}

}  // namespace inspector
