#include "car.h"

#include <algorithm>
#include <cstdlib>

#include "car_commands.h"
#include "car_messages.h"
#include "ovms/line_encoder.h"
#include "ovms/protocol.h"
#include "ovms/welcome_lines.h"

namespace ovms::sim {

Car::Car(ClientEnv env, CarProfile profile, Rng rng)
    : clock_(env.clock), dialer_(env.dialer), p_(std::move(profile)), rng_(rng), host_(env.host) {
  st_.lat = p_.home_lat;
  st_.lon = p_.home_lon;
  st_.soc = rng_.uniform(55, 85);
  st_.odometer_km = rng_.uniform(8000, 60000);
  st_.heading = rng_.uniform(0, 360);
  st_.signal_sq = rng_.between(14, 24);
  st_.satellites = rng_.between(6, 11);
  st_.kwh_grid_total = st_.odometer_km * 0.18;
  st_.updated_at = clock_.now();
  st_.parked_since = clock_.now() - rng_.uniform(600, 7200);
}

ClientLink& Car::connect(double t, const std::string& secret) {
  SessionParams sp;
  sp.type = 'C';
  sp.vehicle_id = p_.vehicle_id;
  sp.secret = secret.empty() ? p_.server_password : secret;
  sp.host_kind = HostKind::Car;
  sp.host = host_;
  sp.rtt = p_.rtt;
  sp.think = rng_.uniform(0.005, 0.03);
  s_ = &dialer_.dial(sp, *this, rng_.fork("session", rng_.next()), t);
  return *s_;
}

ClientLink& Car::autoprovision(double t, double relogin_after) {
  relogin_after_ = relogin_after;
  SessionParams sp;
  sp.type = 'C';
  sp.host_kind = HostKind::Car;
  sp.host = host_;
  sp.rtt = p_.rtt;
  sp.think = rng_.uniform(0.005, 0.03);
  s_ = &dialer_.dial(sp, *this, rng_.fork("session", rng_.next()), t, ap_request_line(p_.vin));
  return *s_;
}

void Car::on_raw_line(ClientLink& s, double t, const std::string& line) {
  if (&s != s_) return;
  std::vector<std::string> w;
  for (std::size_t i = 0; i < line.size();) {
    std::size_t j = line.find(' ', i);
    if (j == std::string::npos) j = line.size();
    if (j > i) w.push_back(line.substr(i, j - i));
    i = j + 1;
  }
  bool provisioned = false;
  if (w.size() >= 5 && w[0] == "AP-S" && w[1] == "0" && welcome_digest(p_.iccid, w[2], false) == w[3]) {
    // The record: module parameters #0, #1, ... separated by spaces, "-" meaning empty.
    Bytes plain = ap_decrypt_record(hmac_md5(p_.iccid, w[2]), base64_decode(w[4]).data);
    std::vector<std::string> params;
    std::string item;
    for (uint8_t c : plain) {
      if (c == ' ') {
        params.push_back(item);
        item.clear();
      } else {
        item += static_cast<char>(c);
      }
    }
    params.push_back(item);
    auto param = [&](std::size_t i) { return i < params.size() && params[i] != "-" ? params[i] : std::string(); };
    if (!param(8).empty() && !param(9).empty()) {
      p_.vehicle_id = param(8);
      p_.server_password = param(9);
      if (!param(4).empty()) p_.server_host = param(4);
      if (!param(5).empty()) p_.apn = param(5);
      provisioned = true;
    }
  }
  if (on_autoprovision_hook) on_autoprovision_hook(t, provisioned);
  double bye = t + rng_.uniform(0.1, 0.3);
  s.close(bye);
  s_ = nullptr;
  if (provisioned) clock_.at(bye + relogin_after_, [this] { connect(clock_.now()); });
}

void Car::send_planned(double t, const std::vector<std::string>& bodies, const OvmsSession::SegmentPlan& plan) {
  OvmsSession* session = online() ? s_->simulated() : nullptr;
  if (!session) return;
  std::vector<std::string> wire;
  for (const std::string& b : bodies) wire.push_back(wrap(b));
  session->send_planned(kClient, t, wire, plan);
}

void Car::disconnect(double t) {
  ClientLink* s = s_;
  s_ = nullptr;  // first: this close is no drop to recover from
  if (s) s->close(t);
  peers_ = 0;
}

std::string Car::wrap(const std::string& body) {
  if (!p_.paranoid || body.empty() || pkey_.empty() || !paranoid_wraps(body[0])) return body;
  return paranoid_envelope(pkey_, body, p_.v3_truncates_paranoid);
}

void Car::send(double t, const std::vector<std::string>& bodies) {
  if (!online()) {
    queued_.insert(queued_.end(), bodies.begin(), bodies.end());
    return;
  }
  std::vector<std::string> wire;
  wire.reserve(bodies.size());
  for (const std::string& b : bodies) wire.push_back(wrap(b));
  s_->send(t, wire);
}

std::vector<std::string> Car::full_set(double t) {
  st_.advance(t, rng_, clock_.epoch());
  const double epoch_now = clock_.epoch() + t;
  std::vector<std::string> set{msg_firmware(st_, p_, epoch_now), msg_status(st_, p_.units), msg_environment(st_, t),
                               msg_location(st_)};
  if (p_.legacy_tpms) set.push_back(msg_tpms_legacy(st_));
  set.push_back(msg_tpms(st_));
  if (p_.v2g) set.push_back(msg_generator(st_, epoch_now));
  return set;
}

void Car::full_update(double t) { send(t, full_set(t)); }

void Car::notify(double t, const std::string& body) {
  if (online()) send(t, body);
  else notifications_.push_back(body);
}

void Car::add_history(uint32_t ack_id, double created, const std::string& tail) {
  history_.push_back(Record{ack_id, created, tail});
}

void Car::on_login(ClientLink& s, double t) {
  if (&s != s_) return;
  last_rx_ = t;
  std::vector<std::string> burst;
  if (p_.paranoid) {
    // A new paranoid token on every login (v3); ET is the first line after login.
    std::string ptoken = rng_.token(22);
    pkey_ = paranoid_key(p_.module_password, ptoken);
    burst.push_back("ET" + ptoken);
  }
  for (std::string& b : full_set(t)) burst.push_back(std::move(b));
  for (std::string& b : queued_) burst.push_back(std::move(b));
  queued_.clear();
  std::vector<std::string> wire;
  for (const std::string& b : burst) wire.push_back(wrap(b));
  s_->send(t, wire);
  // Notifications queued while offline go out next (marked read on transmit).
  if (!notifications_.empty()) {
    s_->send(t + rng_.uniform(0.2, 0.6), notifications_);
    notifications_.clear();
  }
  next_update_ = t + update_period();
  if (!history_.empty()) send_history(t + rng_.uniform(0.8, 1.2), false);
  if (on_login_hook) on_login_hook(t);
}

void Car::on_line(ClientLink& s, double t, const std::string& body) {
  if (&s != s_ || body.empty()) return;
  last_rx_ = t;
  const std::string data = body.substr(1);
  switch (body[0]) {
    case 'A':
      send(t, "a");
      break;
    case 'Z': {
      int n = std::atoi(data.c_str());
      if (on_peers_hook) on_peers_hook(t, n);
      if (n > peers_) {
        // A peer connected: v3 forces a full transmission at its next ticker second.
        double when = t + rng_.uniform(0.3, 1.0);
        clock_.at(when, [this, when] {
          if (online()) full_update(when);
        });
        next_update_ = when + p_.update_connected;
      } else if (n == 0) {
        next_update_ = t + p_.update_idle;
      }
      peers_ = n;
      break;
    }
    case 'h': {
      auto id = static_cast<uint32_t>(std::strtoul(data.c_str(), nullptr, 10));
      for (Record& r : history_)
        if (r.id == id) r.acked = true;
      break;
    }
    case 'C':
      if (on_command_hook) on_command_hook(t, data);
      for (CarReply& r : answer_command(p_, st_, data, t, clock_.epoch(), rng_)) {
        double when = t + r.delay;
        clock_.at(when, [this, when, bodies = std::move(r.bodies)] {
          if (online()) send(when, bodies);
        });
      }
      break;
    default:
      break;  // the car ignores everything else
  }
}

void Car::on_closed(ClientLink& s, double t, LinkEnd why) {
  if (&s != s_) return;
  s_ = nullptr;
  peers_ = 0;
  if (!p_.reconnects) return;
  // v3 (§2.5): a close while authenticating means a wrong id or password: no retry until the
  // configuration changes. A server that failed its checks: 60 s. Any other drop: 10 s.
  double retry = why == LinkEnd::AuthRefused ? -1
                 : why == LinkEnd::ServerRejected || why == LinkEnd::InvalidMessage ? p_.retry_after_error
                                                                                     : p_.retry_after_drop;
  if (on_disconnect_hook) on_disconnect_hook(t, why, s.end_detail(), retry);
  if (retry < 0) return;
  clock_.at(t + retry, [this] {
    if (!s_) connect(clock_.now());
  });
}

void Car::run_updates(double from, double until) {
  until_ = until;
  if (ticking_) return;
  ticking_ = true;
  clock_.at(from, [this] { tick(clock_.now()); });
}

void Car::tick(double t) {
  if (t > until_) {
    ticking_ = false;
    return;
  }
  st_.advance(t, rng_, clock_.epoch());
  if (online()) {
    if (t >= next_update_) {
      full_update(t);
      next_update_ = t + update_period();
    } else if (peers_ > 0 && st_.car_on() && rng_.chance(0.5)) {
      // Important changes go out within a second while apps watch.
      send(t, {msg_status(st_, p_.units), msg_location(st_)});
    }
    if (p_.reconnects && t - last_rx_ >= p_.rx_timeout) {
      // timeout.rx without a line: v3 restarts its network connection.
      ClientLink* s = s_;
      s->close(t);
      on_closed(*s, t, LinkEnd::Silent);
    } else if (t - std::max(last_rx_, last_ping_) >= p_.rx_timeout - 60) {
      send(t, "A");  // timeout.rx - 60 s without a line from the server
      last_ping_ = t;
    }
  }
  // The firmware ticks every second; waking up every 10 s (or when the next update is due) is enough.
  double next = std::min(t + 10 + rng_.uniform(-0.05, 0.05), std::max(next_update_, t + 0.5));
  clock_.at(next, [this] { tick(clock_.now()); });
}

// At most 5 records per second; unacknowledged ones are sent again 10 s after the queue drained.
void Car::send_history(double t, bool resend) {
  if (!online()) {
    return;
  }
  if (resend) {
    if (++history_passes_ > 3) return;
    for (Record& r : history_)
      if (!r.acked) r.sent = false;
  }
  std::vector<std::string> batch;
  for (Record& r : history_) {
    if (batch.size() == 5) break;
    if (r.acked || r.sent) continue;
    r.sent = true;
    batch.push_back("h" + std::to_string(r.id) + "," + std::to_string(-static_cast<long>(t - r.created)) + "," + r.tail);
  }
  if (batch.empty()) {
    bool unacked = false;
    for (const Record& r : history_) unacked |= !r.acked;
    if (unacked) clock_.at(t + 10, [this] { send_history(clock_.now(), true); });
    return;
  }
  send(t, batch);
  clock_.at(t + 1, [this] { send_history(clock_.now(), false); });
}

}  // namespace ovms::sim
