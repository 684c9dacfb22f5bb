#include "ovms/json.h"

#include "ovms/utf8.h"

#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace ovms {
namespace {

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(res.ptr - buf));
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(res.ptr - buf));
}

// Epoch seconds with microseconds, without printf's floating-point machinery. A time stamp whose
// microseconds do not fit an int64 (a pcapng time near 2^64 units) is written as the double it is,
// never cast: the cast would wrap (or be undefined) and print a time that is not in the capture.
void append_ts(std::string& out, double ts) {
  if (!std::isfinite(ts)) { out += "null"; return; }  // no capture format gives one; JSON has none
  if (std::fabs(ts) >= 9.2e12) {
    char buf[48];
    int n = std::snprintf(buf, sizeof buf, std::fabs(ts) < 1e17 ? "%.6f" : "%.17g", ts);
    out.append(buf, static_cast<std::size_t>(n));
    return;
  }
  int64_t micros = static_cast<int64_t>(ts * 1e6 + (ts >= 0 ? 0.5 : -0.5));
  if (micros < 0) {
    out += '-';
    micros = -micros;
  }
  append_uint(out, static_cast<uint64_t>(micros / 1000000));
  char frac[7];
  int64_t f = micros % 1000000;
  for (int k = 5; k >= 0; --k) {
    frac[k] = static_cast<char>('0' + f % 10);
    f /= 10;
  }
  out += '.';
  out.append(frac, 6);
}

// Is `s` a number as JSON spells it? Then it can go out as the sender wrote it ("80.0" stays "80.0").
bool is_json_number(std::string_view s) {
  std::size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') ++i;
  else if (s[i] >= '1' && s[i] <= '9') while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
  else return false;
  if (i < n && s[i] == '.') {
    ++i;
    std::size_t digits = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == digits) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t digits = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == digits) return false;
  }
  return i == n;
}

void append_value(std::string& out, const FieldValue& v) {
  switch (v.kind) {
    case FieldValue::Kind::Empty: out += "null"; return;
    case FieldValue::Kind::Int:
      if (is_json_number(v.text)) out += v.text;
      else append_int(out, v.i);  // hex and other spellings: the parsed value
      return;
    case FieldValue::Kind::Float:
      // JSON has no NaN or infinity: null (the decoder flagged the field as malformed).
      if (!std::isfinite(v.f)) out += "null";
      else if (is_json_number(v.text)) out += v.text;
      else {
        char buf[32];
        int n = std::snprintf(buf, sizeof buf, "%.17g", v.f);
        out.append(buf, static_cast<std::size_t>(n));
      }
      return;
    case FieldValue::Kind::Text: append_json_string(out, v.text); return;
  }
}

}  // namespace

// Which bytes can be copied to a JSON string as they are: printable ASCII other than '"' and '\\'.
// A table, because this test runs for almost every byte we write.
struct PlainJsonBytes {
  bool ok[256] = {};
  constexpr PlainJsonBytes() {
    for (int c = 0x20; c < 0x7f; ++c) ok[c] = c != '"' && c != '\\';
  }
};
static constexpr PlainJsonBytes kPlainJson;
static inline bool plain_json_byte(unsigned char c) { return kPlainJson.ok[c]; }

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one go: almost every OVMS string is one run.
    std::size_t run = i;
    while (run < s.size() && plain_json_byte(static_cast<unsigned char>(s[run]))) ++run;
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (std::size_t n = c >= 0x80 ? utf8_sequence_length(s, i) : 0) {
      out.append(s.data() + i, n);  // valid UTF-8 stays as it is
      i += n;
    } else {
      // Control characters, and bytes that are not strict UTF-8 (decrypted garbage, overlong forms,
      // surrogates, past U+10FFFF), as their Latin-1 code point, so the output is always valid JSON.
      static const char* hex = "0123456789abcdef";
      char buf[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      out.append(buf, 6);
      ++i;
    }
  }
  out += '"';
}

void append_fields_json(std::string& out, const DecodedMessage& m) {
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < m.fields.size(); ++i) {
    const FieldValue& f = m.fields[i];
    bool list = f.def && f.def->shape == FieldShape::List;
    bool extra = !f.def;
    // A List field, and the extras, appear once with all their values as an array.
    if ((list || extra) && i > 0 && m.fields[i - 1].def == f.def) continue;
    if (!first) out += ',';
    first = false;
    out += '"';
    out += f.name();  // catalog names are snake_case: nothing to escape
    out += "\":";
    if (list || extra) {
      out += '[';
      for (std::size_t k = i; k < m.fields.size() && m.fields[k].def == f.def; ++k) {
        if (k > i) out += ',';
        append_value(out, m.fields[k]);
      }
      out += ']';
    } else {
      append_value(out, f);
    }
  }
  out += '}';
}

void append_diagnostic_json(std::string& out, const Diagnostic& d) {
  out += "{\"id\":";
  append_json_string(out, d.def().key);
  out += ",\"severity\":\"";
  out += severity_name(d.severity());
  out += "\",\"frame\":";
  append_uint(out, d.frame);
  out += ",\"pos\":";
  append_int(out, d.pos);
  out += ",\"message\":";
  append_json_string(out, d.message);
  out += '}';
}

static void append_diags(std::string& out, const std::vector<Diagnostic>& diags) {
  out += '[';
  for (std::size_t i = 0; i < diags.size(); ++i) {
    if (i) out += ',';
    append_diagnostic_json(out, diags[i]);
  }
  out += ']';
}

static void append_code(std::string& out, const DecodedMessage& m) {
  out += ",\"code\":";
  if (m.code) append_json_string(out, std::string_view(&m.code, 1));
  else out += "null";
}

void append_record_json(std::string& out, const LineRecord& r, const ConnectionInfo* conn) {
  out += "{\"frame\":";
  append_uint(out, r.frame);
  out += ",\"ts\":";
  append_ts(out, r.ts);
  out += ",\"conn\":";
  append_uint(out, r.conn);
  if (conn) {
    out += ",\"client\":";
    append_json_string(out, conn->client_text);
    out += ",\"server\":";
    append_json_string(out, conn->server_text);
  }
  out += ",\"dir\":\"";
  out += direction_name(r.dir);
  out += "\",\"role\":\"";
  out += role_name(r.role);
  out += "\",\"vehicle\":";
  if (r.vehicle.empty()) out += "null";
  else append_json_string(out, r.vehicle);
  out += ",\"kind\":\"";
  out += line_kind_name(r.kind);
  out += "\",\"wire\":";
  append_json_string(out, r.wire);
  out += ",\"plain\":";
  if (r.plain) append_json_string(out, *r.plain);
  else out += "null";
  append_code(out, r.msg);
  out += ",\"name\":";
  const char* name = r.kind == LineKind::Message ? r.msg.name() : line_kind_name(r.kind);
  if (name) append_json_string(out, name);
  else out += "null";
  out += ",\"fields\":";
  append_fields_json(out, r.msg);
  if (r.msg.command) {
    out += ",\"command_name\":";
    append_json_string(out, r.msg.command->name);
  }
  out += ",\"inner\":";
  if (r.inner) {
    out += "{\"plain\":";
    append_json_string(out, r.inner->plain);
    append_code(out, r.inner->msg);
    out += ",\"name\":";
    if (const char* in = r.inner->msg.name()) append_json_string(out, in);
    else out += "null";
    out += ",\"fields\":";
    append_fields_json(out, r.inner->msg);
    out += ",\"truncated\":";
    out += r.inner->truncated ? "true" : "false";
    out += ",\"diag\":";
    append_diags(out, r.inner->diags);
    out += '}';
  } else {
    out += "null";
  }
  if (r.handshake) {
    const HandshakeInfo& h = *r.handshake;
    out += ",\"handshake\":{\"scheme\":";
    append_int(out, h.scheme);
    out += ",\"client_token\":";
    append_json_string(out, h.client_token);
    out += ",\"server_token\":";
    append_json_string(out, h.server_token);
    out += ",\"ok\":";
    out += h.ok ? "true" : "false";
    out += ",\"key_source\":\"";
    out += key_source_name(h.key_source);
    out += "\",\"key_id\":";
    append_json_string(out, h.key_id);
    if (h.key_learned_frame) {  // only then: a key from the keys file is the usual case
      out += ",\"key_learned_in\":";
      append_uint(out, *h.key_learned_frame);
    }
    out += '}';
  }
  if (r.response_to_frame) {
    out += ",\"response_to\":";
    append_uint(out, *r.response_to_frame);
  }
  out += ",\"diag\":";
  append_diags(out, r.diags);
  out += '}';
}

}  // namespace ovms
