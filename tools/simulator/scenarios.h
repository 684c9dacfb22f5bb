// The scenarios: each sets up cars, apps and server records in a Sim and schedules what they do,
// starting at simulated time t0. "all" runs every scenario but load in one capture; the vehicle ids
// and secrets are fixed, so every scenario's keys agree with every other's.
#pragma once

#include <optional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "app.h"
#include "car.h"
#include "sim.h"

namespace ovms::sim {

struct Scenario {
  const char* name;
  const char* summary;
  void (*run)(Sim& sim, double t0);
};

const std::vector<Scenario>& scenarios();
const Scenario* find_scenario(const std::string& name);

// The scenarios (scenarios_session.cpp, scenarios_traffic.cpp, scenarios_transport.cpp,
// scenario_load.cpp).
void scenario_basic(Sim& sim, double t0);
void scenario_paranoid(Sim& sim, double t0);
void scenario_scheme1(Sim& sim, double t0);
void scenario_autoprovision(Sim& sim, double t0);
void scenario_wrong_secret(Sim& sim, double t0);
void scenario_android(Sim& sim, double t0);
void scenario_commands(Sim& sim, double t0);
void scenario_history(Sim& sim, double t0);
void scenario_notifications(Sim& sim, double t0);
void scenario_segmentation(Sim& sim, double t0);
void scenario_midstream(Sim& sim, double t0);
void scenario_websocket(Sim& sim, double t0);
void scenario_all(Sim& sim, double t0);
void scenario_load(Sim& sim, double t0);

// Helpers shared by the scenarios.

// What goes into the keys file for a car.
struct KeyPolicy {
  bool write = true;                          // false: the vehicle is not in the keys file
  std::optional<std::string> wrong_password;  // write this instead of the real server password
  bool module_password = false;
  bool iccid = false;
  bool vin = false;
  std::string comment;
};

inline KeyPolicy key_note(std::string comment) {
  KeyPolicy k;
  k.comment = std::move(comment);
  return k;
}

// A car registered with the server (owner `owner`) and, per `keys`, in the keys file.
Car& add_car(Sim& sim, const CarProfile& profile, const std::string& owner, const KeyPolicy& keys = {});
App& add_app(Sim& sim, const AppProfile& profile);

// What an app types, and when: each (time, line) becomes one scheduled send.
void app_script(Sim& sim, App& app, std::initializer_list<std::pair<double, const char*>> lines);
// The scenario's duration: --duration, or its default.
double duration(Sim& sim, double default_seconds);

}  // namespace ovms::sim
