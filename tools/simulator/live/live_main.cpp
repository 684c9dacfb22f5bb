#include <cstdio>
#include <exception>

#include "live_commands.h"

namespace ovms::sim::live {

int live_main(int argc, char** argv) {
  int exit_code = 0;
  auto options = parse_live_options(argc, argv, exit_code);
  if (!options) return exit_code;
  try {
    if (options->command == "serve") return run_serve(*options);
    if (options->command == "car") return run_car(*options);
    return run_app(*options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ovms-sim %s: %s\n", options->command.c_str(), e.what());
    return 1;
  }
}

}  // namespace ovms::sim::live
