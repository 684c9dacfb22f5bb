#include "car_messages.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace ovms::sim {
namespace {

std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// Default ostream formatting of a float metric (what v3's AsString gives without a precision).
std::string g(double v, double resolution = 0.1) {
  v = std::round(v / resolution) * resolution;
  if (v == 0) v = 0;  // no "-0"
  return fmt("%.6g", v);  // what `std::ostream << double` prints by default
}

std::string fixed(double v, int decimals) {
  double scale = std::pow(10.0, decimals);
  if (std::round(v * scale) == 0) v = 0;  // no "-0.00"
  return fmt("%.*f", decimals, v);
}

int substate_key(const std::string& s) {
  if (s == "scheduledstop") return 1;
  if (s == "scheduledstart") return 2;
  if (s == "onrequest") return 3;
  if (s == "timerwait") return 5;
  if (s == "powerwait") return 7;
  if (s == "stopped") return 13;
  if (s == "interrupted") return 14;
  return 0;
}

int state_key(const std::string& s) {
  if (s == "charging") return 1;
  if (s == "topoff") return 2;
  if (s == "done") return 4;
  if (s == "prepare") return 13;
  if (s == "timerwait") return 14;
  if (s == "heating") return 15;
  if (s == "stopped") return 21;
  return 0;
}

const char* mode_name(int key) {
  switch (key) {
    case 1: return "storage";
    case 3: return "range";
    case 4: return "performance";
    default: return "standard";
  }
}

double to_psi(double kpa) { return kpa * 0.1450377; }

}  // namespace

std::string mp_encode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ',') out += ';';
    else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;  // CRLF -> CR
    else if (c == '\n') out += '\r';
    else out += c;
  }
  return out;
}

std::string msg_status(const VehicleState& s, char units) {
  const bool charging = s.charging();
  const double km = units == 'M' ? 0.621371 : 1.0;
  const double power_in = charging ? s.charge_power_kw / 0.92 : 0;
  const double to_limit = charging ? (s.charge_limit_soc - s.soc) / 100.0 * s.capacity_kwh : 0;
  const int mins_soc = charging ? std::max(0, static_cast<int>(to_limit / s.charge_power_kw * 60)) : -1;
  const int mins_range = -1;  // no range limit set
  const int mins_full = charging ? static_cast<int>((100 - s.soc) / 100.0 * s.capacity_kwh / s.charge_power_kw * 60) : 0;
  const double range_speed = charging ? s.charge_power_kw / 0.165 * km : 0;
  const double bat_current = s.battery_power_kw() * 1000.0 / s.battery_voltage();  // < 0 charging
  std::string o = "S";
  o += fixed(s.soc, 1);                                            // 0
  o += ',' + std::string(1, units);                                // 1
  o += ',' + std::to_string(charging ? 230 : 0);                   // 2
  o += ',' + fixed(charging ? s.charge_power_kw / 0.92 * 1000 / 230 : 0, 2);  // 3
  o += ',' + s.charge_state;                                       // 4
  o += ',' + std::string(mode_name(s.charge_mode_key));            // 5
  o += ',' + std::to_string(static_cast<int>(s.ideal_range() * km));  // 6
  o += ',' + std::to_string(static_cast<int>(s.est_range() * km));    // 7
  o += ',' + std::to_string(s.charge_limit_amps);                  // 8
  o += ',' + std::to_string(static_cast<int>(s.charge_time));      // 9 (seconds)
  o += ",0";                                                       // 10 B4 byte
  o += ',' + std::to_string(static_cast<int>(s.charge_kwh * 10));  // 11
  o += ',' + std::to_string(substate_key(s.charge_substate));      // 12
  o += ',' + std::to_string(state_key(s.charge_state));            // 13
  o += ',' + std::to_string(s.charge_mode_key);                    // 14
  o += ",0,0,0";                                                   // 15 timer mode, 16 timer start, 17 stale
  o += ',' + fixed(s.cac_ah, 2);                                   // 18
  o += ',' + std::to_string(mins_full);                            // 19
  o += ',' + std::to_string(mins_range >= 0 && mins_range < mins_soc ? mins_range : mins_soc);  // 20
  o += ",0";                                                       // 21 range limit
  o += ',' + std::to_string(s.charge_limit_soc);                   // 22
  o += s.cooling ? ",0" : ",-1";                                   // 23
  o += ",0,0,0";                                                   // 24-26
  o += ',' + std::to_string(mins_range);                           // 27
  o += ',' + std::to_string(mins_soc);                             // 28
  o += ',' + std::to_string(static_cast<int>(s.full_range_km * km));  // 29
  o += ",0";                                                       // 30 plug type
  o += ',' + fixed(charging ? s.charge_power_kw : 0, 2);           // 31
  o += ',' + fixed(s.battery_voltage(), 2);                        // 32
  o += ',' + fixed(s.soh, 2);                                      // 33
  o += ',' + fixed(power_in, 2);                                   // 34
  o += ',' + fixed(charging ? 92.0 : 0, 2);                        // 35
  o += ',' + fixed(bat_current, 2);                                // 36
  o += ',' + fixed(range_speed, 1);                                // 37
  o += ',' + fixed(s.charge_kwh / 0.92, 1);                        // 38
  o += ',' + fixed(s.kwh_grid_total, 1);                           // 39
  o += ',' + fixed(s.capacity_kwh, 1);                             // 40
  o += ',' + (s.last_charge_end > 0 ? std::to_string(static_cast<long long>(s.last_charge_end)) : std::string("-1"));  // 41
  return o;
}

std::string msg_environment(const VehicleState& s, double t) {
  int doors1 = 0, doors2 = 0, doors3 = 0, doors4 = 0, doors5 = 0;
  if (s.charging()) doors1 |= 0x04 | 0x08 | 0x10;  // charge port, pilot, charging
  if (!s.car_on()) doors1 |= 0x40;                 // handbrake
  if (s.car_on()) doors1 |= 0x80;
  if (s.locked) doors2 |= 0x08;
  if (s.valet) doors2 |= 0x10;
  if (s.car_on() || s.charging()) doors3 |= 0x01;  // awake
  if (s.cooling) doors3 |= 0x02;
  if (s.alarm) doors4 |= 0x02;
  if (s.car_on() || s.charging()) doors5 |= 0x10;  // 12 V charging
  if (s.hvac) doors5 |= 0x80;
  const long park = s.mode == CarMode::Parked ? static_cast<long>(t - s.parked_since) : 0;
  std::string o = "D";
  o += std::to_string(doors1);
  o += ',' + std::to_string(doors2);
  o += s.locked ? ",4" : ",5";
  o += ',' + g(s.inverter_temp, 0.5);
  o += ',' + g(s.motor_temp, 0.5);
  o += ',' + g(s.bat_temp, 0.5);
  o += ',' + std::to_string(static_cast<long>(s.trip_km * 10));
  o += ',' + std::to_string(static_cast<long>(s.odometer_km * 10));
  o += ',' + g(s.speed, 0.1);
  o += ',' + std::to_string(std::max(0L, park));
  o += ',' + g(s.ambient, 0.5);
  o += ',' + std::to_string(doors3);
  o += ",1,1";  // temperatures and ambient fresh
  o += ',' + g(s.v12, 0.01);
  o += ',' + std::to_string(doors4);
  o += ',' + g(s.v12_ref, 0.01);
  o += ',' + std::to_string(doors5);
  o += ',' + g(s.charger_temp, 0.5);
  o += ',' + g(s.v12_current, 0.1);
  o += ',' + g(s.cabin, 0.5);
  return o;
}

std::string msg_location(const VehicleState& s) {
  const double power = s.battery_power_kw();
  std::string o = "L";
  o += fixed(s.lat, 6);
  o += ',' + fixed(s.lon, 6);
  o += ',' + g(s.heading, 1);
  o += ',' + g(s.altitude, 1);
  o += ",1,1";                                      // GPS lock, fresh
  o += ',' + fixed(s.speed, 1);
  o += ',' + std::to_string(static_cast<long>(s.trip_km * 10));
  o += fmt(",%x", s.car_on() ? 0x1 : 0x0);          // drive mode, hex
  o += ',' + fixed(power, 3);
  o += ',' + fixed(s.energy_used, 3);
  o += ',' + fixed(s.energy_recd, 3);
  o += ',' + g(s.car_on() ? power * 0.93 : 0, 0.1);  // inverter power
  o += ',' + g(s.car_on() ? 93.5 : 0, 0.1);          // inverter efficiency
  o += ",AA";
  o += ',' + std::to_string(s.satellites);
  o += ',' + fixed(s.satellites >= 8 ? 0.9 : 1.6, 1);
  o += ',' + g(s.speed, 1);
  o += ',' + std::to_string(s.satellites * 8 + 10);
  return o;
}

std::string msg_firmware(const VehicleState& s, const CarProfile& p, double epoch_now) {
  // Next service in about 8 months (an absolute time, §4.4 F #7).
  long service_time = static_cast<long>(epoch_now) / 86400 * 86400 + 240L * 86400;
  std::string o = "F";
  o += mp_encode(p.firmware);
  o += ',' + p.vin;
  o += ',' + std::to_string(s.signal_sq);
  o += ",0";
  o += ',' + p.vehicle_type;
  o += ',' + mp_encode(p.provider);
  o += ',' + std::to_string(15000 - static_cast<long>(s.odometer_km) % 15000);
  o += ',' + std::to_string(service_time);
  o += ',' + mp_encode(p.hardware);
  o += ',' + mp_encode("LTE,Online");
  return o;
}

std::string msg_tpms_legacy(const VehicleState& s) {
  // W: PSI, order FR, RR, FL, RL; temperatures <= 1 are sent as 1 (iOS display workaround).
  static const int order[4] = {1, 3, 0, 2};
  std::string o = "W";
  for (int k = 0; k < 4; ++k) {
    int w = order[k];
    if (k) o += ',';
    o += g(to_psi(s.tpms_kpa[w]), 0.1);
    o += ',' + (s.tpms_temp[w] <= 1 ? std::string("1") : g(s.tpms_temp[w], 0.1));
  }
  o += ",1";
  return o;
}

std::string msg_tpms(const VehicleState& s) {
  std::string o = "Y4,FL,FR,RL,RR,4";
  for (double p : s.tpms_kpa) o += ',' + fixed(p, 1);
  o += ",1,4";
  for (double t : s.tpms_temp) o += ',' + fixed(t, 1);
  o += ",1,0,-1,4";  // health: undefined; alerts: 4 values
  for (double p : s.tpms_kpa) o += p < 200 ? ",1" : ",0";
  o += ",1,0,-1";    // no sensor mapping
  return o;
}

std::string msg_generator(const VehicleState& s, double epoch_now) {
  // A V2G export session: ChaDeMo discharging into the house.
  const bool generating = !s.charging() && !s.car_on() && s.soc > 40;
  const double kw = generating ? 3.6 : 0;
  std::string o = "X";
  o += generating ? "1,1" : "0,0";
  o += generating ? ",396" : ",0";
  o += ',' + fixed(generating ? 9.1 : 0, 1);
  o += ',' + fixed(kw, 1);
  o += ',' + fixed(generating ? 94.5 : 0, 1);
  o += ",chademo";
  o += generating ? ",generating" : ",stopped";
  o += generating ? ",onrequest" : ",";
  o += ",standard";
  o += ",10.0,0.0,40";
  o += ',' + fixed(generating ? 1.8 : 0, 1);
  o += ',' + fixed(generating ? 1.7 : 0, 1);
  o += ',' + fixed(412.3, 1);
  o += generating ? ",1800" : ",0";
  o += ",0,0";
  o += generating ? ",290" : ",-1";
  o += ",-1";
  o += generating ? ",265" : ",-1";
  o += ',' + fixed(s.charger_temp, 1);
  o += ',' + (generating ? std::to_string(static_cast<long long>(epoch_now)) : std::string("-1"));
  return o;
}

std::string stat_text(const VehicleState& s) {
  std::string o;
  if (s.charging()) {
    o += fmt("Charging (%s)\n", mode_name(s.charge_mode_key));
    o += fmt("Full charge in %d:%02dh\n", static_cast<int>((100 - s.soc) / 100 * s.capacity_kwh / s.charge_power_kw),
             static_cast<int>(std::fmod((100 - s.soc) / 100 * s.capacity_kwh / s.charge_power_kw * 60, 60)));
  } else {
    o += "Not charging\n";
  }
  o += fmt("SOC: %.1f%%\n", s.soc);
  o += fmt("Ideal range: %dkm\n", static_cast<int>(s.ideal_range()));
  o += fmt("Est. range: %dkm\n", static_cast<int>(s.est_range()));
  o += fmt("ODO: %.1fkm\n", s.odometer_km);
  o += fmt("CAC: %.1fAh\n", s.cac_ah);
  o += fmt("SOH: %.0f%%\n", s.soh);
  return o;
}

std::string history_trip(double start_epoch, double minutes, double km, double soc_start, double soc_end, double lat,
                         double lon) {
  double used = km * 0.165 * 1.12, recd = km * 0.165 * 0.12;
  return fmt("*-LOG-Trip,1,86400,%lld,%lld,%.1f,%d,%.1f,%.1f,%.3f,%.3f,%.1f,%.6f,%.6f",
             static_cast<long long>(start_epoch), static_cast<long long>(start_epoch + minutes * 60), km,
             static_cast<int>(minutes * 60), soc_start, soc_end, used, recd, km / (minutes / 60.0), lat, lon);
}

std::string history_grid(double start_epoch, double minutes, double kwh, double soc_start, double soc_end) {
  return fmt("*-LOG-Grid,1,86400,%lld,%lld,%.2f,%.1f,%.1f,type2,standard",
             static_cast<long long>(start_epoch), static_cast<long long>(start_epoch + minutes * 60), kwh, soc_start,
             soc_end);
}

}  // namespace ovms::sim
