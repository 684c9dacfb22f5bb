// The simulation: the clock, the capture, the server, the keys being collected, and every actor
// (cars, apps, sessions), which all live until the end.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <utility>

#include "addresses.h"
#include "ovms/keys_writer.h"
#include "links.h"
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

// The simulation is also its clients' Dialer: a connection is a new simulated session.
class Sim : public Dialer {
 public:
  Sim(const SimOptions& options, World& world);
  ~Sim();

  const SimOptions& options() const { return options_; }
  World& world() { return world_; }
  Server& server() { return *server_; }
  KeysWriter& keys() { return keys_; }
  AddressPlan& addresses() { return addresses_; }
  Rng& rng() { return rng_; }

  double now() const { return world_.now(); }
  void at(double t, std::function<void()> fn) { world_.at(t, std::move(fn)); }

  // A new TCP connection from a host of this kind to the server.
  TcpConnection& open_tcp(HostKind kind, uint32_t host, double rtt);
  // Where a new car or app lives: the simulation's clock and sessions, and a new host address.
  ClientEnv client_env(HostKind kind) { return ClientEnv{world_, *this, addresses_.new_host(kind)}; }
  ClientLink& dial(const SessionParams& p, SessionClient& client, Rng rng, double t,
                   const std::string& first_line = {}) override;

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


 private:
  const SimOptions& options_;
  World& world_;
  Rng rng_;
  AddressPlan addresses_;
  KeysWriter keys_;
  std::unique_ptr<Server> server_;
  std::deque<std::unique_ptr<Actor>> actors_;
  uint64_t lines_ = 0;
};

}  // namespace ovms::sim
