// The details of one record as a tree: the line (frame, time, connection, sender), the handshake
// (tokens, scheme, which key matched), the message's fields with units, enum labels and flag bits,
// the paranoid inner message, and the diagnostics. Every item that stands for bytes carries where they
// are (which text, offset, length: FieldValue's offsets), so the bytes view highlights them.
#pragma once

#include <QStandardItemModel>
#include <memory>

#include "model/record_notes.h"
#include "ovms/record.h"

namespace inspector {

// Which of the record's texts an item's bytes are in.
enum class ByteText : int { None = 0, Wire = 1, Plain = 2, InnerPlain = 3 };

class FieldTreeModel : public QStandardItemModel {
  Q_OBJECT
 public:
  static constexpr int kTextRole = Qt::UserRole + 1;    // ByteText
  static constexpr int kOffsetRole = Qt::UserRole + 2;  // first byte
  static constexpr int kLengthRole = Qt::UserRole + 3;  // bytes
  static constexpr int kNameRole = Qt::UserRole + 4;    // the field's filter name ("status.soc")

  using QStandardItemModel::QStandardItemModel;
  void setRecord(const ovms::LineRecord* record);
  // The attached source's notes add their items after the core's (null: none).
  void setNotes(std::shared_ptr<const RecordNotes> notes) { notes_ = std::move(notes); }

 private:
  std::shared_ptr<const RecordNotes> notes_;
};

// A message's fields as items under `parent` (label: value, flag bits below), their bytes in `which`
// (ByteText::None: a message that is not the shown record's bytes, e.g. the proxy's line as received).
void append_field_items(QStandardItem* parent, const ovms::DecodedMessage& m, ByteText which);

// "80.0 %", "1 (Charging)", "0x24": a field's value as the tree shows it (text as sent, unit, label).
QString field_value_text(const ovms::FieldValue& v);

}  // namespace inspector
