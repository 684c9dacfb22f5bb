// --stats: lines counted in the tables every front end counts (ovms::present's statistics tables, the
// same as tshark's -z ovms,tree), plus the diagnostics by id.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "ovms/present.h"
#include "ovms/record.h"

class Stats {
 public:
  void count(const ovms::LineRecord& r);
  void count_orphan(const ovms::Diagnostic& d) { ++diags_[d.def().key]; }
  std::string render() const;
  // --stats --json: one JSON object {"lines", "decrypted", "<table title>": {key: count}, ...}.
  std::string render_json() const;

 private:
  static constexpr std::size_t kTables = static_cast<std::size_t>(ovms::present::StatTable::kCount);
  uint64_t lines_ = 0, decrypted_ = 0;
  std::map<std::string, uint64_t> tables_[kTables];
  std::map<std::string, uint64_t> diags_;
};
