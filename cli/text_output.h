// ovmsdump's human-readable output: one line per message, diagnostics indented below it.
#pragma once

#include <functional>
#include <string>

#include "ovms/analyzer.h"
#include "ovms/record.h"
#include "options.h"

// How text lines are laid out. The connection, role and vehicle columns widen to the longest seen so
// far, so long vehicle ids (and connection #100) keep the summary column in line.
struct TextLayout {
  TimeFormat time = TimeFormat::LocalDate;
  double first_ts = -1;       // for -t r: the first line's time
  bool frames_and_addresses = false;  // -v
  bool show_secrets = false;
  std::size_t conn_width = 4, role_width = 7, vehicle_width = 8;  // "#99 ", "server ", "DEMO    "
};

// `show` decides which diagnostics are printed (all when empty).
void append_record_text(std::string& out, const ovms::LineRecord& r, const ovms::ConnectionInfo* conn,
                        TextLayout& layout, const std::function<bool(const ovms::Diagnostic&)>& show = {});
void append_diagnostic_text(std::string& out, const ovms::Diagnostic& d, const char* indent);
