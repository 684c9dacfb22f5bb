// The bytes of a record: the wire line and the decrypted text (and a paranoid inner message), each as
// a hex dump with its text beside it. highlight() marks a range of one of them, as a field's offsets
// give it, in both the hex and the text column.
#pragma once

#include <QPlainTextEdit>
#include <string>

#include "model/field_tree.h"
#include "ovms/record.h"

namespace inspector {

class BytesView : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit BytesView(QWidget* parent = nullptr);
  void setRecord(const ovms::LineRecord* record);
  void highlight(ByteText which, std::size_t offset, std::size_t length);
  // The bytes highlighted last (empty: none), for tests and the status bar.
  const std::string& highlighted() const { return highlighted_; }

 private:
  struct Block {
    ByteText which;
    std::string bytes;
    int first_char = 0;  // document position of the block's first dump line
  };
  std::vector<Block> blocks_;
  std::string highlighted_;
};

}  // namespace inspector
