// A strict JSON validator (RFC 8259, with RFC 3629 UTF-8): what a strict parser of our JSON Lines
// accepts. Independent of core/src/json.cpp on purpose: it checks the writer, it does not share its
// rules. Used by the unit tests and by every fuzz target that writes JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ovms::test {

class StrictJson {
 public:
  // Empty when `text` is exactly one JSON value (surrounding whitespace allowed); else what and where.
  static std::string check(std::string_view text) {
    StrictJson p(text);
    p.ws();
    if (!p.value(0)) return p.error_;
    p.ws();
    if (p.i_ != text.size()) return p.fail("trailing bytes");
    return {};
  }

 private:
  explicit StrictJson(std::string_view s) : s_(s) {}

  std::string fail(const char* what) {
    if (error_.empty()) error_ = std::string(what) + " at byte " + std::to_string(i_);
    return error_;
  }
  bool bad(const char* what) { fail(what); return false; }
  bool more() const { return i_ < s_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(s_[i_]); }
  void ws() { while (more() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++i_; }
  bool literal(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return bad("bad literal");
    i_ += w.size();
    return true;
  }

  bool value(int depth) {
    if (depth > 64) return bad("nesting too deep");
    if (!more()) return bad("value expected");
    switch (peek()) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }
  bool object(int depth) {
    ++i_;
    ws();
    if (more() && peek() == '}') { ++i_; return true; }
    while (true) {
      ws();
      if (!more() || peek() != '"') return bad("object key expected");
      if (!string()) return false;
      ws();
      if (!more() || peek() != ':') return bad("':' expected");
      ++i_;
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (more() && peek() == ',') { ++i_; continue; }
      if (more() && peek() == '}') { ++i_; return true; }
      return bad("',' or '}' expected");
    }
  }
  bool array(int depth) {
    ++i_;
    ws();
    if (more() && peek() == ']') { ++i_; return true; }
    while (true) {
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (more() && peek() == ',') { ++i_; continue; }
      if (more() && peek() == ']') { ++i_; return true; }
      return bad("',' or ']' expected");
    }
  }
  bool digits() {
    std::size_t start = i_;
    while (more() && peek() >= '0' && peek() <= '9') ++i_;
    return i_ > start;
  }
  bool number() {
    if (more() && peek() == '-') ++i_;
    if (!more()) return bad("digit expected");
    if (peek() == '0') ++i_;
    else if (peek() >= '1' && peek() <= '9') digits();
    else return bad("not a JSON value");
    if (more() && peek() == '.') { ++i_; if (!digits()) return bad("fraction digits expected"); }
    if (more() && (peek() == 'e' || peek() == 'E')) {
      ++i_;
      if (more() && (peek() == '+' || peek() == '-')) ++i_;
      if (!digits()) return bad("exponent digits expected");
    }
    return true;
  }
  static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(unsigned& out) {
    out = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      if (!more() || hexval(peek()) < 0) return bad("\\u needs 4 hex digits");
      out = out * 16 + static_cast<unsigned>(hexval(peek()));
    }
    return true;
  }
  bool string() {
    ++i_;  // the opening quote
    while (true) {
      if (!more()) return bad("unterminated string");
      unsigned char c = peek();
      if (c == '"') { ++i_; return true; }
      if (c < 0x20) return bad("control byte in string");
      if (c == '\\') {
        ++i_;
        if (!more()) return bad("unterminated escape");
        unsigned char e = peek();
        ++i_;
        if (e == 'u') {
          unsigned u;
          if (!hex4(u)) return false;
          if (u >= 0xdc00 && u <= 0xdfff) return bad("lone low surrogate escape");
          if (u >= 0xd800 && u <= 0xdbff) {  // a pair must follow
            unsigned lo;
            if (s_.substr(i_, 2) != "\\u") return bad("lone high surrogate escape");
            i_ += 2;
            if (!hex4(lo)) return false;
            if (lo < 0xdc00 || lo > 0xdfff) return bad("high surrogate without low");
          }
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(static_cast<char>(e)) == std::string_view::npos)
          return bad("bad escape");
        continue;
      }
      if (c < 0x80) { ++i_; continue; }
      if (!utf8()) return false;
    }
  }
  // One UTF-8 sequence (RFC 3629 table 3-7): no overlong forms, no surrogates, nothing past U+10FFFF.
  bool utf8() {
    unsigned char c = peek();
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) { n = 3; if (c == 0xe0) lo = 0xa0; if (c == 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; if (c == 0xf0) lo = 0x90; if (c == 0xf4) hi = 0x8f; }
    else return bad("invalid UTF-8 lead byte");
    if (i_ + n > s_.size()) return bad("truncated UTF-8 sequence");
    for (std::size_t k = 1; k < n; ++k) {
      unsigned char b = static_cast<unsigned char>(s_[i_ + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) return bad("invalid UTF-8 continuation");
    }
    i_ += n;
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::string error_;
};

}  // namespace ovms::test
