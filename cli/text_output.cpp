#include "text_output.h"

#include <cstdio>
#include <ctime>

using namespace ovms;

namespace {

void append_time(std::string& out, double ts) {
  time_t secs = static_cast<time_t>(ts);
  struct tm tm_utc;
  gmtime_r(&secs, &tm_utc);
  char buf[40];
  int usec = static_cast<int>((ts - static_cast<double>(secs)) * 1e6 + 0.5);
  if (usec >= 1000000) usec = 999999;
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%06d", tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec, usec);
  out += buf;
}

void pad_to(std::string& out, std::size_t start, std::size_t width) {
  if (out.size() - start < width) out.append(width - (out.size() - start), ' ');
  else out += ' ';
}

}  // namespace

void append_diagnostic_text(std::string& out, const Diagnostic& d, const char* indent) {
  out += indent;
  out += "! ";
  out += severity_name(d.severity());
  out += ' ';
  out += d.def().key;
  out += ": ";
  out += d.message;
  out += '\n';
}

void append_record_text(std::string& out, const LineRecord& r, bool show_secrets,
                        const std::function<bool(const Diagnostic&)>& show) {
  append_time(out, r.ts);
  out += " #";
  out += std::to_string(r.conn);
  out += ' ';
  out += direction_name(r.dir);
  out += ' ';
  std::size_t col = out.size();
  out += role_name(r.role);
  pad_to(out, col, 7);
  col = out.size();
  out += r.vehicle.empty() ? "-" : r.vehicle;
  pad_to(out, col, 8);
  const DecodedMessage& m = r.effective();
  if (r.kind != LineKind::Message) {
    out += line_kind_name(r.kind);
    out += ' ';
    const HandshakeInfo* h = r.handshake.get();
    if (r.kind == LineKind::ApRequest) {
      // AP-C 0 <apkey>: nothing to verify yet; say which key the car sent and whom it names.
      out += printable_text(r.wire.substr(0, 60));
      if (h && !h->key_id.empty()) out += " (keys file: " + h->key_id + ")";
    } else if (h) {
      out += "scheme=" + std::to_string(h->scheme);
      out += h->ok ? " verified" : " unverified";
      out += " key=";
      out += key_source_name(h->key_source);
      if (!h->key_id.empty()) out += " (" + h->key_id + ")";
      if (r.kind == LineKind::ApReply && r.plain) {
        out += ' ';
        out += summarize(r.msg, show_secrets);
      }
    } else {
      out += printable_text(r.wire.substr(0, 60));
    }
  } else if (m.code) {
    if (r.inner) out += "E/";
    out += m.code;
    out += ' ';
    out += m.name();
    if (m.command) {
      out += '(';
      out += m.command->name;
      out += ')';
    }
    out += ' ';
    out += summarize(m, show_secrets);
    if (r.response_to_frame) out += " [reply to frame " + std::to_string(*r.response_to_frame) + "]";
  } else {
    out += "(not decrypted) ";
    out += printable_text(r.wire.substr(0, 48));
    if (r.wire.size() > 48) out += "...";
  }
  out += '\n';
  for (const Diagnostic& d : r.diags)
    if (!show || show(d)) append_diagnostic_text(out, d, "    ");
  if (r.inner)
    for (const Diagnostic& d : r.inner->diags)
      if (!show || show(d)) append_diagnostic_text(out, d, "    ");
}
