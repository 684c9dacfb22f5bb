// Who a simulated car is: identity, secrets, firmware flavour and configuration.
#pragma once

#include <string>

namespace ovms::sim {

struct CarProfile {
  std::string vehicle_id;
  std::string server_password;        // "password server.v2": the session secret
  std::string module_password;        // "password module": the paranoid secret (and C3 #1)
  std::string vin = "SJNFAAZE0U6000001";
  std::string iccid = "8949226000012345678";
  std::string vehicle_type = "NL";    // NL Nissan Leaf, RT Renault Twizy, TR Tesla Roadster, ...
  std::string firmware = "3.3.005-21-g1aa1daf/ota_1/main (build idf v3.3.4-849-g6e214dc335 Dec 18 2025 16:02:11)";
  std::string hardware = "OVMS WIFI BLE BT cores=2 rev=ESP32/3; MODEM SIM7600";
  std::string provider = "Vodafone.de";
  std::string registered_phone = "+4915112345678";
  std::string server_host = "ovms.example.com";
  std::string apn = "web.vodafone.de";
  std::string timezone = "CET-1CEST,M3.5.0,M10.5.0/3";
  char units = 'K';

  bool paranoid = false;              // server.v2 paranoid = yes
  bool v3_truncates_paranoid = true;  // v3 cuts EM lines (§5.3); false: the v2 PIC's full payload
  bool v2g = false;                   // has a generator / V2G unit: sends X
  bool legacy_tpms = false;           // also sends W (TPMS for old iOS apps) besides Y
  int stream_seconds = 0;             // feature 8, "vehicle stream"

  // Timing (server.v2 settings), in seconds.
  double update_connected = 60;       // updatetime.connected: full set while apps are connected
  double update_idle = 600;           // updatetime.idle: full set without apps
  double rx_timeout = 960;            // timeout.rx: pings after rx_timeout - 60 s of silence
  // Reconnects as v3 does (§1.5, §2.5): after a drop, after a server that failed its checks, and
  // after rx_timeout without a line. The scenarios script their connections instead (false).
  bool reconnects = false;
  double retry_after_drop = 10;
  double retry_after_error = 60;
  int minsoc = 20;                    // feature 9
  double rtt = 0.16;                  // cellular round trip
  double home_lat = 52.520008;
  double home_lon = 13.404954;
};

}  // namespace ovms::sim
