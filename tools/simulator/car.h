// A car running the v3 firmware's server-v2 client: logs in with a fresh token, sends ET first when
// paranoid, then its full status set, queued notifications and history records; answers A, Z, h and
// C from the server; sends updates every 60 s while apps are connected and every 600 s otherwise,
// pings after 900 s without hearing from the server, and (live) reconnects as v3 does. It runs on
// any Clock and Dialer: simulated for the captures, real for `ovms-sim car`.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "car_profile.h"
#include "links.h"
#include "ovms/crypto.h"
#include "session.h"
#include "sim.h"
#include "vehicle_state.h"

namespace ovms::sim {

class Car : public Actor, public SessionClient {
 public:
  Car(ClientEnv env, CarProfile profile, Rng rng);

  const CarProfile& profile() const { return p_; }
  CarProfile& profile() { return p_; }
  VehicleState& state() { return st_; }
  ClientLink* link() { return s_; }
  bool online() const { return s_ && s_->logged_in() && !s_->closed(); }

  // Opens a new connection and logs in (MP-C 0). `secret` overrides the profile's (a car configured
  // with an outdated password).
  ClientLink& connect(double t, const std::string& secret = {});
  void disconnect(double t);
  // Auto-provisioning (§3): "AP-C 0 <VIN>" on a new connection. With an AP-S the car checks the digest
  // with its ICCID, decrypts the record, takes the vehicle id and server password from it, hangs up
  // and logs in normally `relogin_after` seconds later. With AP-X it just hangs up.
  ClientLink& autoprovision(double t, double relogin_after);

  // Lines to send: now if logged in, else right after the next login. The paranoid layer applies.
  void send(double t, const std::vector<std::string>& bodies);
  void send(double t, const std::string& body) { send(t, std::vector<std::string>{body}); }
  // Lines whose TCP segments the caller cuts and times (simulation; the car must be online).
  void send_planned(double t, const std::vector<std::string>& bodies, const OvmsSession::SegmentPlan& plan);
  // The full status set: F, S, D, L, (W,) Y (and X with a V2G unit), in one write.
  void full_update(double t);
  std::vector<std::string> full_set(double t);
  // The periodic ticker, until time `until`.
  void run_updates(double from, double until);
  // A notification (PI/PA/PE body), sent now or after the next login.
  void notify(double t, const std::string& body);
  // A history record waiting to be sent: "<type>,<recno>,<lifetime>,<data>" created at `created`.
  void add_history(uint32_t ack_id, double created, const std::string& tail);

  std::function<void(double t)> on_login_hook;  // runs after the login burst
  // With `reconnects`: the connection ended (`detail`: what the transport said); the car tries again
  // in `retry_in` seconds, or never (-1) after AuthRefused: v3 then waits for a configuration change.
  std::function<void(double t, LinkEnd why, const std::string& detail, double retry_in)> on_disconnect_hook;
  std::function<void(double t, const std::string& command)> on_command_hook;  // "7,stat"
  std::function<void(double t, int peers)> on_peers_hook;                     // a Z line
  std::function<void(double t, bool provisioned)> on_autoprovision_hook;      // AP-S taken, or not

  void on_login(ClientLink& s, double t) override;
  void on_line(ClientLink& s, double t, const std::string& body) override;
  void on_closed(ClientLink& s, double t, LinkEnd why) override;
  void on_raw_line(ClientLink& s, double t, const std::string& line) override;

 private:
  std::string wrap(const std::string& body);  // the paranoid layer (§5.2, §5.3)
  void tick(double t);
  void send_history(double t, bool resend);
  double update_period() const { return peers_ > 0 ? p_.update_connected : p_.update_idle; }

  Clock& clock_;
  Dialer& dialer_;
  CarProfile p_;
  Rng rng_;
  VehicleState st_;
  uint32_t host_;
  ClientLink* s_ = nullptr;
  Bytes pkey_;
  int peers_ = 0;
  double last_rx_ = 0;    // the last line from the server
  double last_ping_ = 0;  // the last A the car sent
  double until_ = -1;
  double next_update_ = 0;
  bool ticking_ = false;
  int history_passes_ = 0;
  std::vector<std::string> queued_;          // waiting for login
  std::vector<std::string> notifications_;   // waiting for login
  struct Record {
    uint32_t id;
    double created;
    std::string tail;
    bool sent = false;
    bool acked = false;
  };
  std::vector<Record> history_;
  double relogin_after_ = 3;
};

}  // namespace ovms::sim
