// ovms-proxy --replay: one fresh session that replays a capture's messages by meaning (replay_session.h).
#pragma once

#include "options.h"

// Runs the replay inside the application's event loop; the exit status (0: every message went out
// and the server kept the connection; 1: it did not; 2: a bad capture or keys).
int run_replay(const ProxyOptions& o);
