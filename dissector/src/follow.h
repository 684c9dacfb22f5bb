// "Follow OVMS Stream": the decrypted messages of one TCP connection, both directions, the way Wireshark's
// TLS follow shows decrypted application data. Registering the follower gives Analyze > Follow > OVMS
// Stream in Wireshark and `tshark -z follow,ovms,ascii|hex|raw|yaml,<tcp stream>` in tshark.
#pragma once

#include <epan/packet.h>

namespace ovms_ws {

struct Segment;

// Registers the "ovms_follow" tap and the follower; call from the protocol registration.
void register_ovms_follow(int proto_ovms);

// Queues the text of the lines `seg` completed (one per line, with its line end) for the follower.
// Cheap when nobody follows: returns at once without a listener.
void follow_segment(const Segment& seg, tvbuff_t* tvb, packet_info* pinfo);

}  // namespace ovms_ws
