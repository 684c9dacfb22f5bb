// The live mode's event loop: poll() over nonblocking sockets, timers on the monotonic clock, and a
// stop that SIGINT and SIGTERM can trigger. It is the models' Clock: now() counts seconds since the
// loop was made, epoch() is the Unix time of that moment, so dates in messages are the real ones.
// One thread; handlers and timers run one after another, never inside each other.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "../clock.h"

namespace ovms::sim::live {

class EventLoop : public Clock {
 public:
  EventLoop();
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  double now() const override;
  double epoch() const override { return epoch_; }
  void at(double t, std::function<void()> fn) override;
  // Runs `fn` on the loop's next turn (after the current handler has returned).
  void defer(std::function<void()> fn) { at(now(), std::move(fn)); }

  // `fn(revents)` runs whenever `fd` is ready for `events` (POLLIN, POLLOUT) or has an error.
  using Handler = std::function<void(short revents)>;
  void watch(int fd, short events, Handler fn);
  void set_events(int fd, short events);
  void unwatch(int fd);

  // SIGINT and SIGTERM stop the loop (and SIGPIPE is ignored: a write to a closed socket is an error).
  void stop_on_signals();
  // Ends run() after the current turn.
  void stop() { stopped_ = true; }
  bool stopping() const { return stopped_; }
  bool stopped_by_signal() const { return signalled_; }
  // Runs until stop(), a signal, or nothing is left to wait for.
  void run();

 private:
  struct Watch {
    short events;
    Handler fn;
    uint64_t generation;  // an fd number reused within one turn is another watch
  };
  struct Timer {
    double t;
    uint64_t order;
    std::function<void()> fn;
  };
  static bool later(const Timer& a, const Timer& b) { return a.t > b.t || (a.t == b.t && a.order > b.order); }
  void run_due_timers();
  int poll_timeout_ms() const;

  double start_ = 0;  // CLOCK_MONOTONIC seconds at construction
  double epoch_ = 0;
  uint64_t order_ = 0;
  uint64_t generation_ = 0;
  bool stopped_ = false;
  bool signalled_ = false;
  std::vector<Timer> timers_;
  std::unordered_map<int, Watch> watches_;
};

}  // namespace ovms::sim::live
