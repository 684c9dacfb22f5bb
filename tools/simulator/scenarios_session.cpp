// Scenarios about logging in and the session layer: basic, paranoid, scheme1, autoprovision,
// wrong-secret, android.
#include "car_messages.h"
#include "ovms/protocol.h"
#include "scenarios.h"
#include "server.h"

namespace ovms::sim {

void scenario_basic(Sim& sim, double t0) {
  const double d = duration(sim, 300);
  CarProfile p;
  p.vehicle_id = "DEMO";
  p.legacy_tpms = true;
  p.server_password = "demo-secret-1";
  p.module_password = "demo-module-1";
  p.vin = "SJNFAAZE1U6000101";
  Car& car = add_car(sim, p, "alice", key_note("basic: the demo car"));
  car.connect(t0 + 0.5);
  car.run_updates(t0 + 1, t0 + d);
  // The car is plugged in a while later.
  sim.at(t0 + 140, [&car, &sim] { car.state().start_charging(sim.now()); });

  AppProfile a;
  a.vehicle_id = "DEMO";
  a.secret = p.server_password;
  App& app = add_app(sim, a);
  app.connect(t0 + 20);
  app_script(sim, app, {{t0 + 35, "C1"}, {t0 + 50, "C6"}, {t0 + 65, "C10,0"}});
  app.ping_every(60, t0 + 100, t0 + 160);
  sim.at(t0 + 165, [&app, &sim] { app.disconnect(sim.now()); });
}

void scenario_paranoid(Sim& sim, double t0) {
  const double d = duration(sim, 150);
  // PARA2: the documented algorithm (and the v2 PIC's): full EM payloads.
  CarProfile p2;
  p2.vehicle_id = "PARA2";
  p2.server_password = "paranoid-v2-secret";
  p2.module_password = "paranoid-v2-module";
  p2.vin = "SJNFAAZE1U6000202";
  p2.paranoid = true;
  p2.v3_truncates_paranoid = false;
  p2.home_lat = 48.137154;
  p2.home_lon = 11.576124;
  KeyPolicy k2 = key_note("paranoid: full EM payloads (v2 PIC, as documented)");
  k2.module_password = true;
  Car& c2 = add_car(sim, p2, "owner2", k2);
  // PARA3: v3 firmware, whose EM lines are cut to the original message's length (§5.3).
  CarProfile p3 = p2;
  p3.vehicle_id = "PARA3";
  p3.server_password = "paranoid-v3-secret";
  p3.module_password = "paranoid-v3-module";
  p3.vin = "SJNFAAZE1U6000303";
  p3.v3_truncates_paranoid = true;
  KeyPolicy k3 = key_note("paranoid: v3 firmware, EM lines truncated");
  k3.module_password = true;
  Car& c3 = add_car(sim, p3, "owner3", k3);

  c2.connect(t0 + 1);
  c2.run_updates(t0 + 2, t0 + d);
  c3.connect(t0 + 2);
  c3.run_updates(t0 + 3, t0 + d);

  // The apps connect after the cars reported: their replay holds ET once and the stored EM rows.
  AppProfile a2;
  a2.vehicle_id = "PARA2";
  a2.secret = p2.server_password;
  App& app2 = add_app(sim, a2);
  app2.connect(t0 + 15);
  app_script(sim, app2, {{t0 + 30, "C7,stat"}, {t0 + 45, "C6"}, {t0 + 60, "A"}});
  sim.at(t0 + 70, [&app2, &sim] { app2.disconnect(sim.now()); });

  AppProfile a3;
  a3.vehicle_id = "PARA3";
  a3.secret = p3.server_password;
  App& app3 = add_app(sim, a3);
  app3.connect(t0 + 20);
  app_script(sim, app3, {{t0 + 40, "C7,stat"}, {t0 + 55, "C6"}});
  sim.at(t0 + 65, [&app3, &sim] { app3.disconnect(sim.now()); });
  // The car reconnects (new ptoken: the server wipes the stored paranoid rows), a second app sees
  // the new token in its replay.
  sim.at(t0 + d * 0.5, [&c3, &sim] { c3.disconnect(sim.now()); });
  sim.at(t0 + d * 0.5 + 12, [&c3, &sim] { c3.connect(sim.now()); });
  App& app3b = add_app(sim, a3);
  app3b.connect(t0 + d * 0.5 + 40);
  sim.at(t0 + d * 0.5 + 60, [&app3b, &sim] { app3b.disconnect(sim.now()); });
}

void scenario_scheme1(Sim& sim, double t0) {
  const double d = duration(sim, 150);
  // alice owns DEMO (the basic scenario's car) and DEMO2; the server lists both in MP-S 1.
  sim.server().add_vehicle("DEMO", "demo-secret-1", "alice");
  sim.server().add_account("alice", "s3cret");
  sim.keys().add_account("alice", "s3cret");
  CarProfile p;
  p.vehicle_id = "DEMO2";
  p.server_password = "demo2-secret";
  p.vin = "SJNFAAZE1U6000404";
  p.v2g = true;  // a V2G unit: X lines
  p.home_lat = 50.110924;
  p.home_lon = 8.682127;
  Car& car = add_car(sim, p, "alice", key_note("scheme1: alice's second car (V2G)"));
  car.connect(t0 + 1);
  car.run_updates(t0 + 2, t0 + d);

  AppProfile a;
  a.vehicle_id = "DEMO2";
  a.scheme = 1;
  a.username = "alice";
  a.password = "s3cret";
  App& app = add_app(sim, a);
  app.connect(t0 + 10);
  app_script(sim, app, {{t0 + 25, "C1"}, {t0 + 40, "A"}, {t0 + 55, "C7,metrics list v.b.soc"}});
  sim.at(t0 + 80, [&app, &sim] { app.disconnect(sim.now()); });

  // A batch client that lets the server pick the first car ("*"), and reads the GPRS counters.
  AppProfile b = a;
  b.vehicle_id = "*";
  b.type = 'B';
  App& batch = add_app(sim, b);
  batch.connect(t0 + 60);
  app_script(sim, batch, {{t0 + 70, "C30"}});
  sim.at(t0 + 80, [&batch, &sim] { batch.disconnect(sim.now()); });
}

void scenario_autoprovision(Sim& sim, double t0) {
  const double d = duration(sim, 120);
  // The car knows only its VIN and its SIM's ICCID; the server holds a record made off-line
  // (ap_generate.pl) with the vehicle id and server password to use.
  CarProfile p;
  p.vehicle_id = "APDEMO";
  p.server_password = "ap-demo-secret";
  p.vin = "WVWZZZAAZLD000042";
  p.iccid = "8944500102198304826";
  p.home_lat = 53.551086;
  p.home_lon = 9.993682;
  Rng rng = sim.rng().fork("autoprovision");
  const std::string params = "- - K - ovms.example.com web.vodafone.de - - " + p.vehicle_id + " " + p.server_password;
  sim.server().add_ap_record(p.vin, make_ap_record(rng, p.iccid, params));
  KeyPolicy k = key_note("autoprovision: found by its VIN; the ICCID decrypts the AP record");
  k.iccid = k.vin = true;
  Car& car = add_car(sim, p, "owner4", k);
  // Before provisioning the car has neither id nor password.
  car.profile().vehicle_id.clear();
  car.profile().server_password.clear();
  car.autoprovision(t0 + 1, 3);
  car.run_updates(t0 + 6, t0 + d);

  // A car the server has no record for: AP-X.
  CarProfile q;
  q.vehicle_id = "";
  q.vin = "WVWZZZAAZLD999999";
  q.iccid = "8944500102198309999";
  Car& stranger = sim.make<Car>(sim.client_env(HostKind::Car), q, sim.rng().fork("car:unprovisioned"));
  stranger.autoprovision(t0 + 8, 3);
}

void scenario_wrong_secret(Sim& sim, double t0) {
  const double d = duration(sim, 90);
  CarProfile p;
  p.vehicle_id = "WRONGPW";
  p.server_password = "wrongpw-real-secret";
  p.vin = "SJNFAAZE1U6000505";
  p.home_lat = 51.339695;
  p.home_lon = 12.373075;
  KeyPolicy k = key_note("wrong-secret: this password is wrong on purpose");
  k.wrong_password = "not-the-real-secret";
  Car& car = add_car(sim, p, "owner5", k);
  // First with an outdated password: the server closes without a word. Then the right one.
  car.connect(t0 + 1, "wrongpw-old-secret");
  car.connect(t0 + 15);
  car.run_updates(t0 + 16, t0 + d);
  // An app whose vehicle is not in the keys file at all (its car is offline).
  sim.server().add_vehicle("STRANGER", "stranger-secret", "owner6");
  AppProfile s;
  s.vehicle_id = "STRANGER";
  s.secret = "stranger-secret";
  App& other = add_app(sim, s);
  other.connect(t0 + 40);
  app_script(sim, other, {{t0 + 60, "A"}});
  sim.at(t0 + 90, [&other, &sim] { other.disconnect(sim.now()); });
}

void scenario_android(Sim& sim, double t0) {
  const double d = duration(sim, 180);
  CarProfile p;
  p.vehicle_id = "DROID";
  p.server_password = "droid-secret";
  p.vin = "VF1AG000000000606";
  p.vehicle_type = "RZ2";  // Renault Zoe Ph2
  p.home_lat = 45.764043;
  p.home_lon = 4.835659;
  Car& car = add_car(sim, p, "owner7", key_note("android: the car of the Android app"));
  car.connect(t0 + 1);
  car.run_updates(t0 + 2, t0 + d);

  AppProfile a;
  a.vehicle_id = "DROID";
  a.secret = p.server_password;
  a.android = true;
  a.rtt = 0.09;
  App& app = add_app(sim, a);
  app.connect(t0 + 10);
  app_script(sim, app, {{t0 + 25, "C10,0"}, {t0 + 40, "C11"}, {t0 + 70, "A"}, {t0 + 100, "C12"}});
  sim.at(t0 + 130, [&app, &sim] { app.disconnect(sim.now()); });  // the app goes to the background
}

}  // namespace ovms::sim
