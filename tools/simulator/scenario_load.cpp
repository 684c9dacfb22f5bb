// The load scenario: many cars and apps at once, interleaved, for benchmarks. Each car sends one
// message every few seconds (S, D, L, Y in turn, a full set now and then); the server relays them
// with T0 to the apps watching that car. Stops after --messages protocol lines or --duration.
#include <cstdio>
#include <limits>

#include "car_messages.h"
#include "scenarios.h"

namespace ovms::sim {
namespace {

struct LoadPlan {
  uint64_t budget;
  double end;
  double interval;
};

void car_loop(Sim& sim, Car& car, const LoadPlan& plan, Rng& rng, unsigned turn) {
  const double t = sim.now();
  if (sim.lines() >= plan.budget || t > plan.end) return;
  if (car.online()) {
    VehicleState& st = car.state();
    st.advance(t, rng, kEpoch);
    switch (turn % 8) {
      case 0: case 4: car.send(t, msg_status(st, 'K')); break;
      case 1: case 5: car.send(t, msg_location(st)); break;
      case 2: case 6: car.send(t, msg_environment(st, t)); break;
      case 3: car.send(t, msg_tpms(st)); break;
      default: car.full_update(t); break;
    }
  }
  sim.at(t + plan.interval * rng.uniform(0.8, 1.2), [&sim, &car, &plan, &rng, turn] {
    car_loop(sim, car, plan, rng, turn + 1);
  });
}

void ping_loop(Sim& sim, App& app, const LoadPlan& plan) {
  if (sim.lines() >= plan.budget || sim.now() > plan.end) return;
  if (app.online()) app.send(sim.now(), "A");
  sim.at(sim.now() + 300, [&sim, &app, &plan] { ping_loop(sim, app, plan); });
}

}  // namespace

void scenario_load(Sim& sim, double t0) {
  const SimOptions& o = sim.options();
  const int n_cars = o.cars > 0 ? o.cars : 100;
  const int n_apps = o.apps >= 0 ? o.apps : n_cars / 10;
  auto& plan = sim.make<ActorValue<LoadPlan>>();
  plan.value.budget = o.messages > 0 ? o.messages : (o.duration > 0 ? std::numeric_limits<uint64_t>::max() : 100000);
  plan.value.end = o.duration > 0 ? t0 + o.duration : std::numeric_limits<double>::infinity();
  plan.value.interval = 5.0;
  auto& rng = sim.make<ActorValue<Rng>>(sim.rng().fork("load"));

  std::vector<Car*> cars;
  const double ramp = std::min(30.0, 0.02 * n_cars);
  for (int i = 0; i < n_cars; ++i) {
    char id[16], pw[32];
    std::snprintf(id, sizeof id, "LOAD%05d", i);
    std::snprintf(pw, sizeof pw, "load-secret-%05d", i);
    CarProfile p;
    p.vehicle_id = id;
    p.server_password = pw;
    p.vin = "SJNFAAZE1U6" + std::string(id).substr(4) + "0";
    p.rtt = rng.value.uniform(0.08, 0.4);
    p.home_lat = 48 + rng.value.uniform(-4, 6);
    p.home_lon = 9 + rng.value.uniform(-5, 8);
    Car& car = add_car(sim, p, "fleet", key_note(i == 0 ? "load: the fleet" : ""));
    double start = t0 + ramp * i / n_cars;
    car.connect(start);
    sim.at(start + 3 + rng.value.uniform(0, plan.value.interval),
           [&sim, &car, &plan, &rng] { car_loop(sim, car, plan.value, rng.value, 0); });
    cars.push_back(&car);
  }
  for (int j = 0; j < n_apps && !cars.empty(); ++j) {
    const CarProfile& cp = cars[static_cast<std::size_t>(j) % cars.size()]->profile();
    AppProfile a;
    a.vehicle_id = cp.vehicle_id;
    a.secret = cp.server_password;
    a.android = j % 3 == 1;
    a.rtt = rng.value.uniform(0.03, 0.2);
    App& app = add_app(sim, a);
    app.connect(t0 + ramp + 1 + rng.value.uniform(0, ramp + 1));
    // Pings every 5 minutes, as long as the budget lasts.
    sim.at(t0 + 300 + rng.value.uniform(0, 60), [&sim, &app, &plan] { ping_loop(sim, app, plan.value); });
  }
}

}  // namespace ovms::sim
