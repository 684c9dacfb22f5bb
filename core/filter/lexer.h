// Splits a display filter into tokens. Keywords (and, eq, contains, in, ...) are words here; the parser
// tells them apart by position, as Wireshark's grammar does.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ovms/filter.h"

namespace ovms::filter {

enum class Tok : uint8_t {
  End,
  Word,      // a name, a keyword, a number or an unquoted value: status.soc, and, 20, -1.5, c2s, 0:3
  String,    // "..." (escapes resolved) or r"..." (raw)
  Char,      // 'x' (escapes resolved): an integer, or a one-character string
  LParen, RParen, LBrace, RBrace, Comma, DotDot, LBracket, RBracket,
  Eq, Ne, AllEq, AnyNe, Lt, Le, Gt, Ge,  // == != === !== < <= > >=
  Tilde,     // ~ (matches)
  Amp,       // & (bitwise and)
  AndAnd, OrOr, Bang,
};

struct Token {
  Tok kind = Tok::End;
  std::size_t pos = 0;  // byte offset in the filter text
  std::size_t len = 0;  // bytes in the filter text
  std::string text;     // Word: as written; String/Char: the value
};

// What a token is called in error messages ("'=='", "end of the filter", "\"abc\"").
std::string describe(const Token& t);

// The 1-based character column of byte offset `pos` in `text` (UTF-8 continuation bytes do not count).
std::size_t column_of(std::string_view text, std::size_t pos);

// Tokens of `text`, ending with one Tok::End. On a bad token returns false and fills `error`.
bool lex(std::string_view text, std::vector<Token>& out, FilterError& error);

}  // namespace ovms::filter
