#include "ovms/present.h"

#include <cstdio>
#include <ctime>

namespace ovms::present {
namespace {

constexpr std::size_t kWireShown = 60;        // of a line that is not a message (handshake, HTTP)
constexpr std::size_t kCipherTextShown = 48;  // of a message that could not be decrypted

void join(std::string& out, std::string_view part) {
  if (part.empty()) return;
  if (!out.empty()) out += ' ';
  out += part;
}

std::string wire_start(std::string_view wire, std::size_t max, bool ellipsis) {
  std::string s = printable_text(wire.substr(0, max));
  if (ellipsis && wire.size() > max) s += "...";
  return s;
}

std::string handshake_line_summary(const RecordView& v, const Options& o) {
  const HandshakeInfo* h = v.handshake;
  if (v.kind == LineKind::ApRequest) {
    // AP-C 0 <apkey>: nothing to verify yet; say which key the car sent and whom it names.
    std::string s = wire_start(v.wire, kWireShown, false);
    if (h && !h->key_id.empty()) s += " (keys file: " + h->key_id + ")";
    return s;
  }
  if (!h) return wire_start(v.wire, kWireShown, false);
  std::string s = handshake_text(*h);
  if (v.kind == LineKind::ApReply && v.decrypted && v.msg) join(s, summarize(*v.msg, o.show_secrets));
  return s;
}

}  // namespace

RecordView view_of(const LineRecord& r) {
  RecordView v;
  v.ts = r.ts;
  v.conn = r.conn;
  v.dir = r.dir;
  v.role = r.role;
  v.kind = r.kind;
  v.vehicle = r.vehicle;
  v.wire = r.wire;
  v.decrypted = r.plain.has_value();
  v.msg = &r.msg;
  v.inner = r.inner ? &r.inner->msg : nullptr;
  v.handshake = r.handshake.get();
  v.response_to_frame = r.response_to_frame.value_or(0);
  return v;
}

std::string code_text(char outer, char inner) {
  std::string s(1, outer);
  if (inner) {
    s += '/';
    s += inner;
  }
  return s;
}

std::string message_name(const DecodedMessage& outer, const DecodedMessage* inner) {
  const bool nested = inner && inner->code;
  const DecodedMessage& shown = nested ? *inner : outer;
  std::string s = code_text(outer.code, nested ? inner->code : 0);
  s += ' ';
  s += shown.name();
  return s;
}

std::string label(const RecordView& v) {
  if (v.kind != LineKind::Message) return line_kind_name(v.kind);
  if (!v.decrypted) return v.wire.empty() ? "(empty line)" : "(not decrypted)";
  if (!v.msg || !v.msg->code) return "(empty message)";
  return message_name(*v.msg, v.inner);
}

std::string title(const RecordView& v) {
  std::string s = label(v);
  const DecodedMessage* m = v.effective();
  if (v.kind == LineKind::Message && v.decrypted && m && m->command) {
    s += '(';
    s += m->command->name;
    s += ')';
  }
  return s;
}

std::string handshake_text(const HandshakeInfo& h) {
  std::string s = "scheme=" + std::to_string(h.scheme);
  s += h.ok ? " verified" : " unverified";
  s += " key=";
  s += key_source_name(h.key_source);
  if (!h.key_id.empty()) s += " (" + h.key_id + ")";
  return s;
}

std::string summary(const RecordView& v, const Options& o) {
  if (v.kind != LineKind::Message) return handshake_line_summary(v, o);
  if (!v.decrypted) return wire_start(v.wire, kCipherTextShown, true);
  const DecodedMessage* m = v.effective();
  if (!m || !m->code) return {};
  std::string s = summarize(*m, o.show_secrets);
  if (v.response_to_frame) join(s, "[reply to frame " + std::to_string(v.response_to_frame) + "]");
  return s;
}

std::string headline(const RecordView& v, const Options& o) {
  std::string s = title(v);
  join(s, summary(v, o));
  return s;
}

std::string vehicle_text(const RecordView& v) { return v.vehicle.empty() ? "-" : std::string(v.vehicle); }

std::string info(const RecordView& v, const Options& o) {
  std::string s = role_name(v.role);
  join(s, vehicle_text(v));
  join(s, headline(v, o));
  return s;
}

std::string conn_text(uint32_t conn) { return "#" + std::to_string(conn); }

std::string time_text(double ts) {
  // Past what time_t or gmtime holds (a forged capture): shown as the number it is, never cast.
  if (!(ts > -1e15 && ts < 1e15)) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.6f", ts);
    return buf;
  }
  time_t secs = static_cast<time_t>(ts);
  struct tm tm_utc = {};
  if (!gmtime_r(&secs, &tm_utc)) tm_utc = {};
  int usec = static_cast<int>((ts - static_cast<double>(secs)) * 1e6 + 0.5);
  if (usec >= 1000000) usec = 999999;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%06d", tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec, usec);
  return buf;
}

std::string diagnostic_line(const Diagnostic& d) {
  std::string s = "! ";
  s += severity_name(d.severity());
  s += ' ';
  s += d.def().key;
  s += ": ";
  s += d.message;
  return s;
}

std::string fields_title(const DecodedMessage& m, std::string_view what) {
  char buf[160];
  if (m.def) std::snprintf(buf, sizeof buf, "%s (%c)", m.def->label, m.code);
  else if (m.code) std::snprintf(buf, sizeof buf, "Unknown message (0x%02x)", static_cast<unsigned char>(m.code));
  else return "Fields of the " + std::string(what);
  return buf;
}

const char* column_title(Column c) {
  switch (c) {
    case Column::Time: return "Time";
    case Column::Conn: return "Conn";
    case Column::Dir: return "Dir";
    case Column::Role: return "Role";
    case Column::Vehicle: return "Vehicle";
    case Column::Name: return "Message";
    case Column::Summary: return "Summary";
    case Column::kCount: break;
  }
  return "?";
}

std::string column_text(Column c, const RecordView& v, const Options& o) {
  switch (c) {
    case Column::Time: return time_text(v.ts);
    case Column::Conn: return conn_text(v.conn);
    case Column::Dir: return direction_name(v.dir);
    case Column::Role: return role_name(v.role);
    case Column::Vehicle: return vehicle_text(v);
    case Column::Name: return title(v);
    case Column::Summary: return summary(v, o);
    case Column::kCount: break;
  }
  return {};
}

const char* stat_table_title(StatTable t) {
  switch (t) {
    case StatTable::Message: return "Lines by message";
    case StatTable::Vehicle: return "Lines by vehicle";
    case StatTable::Direction: return "Lines by direction";
    case StatTable::Sender: return "Lines by sender";
    case StatTable::kCount: break;
  }
  return "?";
}

std::string stat_key(StatTable t, const RecordView& v) {
  switch (t) {
    case StatTable::Message: return label(v);
    case StatTable::Vehicle: return vehicle_text(v);
    case StatTable::Direction: return direction_name(v.dir);
    case StatTable::Sender: return role_name(v.role);
    case StatTable::kCount: break;
  }
  return {};
}

}  // namespace ovms::present
