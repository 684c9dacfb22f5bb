// The statistics of what is in the store: the core's tables (lines by message, vehicle, direction,
// sender: present::stat_key, as ovmsdump --stats and tshark -z ovms,tree count them), diagnostics by
// id, command round trips, and conversations. No Qt; updated incrementally as batches arrive.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "model/record_store.h"
#include "ovms/present.h"

namespace inspector {

struct RoundTrips {
  std::vector<double> seconds;  // one per answered command
  double min() const;
  double median() const;
  double max() const;
};

struct Conversation {
  uint32_t conn = 0;
  std::string vehicle;
  uint64_t lines = 0, c2s = 0, s2c = 0;
  double first = 0, last = 0;
};

class Statistics {
 public:
  void add(const RecordStore& store, std::size_t from);
  void clear();

  const std::map<std::string, uint64_t>& table(ovms::present::StatTable t) const { return tables_[static_cast<int>(t)]; }
  const std::map<std::string, uint64_t>& diagnostics() const { return diags_; }
  const std::map<std::string, RoundTrips>& roundTrips() const { return trips_; }  // by command title
  const std::map<uint32_t, Conversation>& conversations() const { return convs_; }
  uint64_t lines() const { return lines_; }

 private:
  std::array<std::map<std::string, uint64_t>, static_cast<int>(ovms::present::StatTable::kCount)> tables_;
  std::map<std::string, uint64_t> diags_;
  std::map<std::string, RoundTrips> trips_;
  std::map<uint32_t, Conversation> convs_;
  uint64_t lines_ = 0;
};

}  // namespace inspector
