#include "relay_timers.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace ovms::relay_detail {
namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", s);
  return buf;
}

ReceiverTimer timer(double secs, const char* whom, const char* name) {
  return {secs, std::string(whom) + " (" + name + " " + seconds(secs) + " s)"};
}

std::string line_name(const LineRecord& r) {
  const DecodedMessage& m = r.effective();
  std::string code = m.code ? std::string(1, m.code) : std::string("undecrypted");
  if (r.inner && r.msg.code == 'E') code = "E/" + code;
  return code;
}

}  // namespace

ReceiverTimer receiver_timer(Leg receiver, Role client, const PeerTimeouts& t) {
  constexpr double kNone = std::numeric_limits<double>::infinity();
  if (receiver == Leg::Server) {
    switch (client) {
      case Role::Car: return timer(t.server_car, "the server", "timeout_car");
      case Role::App: return timer(t.server_app, "the server", "timeout_app");
      case Role::Batch: return timer(t.server_batch, "the server", "timeout_api");
      default: return {kNone, "the server (no timeout known for this client type)"};
    }
  }
  if (client == Role::Car) return timer(t.car_rx, "the car", "timeout.rx");
  return {kNone, std::string("the ") + role_name(client) + " (no receive timeout known)"};
}

std::string hold_warning(uint64_t hold_id, const LineRecord& held, Leg from, const ReceiverTimer& timer,
                         double deadline, double now) {
  std::string line = "the held " + line_name(held) + " line #" + std::to_string(hold_id) + " from the " +
                     leg_name(from) + " leg";
  if (now >= deadline)
    return timer.who + " has had no data for " + seconds(timer.seconds) + " s: it drops the connection now (" +
           line + " still holds every line behind it)";
  return line + " holds every line behind it: " + timer.who + " drops the connection in " +
         seconds(std::ceil(deadline - now)) + " s unless a line reaches it";
}

}  // namespace ovms::relay_detail
