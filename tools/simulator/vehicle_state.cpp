#include "vehicle_state.h"

#include <algorithm>
#include <cmath>

namespace ovms::sim {
namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kWhPerKm = 0.165;
constexpr double kChargerEfficiency = 0.92;

double approach(double value, double target, double dt, double tau) {
  return target + (value - target) * std::exp(-dt / tau);
}
}  // namespace

double VehicleState::battery_power_kw() const {
  if (mode == CarMode::Charging) return -charge_power_kw;
  if (mode == CarMode::Driving) return speed * kWhPerKm * (speed > 60 ? 1.15 : 1.0) + 0.4;
  return hvac ? 1.2 : 0.0;
}

void VehicleState::start_driving(double t, double minutes) {
  if (mode == CarMode::Charging) stop_charging(t, 0, "stopped");
  mode = CarMode::Driving;
  locked = false;
  trip_km = 0;
  energy_used = energy_recd = 0;
  speed = 18;
  mode_until = t + minutes * 60;
}

void VehicleState::park(double t) {
  mode = CarMode::Parked;
  speed = 0;
  locked = true;
  parked_since = t;
}

void VehicleState::start_charging(double t) {
  if (mode == CarMode::Driving) park(t);
  mode = CarMode::Charging;
  charge_state = "charging";
  charge_substate = "onrequest";
  charge_kwh = 0;
  charge_time = 0;
  charge_power_kw = std::min(charge_limit_amps * 230.0 / 1000.0, 6.6) * kChargerEfficiency;
}

void VehicleState::stop_charging(double t, double epoch, const char* state) {
  (void)t;
  mode = CarMode::Parked;
  charge_state = state;
  charge_substate = std::string(state) == "done" ? "stopped" : "interrupted";
  charge_power_kw = 0;
  if (epoch > 0) last_charge_end = std::floor(epoch + t);
}

void VehicleState::advance(double t, Rng& rng, double epoch) {
  while (updated_at < t) {
    double dt = std::min(10.0, t - updated_at);
    updated_at += dt;
    const double now = updated_at;
    switch (mode) {
      case CarMode::Driving: {
        double target = rng.uniform(25, 95);
        speed = std::clamp(approach(speed, target, dt, 40) + rng.uniform(-3, 3), 0.0, 120.0);
        double km = speed * dt / 3600.0;
        odometer_km += km;
        trip_km += km;
        double kwh = km * kWhPerKm;
        double regen = kwh * rng.uniform(0.05, 0.2);
        energy_used += kwh;
        energy_recd += regen;
        soc = std::max(2.0, soc - (kwh - regen) / capacity_kwh * 100.0);
        heading = std::fmod(heading + rng.uniform(-12, 12) + 360.0, 360.0);
        lat += std::cos(heading * kPi / 180.0) * km / 111.2;
        lon += std::sin(heading * kPi / 180.0) * km / (111.2 * std::cos(lat * kPi / 180.0));
        altitude = std::clamp(altitude + rng.uniform(-1.5, 1.5), 20.0, 120.0);
        motor_temp = approach(motor_temp, 48, dt, 900);
        inverter_temp = approach(inverter_temp, 41, dt, 700);
        bat_temp = approach(bat_temp, 24, dt, 3000);
        cabin = approach(cabin, 21, dt, 400);
        if (autopilot && now >= mode_until) park(now);
        break;
      }
      case CarMode::Charging: {
        double kwh = charge_power_kw * dt / 3600.0;
        charge_kwh += kwh;
        kwh_grid_total += kwh / kChargerEfficiency;
        charge_time += dt;
        soc = std::min(100.0, soc + kwh / capacity_kwh * 100.0);
        bat_temp = approach(bat_temp, 27, dt, 2500);
        charger_temp = approach(charger_temp, 38, dt, 600);
        if (soc >= charge_limit_soc) stop_charging(now, epoch, "done");
        break;
      }
      case CarMode::Parked: {
        motor_temp = approach(motor_temp, ambient, dt, 1800);
        inverter_temp = approach(inverter_temp, ambient, dt, 1500);
        bat_temp = approach(bat_temp, ambient + 4, dt, 7200);
        cabin = approach(cabin, ambient + 2, dt, 1200);
        charger_temp = approach(charger_temp, ambient, dt, 1200);
        if (autopilot && now - parked_since > 900 && rng.chance(dt / 2400.0)) {
          if (soc < 45) start_charging(now);
          else start_driving(now, rng.uniform(6, 25));
        }
        break;
      }
    }
    ambient = std::clamp(ambient + rng.uniform(-0.05, 0.05), -5.0, 30.0);
    v12 = mode == CarMode::Parked ? approach(v12, 12.45, dt, 7200) : approach(v12, 14.1, dt, 60);
    v12_current = mode == CarMode::Parked ? 0.3 : 12.5;
    for (int w = 0; w < 4; ++w) {
      double hot = mode == CarMode::Driving ? 12.0 : 0.0;
      tpms_temp[w] = approach(tpms_temp[w], ambient + hot, dt, 600);
      tpms_kpa[w] = approach(tpms_kpa[w], 248.0 + w * 1.5 + hot * 0.9, dt, 600);
    }
    if (rng.chance(dt / 600.0)) signal_sq = std::clamp(signal_sq + rng.between(-3, 3), 8, 31);
  }
}

}  // namespace ovms::sim
