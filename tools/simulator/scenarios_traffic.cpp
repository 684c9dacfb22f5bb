// Scenarios about what flows once logged in: commands, history, notifications.
#include "car_messages.h"
#include "scenarios.h"

namespace ovms::sim {

void scenario_commands(Sim& sim, double t0) {
  const double d = duration(sim, 130);
  CarProfile p;
  p.vehicle_id = "CMDS";
  p.server_password = "commands-secret";
  p.module_password = "commands-module";
  p.vin = "SJNFAAZE1U6000707";
  p.stream_seconds = 5;
  p.home_lat = 47.376887;
  p.home_lon = 8.541694;
  KeyPolicy k = key_note("commands: C3 reveals both of these passwords");
  k.module_password = true;
  Car& car = add_car(sim, p, "owner8", k);
  // Two trips and a charge from yesterday, for C31/C32.
  const double e = kEpoch + t0;
  car.add_history(1001, t0 - 86400 + 8 * 3600, history_trip(e - 86400 + 7.5 * 3600, 28, 21.4, 81, 74.5, 47.37, 8.54));
  car.add_history(1002, t0 - 86400 + 18 * 3600, history_trip(e - 86400 + 17.4 * 3600, 35, 24.9, 74.5, 66, 47.41, 8.6));
  car.add_history(1003, t0 - 86400 + 23 * 3600, history_grid(e - 86400 + 19 * 3600, 230, 11.62, 66, 90));
  car.connect(t0 + 1);
  car.run_updates(t0 + 2, t0 + d);

  AppProfile a;
  a.vehicle_id = "CMDS";
  a.secret = p.server_password;
  App& app = add_app(sim, a);
  app.connect(t0 + 10);
  const char* commands[] = {
      "C1",       "C3",       "C7,stat", "C30",        "C31",        "C32,*-LOG-Trip", "C41,*100#",
      "C20,1234", "C20",      "C26,1",   "C10,1",      "C2,9,25",    "C40,+4915112345678,Hello from the app",
      "C49,AT+CSQ", "C200",   "C24",     "C7,location status",       "C99",
  };
  double t = t0 + 25;
  for (const char* c : commands) {
    std::string cmd = c;  // C99: unknown, answered c99,2
    sim.at(t, [&app, &sim, cmd] { app.send(sim.now(), cmd); });
    t += cmd == "C41,*100#" ? 2.5 : 4.5;  // the USSD reply arrives while the next command waits
  }
  app_script(sim, app, {{t0 + 112, "A"}});
  sim.at(t0 + 118, [&app, &sim] { app.disconnect(sim.now()); });
}

void scenario_history(Sim& sim, double t0) {
  const double d = duration(sim, 120);
  CarProfile p;
  p.vehicle_id = "HIST";
  p.server_password = "history-secret";
  p.vin = "SJNFAAZE1U6000808";
  p.home_lat = 52.370216;
  p.home_lon = 4.895168;
  Car& car = add_car(sim, p, "owner9", key_note("history: h records"));
  // Two days of trips and charges that were logged while the car was offline.
  Rng rng = sim.rng().fork("history");
  uint32_t ack = 7340;
  double soc = 88;
  for (int day = 2; day >= 1; --day) {
    for (int trip = 0; trip < 4; ++trip) {
      double start = t0 - day * 86400.0 + (7 + trip * 3.2) * 3600 + rng.uniform(0, 1800);
      double minutes = rng.uniform(12, 48), km = minutes * rng.uniform(0.45, 0.85);
      double soc_end = soc - km * 0.165 / 39.0 * 100;
      car.add_history(ack++, start + minutes * 60,
                      history_trip(kEpoch + start, minutes, km, soc, soc_end, p.home_lat + rng.uniform(-0.1, 0.1),
                                   p.home_lon + rng.uniform(-0.1, 0.1)));
      soc = soc_end;
    }
    double start = t0 - day * 86400.0 + 19.2 * 3600 + rng.uniform(0, 1200);
    double kwh = (90 - soc) / 100 * 39.0, minutes = kwh / 6.1 * 60;
    car.add_history(ack++, start + minutes * 60, history_grid(kEpoch + start, minutes, kwh / 0.92, soc, 90));
    soc = 90;
  }
  car.connect(t0 + 1);
  car.run_updates(t0 + 2, t0 + d);

  AppProfile a;
  a.vehicle_id = "HIST";
  a.secret = p.server_password;
  App& app = add_app(sim, a);
  app.connect(t0 + 30);
  app_script(sim, app, {
                           {t0 + 45, "C31"},
                           {t0 + 55, "C32,*-LOG-Grid"},
                           {t0 + 65, "C32,*-LOG-Trip,2025-12-31"},
                       });
  sim.at(t0 + 80, [&app, &sim] { app.disconnect(sim.now()); });
}

void scenario_notifications(Sim& sim, double t0) {
  const double d = duration(sim, 130);
  CarProfile p;
  p.vehicle_id = "NOTIFY";
  p.server_password = "notify-secret";
  p.vin = "SJNFAAZE1U6000909";
  p.home_lat = 48.856613;
  p.home_lon = 2.352222;
  Car& car = add_car(sim, p, "owner10", key_note("notifications: PI/PA/PE, push subscriptions"));
  // Raised while the car was offline: sent right after the login.
  car.notify(t0, "PA" + mp_encode("Vehicle alarm was triggered at 03:12, Paris"));
  car.connect(t0 + 1);
  car.run_updates(t0 + 2, t0 + d);

  Rng rng = sim.rng().fork("push");
  AppProfile android;
  android.vehicle_id = "NOTIFY";
  android.secret = p.server_password;
  android.android = true;
  App& droid = add_app(sim, android);
  droid.connect(t0 + 10);
  const std::string fcm = rng.token(11, true) + ":APA91b" + rng.token(134, true);
  sim.at(t0 + 12, [&droid, &sim, fcm, id = rng.hex(16), pw = p.server_password] {
    droid.send(sim.now(), "p" + id + ",gcm,production,NOTIFY," + pw + "," + fcm);
  });

  AppProfile ios;
  ios.vehicle_id = "NOTIFY";
  ios.secret = p.server_password;
  ios.welcome_rest = "car_leaf_pearlwhite";  // iOS appends the car image name
  App& iphone = add_app(sim, ios);
  iphone.connect(t0 + 14);
  sim.at(t0 + 16, [&iphone, &sim, id = rng.hex(32), key = rng.hex(64), pw = p.server_password] {
    iphone.send(sim.now(), "p" + id + ",apns,production,NOTIFY," + pw + "," + key);
  });

  sim.at(t0 + 40, [&car, &sim] {
    car.state().start_charging(sim.now());
    car.notify(sim.now(), "PI" + mp_encode("Charging started\nSOC: " + std::to_string(static_cast<int>(car.state().soc)) +
                                          "%, range 178km"));
  });
  sim.at(t0 + 70, [&car, &sim] { car.notify(sim.now(), "PA" + mp_encode("Vehicle is not locked")); });
  sim.at(t0 + 95, [&car, &sim] { car.notify(sim.now(), "PENL,21,0x01a4"); });
  app_script(sim, iphone, {{t0 + 110, "C6"}});
  sim.at(t0 + 118, [&iphone, &sim] { iphone.disconnect(sim.now()); });
  sim.at(t0 + 60, [&droid, &sim] { droid.disconnect(sim.now()); });
}

}  // namespace ovms::sim
