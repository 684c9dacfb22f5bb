#include "stats.h"

#include <cstdio>

#include "ovms/json.h"

using namespace ovms;

void Stats::count(const LineRecord& r) {
  ++lines_;
  if (r.plain) ++decrypted_;
  const present::RecordView v = present::view_of(r);
  for (std::size_t t = 0; t < kTables; ++t) ++tables_[t][present::stat_key(static_cast<present::StatTable>(t), v)];
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
    out += ":\n";
    for (const auto& [k, v] : m) {
      std::snprintf(buf, sizeof buf, "  %-36s %10llu\n", k.c_str(), static_cast<unsigned long long>(v));
      out += buf;
    }
  };
  for (std::size_t t = 0; t < kTables; ++t) table(present::stat_table_title(static_cast<present::StatTable>(t)), tables_[t]);
  table("Diagnostics by id", diags_);
  return out;
}

std::string Stats::render_json() const {
  std::string out = "{\"lines\":" + std::to_string(lines_) + ",\"decrypted\":" + std::to_string(decrypted_);
  auto table = [&](const char* title, const std::map<std::string, uint64_t>& m) {
    out += ',';
    append_json_string(out, title);
    out += ":{";
    bool first = true;
    for (const auto& [k, v] : m) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, k);
      out += ':' + std::to_string(v);
    }
    out += '}';
  };
  for (std::size_t t = 0; t < kTables; ++t) table(present::stat_table_title(static_cast<present::StatTable>(t)), tables_[t]);
  table("Diagnostics by id", diags_);
  return out + "}\n";
}
