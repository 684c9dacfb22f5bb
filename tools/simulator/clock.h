// Time as the models (server, car, app) see it, whatever drives it: the simulation's event queue
// (world.h) or the live mode's event loop on the real clock (live/event_loop.h).
#pragma once

#include <functional>
#include <string>

namespace ovms::sim {

// The fixed epoch of simulated time zero: 2026-01-01 00:00:00 UTC.
constexpr double kEpoch = 1767225600.0;

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the clock's zero.
  virtual double now() const = 0;
  // The Unix time of the clock's zero: dates inside messages are epoch() + t.
  virtual double epoch() const = 0;
  // Runs `fn` at time t (at once, in order, when t is not in the future).
  virtual void at(double t, std::function<void()> fn) = 0;
};

// "YYYY-MM-DD HH:MM:SS" (UTC) of a Unix time.
std::string utc_time_text(double unix_time);

}  // namespace ovms::sim
