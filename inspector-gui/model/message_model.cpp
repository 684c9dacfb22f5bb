#include "model/message_model.h"

#include <QBrush>
#include <QColor>
#include <algorithm>

#include "ovms/present.h"

namespace inspector {

namespace {
constexpr int kCoreColumns = static_cast<int>(ovms::present::Column::kCount);

QString text_of(const std::string& s) { return QString::fromStdString(ovms::printable_text(s)); }
// The notes' columns sit before the last core column (the summary, which stretches).
constexpr int kNotesAt = kCoreColumns;
}  // namespace

MessageModel::MessageModel(const RecordStore& store, QObject* parent) : QAbstractTableModel(parent), store_(store) {}

int MessageModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid()) return 0;
  return static_cast<int>(filter_ ? rows_.size() : shown_);
}

int MessageModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : 1 + kCoreColumns + (notes_ ? notes_->columnCount() : 0);
}

int MessageModel::notesColumn(int c) const { return notes_ && c >= 0 && c < notes_->columnCount() ? kNotesAt + c : -1; }

// A model column as what it shows: the frame (kFrameColumn), a core column, or a notes' column.
MessageModel::Slot MessageModel::slotOf(int column) const {
  const int n = notes_ ? notes_->columnCount() : 0;
  if (column == kFrameColumn) return {Slot::Frame, 0};
  if (column >= kNotesAt && column < kNotesAt + n) return {Slot::Note, column - kNotesAt};
  return {Slot::Core, column >= kNotesAt + n ? column - 1 - n : column - 1};
}

QVariant MessageModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
  const Slot s = slotOf(section);
  if (s.kind == Slot::Frame) return tr("Frame");
  if (s.kind == Slot::Note) return notes_->columnTitle(s.index);
  return QString::fromUtf8(ovms::present::column_title(static_cast<ovms::present::Column>(s.index)));
}

QVariant MessageModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const std::size_t row = storeRow(index.row());
  const ovms::LineRecord& r = *store_.at(row);
  switch (role) {
    case Qt::DisplayRole: {
      const Slot s = slotOf(index.column());
      if (s.kind == Slot::Frame) return QVariant::fromValue<qulonglong>(r.frame);
      if (s.kind == Slot::Note) return notes_->text(r, s.index);
      auto c = static_cast<ovms::present::Column>(s.index);
      return text_of(ovms::present::column_text(c, ovms::present::view_of(r)));
    }
    case Qt::ToolTipRole: {
      // A command and its response point at each other, with the time the car took.
      QString tip;
      if (auto resp = store_.response_row(row)) {
        const auto& c = *store_.at(*resp);
        tip = tr("answered in frame %1 after %2 ms").arg(c.frame).arg((c.ts - r.ts) * 1000.0, 0, 'f', 1);
      } else if (auto req = store_.request_row(row)) {
        const auto& c = *store_.at(*req);
        tip = tr("answers frame %1 after %2 ms").arg(c.frame).arg((r.ts - c.ts) * 1000.0, 0, 'f', 1);
      }
      for (const auto& d : r.diags) tip += (tip.isEmpty() ? "" : "\n") + text_of(ovms::present::diagnostic_line(d));
      return tip.isEmpty() ? QVariant() : QVariant(tip);
    }
    case Qt::BackgroundRole: {
      // Diagnostics first (as Wireshark's expert colours), then the direction.
      if (auto s = worst_severity(r)) {
        if (*s == ovms::Severity::Error) return QBrush(QColor(0xff, 0xc8, 0xc8));
        if (*s == ovms::Severity::Warning) return QBrush(QColor(0xff, 0xf0, 0xb0));
      }
      if (notes_)
        if (auto c = notes_->rowColour(r)) return QBrush(*c);
      return QBrush(r.dir == ovms::Direction::ClientToServer ? QColor(0xe8, 0xf0, 0xff) : QColor(0xe8, 0xff, 0xec));
    }
    case Qt::ForegroundRole: return QBrush(Qt::black);
    case kSortRole: return QVariant::fromValue<qulonglong>(row);
  }
  return {};
}

void MessageModel::storeAppended(std::size_t first) {
  if (filter_) {
    auto more = store_.select(*filter_, first);
    if (more.empty()) return;
    beginInsertRows({}, static_cast<int>(rows_.size()), static_cast<int>(rows_.size() + more.size() - 1));
    rows_.insert(rows_.end(), more.begin(), more.end());
    endInsertRows();
    return;
  }
  if (store_.size() <= shown_) return;
  beginInsertRows({}, static_cast<int>(shown_), static_cast<int>(store_.size() - 1));
  shown_ = store_.size();
  endInsertRows();
}

void MessageModel::storeReset() {
  beginResetModel();
  rows_.clear();
  shown_ = 0;
  endResetModel();
}

void MessageModel::setFilter(std::optional<ovms::DisplayFilter> filter) {
  beginResetModel();
  filter_ = std::move(filter);
  rows_.clear();
  if (filter_) rows_ = store_.select(*filter_);
  shown_ = store_.size();
  endResetModel();
}

void MessageModel::setNotes(std::shared_ptr<const RecordNotes> notes) {
  // Columns removed and inserted, not a reset: the list keeps its column widths.
  if (notes_ && notes_->columnCount()) {
    beginRemoveColumns({}, kNotesAt, kNotesAt + notes_->columnCount() - 1);
    notes_.reset();
    endRemoveColumns();
  }
  notes_.reset();
  if (!notes || !notes->columnCount()) {
    notes_ = std::move(notes);
    return;
  }
  beginInsertColumns({}, kNotesAt, kNotesAt + notes->columnCount() - 1);
  notes_ = std::move(notes);
  endInsertColumns();
}

std::optional<int> MessageModel::modelRow(std::size_t store_row) const {
  if (!filter_) return store_row < shown_ ? std::optional<int>(static_cast<int>(store_row)) : std::nullopt;
  auto it = std::lower_bound(rows_.begin(), rows_.end(), store_row);
  if (it == rows_.end() || *it != store_row) return std::nullopt;
  return static_cast<int>(it - rows_.begin());
}

}  // namespace inspector
