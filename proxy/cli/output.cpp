#include "output.h"

#include "ovms/json.h"
#include "ovms/present.h"

namespace ovms::proxy {

namespace {

void pad_to(std::string& out, std::size_t start, std::size_t width) {
  if (out.size() - start < width) out.append(width - (out.size() - start), ' ');
  else out += ' ';
}

const char* what_happened(const relay::Show& s) {
  if (s.dropped) return " [dropped]";
  if (s.injected) return " [injected]";
  if (s.to_proxy) return " [to proxy]";
  if (s.changed) return " [changed]";
  return "";
}

}  // namespace

void append_shown_text(std::string& out, const ShownLine& l, bool show_secrets,
                       const std::function<bool(const std::string&)>& show) {
  using present::Column;
  const LineRecord& r = *l.show.record;
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
  out += what_happened(l.show);
  out += '\n';
  auto diag = [&](const Diagnostic& d) {
    const std::string line = present::diagnostic_line(d);
    if (!show || show(line)) out += "    " + line + "\n";
  };
  for (const Diagnostic& d : r.diags) diag(d);
  if (r.inner)
    for (const Diagnostic& d : r.inner->diags) diag(d);
  // What the receiver got instead, when the proxy changed it.
  if (l.show.changed && l.show.sent) out += "    sent: " + present::headline(present::view_of(*l.show.sent), o) + "\n";
}

void append_shown_json(std::string& out, const ShownLine& l) {
  append_record_json(out, *l.show.record, nullptr);
  if (!out.empty() && out.back() == '}') out.pop_back();
  out += ",\"leg\":\"";
  out += leg_name(l.show.from);
  out += "\",\"changed\":";
  out += l.show.changed ? "true" : "false";
  out += ",\"dropped\":";
  out += l.show.dropped ? "true" : "false";
  out += ",\"injected\":";
  out += l.show.injected ? "true" : "false";
  out += ",\"to_proxy\":";
  out += l.show.to_proxy ? "true" : "false";
  if (l.show.changed && l.show.sent) {
    out += ",\"sent\":";
    append_record_json(out, *l.show.sent, nullptr);
  }
  out += '}';
}

}  // namespace ovms::proxy
