// Formats decoded records as ovmsdump prints them (text, JSON Lines or -T fields) and keeps the
// --stats counts.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "options.h"
#include "output.h"
#include "ovms/analyzer.h"
#include "ovms/field_rows.h"
#include "ovms/field_text.h"
#include "ovms/record.h"
#include "stats.h"
#include "text_output.h"

class RecordWriter {
 public:
  // `fields`: the resolved -e names (for -T fields).
  RecordWriter(const DumpOptions& o, Output& out, Output& err, std::vector<ovms::FieldText> fields = {});

  void record(const ovms::LineRecord& r, const ovms::ConnectionInfo* conn);
  void orphan(uint32_t conn, const ovms::Diagnostic& d);
  void flush() {
    out_.flush();
    err_.flush();
  }
  const Stats& stats() const { return stats_; }

 private:
  // Notes on where real code differs from the 2013 guides, and on why lines are not decrypted, repeat
  // on every connection or line: in text output each distinct one is printed once (-vv prints
  // them all; JSON and --stats always count all).
  bool first_time(const ovms::Diagnostic& d);
  void fields_line(const ovms::LineRecord& r);

  const DumpOptions& o_;
  Output& out_;
  Output& err_;
  ovms::FieldRows rows_;  // -T fields: the -e names in the -E layout
  bool header_written_ = false;
  TextLayout layout_;
  Stats stats_;
  std::unordered_set<std::string> guide_notes_seen_;
};
