// The live commands of ovms-sim (real sockets): serve, car, app. Each returns the exit status.
#pragma once

#include "live_options.h"

namespace ovms::sim::live {

int run_serve(const LiveOptions& o);
int run_car(const LiveOptions& o);
int run_app(const LiveOptions& o);

// ovms-sim serve|car|app ...: argv[0] is the command.
int live_main(int argc, char** argv);

}  // namespace ovms::sim::live
