// ovmsdump's command line.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

struct DumpOptions {
  std::string read_file;            // -r (a file, a .gz file, or "-" for a stream on standard input)
  std::string interface;            // -i (capture live)
  bool list_interfaces = false;     // -D
  std::optional<std::string> keys;  // -k
  std::set<uint16_t> extra_ports;   // -p (added to 6867 and 6870)
  std::optional<std::string> display_filter;  // -Y (display_filter.h)
  bool json = false;
  bool stats = false;
  bool show_secrets = false;
  bool verbose = false;  // every guide-difference note, not only the first of each
  bool content_detection = true;
  bool progress = true;  // only shown when stderr is a terminal
};

// Parses argv. Returns nullopt after printing usage or an error to stderr; `exit_code` says which.
std::optional<DumpOptions> parse_options(int argc, char** argv, int& exit_code);
