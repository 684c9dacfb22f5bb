// The live commands of ovms-sim (real sockets): serve, car, app. Each returns the exit status.
#pragma once

#include "../app.h"
#include "live_link.h"
#include "live_options.h"
#include "ovms/keys.h"

namespace ovms::sim::live {

int run_serve(const LiveOptions& o);
int run_car(const LiveOptions& o);
int run_app(const LiveOptions& o);
// ovms-sim app --sessions N: N apps on one event loop (live_app_sessions.cpp).
int run_app_sessions(const LiveOptions& o, const KeyStore& keys, const AppProfile& profile, const ClientTarget& target);

// ovms-sim serve|car|app ...: argv[0] is the command.
int live_main(int argc, char** argv);

}  // namespace ovms::sim::live
