#include "display_filter.h"

#include <cstdio>

std::optional<ovms::DisplayFilter> compile_display_filter(const std::string& text) {
  ovms::FilterError error;
  auto filter = ovms::DisplayFilter::compile(text, error);
  if (!filter) std::fprintf(stderr, "ovmsdump: -Y: column %zu: %s\n", error.column, error.message.c_str());
  return filter;
}
