// Rows of chosen fields, one per record, as tshark -T fields writes them: ovmsdump's -T fields with its
// -E options and the inspector's File › Export › Fields as CSV. One place for the layout (header,
// separator, quoting, several values of one field), so both write the same rows. Values come from
// FieldText (field_text.h). Part of ovms_filter.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ovms/field_text.h"
#include "ovms/record.h"

namespace ovms {

// tshark's -E options; the defaults are tshark's (tabs, no quotes, no header).
struct FieldRowFormat {
  bool header = false;           // -E header=y
  std::string separator = "\t";  // -E separator=/t|/s|<char>
  char quote = 0;                // -E quote=d|s|n: '"', '\'' or none
  std::string aggregator = ",";  // -E aggregator=<chars>: between several values of one field
  char occurrence = 'a';         // -E occurrence=f|l|a
};

// CSV as the inspector exports it: ovmsdump -T fields -E header=y -E separator=, -E quote=d.
FieldRowFormat csv_row_format();

class FieldRows {
 public:
  // `names` as the user wrote them (the header repeats them so, as tshark's does), resolved by
  // FieldText::resolve. On a bad name: nullopt with `error` naming it ("-e 'x': no field 'x'" is the
  // caller's wording; here: "no field 'x' (did you mean ...)").
  static std::optional<FieldRows> resolve(const std::vector<std::string>& names, const FieldRowFormat& format,
                                          std::string& error);
  FieldRows(std::vector<std::string> names, std::vector<FieldText> fields, FieldRowFormat format);

  // The header line (with its newline), or nothing when the format has none.
  void append_header(std::string& out) const;
  // One record's row, with its newline. A field without a value is left empty (and unquoted, as tshark).
  void append_row(std::string& out, const LineRecord& r) const;
  const FieldRowFormat& format() const { return format_; }

 private:
  void quoted(std::string& out, std::string_view value) const;

  std::vector<std::string> names_;
  std::vector<FieldText> fields_;
  FieldRowFormat format_;
};

}  // namespace ovms
