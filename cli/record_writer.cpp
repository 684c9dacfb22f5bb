#include "record_writer.h"

#include "ovms/json.h"
#include "ovms/present.h"
#include "text_output.h"

using namespace ovms;

void RecordWriter::record(const LineRecord& r, const ConnectionInfo* conn) {
  if (o_.stats) stats_.count(r);
  if (o_.json) {
    append_record_json(out_.buf(), r, conn);
    out_.buf() += '\n';
  } else {
    append_record_text(out_.buf(), r, o_.show_secrets, [this](const Diagnostic& d) { return first_time(d); });
  }
  out_.maybe_flush();
}

void RecordWriter::orphan(uint32_t conn, const Diagnostic& d) {
  if (o_.stats) stats_.count_orphan(d);
  // JSON output holds one object per wire line only, so diagnostics of no line go to stderr there.
  Output& dest = o_.json ? err_ : out_;
  if (conn != UINT32_MAX) dest.buf() += present::conn_text(conn) + " ";
  append_diagnostic_text(dest.buf(), d, "");
  dest.maybe_flush();
}

bool RecordWriter::first_time(const Diagnostic& d) {
  // Both repeat on every connection or every line with the same text; once is enough to read.
  if (o_.verbose || (d.id != DiagId::DiffersFromGuide && d.id != DiagId::NotDecrypted)) return true;
  return guide_notes_seen_.insert(d.message).second;
}
