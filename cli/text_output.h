// ovmsdump's human-readable output: one line per message, diagnostics indented below it.
#pragma once

#include <functional>
#include <string>

#include "ovms/analyzer.h"
#include "ovms/record.h"

// `show` decides which diagnostics are printed (all when empty).
void append_record_text(std::string& out, const ovms::LineRecord& r, bool show_secrets,
                        const std::function<bool(const ovms::Diagnostic&)>& show = {});
void append_diagnostic_text(std::string& out, const ovms::Diagnostic& d, const char* indent);
