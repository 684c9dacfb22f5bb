// The syntax tree the parser builds: what was written, with positions, before any name is resolved.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lexer.h"

namespace ovms::filter {

enum class Relation : uint8_t { Eq, Ne, Lt, Le, Gt, Ge, Contains, Matches, In };
enum class Quantifier : uint8_t { Any, All };

// One side of a test: a field name (left) or a value or field name (right), as written.
struct Operand {
  Token token;                 // Word, String or Char
  std::optional<Token> mask;   // `field & mask`
};

struct SetItem {
  Token low;
  std::optional<Token> high;   // a range low..high
};

struct Syntax {
  enum class Kind : uint8_t { Or, And, Not, Test } kind = Kind::Test;
  std::unique_ptr<Syntax> left, right;  // Or, And: both; Not: left

  // Test: `field`, `field <relation> value` or `field in {items}`.
  Operand field;
  std::optional<Relation> relation;  // none: the field is present
  Quantifier quantifier = Quantifier::Any;
  Token relation_token;
  Operand value;                     // not for In
  std::vector<SetItem> set;          // In
};

// Parses tokens (from lex()) into a tree. On a syntax error returns nullptr and fills `error`.
std::unique_ptr<Syntax> parse(std::string_view text, const std::vector<Token>& tokens, FilterError& error);

}  // namespace ovms::filter
