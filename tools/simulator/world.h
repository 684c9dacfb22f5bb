// Simulated time: a queue of events run in time order. Before an event at time T runs, every
// segment scheduled up to T is written, so the capture comes out in time order while it is made.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include "clock.h"
#include "frame_output.h"
#include "tcp_connection.h"

namespace ovms::sim {

// The simulation's clock: time only moves when the next event runs.
class World : public Clock {
 public:
  explicit World(FrameOutput& out) : out_(out) {}

  double now() const override { return now_; }
  double epoch() const override { return kEpoch; }
  // Runs `fn` at time t (never before now).
  void at(double t, std::function<void()> fn) override;
  void after(double dt, std::function<void()> fn) { at(now_ + dt, std::move(fn)); }
  // Runs events until none is left, then writes what is left.
  void run();

  FrameOutput& output() { return out_; }
  // A new connection, owned by the world (it lives until the end: segments refer to it).
  TcpConnection& connection(const Endpoint& client, const Endpoint& server, uint32_t isn_client,
                            uint32_t isn_server, TcpParams params);
  std::size_t connections() const { return connections_.size(); }
  uint64_t events_run() const { return events_run_; }

 private:
  struct Event {
    double t;
    uint64_t order;
    std::function<void()> fn;
  };
  static bool later(const Event& a, const Event& b) { return a.t > b.t || (a.t == b.t && a.order > b.order); }

  FrameOutput& out_;
  double now_ = 0;
  uint64_t order_ = 0;
  uint64_t events_run_ = 0;
  std::vector<Event> queue_;
  std::deque<std::unique_ptr<TcpConnection>> connections_;
};

}  // namespace ovms::sim
