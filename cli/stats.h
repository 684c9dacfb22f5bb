// --stats: counts per message code, vehicle, direction and diagnostic.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "ovms/record.h"

class Stats {
 public:
  void count(const ovms::LineRecord& r);
  void count_orphan(const ovms::Diagnostic& d) { ++diags_[d.def().key]; }
  std::string render() const;

 private:
  uint64_t lines_ = 0, decrypted_ = 0;
  std::map<std::string, uint64_t> codes_, vehicles_, directions_, diags_;
};
