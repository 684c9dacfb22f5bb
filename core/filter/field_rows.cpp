#include "ovms/field_rows.h"

#include <utility>

namespace ovms {

FieldRowFormat csv_row_format() {
  FieldRowFormat f;
  f.header = true;
  f.separator = ",";
  f.quote = '"';
  return f;
}

std::optional<FieldRows> FieldRows::resolve(const std::vector<std::string>& names, const FieldRowFormat& format,
                                            std::string& error) {
  std::vector<FieldText> fields;
  for (const std::string& name : names) {
    auto f = FieldText::resolve(name, error);
    if (!f) return std::nullopt;
    fields.push_back(std::move(*f));
  }
  return FieldRows(names, std::move(fields), format);
}

FieldRows::FieldRows(std::vector<std::string> names, std::vector<FieldText> fields, FieldRowFormat format)
    : names_(std::move(names)), fields_(std::move(fields)), format_(std::move(format)) {}

void FieldRows::quoted(std::string& out, std::string_view value) const {
  if (format_.quote) out += format_.quote;
  out += value;
  if (format_.quote) out += format_.quote;
}

void FieldRows::append_header(std::string& out) const {
  if (!format_.header) return;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (i) out += format_.separator;
    quoted(out, names_[i]);  // as the user wrote it, as tshark does
  }
  out += '\n';
}

void FieldRows::append_row(std::string& out, const LineRecord& r) const {
  std::string value;
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (i) out += format_.separator;
    value.clear();
    fields_[i].append(value, r, format_.aggregator, format_.occurrence);
    if (!value.empty()) quoted(out, value);  // tshark quotes only fields that have a value
  }
  out += '\n';
}

}  // namespace ovms
