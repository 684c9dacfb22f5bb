// Written values (20, 0x40, -1.5e3, "DEMO", c2s, 'S', True, "Locked") converted once, at compile time, to
// the type of the name they are compared with, as Wireshark converts them for the plugin's fields.
#pragma once

#include <cstdint>
#include <string>

#include "lexer.h"
#include "values.h"

namespace ovms::filter {

struct Constant {
  ValueClass cls = ValueClass::Int;
  int64_t i = 0;
  double d = 0;
  std::string s;

  Value view() const {
    Value v;
    v.kind = cls == ValueClass::Text ? Value::Kind::Text : cls == ValueClass::Double ? Value::Kind::Double
                                                                                   : Value::Kind::Int;
    v.i = i;
    v.d = d;
    v.s = s;
    return v;
  }
};

// Converts `t` for a comparison with `name`. On failure returns false and says why in `why`.
bool to_constant(const Token& t, const FieldName& name, Constant& out, std::string& why);

// An integer as Wireshark writes them: decimal, 0x hexadecimal, 0b binary, 0 octal, with an optional '-'.
bool parse_integer(const std::string& text, int64_t& out);

}  // namespace ovms::filter
