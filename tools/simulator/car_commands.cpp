#include "car_commands.h"

#include <cstdlib>

#include "car_messages.h"

namespace ovms::sim {
namespace {

std::string c(int cmd, const std::string& rest) { return "c" + std::to_string(cmd) + "," + rest; }

// The feature list of command 1: 8 stream, 9 minsoc, 14 carbits, 15 canwrite, the rest 0.
std::vector<std::string> feature_list(const CarProfile& p) {
  std::vector<std::string> lines;
  for (int k = 0; k < 32; ++k) {
    std::string v = "0";
    if (k == 8) v = std::to_string(p.stream_seconds);
    if (k == 9) v = std::to_string(p.minsoc);
    lines.push_back(c(1, "0," + std::to_string(k) + ",32," + v));
  }
  return lines;
}

// The parameter list of command 3 (v3 map; both passwords included, values not mp_encoded).
std::vector<std::string> parameter_list(const CarProfile& p) {
  std::vector<std::string> lines;
  for (int k = 0; k < 32; ++k) {
    std::string v;
    switch (k) {
      case 0: v = p.registered_phone; break;
      case 1: v = p.module_password; break;
      case 2: v = p.units == 'M' ? "M" : "K"; break;
      case 4: v = p.server_host; break;
      case 5: v = p.apn; break;
      case 8: v = p.vehicle_id; break;
      case 9: v = p.server_password; break;
      case 14: v = p.vehicle_type; break;
      case 22: v = "8.8.8.8 1.1.1.1"; break;
      case 23: v = p.timezone; break;
      default: break;
    }
    lines.push_back(c(3, "0," + std::to_string(k) + ",32," + v));
  }
  return lines;
}

// The v3 shell, for the few commands the scenarios send with C7.
std::string shell(const std::string& cmd, const CarProfile& p, const VehicleState& s) {
  if (cmd == "stat") return stat_text(s);
  if (cmd == "metrics list v.b.soc") {
    char buf[64];
    std::snprintf(buf, sizeof buf, "v.b.soc                                  %.1f%%\n", s.soc);
    return buf;
  }
  if (cmd == "server v2 status") return "Server: " + p.server_host + " port 6867\nStatus: OVMS V2 login successful, and crypto channel established\n";
  if (cmd == "location status") return "Currently at home, lat,lon " + std::to_string(s.lat) + "," + std::to_string(s.lon) + "\n";
  return "Unrecognised command\n";
}

}  // namespace

std::vector<CarReply> answer_command(const CarProfile& p, VehicleState& s, const std::string& data, double t,
                                     double epoch, Rng& rng) {
  const int cmd = std::atoi(data.c_str());
  const std::size_t comma = data.find(',');
  const bool has_arg = comma != std::string::npos;
  const std::string arg = has_arg ? data.substr(comma + 1) : std::string();
  const double quick = rng.uniform(0.02, 0.12);
  switch (cmd) {
    case 1: return {{quick, feature_list(p)}};
    case 2: return {{quick, {c(2, has_arg ? "0," : "1,Missing feature key")}}};
    case 3: return {{quick, parameter_list(p)}};
    case 4: return {{quick, {c(4, has_arg ? "0," : "1,Missing parameter key")}}};
    case 6: {
      // An ack, then the "stat" output as an info notification (§6.2).
      std::vector<CarReply> r{{quick, {"c6,0"}}};
      r.push_back({quick + rng.uniform(0.3, 0.8), {"PI" + mp_encode(stat_text(s))}});
      return r;
    }
    case 7:
      if (!has_arg) return {};  // "C7" alone crashes the module: nothing comes back
      return {{quick + rng.uniform(0.05, 0.3), {c(7, "0," + mp_encode(shell(arg, p, s)))}}};
    case 10:
      if (has_arg) s.charge_mode_key = std::atoi(arg.c_str());
      return {{quick, {c(10, has_arg ? "0" : "1")}}};
    case 11:
      if (!s.charging()) s.start_charging(t);
      return {{quick + 0.4, {c(11, "0")}}};
    case 12:
      if (s.charging()) s.stop_charging(t, epoch, "stopped");
      return {{quick + 0.4, {c(12, "0")}}};
    case 15: case 16: case 17: case 18: case 19: case 24: case 25:
      return {{quick + 0.2, {c(cmd, "0")}}};
    case 20: case 21: case 22: case 23: {
      if (!has_arg || arg.empty()) return {{quick, {c(cmd, "1")}}};  // no PIN
      if (cmd == 20) s.locked = true;
      if (cmd == 22) s.locked = false;
      if (cmd == 21) s.valet = true;
      if (cmd == 23) s.valet = false;
      return {{quick + 0.3, {c(cmd, "0")}}};
    }
    case 26:
      s.hvac = has_arg && std::atoi(arg.c_str()) != 0;
      return {{quick + 0.5, {c(26, "0")}}};
    case 40: return {{quick, {c(40, "2")}}};
    case 41: {
      // The modem takes the USSD code at once; the network's reply comes seconds later.
      if (!has_arg) return {{quick, {c(41, "1,No command")}}};
      return {{quick, {c(41, "0")}},
              {quick + rng.uniform(3.0, 6.0),
               {c(41, "0," + mp_encode("Your balance is 7,42 EUR.\nValid until 31.03.2026."))}}};
    }
    case 49: return {{quick + 0.2, {c(49, "0,+CSQ: " + std::to_string(s.signal_sq) + ",99")}}};
    default: return {{quick, {c(cmd, "2")}}};  // 200-210 on a vehicle without a handler, and the rest
  }
}

}  // namespace ovms::sim
