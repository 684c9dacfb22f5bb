// Formats decoded records as ovmsdump prints them (text or JSON Lines) and keeps the --stats counts.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>

#include "options.h"
#include "output.h"
#include "ovms/analyzer.h"
#include "ovms/record.h"
#include "stats.h"

class RecordWriter {
 public:
  RecordWriter(const DumpOptions& o, Output& out, Output& err) : o_(o), out_(out), err_(err) {}

  void record(const ovms::LineRecord& r, const ovms::ConnectionInfo* conn);
  void orphan(uint32_t conn, const ovms::Diagnostic& d);
  void flush() {
    out_.flush();
    err_.flush();
  }
  const Stats& stats() const { return stats_; }

 private:
  // Notes on where real code differs from the 2013 guides, and on why lines are not decrypted, repeat
  // on every connection or line: in text output each distinct one is printed once (--verbose prints
  // them all; JSON and --stats always count all).
  bool first_time(const ovms::Diagnostic& d);

  const DumpOptions& o_;
  Output& out_;
  Output& err_;
  Stats stats_;
  std::unordered_set<std::string> guide_notes_seen_;
};
