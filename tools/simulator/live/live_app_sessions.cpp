// ovms-sim app --sessions N: N app models on one event loop, each with its own connection, login and
// tokens (a fork of the seed per session), so that a test can hold 1,000 sessions open against a
// proxy or a server without 1,000 processes. Nothing is printed per line: one summary at the end.
#include <cstdio>
#include <memory>
#include <vector>

#include "live_commands.h"
#include "live_common.h"

namespace ovms::sim::live {
namespace {

// Sessions are opened this far apart, so that a burst of connects does not overflow a listen
// backlog (a dropped SYN is retried only a second later).
constexpr double kOpenSpacing = 0.001;

struct Tally {
  bool logged_in = false;
  bool got_s = false;
  bool ended = false;  // refused or dropped before the S
};

}  // namespace

int run_app_sessions(const LiveOptions& o, const KeyStore& keys, const AppProfile& profile, const ClientTarget& target) {
  raise_descriptor_limit();
  EventLoop loop;
  loop.stop_on_signals();
  LiveDialer dialer(loop, &keys, target);
  Rng rng(seed_of(o));
  const std::size_t n = static_cast<std::size_t>(o.sessions);
  std::vector<Tally> tally(n);
  std::vector<std::unique_ptr<App>> apps;
  std::size_t settled = 0;  // sessions with their S, or ended without it
  auto settle = [&] {
    if (++settled == n) loop.stop();
  };

  std::size_t dialing = 0;  // the session whose connect() is running: its link is the next new one
  dialer.on_new_link = [&](LiveClientLink& link) {
    Tally* t = &tally[dialing];
    link.record_hook = [t, &settle](const RecordPtr& r) {
      if (r->dir != Direction::ServerToClient || r->kind != LineKind::Message || t->got_s || t->ended) return;
      if (r->msg.code == 'S' || r->effective().code == 'S') {
        t->got_s = true;
        settle();
      }
    };
  };
  for (std::size_t i = 0; i < n; ++i) {
    apps.push_back(std::make_unique<App>(ClientEnv{loop, dialer, 0}, profile, rng.fork("app", i)));
    App& app = *apps.back();
    Tally* t = &tally[i];
    app.on_login_hook = [t](double) { t->logged_in = true; };
    app.on_closed_hook = [t, &settle](double, LinkEnd, const std::string&) {
      if (t->got_s || t->ended) return;
      t->ended = true;
      settle();
    };
    for (const std::string& line : o.send) app.send(loop.now(), line);
    loop.at(loop.now() + kOpenSpacing * static_cast<double>(i), [&, i] {
      dialing = i;
      apps[i]->connect(loop.now());
    });
  }
  say(o, "connecting " + std::to_string(n) + " sessions to " + o.address + " as apps for " + o.vehicle +
             (o.tls ? " over TLS" : "") + (o.websocket ? " (WebSocket)" : ""));
  if (o.duration > 0) loop.at(o.duration, [&] { loop.stop(); });
  loop.run();

  std::size_t logged_in = 0, got_s = 0;
  for (const Tally& t : tally) {
    logged_in += t.logged_in;
    got_s += t.got_s;
  }
  std::printf("%zu sessions: %zu logged in, %zu got the car's S\n", n, logged_in, got_s);
  std::fflush(stdout);
  return got_s == n ? 0 : 1;
}

}  // namespace ovms::sim::live
