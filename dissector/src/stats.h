// The "ovms" tap (one record per decoded line) and the "OVMS/Messages" statistics tree on top of it
// (tshark -z ovms,tree). The tables and the keys are the core's (ovms::present), as in ovmsdump --stats.
#pragma once

#include <cstddef>

#include "ovms/present.h"

namespace ovms_ws {

constexpr std::size_t kTapTables = static_cast<std::size_t>(ovms::present::StatTable::kCount);

struct TapLine {
  const char* keys[kTapTables];  // by ovms::present::StatTable: "E/S status", "DEMO", "c2s", "car"
};

// The tap id (register_tap("ovms")); call from the protocol registration.
int register_ovms_tap();
// Registers the statistics tree; call from the tap plugin registration.
void register_ovms_stats_tree();

}  // namespace ovms_ws
