// Private to the relay: how long the receiver of a leg waits for data before it drops the connection
// (PROTOCOL.md §1.5), and how a warning about it reads.
#pragma once

#include <string>

#include "ovms/record.h"
#include "ovms/relay.h"

namespace ovms::relay_detail {

struct ReceiverTimer {
  double seconds;   // infinity: no timer known for this receiver
  std::string who;  // "the server (timeout_car 960 s)"
};

// The timer of the peer at the far end of `receiver`, given who the client is.
ReceiverTimer receiver_timer(Leg receiver, Role client, const PeerTimeouts& t);

// "the held S line (#3) from the car has kept every line behind it from the server for 930 s: ..."
std::string hold_warning(uint64_t hold_id, const LineRecord& held, Leg from, const ReceiverTimer& timer,
                         double deadline, double now);

}  // namespace ovms::relay_detail
