// Command-line options of ovms-sim.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ovms::sim {

struct SimOptions {
  std::string scenario;
  std::string out;
  uint64_t seed = 1;
  int cars = 0;           // 0: the scenario's default
  int apps = -1;          // -1: the scenario's default
  double duration = 0;    // seconds of simulated time; 0: the scenario's default
  uint64_t messages = 0;  // load: stop after this many protocol lines; 0: the scenario's default
  int dlt = 1;            // link type (DLT_EN10MB)
  bool ipv6 = false;
  std::string keys_out;
  bool quiet = false;
};

// Parses argv. On --help or an error returns nullopt with `exit_code` set (0 or 2).
std::optional<SimOptions> parse_options(int argc, char** argv, int& exit_code);

}  // namespace ovms::sim
