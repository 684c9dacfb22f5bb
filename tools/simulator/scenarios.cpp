#include "scenarios.h"

#include "server.h"

namespace ovms::sim {

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> list = {
      {"basic", "a car (DEMO) logs in, sends F S D L W Y periodically; an app logs in, gets Z1, the replay and T, "
                "sends C1 (32 c1 lines), C6 (c6 + PI), C10 and pings",
       scenario_basic},
      {"paranoid", "two paranoid cars: PARA2 sends ET then full EM payloads (v2 PIC / documented), PARA3 is v3 "
                   "firmware whose EM lines are truncated; apps get the replay with ET and EM",
       scenario_paranoid},
      {"scheme1", "an app logs in with scheme 1 (account alice) and talks plain text without MP-0; a batch client "
                  "picks the first car with '*'",
       scenario_scheme1},
      {"autoprovision", "AP-C 0 <VIN> answered by AP-S with an ap_encrypt_record record, the car then logs in with "
                        "the provisioned secret; a second car gets AP-X",
       scenario_autoprovision},
      {"commands", "an app sends C1 C3 C7 C30 C31 C32 C41 C20 C22 C26 C10 C11 C12 C2 C4 C40 C49 C200 C24 C25, "
                   "each answered (by the car, or by the server for 30-32)",
       scenario_commands},
      {"history", "a car sends h records (at most 5 a second), the server acks each with h<ack>; an app reads "
                  "them back with C31/C32",
       scenario_history},
      {"notifications", "PI/PA/PE notifications from the car; push subscriptions p from an Android (gcm) and an "
                        "iOS (apns) app",
       scenario_notifications},
      {"wrong-secret", "a car whose keys-file password is wrong (after a login with an outdated password that the "
                       "server rejects without a word), and an app whose vehicle is not in the keys file",
       scenario_wrong_secret},
      {"android", "an Android app: LF-only line ends, a token without '/'", scenario_android},
      {"segmentation", "lines split over several segments, several lines per segment, exact and partial "
                       "retransmissions, out-of-order segments",
       scenario_segmentation},
      {"midstream", "the capture starts in the middle of a car's and an app's connections (no SYN, no welcome); "
                    "fresh connections that decode follow",
       scenario_midstream},
      {"websocket", "an app over the WebSocket variant: GET /apiv2 upgrade, one line per text frame (masked from "
                    "the client)",
       scenario_websocket},
      {"all", "every scenario above in one capture", scenario_all},
      {"load", "many cars and apps at once (--cars, --apps, --messages or --duration), for benchmarks", scenario_load},
  };
  return list;
}

const Scenario* find_scenario(const std::string& name) {
  for (const Scenario& s : scenarios())
    if (name == s.name) return &s;
  return nullptr;
}

Car& add_car(Sim& sim, const CarProfile& profile, const std::string& owner, const KeyPolicy& keys) {
  sim.server().add_vehicle(profile.vehicle_id, profile.server_password, owner);
  if (keys.write) {
    VehicleKey e;
    e.id = profile.vehicle_id;
    e.server_password = keys.wrong_password ? *keys.wrong_password : profile.server_password;
    if (keys.module_password) e.module_password = profile.module_password;
    if (keys.iccid) e.iccid = profile.iccid;
    if (keys.vin) e.vin = profile.vin;
    sim.keys().add_vehicle(e, keys.comment);
  }
  return sim.make<Car>(sim.client_env(HostKind::Car), profile, sim.rng().fork("car:" + profile.vehicle_id));
}

App& add_app(Sim& sim, const AppProfile& profile) {
  return sim.make<App>(sim.client_env(HostKind::App), profile, sim.rng().fork("app:" + profile.vehicle_id, sim.rng().next()));
}

void app_script(Sim& sim, App& app, std::initializer_list<std::pair<double, const char*>> lines) {
  for (const auto& [when, line] : lines) {
    std::string text = line;
    sim.at(when, [&app, &sim, text] { app.send(sim.now(), text); });
  }
}

double duration(Sim& sim, double default_seconds) {
  return sim.options().duration > 0 ? sim.options().duration : default_seconds;
}

void scenario_all(Sim& sim, double t0) {
  double offset = t0;
  for (const Scenario& s : scenarios()) {
    std::string name = s.name;
    if (name == "all" || name == "load") continue;
    s.run(sim, offset);
    offset += 2.0;
  }
}

}  // namespace ovms::sim
