// Command lines of the live endpoints: ovms-sim serve | car | app.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../server.h"

namespace ovms::sim::live {

struct LiveOptions {
  std::string command;      // "serve", "car" or "app"
  std::string address;      // serve: --listen; car, app: --connect (HOST:PORT)
  std::string keys_file;    // -k
  bool tls = false;
  std::string cert_file, key_file;  // serve --tls
  std::string ca_file;              // car, app --tls (empty: the system's CAs)
  std::string server_name;          // car, app --tls: the name to verify (default: the host)
  ServerTimeouts timeouts;          // serve
  std::string vehicle;              // car, app
  double duration = 0;              // car, app: stop after this many seconds (0: run on)
  uint64_t seed = 0;                // car, app: car data and tokens (0: random)
  // car
  bool paranoid = false;
  bool paranoid_v3 = false;         // cut EM lines as v3 firmware does (§5.3)
  bool autoprovision = false;
  double interval = 0;              // 0: the v3 defaults (60 s with apps, 600 s without)
  double rx_timeout = 960;
  double retry = -1;                // -1: the v3 delays (10 s, 60 s after a failed server check)
  // app
  bool websocket = false;
  bool json = false;
  bool android = false;
  bool batch = false;
  std::string account;              // scheme 1
  std::vector<std::string> send;
  uint64_t exit_after = 0;          // messages
  std::string exit_on;              // a message code that ends the app once received
  uint64_t sessions = 1;            // app: this many sessions in one process, each its own login and tokens
};

// argv[0] is the command ("serve", "car", "app"). On --help or an error returns nullopt with
// `exit_code` set (0 or 2).
std::optional<LiveOptions> parse_live_options(int argc, char** argv, int& exit_code);

}  // namespace ovms::sim::live
