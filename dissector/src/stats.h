// The "ovms" tap (one record per decoded line) and the "OVMS/Messages" statistics tree on top of it
// (tshark -z ovms,tree).
#pragma once

namespace ovms_ws {

struct TapLine {
  const char* message;    // "S status", "E/S status", "welcome", "(not decrypted)"
  const char* vehicle;    // "" when unknown
  const char* direction;  // "c2s" / "s2c"
  const char* role;       // "car", "app", "server", ...
};

// The tap id (register_tap("ovms")); call from the protocol registration.
int register_ovms_tap();
// Registers the statistics tree; call from the tap plugin registration.
void register_ovms_stats_tree();

}  // namespace ovms_ws
