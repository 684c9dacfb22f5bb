// The physical state of a simulated car, advanced through simulated time: parked, driving around
// its home, or charging. The message generators (car_messages.h) read it.
#pragma once

#include <string>

#include "rng.h"

namespace ovms::sim {

enum class CarMode { Parked, Driving, Charging };

struct VehicleState {
  // Battery and charging configuration.
  double capacity_kwh = 39.0;   // usable
  double cac_ah = 112.4;
  double soh = 95.8;
  double full_range_km = 265;
  int charge_limit_soc = 90;
  int charge_limit_amps = 32;
  int charge_mode_key = 0;      // 0 standard, 1 storage, 3 range, 4 performance

  // Dynamic values.
  CarMode mode = CarMode::Parked;
  std::string charge_state = "stopped";  // charging, topoff, done, stopped, ...
  std::string charge_substate = "";      // onrequest, stopped, interrupted, ...
  double soc = 72.5;
  double odometer_km = 23456.7;
  double trip_km = 0;
  double lat = 52.520008, lon = 13.404954, heading = 90, altitude = 34;
  double speed = 0;  // km/h
  double bat_temp = 14, motor_temp = 12, inverter_temp = 12, ambient = 7.5, cabin = 11, charger_temp = 10;
  double v12 = 12.62, v12_ref = 12.6, v12_current = 0.3;
  double energy_used = 0, energy_recd = 0;  // kWh, this trip
  double charge_kwh = 0, charge_time = 0;   // this charge (kWh into the battery, seconds)
  double kwh_grid_total = 3456.7;
  double charge_power_kw = 0;               // into the battery
  double last_charge_end = -1;              // epoch seconds, -1: unknown
  double parked_since = 0;                  // simulated time
  double mode_until = 0;                    // when the current drive or idle spell may end
  bool locked = true, hvac = false, cooling = false, alarm = false, valet = false;
  double tpms_kpa[4] = {251.5, 253.0, 248.5, 249.5};  // FL FR RL RR
  double tpms_temp[4] = {9.5, 10.0, 9.0, 9.5};
  int signal_sq = 19;
  int satellites = 9;
  double updated_at = 0;                    // simulated time of the last advance
  bool autopilot = true;                    // pick drives and charges by itself

  // Moves the state forward to simulated time t.
  void advance(double t, Rng& rng, double epoch);
  void start_driving(double t, double minutes);
  void park(double t);
  void start_charging(double t);
  void stop_charging(double t, double epoch, const char* state);

  double ideal_range() const { return full_range_km * soc / 100.0 * 1.06; }
  double est_range() const { return ideal_range() * 0.87; }
  double battery_voltage() const { return 320.0 + soc * 0.78; }
  double battery_power_kw() const;  // positive: discharging
  bool car_on() const { return mode == CarMode::Driving; }
  bool charging() const { return mode == CarMode::Charging; }
};

}  // namespace ovms::sim
