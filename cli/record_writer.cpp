#include "record_writer.h"

#include "ovms/json.h"
#include "ovms/present.h"

using namespace ovms;

RecordWriter::RecordWriter(const DumpOptions& o, Output& out, Output& err, std::vector<FieldText> fields)
    : o_(o), out_(out), err_(err), rows_(o.fields.fields, std::move(fields), o.fields) {
  layout_.time = o.time;
  layout_.frames_and_addresses = o.verbose >= 1;
  layout_.show_secrets = o.show_secrets;
}

void RecordWriter::record(const LineRecord& r, const ConnectionInfo* conn) {
  if (o_.stats) stats_.count(r);
  if (o_.quiet) return;
  switch (o_.format) {
    case OutputFormat::Json:
      append_record_json(out_.buf(), r, conn);
      out_.buf() += '\n';
      break;
    case OutputFormat::Fields: fields_line(r); break;
    case OutputFormat::Text:
      append_record_text(out_.buf(), r, conn, layout_, [this](const Diagnostic& d) { return first_time(d); });
      break;
  }
  out_.maybe_flush();
}

void RecordWriter::fields_line(const LineRecord& r) {
  if (!header_written_) {
    header_written_ = true;
    rows_.append_header(out_.buf());
  }
  rows_.append_row(out_.buf(), r);
}

void RecordWriter::orphan(uint32_t conn, const Diagnostic& d) {
  if (o_.stats) stats_.count_orphan(d);
  if (o_.quiet) return;
  // JSON and field output hold one row per wire line only, so diagnostics of no line go to stderr there.
  Output& dest = o_.format != OutputFormat::Text ? err_ : out_;
  if (conn != UINT32_MAX) dest.buf() += present::conn_text(conn) + " ";
  append_diagnostic_text(dest.buf(), d, "");
  dest.maybe_flush();
}

bool RecordWriter::first_time(const Diagnostic& d) {
  // Both repeat on every connection or every line with the same text; once is enough to read.
  if (o_.verbose >= 2 || (d.id != DiagId::DiffersFromGuide && d.id != DiagId::NotDecrypted)) return true;
  return guide_notes_seen_.insert(d.message).second;
}
