// ovmsdump -Y FILTER: only the lines a display filter selects (docs/filters.md) are printed and
// counted. Diagnostics that belong to no line (a key never used, a gap at the very end) are not lines:
// with -Y they are left out too.
#pragma once

#include <optional>
#include <string>

#include "ovms/filter.h"
#include "ovms/record.h"

// Compiles -Y's text. A bad filter prints "ovmsdump: -Y: column N: <what>" and gives nullopt.
std::optional<ovms::DisplayFilter> compile_display_filter(const std::string& text);

// Hands `next` the records `filter` selects.
class FilteringSink : public ovms::RecordSink {
 public:
  FilteringSink(const ovms::DisplayFilter& filter, ovms::RecordSink& next) : filter_(filter), next_(next) {}
  void on_record(const ovms::RecordPtr& r) override {
    if (filter_.matches(*r)) next_.on_record(r);
  }
  void on_response_link(uint64_t request_id, uint64_t response_id, uint64_t response_frame) override {
    next_.on_response_link(request_id, response_id, response_frame);
  }
  void on_orphan_diagnostic(uint32_t, const ovms::Diagnostic&) override {}

 private:
  const ovms::DisplayFilter& filter_;
  ovms::RecordSink& next_;
};
