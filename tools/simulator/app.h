// A simulated app (or batch client): logs in (scheme 0 with the vehicle's shared secret, or scheme 1
// with an account), receives the replay, and sends what the scenario tells it to: commands, pings,
// push subscriptions. Android flavour: LF line ends and tokens without '/'. iOS: an image name after
// the vehicle id. Web flavour: the WebSocket variant. Runs on any Clock and Dialer (simulated for the
// captures, real for `ovms-sim app`).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "links.h"
#include "session.h"
#include "sim.h"

namespace ovms::sim {

struct AppProfile {
  std::string vehicle_id;
  std::string secret;         // scheme 0
  char type = 'A';            // A app, B batch client
  int scheme = 0;
  std::string username;       // scheme 1
  std::string password;
  bool android = false;
  bool websocket = false;
  std::string welcome_rest;   // iOS: the car image name
  double rtt = 0.07;
};

class App : public Actor, public SessionClient {
 public:
  App(ClientEnv env, AppProfile profile, Rng rng);

  ClientLink& connect(double t);
  void disconnect(double t);
  ClientLink* link() { return s_; }
  const AppProfile& profile() const { return p_; }
  bool online() const { return s_ && s_->logged_in() && !s_->closed(); }

  // A line at time t (queued until the login when sent before it). One write per call.
  void send(double t, const std::string& body);
  // A line whose TCP segments the caller cuts and times (simulation; the app must be online).
  void send_planned(double t, const std::string& body, const OvmsSession::SegmentPlan& plan);
  // Pings (A) every `period` seconds in [from, until].
  void ping_every(double period, double from, double until);

  uint64_t lines_received() const { return received_; }
  std::function<void(double t)> on_login_hook;
  // The server (or the network) ended the connection; `detail`: what the transport said.
  std::function<void(double t, LinkEnd why, const std::string& detail)> on_closed_hook;

  void on_login(ClientLink& s, double t) override;
  void on_line(ClientLink& s, double t, const std::string& body) override;
  void on_closed(ClientLink& s, double t, LinkEnd why) override;

 private:
  Clock& clock_;
  Dialer& dialer_;
  AppProfile p_;
  Rng rng_;
  uint32_t host_;
  ClientLink* s_ = nullptr;
  std::vector<std::string> queued_;
  uint64_t received_ = 0;
};

}  // namespace ovms::sim
