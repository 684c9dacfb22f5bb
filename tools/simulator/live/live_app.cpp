// ovms-sim app: the app model (../app.h) on a real socket, printing what it receives as ovmsdump does.
#include <cstdio>

#include "../app.h"
#include "live_commands.h"
#include "live_common.h"
#include "ovms/json.h"
#include "ovms/present.h"

namespace ovms::sim::live {
namespace {

// One line per record, in ovmsdump's words: its text columns, or its JSON Lines object.
void print_record(const LineRecord& r, const ConnectionInfo& conn, bool json) {
  std::string line;
  if (json) {
    append_record_json(line, r, &conn);
  } else {
    using present::Column;
    const present::RecordView v = present::view_of(r);
    for (Column c : {Column::Time, Column::Conn, Column::Dir, Column::Role, Column::Vehicle}) {
      line += present::column_text(c, v);
      line += ' ';
    }
    line += present::headline(v);
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

std::optional<AppProfile> profile_of(const LiveOptions& o, const KeyStore& keys) {
  AppProfile p;
  p.vehicle_id = o.vehicle;
  p.type = o.batch ? 'B' : 'A';
  p.android = o.android;
  p.websocket = o.websocket;
  if (!o.account.empty()) {
    const Account* a = keys.find_account(o.account);
    if (!a) {
      say(o, "account " + o.account + " is not in the keys file " + o.keys_file);
      return std::nullopt;
    }
    p.scheme = 1;
    p.username = a->username;
    p.password = a->password;
    return p;
  }
  const VehicleKey* key = keys.find_vehicle(o.vehicle);
  if (!key || !key->server_password) {
    say(o, "vehicle " + o.vehicle + (key ? " has no server_password in " : " is not in the keys file ") + o.keys_file);
    return std::nullopt;
  }
  p.secret = *key->server_password;  // apps log in with the car's secret (§2.1)
  return p;
}

}  // namespace

int run_app(const LiveOptions& o) {
  auto keys = load_keys(o);
  if (!keys) return 2;
  auto profile = profile_of(o, *keys);
  if (!profile) return 2;
  ClientTarget target;
  TlsContext tls;
  if (!client_target(o, target, tls)) return 2;
  if (o.sessions > 1) return run_app_sessions(o, *keys, *profile, target);

  EventLoop loop;
  loop.stop_on_signals();
  LiveDialer dialer(loop, &*keys, target);
  Rng rng(seed_of(o));
  App app(ClientEnv{loop, dialer, 0}, *profile, rng.fork("app"));
  int status = 0;
  uint64_t messages = 0;

  // What the server sends, decoded by the link's ConnectionDecoder; what the app sends is not shown.
  dialer.on_new_link = [&](LiveClientLink& link) {
    link.record_hook = [&o, &loop, &messages, &link](const RecordPtr& r) {
      if (r->dir != Direction::ServerToClient || loop.stopping()) return;
      print_record(*r, link.info(), o.json);
      if (r->kind != LineKind::Message) return;
      const bool wanted = o.exit_on.size() == 1 && (r->msg.code == o.exit_on[0] || r->effective().code == o.exit_on[0]);
      if (wanted || (o.exit_after && ++messages >= o.exit_after)) loop.stop();
    };
  };
  const std::string who = (o.batch ? "batch client for " : "app for ") + o.vehicle;
  app.on_login_hook = [&](double) {
    say(o, who + " logged in to " + o.address + (o.send.empty() ? "" : "; sending " + std::to_string(o.send.size()) + " line(s)"));
  };
  app.on_closed_hook = [&](double, LinkEnd why, const std::string& detail) {
    say(o, std::string(link_end_text(why)) + (detail.empty() ? "" : ": " + detail));
    status = 1;
    loop.stop();
  };
  for (const std::string& line : o.send) app.send(loop.now(), line);  // sent once logged in

  say(o, "connecting to " + o.address + " as " + who + (o.tls ? " over TLS" : "") +
             (o.websocket ? " (WebSocket)" : "") + (o.account.empty() ? "" : " (scheme 1, account " + o.account + ")"));
  app.connect(loop.now());
  if (o.duration > 0) loop.at(o.duration, [&] { loop.stop(); });
  loop.run();
  return status;
}

}  // namespace ovms::sim::live
