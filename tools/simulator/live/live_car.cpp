// ovms-sim car: the car model (../car.h) on a real socket, reconnecting as v3 does.
#include <cmath>
#include <limits>

#include "../car.h"
#include "live_commands.h"
#include "live_common.h"

namespace ovms::sim::live {
namespace {

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

// The car's identity and configuration: the keys file entry for its secrets, the options for its
// timing.
std::optional<CarProfile> profile_of(const LiveOptions& o, const VehicleKey& key) {
  if (!key.server_password && !o.autoprovision) {
    say(o, "vehicle " + key.name() + " has no server_password in " + o.keys_file);
    return std::nullopt;
  }
  CarProfile p;
  p.vehicle_id = o.vehicle;
  p.server_password = key.server_password.value_or("");
  if (key.module_password) p.module_password = *key.module_password;
  if (key.vin) p.vin = *key.vin;
  if (key.iccid) p.iccid = *key.iccid;
  if (o.paranoid && !key.module_password) {
    say(o, "--paranoid needs a module_password for vehicle " + key.name() + " in " + o.keys_file);
    return std::nullopt;
  }
  if (o.autoprovision && (!key.vin || !key.iccid)) {
    say(o, "--autoprovision needs the vin and iccid of vehicle " + key.name() + " in " + o.keys_file);
    return std::nullopt;
  }
  p.paranoid = o.paranoid;
  p.v3_truncates_paranoid = o.paranoid_v3;
  if (o.interval > 0) p.update_connected = p.update_idle = o.interval;
  p.rx_timeout = o.rx_timeout;
  p.reconnects = true;
  if (o.retry > 0) p.retry_after_drop = p.retry_after_error = o.retry;
  return p;
}

}  // namespace

int run_car(const LiveOptions& o) {
  auto keys = load_keys(o);
  if (!keys) return 2;
  // An unprovisioned car may be known by its VIN alone.
  const VehicleKey* key = keys->find_vehicle(o.vehicle);
  if (!key && o.autoprovision) key = keys->find_by_vin(o.vehicle);
  if (!key) {
    say(o, "vehicle " + o.vehicle + " is not in the keys file " + o.keys_file);
    return 2;
  }
  auto profile = profile_of(o, *key);
  if (!profile) return 2;
  ClientTarget target;
  TlsContext tls;
  if (!client_target(o, target, tls)) return 2;

  EventLoop loop;
  loop.stop_on_signals();
  LiveDialer dialer(loop, &*keys, target);
  Rng rng(seed_of(o));
  Car car(ClientEnv{loop, dialer, 0}, *profile, rng.fork("car"));
  int status = 0;

  const std::string who = "car " + o.vehicle;
  car.on_login_hook = [&](double) {
    say(o, who + " logged in to " + o.address + (o.paranoid ? " (paranoid)" : "") + ": sent its status");
  };
  car.on_peers_hook = [&](double, int peers) { say(o, "Z" + std::to_string(peers) + ": " + std::to_string(peers) + " app(s) connected"); };
  car.on_command_hook = [&](double, const std::string& command) {
    // The number only: arguments can carry PINs and passwords (C4,9,<server password>).
    say(o, "command " + std::to_string(std::atoi(command.c_str())) + " from an app");
  };
  car.on_disconnect_hook = [&](double, LinkEnd why, const std::string& detail, double retry) {
    std::string what = link_end_text(why);
    if (!detail.empty()) what += ": " + detail;
    if (retry < 0) {
      // v3 raises server.v2.auth.failure and waits for a configuration change: so do we, by stopping.
      say(o, what + "; the v3 car stops retrying until its configuration changes");
      status = 1;
      loop.stop();
      return;
    }
    say(o, what + "; reconnecting in " + seconds_text(retry));
  };

  car.on_autoprovision_hook = [&](double, bool provisioned) {
    if (provisioned) {
      say(o, "auto-provisioned as vehicle " + car.profile().vehicle_id + "; logging in");
      return;
    }
    say(o, "the server has no auto-provisioning record for VIN " + car.profile().vin + " (or it did not check out)");
    status = 1;
    loop.stop();
  };

  say(o, "connecting to " + o.address + " as " + (o.autoprovision ? "an unprovisioned car (VIN " + profile->vin + ")" : who) +
             (o.tls ? " over TLS" : ""));
  if (o.autoprovision) {
    car.profile().vehicle_id.clear();
    car.profile().server_password.clear();
    car.autoprovision(loop.now(), 1);
  } else {
    car.connect(loop.now());
  }
  car.run_updates(loop.now() + 1, std::numeric_limits<double>::infinity());
  if (o.duration > 0) loop.at(o.duration, [&] { loop.stop(); });
  loop.run();
  if (status == 0) say(o, "stopped");
  return status;
}

}  // namespace ovms::sim::live
