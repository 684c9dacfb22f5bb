// ovmsdump's human-readable output: one line per message, diagnostics indented below it.
#pragma once

#include <string>

#include "ovms/analyzer.h"
#include "ovms/record.h"

void append_record_text(std::string& out, const ovms::LineRecord& r, bool show_secrets);
void append_diagnostic_text(std::string& out, const ovms::Diagnostic& d, const char* indent);
