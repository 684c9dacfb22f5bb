#include "app.h"

namespace ovms::sim {

App::App(ClientEnv env, AppProfile profile, Rng rng)
    : clock_(env.clock), dialer_(env.dialer), p_(std::move(profile)), rng_(rng), host_(env.host) {}

ClientLink& App::connect(double t) {
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
  s_ = &dialer_.dial(sp, *this, rng_.fork("session", rng_.next()), t);
  return *s_;
}

void App::disconnect(double t) {
  ClientLink* s = s_;
  s_ = nullptr;
  if (s) s->close(t);
}

void App::send(double t, const std::string& body) {
  if (!online()) {
    queued_.push_back(body);
    return;
  }
  s_->send(t, {body});
}

void App::send_planned(double t, const std::string& body, const OvmsSession::SegmentPlan& plan) {
  OvmsSession* session = online() ? s_->simulated() : nullptr;
  if (session) session->send_planned(kClient, t, {body}, plan);
}

void App::ping_every(double period, double from, double until) {
  for (double t = from; t <= until; t += period)
    clock_.at(t, [this] {
      if (online()) send(clock_.now(), "A");
    });
}

void App::on_login(ClientLink& s, double t) {
  if (&s != s_) return;
  for (const std::string& b : queued_) s_->send(t, {b});
  queued_.clear();
  if (on_login_hook) on_login_hook(t);
}

void App::on_line(ClientLink& s, double t, const std::string& body) {
  (void)t;
  (void)body;
  if (&s == s_) ++received_;
}

void App::on_closed(ClientLink& s, double t, LinkEnd why) {
  if (&s != s_) return;
  s_ = nullptr;
  if (on_closed_hook) on_closed_hook(t, why, s.end_detail());
}

}  // namespace ovms::sim
