// The regular expressions of `matches`: a small engine that runs in time linear in the text (a Pike VM
// over a Thompson NFA, no backtracking, no recursion over the text), so no pattern can hang or crash the
// filter on a long line. Syntax: the common PCRE subset (wireshark-filter(4) uses PCRE2):
//   literals, ., [...] [^...] with ranges, \d \w \s (and \D \W \S, also inside classes), [:alpha:] and the
//   other POSIX classes, ^ $ \A \z \b \B, (...) (?:...), |, * + ? {n} {n,} {n,m} (lazy forms accepted),
//   escapes \t \n \r \f \v \e \xhh and \ before any punctuation.
// Matching is case-insensitive (ASCII) unless the pattern starts with (?-i), as in Wireshark. Bytes are
// matched one by one: '.' is one byte of UTF-8 text. Backreferences and lookaround are refused.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ovms::filter {

class Regex {
 public:
  // On a bad pattern returns nullopt; `error` says what, `at` is the byte offset in the pattern.
  static std::optional<Regex> compile(std::string_view pattern, std::string& error, std::size_t& at);

  // Whether the pattern matches anywhere in `text`. Thread-safe.
  bool search(std::string_view text) const;

  enum class Op : uint8_t { Byte, Class, Split, Jump, Match, TextStart, TextEnd, WordBoundary, NotWordBoundary };
  struct Inst {
    Op op;
    uint8_t byte = 0;
    uint32_t a = 0, b = 0;  // Class: a is the class index; Split: both targets; Jump: a
  };

 private:
  Regex() = default;
  bool search_literal(std::string_view text) const;

  std::vector<Inst> prog_;
  std::vector<std::bitset<256>> classes_;
  std::bitset<256> first_;   // bytes that can start a match (when skip_ is true)
  bool skip_ = false;        // no match can begin at a byte outside first_
  bool anchored_ = false;    // the pattern begins with ^ or \A
  bool literal_ = false;     // the pattern is a plain string: search it directly
  bool icase_ = true;
  std::string literal_text_;
};

}  // namespace ovms::filter
