#include "ovms/field_text.h"

#include <cstdio>

#include "ovms/field_names.h"
#include "values.h"

namespace ovms {

std::optional<FieldText> FieldText::resolve(std::string_view name, std::string& error) {
  const FieldName* n = find_field_name(name);
  if (!n) {
    error = "no field '" + std::string(name) + "'";
    const std::string near = nearest_field_name(name);
    if (!near.empty()) error += " (did you mean '" + near + "'?)";
    return std::nullopt;
  }
  if (n->scope == NameScope::Segment || n->scope == NameScope::TwoPass) {
    error = "'" + std::string(name) + "' is known only to Wireshark (it needs TCP segments or a second pass)";
    return std::nullopt;
  }
  FieldText t;
  t.ref_ = std::make_shared<const filter::FieldRef>(*n);
  return t;
}

const std::string& FieldText::name() const { return ref_->name->abbrev; }

namespace {

// Text as tshark writes a string field: control characters and the backslash escaped C-style, so a
// value never breaks the line or the columns.
void append_escaped(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

void append_value(std::string& out, const FieldName& n, const filter::Value& v) {
  char buf[64];
  switch (v.kind) {
    case filter::Value::Kind::Text: append_escaped(out, v.s); return;
    case filter::Value::Kind::Double:
      if (n.type == NameType::Time) std::snprintf(buf, sizeof buf, "%.9f", v.d);
      else std::snprintf(buf, sizeof buf, "%.15g", v.d);
      out += buf;
      return;
    case filter::Value::Kind::Int:
      if (n.type == NameType::Flags)
        std::snprintf(buf, sizeof buf, "0x%0*llx", n.bits / 4, static_cast<unsigned long long>(v.i));
      else if (n.type == NameType::None)
        buf[0] = 0;  // present, no value
      else
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v.i));
      out += buf;
      return;
  }
}

}  // namespace

void FieldText::append(std::string& out, const LineRecord& r, std::string_view aggregator, char occurrence) const {
  const FieldName& n = *ref_->name;
  bool first = true;
  std::string last;
  filter::for_each_value(*ref_, r, [&](const filter::Value& v) {
    if (occurrence == 'l') {
      last.clear();
      append_value(last, n, v);
      return false;
    }
    if (!first) out.append(aggregator.data(), aggregator.size());
    first = false;
    append_value(out, n, v);
    return occurrence == 'f';
  });
  if (occurrence == 'l') out += last;
}

}  // namespace ovms
