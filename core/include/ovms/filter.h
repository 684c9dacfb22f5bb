// Display filters: Wireshark's filter language over our records, with the plugin's field names
// (ovms/field_names.h), so `ovmsdump -Y F`, the inspector's filter bar and `tshark -Y F` select the same
// lines. The language is described in docs/filters.md.
//
//   auto f = ovms::DisplayFilter::compile("status.soc < 20 && vehicle == \"DEMO\"", error);
//   if (!f) report(error.column, error.message);
//   else for (const LineRecord& r : records) if (f->matches(r)) show(r);
//
// compile() resolves every name and converts every literal once; matches() only reads the record. A
// compiled filter is immutable: copies share it, and several threads may call matches() at once.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ovms/record.h"

namespace ovms {

struct FilterError {
  std::size_t column = 0;  // 1-based, in characters of the filter text
  std::string message;     // what is wrong and what was expected there
};

namespace filter {
struct Node;
}

class DisplayFilter {
 public:
  // An empty (or all-blank) text compiles to a filter that selects everything.
  static std::optional<DisplayFilter> compile(std::string_view text, FilterError& error);

  bool matches(const LineRecord& record) const;
  const std::string& text() const { return *text_; }

 private:
  DisplayFilter(std::shared_ptr<const filter::Node> root, std::string text);
  std::shared_ptr<const filter::Node> root_;
  std::shared_ptr<const std::string> text_;
};

}  // namespace ovms
