#include "stats.h"

#include <cstdio>

using namespace ovms;

void Stats::count(const LineRecord& r) {
  ++lines_;
  if (r.plain) ++decrypted_;
  const DecodedMessage& m = r.effective();
  std::string code;
  if (r.kind != LineKind::Message) code = line_kind_name(r.kind);
  else if (m.code) code = std::string(1, m.code) + " " + m.name();
  else code = "(not decrypted)";
  ++codes_[code];
  ++vehicles_[r.vehicle.empty() ? "-" : r.vehicle];
  ++directions_[std::string(direction_name(r.dir)) + " " + role_name(r.role)];
  for (const Diagnostic& d : r.diags) ++diags_[d.def().key];
  if (r.inner)
    for (const Diagnostic& d : r.inner->diags) ++diags_[d.def().key];
}

std::string Stats::render() const {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "== OVMS statistics: %llu lines, %llu decrypted\n",
                static_cast<unsigned long long>(lines_), static_cast<unsigned long long>(decrypted_));
  out += buf;
  auto table = [&](const char* title, const std::map<std::string, uint64_t>& m) {
    out += title;
    out += '\n';
    for (const auto& [k, v] : m) {
      std::snprintf(buf, sizeof buf, "  %-36s %10llu\n", k.c_str(), static_cast<unsigned long long>(v));
      out += buf;
    }
  };
  table("per code:", codes_);
  table("per vehicle:", vehicles_);
  table("per direction and sender:", directions_);
  table("per diagnostic:", diags_);
  return out;
}
