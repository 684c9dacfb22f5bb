// The simulation: the clock, the capture, the server, the keys being collected, and every actor
// (cars, apps, sessions), which all live until the end.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <utility>

#include "addresses.h"
#include "keys_file.h"
#include "options.h"
#include "rng.h"
#include "world.h"

namespace ovms::sim {

class Server;

// Anything the simulation owns.
struct Actor {
  virtual ~Actor() = default;
};

// A plain value the simulation keeps alive for events that refer to it.
template <class T>
struct ActorValue : Actor {
  template <class... Args>
  explicit ActorValue(Args&&... args) : value(std::forward<Args>(args)...) {}
  T value;
};

// The fixed epoch of simulated time zero: 2026-01-01 00:00:00 UTC.
constexpr double kEpoch = 1767225600.0;

class Sim {
 public:
  Sim(const SimOptions& options, World& world);
  ~Sim();

  const SimOptions& options() const { return options_; }
  World& world() { return world_; }
  Server& server() { return *server_; }
  KeysFile& keys() { return keys_; }
  AddressPlan& addresses() { return addresses_; }
  Rng& rng() { return rng_; }

  double now() const { return world_.now(); }
  void at(double t, std::function<void()> fn) { world_.at(t, std::move(fn)); }

  // A new TCP connection from a host of this kind to the server.
  TcpConnection& open_tcp(HostKind kind, uint32_t host, double rtt);

  template <class T, class... Args>
  T& make(Args&&... args) {
    auto p = std::make_unique<T>(std::forward<Args>(args)...);
    T& ref = *p;
    actors_.push_back(std::move(p));
    return ref;
  }

  // Protocol lines sent after login, in any direction (the load scenario's budget).
  uint64_t lines() const { return lines_; }
  void count_lines(uint64_t n) { lines_ += n; }

  // Wall-clock date of a simulated time, "YYYY-MM-DD HH:MM:SS" / "YYYY-MM-DD" (UTC).
  static std::string utc_time(double t);
  static std::string utc_date(double t);

 private:
  const SimOptions& options_;
  World& world_;
  Rng rng_;
  AddressPlan addresses_;
  KeysFile keys_;
  std::unique_ptr<Server> server_;
  std::deque<std::unique_ptr<Actor>> actors_;
  uint64_t lines_ = 0;
};

}  // namespace ovms::sim
