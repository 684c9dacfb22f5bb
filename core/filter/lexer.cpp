#include "lexer.h"

#include <cstdint>

#include "ovms/message.h"

namespace ovms::filter {
namespace {

bool is_word_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

class Lexer {
 public:
  Lexer(std::string_view text, std::vector<Token>& out, FilterError& error) : s_(text), out_(out), error_(error) {}

  bool run() {
    while (true) {
      while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
      if (i_ >= s_.size()) {
        push(Tok::End, i_, 0);
        return true;
      }
      if (!one()) return false;
    }
  }

 private:
  bool fail(std::size_t pos, std::string message) {
    error_.column = column_of(s_, pos);
    error_.message = std::move(message);
    return false;
  }

  void push(Tok kind, std::size_t pos, std::size_t len, std::string text = {}) {
    out_.push_back(Token{kind, pos, len, std::move(text)});
  }

  bool at(std::size_t k, char c) const { return i_ + k < s_.size() && s_[i_ + k] == c; }

  bool one() {
    const std::size_t start = i_;
    const char c = s_[i_];
    if (c == '"') return string(start, false);
    if (c == 'r' && at(1, '"')) return string(start, true);
    if (c == '\'') return character(start);
    if (is_word_start(c) || (c == '-' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1]))) return word(start);
    struct Op {
      const char* text;
      Tok kind;
    };
    static const Op kOps[] = {
        {"===", Tok::AllEq}, {"!==", Tok::AnyNe}, {"==", Tok::Eq}, {"!=", Tok::Ne},   {"<=", Tok::Le},
        {">=", Tok::Ge},     {"&&", Tok::AndAnd}, {"||", Tok::OrOr}, {"..", Tok::DotDot}, {"<", Tok::Lt},
        {">", Tok::Gt},      {"!", Tok::Bang},    {"&", Tok::Amp},   {"~", Tok::Tilde},   {"(", Tok::LParen},
        {")", Tok::RParen},  {"{", Tok::LBrace},  {"}", Tok::RBrace}, {",", Tok::Comma},  {"[", Tok::LBracket},
        {"]", Tok::RBracket},
    };
    for (const Op& op : kOps) {
      std::string_view t(op.text);
      if (s_.compare(i_, t.size(), t) == 0) {
        i_ += t.size();
        push(op.kind, start, t.size(), std::string(t));
        return true;
      }
    }
    if (c == '=') return fail(start, "'=' is not an operator: compare with '==' (or eq)");
    if (c == '|') return fail(start, "'|' is not an operator: combine with '||' (or or)");
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return fail(start, "unexpected character (byte 0x" + std::string(1, "0123456789abcdef"[(c >> 4) & 0xf]) +
                             std::string(1, "0123456789abcdef"[c & 0xf]) + ")");
    return fail(start, std::string("unexpected character '") + c + "'");
  }

  // Names, keywords, numbers and unquoted values (with '-' and ':' inside, as Wireshark's unquoted
  // values have). A '.' followed by '.' ends the word (a range 1..5);
  // '+' and '-' follow an exponent's 'e' in a number (1e-3).
  bool word(std::size_t start) {
    const bool numeric = is_digit(s_[i_]) || s_[i_] == '-';
    ++i_;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (is_word_start(c) || c == '-' || c == ':') {
        ++i_;
      } else if (c == '.' && !at(1, '.')) {
        ++i_;
      } else if (c == '+' && numeric && (s_[i_ - 1] == 'e' || s_[i_ - 1] == 'E')) {
        ++i_;
      } else {
        break;
      }
    }
    push(Tok::Word, start, i_ - start, std::string(s_.substr(start, i_ - start)));
    return true;
  }

  // One escape after a backslash at i_ (which points at the backslash); appends its value.
  bool escape(std::string& out) {
    const std::size_t at_backslash = i_;
    if (i_ + 1 >= s_.size()) return fail(at_backslash, "a '\\' at the end of the filter");
    const char e = s_[i_ + 1];
    i_ += 2;
    switch (e) {
      case '\'': out += '\''; return true;
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case 'a': out += '\a'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'v': out += '\v'; return true;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && i_ < s_.size() && hex_value(s_[i_]) >= 0) v = v * 16 + hex_value(s_[i_++]), ++n;
        if (n == 0) return fail(at_backslash, "\\x needs one or two hexadecimal digits");
        out += static_cast<char>(v);
        return true;
      }
      case 'u':
      case 'U': {
        const int want = e == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (int n = 0; n < want; ++n) {
          if (i_ >= s_.size() || hex_value(s_[i_]) < 0)
            return fail(at_backslash, std::string("\\") + e + " needs " + std::to_string(want) + " hexadecimal digits");
          v = v * 16 + static_cast<uint32_t>(hex_value(s_[i_++]));
        }
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
          return fail(at_backslash, "not a Unicode code point");
        append_utf8(out, v);
        return true;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0', n = 1;
          while (n < 3 && i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '7') v = v * 8 + (s_[i_++] - '0'), ++n;
          if (v > 0xff) return fail(at_backslash, "octal escape above \\377");
          out += static_cast<char>(v);
          return true;
        }
        return fail(at_backslash, std::string("\\") + e +
                                      " is not an escape (use \\\\ for a backslash, \\\" for a quote, or r\"...\")");
    }
  }

  // "..." with escapes, or r"..." where a backslash is itself (it still keeps a '"' from ending the string).
  bool string(std::size_t start, bool raw) {
    i_ = start + (raw ? 2 : 1);
    std::string value;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] != '\\') {
        value += s_[i_++];
      } else if (raw) {
        value += '\\';
        if (i_ + 1 < s_.size()) value += s_[i_ + 1];
        i_ += 2;
      } else if (!escape(value)) {
        return false;
      }
    }
    if (i_ >= s_.size()) return fail(start, "this string has no closing '\"'");
    ++i_;
    push(Tok::String, start, i_ - start, std::move(value));
    return true;
  }

  bool character(std::size_t start) {
    i_ = start + 1;
    std::string value;
    if (i_ < s_.size() && s_[i_] == '\\') {
      if (!escape(value)) return false;
    } else if (i_ < s_.size() && s_[i_] != '\'') {
      value += s_[i_++];
    }
    if (value.size() != 1 || i_ >= s_.size() || s_[i_] != '\'')
      return fail(start, "a character constant is one character between single quotes ('S', '\\n')");
    ++i_;
    push(Tok::Char, start, i_ - start, std::move(value));
    return true;
  }

  std::string_view s_;
  std::vector<Token>& out_;
  FilterError& error_;
  std::size_t i_ = 0;
};

}  // namespace

std::size_t column_of(std::string_view text, std::size_t pos) {
  std::size_t col = 1;
  for (std::size_t i = 0; i < pos && i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) ++col;
  if (pos > text.size()) col += pos - text.size();
  return col;
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::End: return "the end of the filter";
    case Tok::Word: return "'" + t.text + "'";
    case Tok::String: return "the string \"" + printable_text(t.text) + "\"";
    case Tok::Char: return "the character constant '" + t.text + "'";
    default: return "'" + t.text + "'";
  }
}

bool lex(std::string_view text, std::vector<Token>& out, FilterError& error) {
  out.clear();
  return Lexer(text, out, error).run();
}

}  // namespace ovms::filter
