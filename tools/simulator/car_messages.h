// The car's messages in the exact v3 formats of PROTOCOL.md §4.4 (bodies "<code><data>", without the
// "MP-0 " prefix): S (42 fields), D (21), L (19), F (10), W (9), Y (sections), X (24), notifications
// and history records.
#pragma once

#include <string>

#include "car_profile.h"
#include "vehicle_state.h"

namespace ovms::sim {

// v3 mp_encode: ',' becomes ';', CRLF and LF become CR.
std::string mp_encode(const std::string& text);

// `epoch_now` is the wall-clock time of the message (for time stamps inside it).
std::string msg_status(const VehicleState& s, char units);                        // S
std::string msg_environment(const VehicleState& s, double t);                    // D
std::string msg_location(const VehicleState& s);                                 // L
std::string msg_firmware(const VehicleState& s, const CarProfile& p, double epoch_now);  // F
std::string msg_tpms_legacy(const VehicleState& s);                              // W
std::string msg_tpms(const VehicleState& s);                                     // Y
std::string msg_generator(const VehicleState& s, double epoch_now);              // X

// The output of the v3 shell's "stat" command (multi-line, not yet mp_encoded).
std::string stat_text(const VehicleState& s);

// The tail of a history record: "<type>,<recno>,<lifetime>,<data>".
std::string history_trip(double start_epoch, double minutes, double km, double soc_start, double soc_end,
                         double lat, double lon);
std::string history_grid(double start_epoch, double minutes, double kwh, double soc_start, double soc_end);

}  // namespace ovms::sim
