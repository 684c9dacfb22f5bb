#include "event_loop.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace ovms::sim::live {
namespace {

double monotonic_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The self-pipe a signal handler writes to, so that a waiting poll() wakes.
int g_signal_pipe[2] = {-1, -1};

void on_signal(int) {
  const char byte = 1;
  ssize_t n = ::write(g_signal_pipe[1], &byte, 1);
  (void)n;
}

}  // namespace

EventLoop::EventLoop() {
  start_ = monotonic_seconds();
  timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  epoch_ = static_cast<double>(wall.tv_sec) + static_cast<double>(wall.tv_nsec) * 1e-9;
}

EventLoop::~EventLoop() {
  if (g_signal_pipe[0] >= 0) {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    ::close(g_signal_pipe[0]);
    ::close(g_signal_pipe[1]);
    g_signal_pipe[0] = g_signal_pipe[1] = -1;
  }
}

double EventLoop::now() const { return monotonic_seconds() - start_; }

void EventLoop::at(double t, std::function<void()> fn) {
  timers_.push_back(Timer{t, order_++, std::move(fn)});
  std::push_heap(timers_.begin(), timers_.end(), later);
}

void EventLoop::watch(int fd, short events, Handler fn) { watches_[fd] = Watch{events, std::move(fn), ++generation_}; }

void EventLoop::set_events(int fd, short events) {
  auto it = watches_.find(fd);
  if (it != watches_.end()) it->second.events = events;
}

void EventLoop::unwatch(int fd) { watches_.erase(fd); }

void EventLoop::stop_on_signals() {
  std::signal(SIGPIPE, SIG_IGN);
  if (g_signal_pipe[0] >= 0) return;
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::runtime_error(std::string("cannot create the signal pipe: ") + std::strerror(errno));
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  watch(g_signal_pipe[0], POLLIN, [this](short) {
    char buf[16];
    while (::read(g_signal_pipe[0], buf, sizeof buf) > 0) {
    }
    signalled_ = true;
    stopped_ = true;
  });
}

int EventLoop::poll_timeout_ms() const {
  if (timers_.empty()) return -1;
  double wait = timers_.front().t - now();
  if (wait <= 0) return 0;
  return static_cast<int>(std::min(std::ceil(wait * 1000.0), 3600e3));
}

// Timers due now run in time order; those they add for now run on the next turn, so a timer that
// re-arms itself for "now" cannot starve the sockets.
void EventLoop::run_due_timers() {
  const double t = now();
  std::vector<Timer> due;
  while (!timers_.empty() && timers_.front().t <= t) {
    std::pop_heap(timers_.begin(), timers_.end(), later);
    due.push_back(std::move(timers_.back()));
    timers_.pop_back();
  }
  for (Timer& timer : due) {
    if (stopped_) return;
    timer.fn();
  }
}

void EventLoop::run() {
  std::vector<pollfd> fds;
  std::vector<uint64_t> generations;
  while (!stopped_ && (!watches_.empty() || !timers_.empty())) {
    fds.clear();
    generations.clear();
    for (const auto& [fd, w] : watches_) {
      fds.push_back(pollfd{fd, w.events, 0});
      generations.push_back(w.generation);
    }
    int n = ::poll(fds.data(), fds.size(), poll_timeout_ms());
    if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    for (std::size_t i = 0; n > 0 && i < fds.size() && !stopped_; ++i) {
      if (!fds[i].revents) continue;
      auto it = watches_.find(fds[i].fd);
      if (it == watches_.end() || it->second.generation != generations[i]) continue;  // gone meanwhile
      Handler fn = it->second.fn;  // the handler may unwatch (and so destroy) itself
      fn(fds[i].revents);
    }
    if (!stopped_) run_due_timers();
  }
}

}  // namespace ovms::sim::live
