// ovmsdump's command line: tcpdump's and tshark's options where they mean the same thing
// (getopt-style: -qc5 is -q -c 5, -vv counts twice).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ovms/field_rows.h"

enum class OutputFormat { Text, Json, Fields };
// -t: as tshark's -t (a: local time, ad: local date and time, u/ud: UTC, r: since the first line,
// e: epoch seconds). The default, ad, is tcpdump -tttt's.
enum class TimeFormat { Local, LocalDate, Utc, UtcDate, Relative, Epoch };

// -T fields: -e and -E as tshark has them (the layout, and its defaults, are the core's FieldRowFormat).
struct FieldsOptions : ovms::FieldRowFormat {
  std::vector<std::string> fields;
};

struct DumpOptions {
  std::string read_file;            // -r (a file, a .gz file, or "-" for a stream on standard input)
  std::string interface;            // -i (capture live)
  std::optional<std::string> capture_filter;  // -f (replaces the default BPF filter of -i)
  bool list_interfaces = false;     // -D
  std::optional<std::string> keys;  // -k
  std::set<uint16_t> extra_ports;   // -p (added to 6867 and 6870)
  std::optional<std::string> display_filter;  // -Y (display_filter.h)
  uint64_t count = 0;               // -c: stop after this many messages (0: no limit)
  OutputFormat format = OutputFormat::Text;
  bool json = false;                // format == Json (kept for the writers' brevity)
  FieldsOptions fields;
  TimeFormat time = TimeFormat::LocalDate;
  std::string write_file;           // -w: the frames of the printed messages, pcapng, keys beside
  bool quiet = false;               // -q: no per-message output
  bool line_buffered = false;       // -l: write each line as it is decoded
  bool stats = false;
  bool show_secrets = false;
  int verbose = 0;  // -v: frame numbers and addresses; -vv: also every repeated note
  bool content_detection = true;
  bool progress = true;  // only shown when stdout is not a terminal and stderr is
  int threads = 0;       // --threads: decoding threads (0: by the cores; 1: the one-thread path)
};

// Parses argv. Returns nullopt after printing usage, the version or an error; `exit_code` says which.
std::optional<DumpOptions> parse_options(int argc, char** argv, int& exit_code);
