// The message list as a Qt table: one row per record of the store, or per row a display filter
// selected. Cells are worded by the core (present::column_text) when a view asks for them, so a
// million rows cost a vector of row numbers, not a million strings. A source's notes (the proxy's leg
// and marks, record_notes.h) add columns before the summary; without notes there are none.
#pragma once

#include <QAbstractTableModel>
#include <memory>
#include <optional>
#include <vector>

#include "model/record_notes.h"

#include "model/record_store.h"
#include "ovms/filter.h"

namespace inspector {

class MessageModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  // Column 0 is the frame number; the others are the core's columns (present::Column), in its order,
  // with the notes' columns (if any) before the last one (the summary).
  static constexpr int kFrameColumn = 0;
  static constexpr int kSortRole = Qt::UserRole + 1;

  explicit MessageModel(const RecordStore& store, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;

  // The store grew by rows [first, store.size()): shows those the filter selects.
  void storeAppended(std::size_t first);
  // The store was cleared.
  void storeReset();
  // Shows only what `filter` selects (nullopt: everything).
  void setFilter(std::optional<ovms::DisplayFilter> filter);
  const std::optional<ovms::DisplayFilter>& filter() const { return filter_; }
  // The attached source's notes (null: none); their columns come and go with them.
  void setNotes(std::shared_ptr<const RecordNotes> notes);
  const RecordNotes* notes() const { return notes_.get(); }
  // The model column of the notes' column `c`, or -1 without notes.
  int notesColumn(int c) const;

  // Row of the model <-> row of the store.
  std::size_t storeRow(int row) const { return filter_ ? rows_[row] : static_cast<std::size_t>(row); }
  std::optional<int> modelRow(std::size_t store_row) const;

 private:
  struct Slot {
    enum Kind { Frame, Core, Note } kind;
    int index;  // the core column (present::Column) or the notes' column
  };
  Slot slotOf(int column) const;

  const RecordStore& store_;
  std::shared_ptr<const RecordNotes> notes_;
  std::optional<ovms::DisplayFilter> filter_;
  std::vector<uint32_t> rows_;  // with a filter: the store rows it selects
  std::size_t shown_ = 0;       // without a filter: rows announced to views
};

}  // namespace inspector
