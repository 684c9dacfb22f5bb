// Where ovmsdump's packets come from: a capture file or stream (-r), a live interface (-i); the
// interface list (-D); and Ctrl-C, which ends reading cleanly so that what was decoded is written.
#pragma once

#include <memory>
#include <string>

#include "options.h"
#include "ovms/packet_source.h"

// Opens -r or -i. On failure returns nullptr with `error` (a whole message, hint included).
std::unique_ptr<ovms::PacketSource> open_source(const DumpOptions& o, std::string& error);

// -D: prints the interfaces as "1. lo (description) [Up, Running, Loopback]"; returns the exit status.
int print_interfaces();

// While alive, SIGINT and SIGTERM ask `source` to stop (a second one ends the program at once).
class StopOnSignals {
 public:
  explicit StopOnSignals(ovms::PacketSource& source);
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;
};
