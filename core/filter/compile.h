// Turns the syntax tree into the tree that is evaluated: every name resolved to a FieldRef, every value
// converted to its name's type, every regular expression compiled. Errors name the column and what
// was expected there.
#pragma once

#include <memory>
#include <string_view>

#include "ovms/filter.h"
#include "syntax.h"

namespace ovms::filter {

struct Node {
  virtual ~Node() = default;
  virtual bool eval(const LineRecord& r) const = 0;
};

// nullptr on error (then `error` says why).
std::unique_ptr<Node> compile(std::string_view text, const Syntax& tree, FilterError& error);

// The filter of an empty text.
std::unique_ptr<Node> match_all();

}  // namespace ovms::filter
