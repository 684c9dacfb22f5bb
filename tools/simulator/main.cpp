// ovms-sim: writes pcap captures of simulated OVMS v2 sessions, or runs a live server, car or app
// on real sockets. See README.md.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>

#include "frame_output.h"
#include "live/live_commands.h"
#include "options.h"
#include "scenarios.h"
#include "sim.h"
#include "world.h"

using namespace ovms::sim;

int main(int argc, char** argv) {
  // ovms-sim serve | car | app: live endpoints on real sockets (live/).
  if (argc >= 2 && (!std::strcmp(argv[1], "serve") || !std::strcmp(argv[1], "car") || !std::strcmp(argv[1], "app")))
    return live::live_main(argc - 1, argv + 1);
  int exit_code = 0;
  auto parsed = parse_options(argc, argv, exit_code);
  if (!parsed) return exit_code;
  const SimOptions& opt = *parsed;

  if (opt.scenario == "list") {
    for (const Scenario& s : scenarios()) std::printf("%-14s %s\n", s.name, s.summary);
    return 0;
  }
  const Scenario* scenario = find_scenario(opt.scenario);
  if (!scenario) {
    std::fprintf(stderr, "ovms-sim: unknown scenario '%s' (--scenario list shows them)\n", opt.scenario.c_str());
    return 2;
  }

  try {
    auto started = std::chrono::steady_clock::now();
    FrameOutput out(kEpoch);
    std::string error;
    if (!out.open(opt.out, opt.dlt, error)) {
      std::fprintf(stderr, "ovms-sim: %s\n", error.c_str());
      return 1;
    }
    World world(out);
    Sim sim(opt, world);
    scenario->run(sim, 0.0);
    world.run();
    if (!out.close(error)) {
      std::fprintf(stderr, "ovms-sim: %s\n", error.c_str());
      return 1;
    }
    if (!opt.keys_out.empty()) {
      std::string header = "OVMS Inspector keys file, written by ovms-sim (scenario " + opt.scenario +
                           ").\nIt holds secrets: keep it private.";
      if (!sim.keys().write(opt.keys_out, header, error)) {
        std::fprintf(stderr, "ovms-sim: %s\n", error.c_str());
        return 1;
      }
    }
    if (!opt.quiet) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr, "ovms-sim: %s: %llu frames, %llu protocol lines, %zu connections, %.1f s simulated, "
                           "%.2f s wall time -> %s\n",
                   opt.scenario.c_str(), static_cast<unsigned long long>(out.frames()),
                   static_cast<unsigned long long>(sim.lines()), world.connections(), world.now(), secs,
                   opt.out.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ovms-sim: %s\n", e.what());
    return 1;
  }
  return 0;
}
