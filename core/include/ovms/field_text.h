// A field's values in a record as text, as tshark -T fields -e prints the plugin's field: ovmsdump's
// -T fields. Names resolve through the one naming table (field_names.h), exactly as -Y's do, and
// values are read as the filter reads them (core/filter/values.h). Part of ovms_filter.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ovms/record.h"

namespace ovms {

namespace filter {
struct FieldRef;
}

class FieldText {
 public:
  // `name` with or without "ovms.", or a short name ("vehicle", "frame"). On failure: nullopt with
  // `error` saying why (and the nearest name, if one is close).
  static std::optional<FieldText> resolve(std::string_view name, std::string& error);

  // Appends the values of the field in `r`: all of them joined by `aggregator` (occurrence 'a'), or
  // only the first ('f') or last ('l'). Nothing when the record has none. Integers in decimal, bit
  // fields in hex ("0x0c"), booleans 1 or 0 (as tshark 4.0), times as epoch seconds with nine digits.
  void append(std::string& out, const LineRecord& r, std::string_view aggregator = ",", char occurrence = 'a') const;
  const std::string& name() const;

 private:
  std::shared_ptr<const filter::FieldRef> ref_;
};

}  // namespace ovms
