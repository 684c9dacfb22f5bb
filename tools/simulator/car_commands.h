// How a v3 car answers the commands an app sends (PROTOCOL.md §6.2).
#pragma once

#include <string>
#include <vector>

#include "car_profile.h"
#include "rng.h"
#include "vehicle_state.h"

namespace ovms::sim {

struct CarReply {
  double delay;                     // after the command arrived
  std::vector<std::string> bodies;  // "<code><data>" lines, sent in one write
};

// `data` is the command line after the 'C' ("7,stat"). The state may change (charge mode, locks).
std::vector<CarReply> answer_command(const CarProfile& p, VehicleState& s, const std::string& data, double t,
                                     double epoch, Rng& rng);

}  // namespace ovms::sim
