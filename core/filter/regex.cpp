#include "regex.h"

#include <algorithm>
#include <cctype>
#include <memory>

namespace ovms::filter {
namespace {

constexpr std::size_t kMaxProgram = 20000;  // instructions, after counted repetitions are expanded
constexpr int kMaxRepeat = 1000;
constexpr int kMaxDepth = 100;
constexpr std::size_t kMaxPattern = 10000;  // bytes: keeps the parse tree (and its recursion) small
constexpr int kInfinite = -1;

using Bits = std::bitset<256>;

struct Node {
  enum class Kind : uint8_t { Empty, Bytes, TextStart, TextEnd, WordBoundary, NotWordBoundary, Concat, Alternate,
                              Repeat } kind = Kind::Empty;
  Bits bytes;  // Bytes: the set of bytes this node consumes (one)
  std::vector<Node> kids;
  int min = 0, max = 0;  // Repeat
};

bool word_byte(unsigned char c) { return std::isalnum(c) || c == '_'; }

Bits range(int lo, int hi) {
  Bits b;
  for (int c = lo; c <= hi; ++c) b.set(static_cast<std::size_t>(c));
  return b;
}

Bits of_pred(int (*pred)(int)) {
  Bits b;
  for (int c = 0; c < 128; ++c)
    if (pred(c)) b.set(static_cast<std::size_t>(c));
  return b;
}

Bits fold(Bits b) {
  for (int c = 'a'; c <= 'z'; ++c) {
    const auto lo = static_cast<std::size_t>(c), up = static_cast<std::size_t>(c - 'a' + 'A');
    if (b[lo] || b[up]) b.set(lo).set(up);
  }
  return b;
}

class Parser {
 public:
  Parser(std::string_view p, std::string& error, std::size_t& at) : p_(p), error_(error), at_(at) {}

  bool icase = true;

  bool run(Node& out) {
    if (p_.compare(0, 4, "(?i)") == 0) {
      i_ = 4;
    } else if (p_.compare(0, 5, "(?-i)") == 0) {
      icase = false;
      i_ = 5;
    }
    if (!alternate(out, 0)) return false;
    if (i_ < p_.size()) return fail(i_, "unmatched ')'");
    return true;
  }

 private:
  bool fail(std::size_t at, std::string message) {
    at_ = at;
    error_ = std::move(message);
    return false;
  }

  bool more() const { return i_ < p_.size(); }
  char cur() const { return p_[i_]; }

  bool alternate(Node& out, int depth) {
    if (depth > kMaxDepth) return fail(i_, "nested too deeply");
    Node first;
    if (!concat(first, depth)) return false;
    if (!more() || cur() != '|') {
      out = std::move(first);
      return true;
    }
    out.kind = Node::Kind::Alternate;
    out.kids.push_back(std::move(first));
    while (more() && cur() == '|') {
      ++i_;
      Node next;
      if (!concat(next, depth)) return false;
      out.kids.push_back(std::move(next));
    }
    return true;
  }

  bool concat(Node& out, int depth) {
    out.kind = Node::Kind::Concat;
    while (more() && cur() != '|' && cur() != ')') {
      Node atom;
      if (!repeat(atom, depth)) return false;
      out.kids.push_back(std::move(atom));
    }
    return true;
  }

  bool number(int& v) {
    if (!more() || !std::isdigit(static_cast<unsigned char>(cur()))) return false;
    v = 0;
    while (more() && std::isdigit(static_cast<unsigned char>(cur()))) {
      v = std::min(v * 10 + (cur() - '0'), kMaxRepeat + 1);
      ++i_;
    }
    return true;
  }

  // {n} {n,} {n,m} at i_ (which is at '{'); false with i_ unchanged if it is not a count (then '{' is a literal).
  bool counted(int& min, int& max) {
    const std::size_t start = i_;
    ++i_;
    if (!number(min)) {
      i_ = start;
      return false;
    }
    max = min;
    if (more() && cur() == ',') {
      ++i_;
      if (!number(max)) max = kInfinite;
    }
    if (!more() || cur() != '}') {
      i_ = start;
      return false;
    }
    ++i_;
    return true;
  }

  bool repeat(Node& out, int depth) {
    if (!atom(out, depth)) return false;
    while (more()) {
      int min = 0, max = 0;
      const std::size_t q = i_;
      const char c = cur();
      if (c == '*') {
        min = 0, max = kInfinite, ++i_;
      } else if (c == '+') {
        min = 1, max = kInfinite, ++i_;
      } else if (c == '?') {
        min = 0, max = 1, ++i_;
      } else if (c == '{' && counted(min, max)) {
        if (min > kMaxRepeat || max > kMaxRepeat) return fail(q, "a repetition count above 1000");
        if (max != kInfinite && max < min) return fail(q, "a repetition {n,m} with m < n");
      } else {
        break;
      }
      if (out.kind == Node::Kind::TextStart || out.kind == Node::Kind::TextEnd ||
          out.kind == Node::Kind::WordBoundary || out.kind == Node::Kind::NotWordBoundary)
        return fail(q, "nothing to repeat before '" + std::string(1, c) + "'");
      if (more() && (cur() == '?' || cur() == '+')) ++i_;  // lazy or possessive: the same yes/no answer
      Node r;
      r.kind = Node::Kind::Repeat;
      r.min = min;
      r.max = max;
      r.kids.push_back(std::move(out));
      out = std::move(r);
    }
    return true;
  }

  bool atom(Node& out, int depth) {
    const std::size_t start = i_;
    const char c = cur();
    switch (c) {
      case '(': {
        ++i_;
        if (p_.compare(i_, 2, "?:") == 0) {
          i_ += 2;
        } else if (more() && cur() == '?') {
          if (p_.compare(i_, 2, "?=") == 0 || p_.compare(i_, 2, "?!") == 0 || p_.compare(i_, 2, "?<") == 0)
            return fail(start, "lookaround ((?=...), (?!...), (?<...)) is not supported");
          return fail(start, "inline options are supported only at the start of the pattern ((?i) or (?-i))");
        }
        if (!alternate(out, depth + 1)) return false;
        if (!more() || cur() != ')') return fail(start, "this '(' is not closed");
        ++i_;
        return true;
      }
      case ')': return fail(i_, "unmatched ')'");
      case '*':
      case '+':
      case '?': return fail(i_, std::string("nothing to repeat before '") + c + "'");
      case '[': return klass(out);
      case '.':
        ++i_;
        out.kind = Node::Kind::Bytes;
        out.bytes.set();
        out.bytes.reset('\n');
        return true;
      case '^':
        ++i_;
        out.kind = Node::Kind::TextStart;
        return true;
      case '$':
        ++i_;
        out.kind = Node::Kind::TextEnd;
        return true;
      case '\\': return escape(out);
      default:
        ++i_;
        out.kind = Node::Kind::Bytes;
        out.bytes.set(static_cast<unsigned char>(c));
        if (icase) out.bytes = fold(out.bytes);
        return true;
    }
  }

  // A class escape (\d \w \s and their negations); false if `e` is none.
  static bool class_escape(char e, Bits& out) {
    switch (e) {
      case 'd': out = range('0', '9'); return true;
      case 'D': out = ~range('0', '9'); return true;
      case 'w': out = of_pred(std::isalnum); out.set('_'); return true;
      case 'W': out = of_pred(std::isalnum); out.set('_'); out.flip(); return true;
      case 's': out = of_pred(std::isspace); return true;
      case 'S': out = ~of_pred(std::isspace); return true;
      default: return false;
    }
  }

  // A one-byte escape after '\' (i_ at the escaped character); -1 if it is none.
  int byte_escape() {
    const char e = cur();
    switch (e) {
      case 't': ++i_; return '\t';
      case 'n': ++i_; return '\n';
      case 'r': ++i_; return '\r';
      case 'f': ++i_; return '\f';
      case 'v': ++i_; return '\v';
      case 'e': ++i_; return 0x1b;
      case 'a': ++i_; return '\a';
      case 'x': {
        ++i_;
        int v = 0, n = 0;
        while (n < 2 && more() && std::isxdigit(static_cast<unsigned char>(cur()))) {
          const char h = static_cast<char>(std::tolower(static_cast<unsigned char>(cur())));
          v = v * 16 + (h <= '9' ? h - '0' : h - 'a' + 10);
          ++i_, ++n;
        }
        return n ? v : -2;
      }
      default:
        if (!std::isalnum(static_cast<unsigned char>(e))) {
          ++i_;
          return static_cast<unsigned char>(e);
        }
        return -1;
    }
  }

  bool escape(Node& out) {
    const std::size_t start = i_;
    ++i_;
    if (!more()) return fail(start, "a '\\' at the end of the pattern");
    const char e = cur();
    Bits b;
    if (class_escape(e, b)) {
      ++i_;
      out.kind = Node::Kind::Bytes;
      out.bytes = icase ? fold(b) : b;
      return true;
    }
    switch (e) {
      case 'b': ++i_; out.kind = Node::Kind::WordBoundary; return true;
      case 'B': ++i_; out.kind = Node::Kind::NotWordBoundary; return true;
      case 'A': ++i_; out.kind = Node::Kind::TextStart; return true;
      case 'z':
      case 'Z': ++i_; out.kind = Node::Kind::TextEnd; return true;
      default: break;
    }
    if (e >= '1' && e <= '9') return fail(start, "backreferences (\\1 ...) are not supported");
    const int v = byte_escape();
    if (v == -2) return fail(start, "\\x needs one or two hexadecimal digits");
    if (v < 0) return fail(start, std::string("\\") + e + " is not supported");
    out.kind = Node::Kind::Bytes;
    out.bytes.set(static_cast<std::size_t>(v));
    if (icase) out.bytes = fold(out.bytes);
    return true;
  }

  bool posix(Bits& out) {  // i_ at "[:"
    struct Named {
      const char* name;
      int (*pred)(int);
    };
    static const Named kNames[] = {{"alpha", std::isalpha}, {"digit", std::isdigit}, {"alnum", std::isalnum},
                                   {"space", std::isspace}, {"upper", std::isupper}, {"lower", std::islower},
                                   {"xdigit", std::isxdigit}, {"punct", std::ispunct}, {"print", std::isprint},
                                   {"cntrl", std::iscntrl}, {"graph", std::isgraph}, {"blank", std::isblank}};
    for (const Named& n : kNames) {
      const std::string full = std::string("[:") + n.name + ":]";
      if (p_.compare(i_, full.size(), full) == 0) {
        i_ += full.size();
        out = of_pred(n.pred);
        return true;
      }
    }
    return false;
  }

  bool klass(Node& out) {
    const std::size_t start = i_;
    ++i_;
    bool negate = false;
    if (more() && cur() == '^') negate = true, ++i_;
    Bits set;
    bool first = true;
    while (true) {
      if (!more()) return fail(start, "this '[' is not closed");
      if (cur() == ']' && !first) break;
      first = false;
      Bits part;
      if (cur() == '[' && posix(part)) {
        set |= part;
        continue;
      }
      int lo;
      if (cur() == '\\') {
        ++i_;
        if (!more()) return fail(start, "this '[' is not closed");
        if (class_escape(cur(), part)) {
          ++i_;
          set |= part;
          continue;
        }
        if (cur() == 'b') {
          ++i_;
          lo = '\b';
        } else {
          const std::size_t esc = i_ - 1;
          lo = byte_escape();
          if (lo == -2) return fail(esc, "\\x needs one or two hexadecimal digits");
          if (lo < 0) return fail(esc, std::string("\\") + cur() + " is not supported in a class");
        }
      } else {
        lo = static_cast<unsigned char>(cur());
        ++i_;
      }
      int hi = lo;
      if (more() && cur() == '-' && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        const std::size_t dash = i_;
        ++i_;
        if (cur() == '\\') {
          ++i_;
          if (!more()) return fail(start, "this '[' is not closed");
          hi = byte_escape();
          if (hi < 0) return fail(dash, "a range ends with an escape that is not one character");
        } else {
          hi = static_cast<unsigned char>(cur());
          ++i_;
        }
        if (hi < lo) return fail(dash, "a range whose end comes before its start");
      }
      set |= range(lo, hi);
    }
    ++i_;  // ']'
    if (icase) set = fold(set);
    out.kind = Node::Kind::Bytes;
    out.bytes = negate ? ~set : set;
    return true;
  }

  std::string_view p_;
  std::string& error_;
  std::size_t& at_;
  std::size_t i_ = 0;
};

// Thompson construction: a node becomes instructions appended to `prog`.
class Compiler {
 public:
  Compiler(std::vector<Regex::Inst>& prog, std::vector<Bits>& classes) : prog_(prog), classes_(classes) {}

  bool emit(const Node& n) {
    if (prog_.size() > kMaxProgram) return false;
    using K = Node::Kind;
    switch (n.kind) {
      case K::Empty: return true;
      case K::Bytes: {
        if (n.bytes.count() == 1) {
          for (std::size_t c = 0; c < 256; ++c)
            if (n.bytes[c]) add({Regex::Op::Byte, static_cast<uint8_t>(c)});
          return true;
        }
        add({Regex::Op::Class, 0, class_index(n.bytes)});
        return true;
      }
      case K::TextStart: add({Regex::Op::TextStart}); return true;
      case K::TextEnd: add({Regex::Op::TextEnd}); return true;
      case K::WordBoundary: add({Regex::Op::WordBoundary}); return true;
      case K::NotWordBoundary: add({Regex::Op::NotWordBoundary}); return true;
      case K::Concat:
        for (const Node& k : n.kids)
          if (!emit(k)) return false;
        return true;
      case K::Alternate: {
        std::vector<std::size_t> jumps;
        for (std::size_t i = 0; i < n.kids.size(); ++i) {
          std::size_t split = 0;
          if (i + 1 < n.kids.size()) split = add({Regex::Op::Split});
          if (!emit(n.kids[i])) return false;
          if (i + 1 < n.kids.size()) {
            jumps.push_back(add({Regex::Op::Jump}));
            prog_[split].a = static_cast<uint32_t>(split + 1);
            prog_[split].b = here();
          }
        }
        for (std::size_t j : jumps) prog_[j].a = here();
        return true;
      }
      case K::Repeat: return repeat(n);
    }
    return true;
  }

 private:
  uint32_t here() const { return static_cast<uint32_t>(prog_.size()); }
  std::size_t add(Regex::Inst i) {
    prog_.push_back(i);
    return prog_.size() - 1;
  }
  uint32_t class_index(const Bits& b) {
    for (std::size_t i = 0; i < classes_.size(); ++i)
      if (classes_[i] == b) return static_cast<uint32_t>(i);
    classes_.push_back(b);
    return static_cast<uint32_t>(classes_.size() - 1);
  }

  bool repeat(const Node& n) {
    const Node& body = n.kids[0];
    for (int i = 0; i < n.min; ++i)
      if (!emit(body)) return false;
    if (n.max == kInfinite) {
      const std::size_t split = add({Regex::Op::Split});
      if (!emit(body)) return false;
      add({Regex::Op::Jump, 0, static_cast<uint32_t>(split)});
      prog_[split].a = static_cast<uint32_t>(split + 1);
      prog_[split].b = here();
      return prog_.size() <= kMaxProgram;
    }
    std::vector<std::size_t> splits;
    for (int i = n.min; i < n.max; ++i) {
      splits.push_back(add({Regex::Op::Split}));
      if (!emit(body)) return false;
    }
    for (std::size_t s : splits) {
      prog_[s].a = static_cast<uint32_t>(s + 1);
      prog_[s].b = here();
    }
    return prog_.size() <= kMaxProgram;
  }

  std::vector<Regex::Inst>& prog_;
  std::vector<Bits>& classes_;
};

// A pattern without any special character: searched as a string.
bool plain_literal(std::string_view p) {
  return p.find_first_of("\\^$.|?*+()[]{}") == std::string_view::npos;
}

// The pc set of one step of the Pike VM: a sparse set (O(1) insert, test and clear).
struct ThreadList {
  std::vector<uint32_t> dense, sparse;
  std::size_t n = 0;
  void reset(std::size_t size) {
    if (dense.size() < size) dense.resize(size), sparse.resize(size);
    n = 0;
  }
  bool has(uint32_t pc) const { return sparse[pc] < n && dense[sparse[pc]] == pc; }
  void put(uint32_t pc) {
    sparse[pc] = static_cast<uint32_t>(n);
    dense[n++] = pc;
  }
};

struct Scratch {
  ThreadList a, b;
  std::vector<uint32_t> stack;
};

}  // namespace

std::optional<Regex> Regex::compile(std::string_view pattern, std::string& error, std::size_t& at) {
  Regex re;
  if (pattern.size() > kMaxPattern) {
    error = "the pattern is longer than " + std::to_string(kMaxPattern) + " bytes";
    at = 0;
    return std::nullopt;
  }
  Parser parser(pattern, error, at);
  Node root;
  if (!parser.run(root)) return std::nullopt;
  re.icase_ = parser.icase;
  std::string_view body = pattern.substr(pattern.compare(0, 4, "(?i)") == 0 ? 4 : pattern.compare(0, 5, "(?-i)") == 0 ? 5 : 0);
  if (plain_literal(body)) {
    re.literal_ = true;
    re.literal_text_ = std::string(body);
    return re;
  }
  Compiler c(re.prog_, re.classes_);
  if (!c.emit(root) || re.prog_.size() > kMaxProgram) {
    error = "the pattern is too large (expand fewer repetitions)";
    at = 0;
    return std::nullopt;
  }
  re.prog_.push_back(Inst{Op::Match});
  // What can start a match: the bytes consumed first on every path from the start (without skipping
  // when an assertion or the match itself is reachable without consuming a byte).
  std::vector<bool> seen(re.prog_.size());
  std::vector<uint32_t> todo{0};
  bool skip = true;
  while (!todo.empty() && skip) {
    const uint32_t pc = todo.back();
    todo.pop_back();
    if (seen[pc]) continue;
    seen[pc] = true;
    const Inst& in = re.prog_[pc];
    switch (in.op) {
      case Op::Byte: re.first_.set(in.byte); break;
      case Op::Class: re.first_ |= re.classes_[in.a]; break;
      case Op::Split: todo.push_back(in.a), todo.push_back(in.b); break;
      case Op::Jump: todo.push_back(in.a); break;
      default: skip = false; break;
    }
  }
  re.skip_ = skip;
  re.anchored_ = !re.prog_.empty() && re.prog_[0].op == Op::TextStart;
  return re;
}

bool Regex::search_literal(std::string_view text) const {
  if (literal_text_.empty()) return true;
  if (!icase_) return text.find(literal_text_) != std::string_view::npos;
  auto eq = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  };
  return std::search(text.begin(), text.end(), literal_text_.begin(), literal_text_.end(), eq) != text.end();
}

bool Regex::search(std::string_view text) const {
  if (literal_) return search_literal(text);
  thread_local Scratch s;
  const std::size_t size = prog_.size();
  s.a.reset(size);
  s.b.reset(size);
  ThreadList* cur = &s.a;
  ThreadList* next = &s.b;
  const std::size_t n = text.size();
  auto byte_at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };

  // Adds pc and everything reachable from it without consuming a byte at position `pos`.
  auto add = [&](ThreadList& list, uint32_t pc0, std::size_t pos) {
    s.stack.clear();
    s.stack.push_back(pc0);
    while (!s.stack.empty()) {
      const uint32_t pc = s.stack.back();
      s.stack.pop_back();
      if (list.has(pc)) continue;
      list.put(pc);
      const Inst& in = prog_[pc];
      switch (in.op) {
        case Op::Jump: s.stack.push_back(in.a); break;
        case Op::Split: s.stack.push_back(in.b), s.stack.push_back(in.a); break;
        case Op::TextStart:
          if (pos == 0) s.stack.push_back(pc + 1);
          break;
        case Op::TextEnd:
          if (pos == n || (pos + 1 == n && text[pos] == '\n')) s.stack.push_back(pc + 1);
          break;
        case Op::WordBoundary:
        case Op::NotWordBoundary: {
          const bool before = pos > 0 && word_byte(byte_at(pos - 1));
          const bool after = pos < n && word_byte(byte_at(pos));
          if ((before != after) == (in.op == Op::WordBoundary)) s.stack.push_back(pc + 1);
          break;
        }
        default: break;
      }
    }
  };

  for (std::size_t pos = 0;; ++pos) {
    if (cur->n == 0) {
      if (anchored_ && pos > 0) return false;
      if (skip_)
        while (pos < n && !first_[byte_at(pos)]) ++pos;
      if (pos > n || (skip_ && pos == n)) return false;
    }
    if (!anchored_ || pos == 0) add(*cur, 0, pos);
    next->n = 0;
    for (std::size_t k = 0; k < cur->n; ++k) {
      const Inst& in = prog_[cur->dense[k]];
      switch (in.op) {
        case Op::Match: return true;
        case Op::Byte:
          if (pos < n && byte_at(pos) == in.byte) add(*next, cur->dense[k] + 1, pos + 1);
          break;
        case Op::Class:
          if (pos < n && classes_[in.a][byte_at(pos)]) add(*next, cur->dense[k] + 1, pos + 1);
          break;
        default: break;
      }
    }
    if (pos >= n) return false;
    std::swap(cur, next);
  }
}

}  // namespace ovms::filter
