#include "text_output.h"

#include <algorithm>

#include "ovms/present.h"
#include "time_format.h"

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

void append_record_text(std::string& out, const LineRecord& r, const ConnectionInfo* conn, TextLayout& layout,
                        const std::function<bool(const Diagnostic&)>& show) {
  using present::Column;
  const present::RecordView v = present::view_of(r);
  const present::Options o{layout.show_secrets};
  if (layout.first_ts < 0) layout.first_ts = r.ts;
  std::size_t col = out.size();
  if (layout.frames_and_addresses) {
    out += std::to_string(r.frame);
    pad_to(out, col, 6);
  }
  append_time(out, r.ts, layout.time, layout.first_ts);
  out += ' ';
  col = out.size();
  out += present::column_text(Column::Conn, v, o);
  layout.conn_width = std::max(layout.conn_width, out.size() - col + 1);
  pad_to(out, col, layout.conn_width);
  if (layout.frames_and_addresses && conn) {
    // client -> server whichever way the line goes, then the direction: as the connection was opened.
    out += conn->client_text + " " + conn->server_text + " ";
  }
  out += present::column_text(Column::Dir, v, o);
  out += ' ';
  col = out.size();
  out += present::column_text(Column::Role, v, o);
  layout.role_width = std::max(layout.role_width, out.size() - col + 1);
  pad_to(out, col, layout.role_width);
  col = out.size();
  out += present::column_text(Column::Vehicle, v, o);
  layout.vehicle_width = std::max(layout.vehicle_width, out.size() - col + 1);
  pad_to(out, col, layout.vehicle_width);
  out += present::headline(v, o);
  out += '\n';
  for (const Diagnostic& d : r.diags)
    if (!show || show(d)) append_diagnostic_text(out, d, "    ");
  if (r.inner)
    for (const Diagnostic& d : r.inner->diags)
      if (!show || show(d)) append_diagnostic_text(out, d, "    ");
}
