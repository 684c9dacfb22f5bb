#include "views/bytes_view.h"

#include <QFontDatabase>
#include <QTextBlock>

namespace inspector {

namespace {
constexpr int kPerLine = 16;
constexpr int kHexColumn = 6;                         // "0000  "
constexpr int kTextColumn = kHexColumn + kPerLine * 3 + 1;
constexpr int kLineChars = kTextColumn + kPerLine + 1;  // with the newline

QString dump(const std::string& bytes) {
  QString out;
  for (std::size_t i = 0; i < bytes.size(); i += kPerLine) {
    QString hex, text;
    for (int j = 0; j < kPerLine; ++j) {
      if (i + j < bytes.size()) {
        auto c = static_cast<unsigned char>(bytes[i + j]);
        hex += QString("%1 ").arg(c, 2, 16, QChar('0'));
        text += (c >= 0x20 && c < 0x7f) ? QChar(c) : QChar('.');
      } else {
        hex += "   ";
        text += ' ';
      }
    }
    out += QString("%1  ").arg(i, 4, 16, QChar('0')) + hex + " " + text + "\n";
  }
  return out;
}
}  // namespace

BytesView::BytesView(QWidget* parent) : QPlainTextEdit(parent) {
  setReadOnly(true);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setLineWrapMode(QPlainTextEdit::NoWrap);
}

void BytesView::setRecord(const ovms::LineRecord* r) {
  blocks_.clear();
  highlighted_.clear();
  setExtraSelections({});
  if (!r) {
    clear();
    return;
  }
  blocks_.push_back({ByteText::Wire, r->wire});
  if (r->plain) blocks_.push_back({ByteText::Plain, *r->plain});
  if (r->inner) blocks_.push_back({ByteText::InnerPlain, r->inner->plain});
  QString text;
  for (Block& b : blocks_) {
    const char* title = b.which == ByteText::Wire ? "Wire line" : b.which == ByteText::Plain ? "Decrypted text"
                                                                                             : "Paranoid inner message";
    text += QString("%1 (%2 bytes)\n").arg(tr(title)).arg(b.bytes.size());
    b.first_char = text.size();
    text += dump(b.bytes) + "\n";
  }
  setPlainText(text);
}

void BytesView::highlight(ByteText which, std::size_t offset, std::size_t length) {
  highlighted_.clear();
  QList<QTextEdit::ExtraSelection> marks;
  for (const Block& b : blocks_) {
    if (b.which != which || offset >= b.bytes.size()) continue;
    length = std::min(length, b.bytes.size() - offset);
    highlighted_ = b.bytes.substr(offset, length);
    QTextCharFormat fmt;
    fmt.setBackground(QColor(0xff, 0xd8, 0x60));
    for (std::size_t i = offset; i < offset + length; ++i) {
      int line_start = b.first_char + static_cast<int>(i / kPerLine) * kLineChars;
      int col = static_cast<int>(i % kPerLine);
      for (auto [pos, n] : {std::pair{line_start + kHexColumn + col * 3, 2}, std::pair{line_start + kTextColumn + col, 1}}) {
        QTextEdit::ExtraSelection sel;
        sel.format = fmt;
        sel.cursor = QTextCursor(document());
        sel.cursor.setPosition(pos);
        sel.cursor.setPosition(pos + n, QTextCursor::KeepAnchor);
        marks.append(sel);
      }
    }
    if (length) {
      QTextCursor c(document());
      c.setPosition(b.first_char + static_cast<int>(offset / kPerLine) * kLineChars);
      setTextCursor(c);
      ensureCursorVisible();
    }
  }
  setExtraSelections(marks);
}

}  // namespace inspector
