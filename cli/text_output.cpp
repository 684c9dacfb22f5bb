#include "text_output.h"

#include "ovms/present.h"

using namespace ovms;

namespace {

// Columns padded to a width (at least one space after each), so that lines align in a terminal.
void pad_to(std::string& out, std::size_t start, std::size_t width) {
  if (out.size() - start < width) out.append(width - (out.size() - start), ' ');
  else out += ' ';
}

}  // namespace

void append_diagnostic_text(std::string& out, const Diagnostic& d, const char* indent) {
  out += indent;
  out += present::diagnostic_line(d);
  out += '\n';
}

void append_record_text(std::string& out, const LineRecord& r, bool show_secrets,
                        const std::function<bool(const Diagnostic&)>& show) {
  using present::Column;
  const present::RecordView v = present::view_of(r);
  const present::Options o{show_secrets};
  out += present::column_text(Column::Time, v, o);
  out += ' ';
  out += present::column_text(Column::Conn, v, o);
  out += ' ';
  out += present::column_text(Column::Dir, v, o);
  out += ' ';
  std::size_t col = out.size();
  out += present::column_text(Column::Role, v, o);
  pad_to(out, col, 7);
  col = out.size();
  out += present::column_text(Column::Vehicle, v, o);
  pad_to(out, col, 8);
  out += present::headline(v, o);
  out += '\n';
  for (const Diagnostic& d : r.diags)
    if (!show || show(d)) append_diagnostic_text(out, d, "    ");
  if (r.inner)
    for (const Diagnostic& d : r.inner->diags)
      if (!show || show(d)) append_diagnostic_text(out, d, "    ");
}
