// What a source knows of its records beyond the records themselves, shown beside them: the proxy's
// leg and what it did to a line (changed, dropped, injected, replayed). A source without notes (a
// capture file, a live capture) adds nothing: the list keeps the core's columns only. The message list
// asks for the columns and the row mark, the details tree for more items; the source fills them in.
#pragma once

#include <QColor>
#include <QString>
#include <optional>

#include "ovms/record.h"

class QStandardItem;

namespace inspector {

class RecordNotes {
 public:
  virtual ~RecordNotes() = default;
  // The list's extra columns (placed before the summary, which stretches).
  virtual int columnCount() const = 0;
  virtual QString columnTitle(int column) const = 0;
  // A column's text for a record; empty when there is nothing to note.
  virtual QString text(const ovms::LineRecord& r, int column) const = 0;
  // A row the source marks (the proxy changed, dropped or injected it): its background, or none.
  virtual std::optional<QColor> rowColour(const ovms::LineRecord&) const { return std::nullopt; }
  // More items for the details tree of a record, appended after the core's.
  virtual void addDetails(QStandardItem* /*root*/, const ovms::LineRecord&) const {}
};

}  // namespace inspector
