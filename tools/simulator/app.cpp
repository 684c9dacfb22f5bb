#include "app.h"

namespace ovms::sim {

App::App(Sim& sim, AppProfile profile, Rng rng)
    : sim_(sim), p_(std::move(profile)), rng_(rng), host_(sim.addresses().new_host(HostKind::App)) {}

OvmsSession& App::connect(double t) {
  SessionParams sp;
  sp.type = p_.type;
  sp.scheme = p_.scheme;
  sp.vehicle_id = p_.vehicle_id;
  sp.secret = p_.secret;
  sp.username = p_.username;
  sp.password = p_.password;
  sp.android = p_.android;
  sp.websocket = p_.websocket;
  sp.welcome_rest = p_.welcome_rest;
  sp.host_kind = HostKind::App;
  sp.host = host_;
  sp.rtt = p_.rtt;
  sp.think = rng_.uniform(0.01, 0.05);
  s_ = &sim_.make<OvmsSession>(sim_, sp, this, rng_.fork("session", rng_.next()));
  s_->open(t);
  return *s_;
}

void App::disconnect(double t) {
  if (s_) s_->close(kClient, t);
  s_ = nullptr;
}

void App::send(double t, const std::string& body) {
  if (!online()) {
    queued_.push_back(body);
    return;
  }
  s_->send(kClient, t, body);
}

void App::send_planned(double t, const std::string& body, const OvmsSession::SegmentPlan& plan) {
  if (online()) s_->send_planned(kClient, t, {body}, plan);
}

void App::ping_every(double period, double from, double until) {
  for (double t = from; t <= until; t += period)
    sim_.at(t, [this] {
      if (online()) send(sim_.now(), "A");
    });
}

void App::on_login(OvmsSession& s, double t) {
  if (&s != s_) return;
  for (const std::string& b : queued_) s_->send(kClient, t, b);
  queued_.clear();
  if (on_login_hook) on_login_hook(t);
}

void App::on_line(OvmsSession& s, double t, const std::string& body) {
  (void)t;
  (void)body;
  if (&s == s_) ++received_;
}

void App::on_closed(OvmsSession& s, double t) {
  (void)t;
  if (&s == s_) s_ = nullptr;
}

}  // namespace ovms::sim
