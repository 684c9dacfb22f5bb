#include "compile.h"

#include <optional>
#include <utility>
#include <vector>

#include "literal.h"
#include "regex.h"
#include "values.h"

namespace ovms::filter {
namespace {

// ---------------------------------------------------------------------------------------------------
// Evaluation

bool relate(Relation rel, const Value& a, const Value& b) {
  if (a.kind == Value::Kind::Text || b.kind == Value::Kind::Text) {
    if (a.kind != b.kind) return false;
    if (rel == Relation::Eq) return a.s == b.s;  // sizes first: most values differ in length
    if (rel == Relation::Ne) return a.s != b.s;
    const int c = a.s.compare(b.s);
    switch (rel) {
      case Relation::Eq: return c == 0;
      case Relation::Ne: return c != 0;
      case Relation::Lt: return c < 0;
      case Relation::Le: return c <= 0;
      case Relation::Gt: return c > 0;
      case Relation::Ge: return c >= 0;
      default: return false;
    }
  }
  if (a.kind == Value::Kind::Int && b.kind == Value::Kind::Int) {
    switch (rel) {
      case Relation::Eq: return a.i == b.i;
      case Relation::Ne: return a.i != b.i;
      case Relation::Lt: return a.i < b.i;
      case Relation::Le: return a.i <= b.i;
      case Relation::Gt: return a.i > b.i;
      case Relation::Ge: return a.i >= b.i;
      default: return false;
    }
  }
  const double x = a.kind == Value::Kind::Double ? a.d : static_cast<double>(a.i);
  const double y = b.kind == Value::Kind::Double ? b.d : static_cast<double>(b.i);
  switch (rel) {
    case Relation::Eq: return x == y;
    case Relation::Ne: return x != y;
    case Relation::Lt: return x < y;
    case Relation::Le: return x <= y;
    case Relation::Gt: return x > y;
    case Relation::Ge: return x >= y;
    default: return false;
  }
}

// "any": some value passes; "all": there is a value and every one passes (Wireshark's any_eq/all_ne...).
template <typename Pass>
bool quantified(const FieldRef& ref, Quantifier q, const LineRecord& r, Pass&& pass) {
  bool seen = false;
  bool result = q == Quantifier::All;
  for_each_value(ref, r, [&](const Value& v) {
    seen = true;
    const bool ok = pass(v);
    if (q == Quantifier::Any && ok) {
      result = true;
      return true;
    }
    if (q == Quantifier::All && !ok) {
      result = false;
      return true;
    }
    return false;
  });
  return seen && result;
}

struct MatchAll final : Node {
  bool eval(const LineRecord&) const override { return true; }
};

struct And final : Node {
  std::unique_ptr<Node> a, b;
  bool eval(const LineRecord& r) const override { return a->eval(r) && b->eval(r); }
};

struct Or final : Node {
  std::unique_ptr<Node> a, b;
  bool eval(const LineRecord& r) const override { return a->eval(r) || b->eval(r); }
};

struct Not final : Node {
  std::unique_ptr<Node> a;
  bool eval(const LineRecord& r) const override { return !a->eval(r); }
};

struct Exists final : Node {
  explicit Exists(FieldRef f) : ref(f) {}
  FieldRef ref;
  bool eval(const LineRecord& r) const override {
    return for_each_value(ref, r, [](const Value&) { return true; });
  }
};

// A test of each value of a field: `pred(value, record)` after the optional `& mask`.
template <typename Pred>
struct Test final : Node {
  Test(FieldRef f, Quantifier quant, std::optional<int64_t> m, Pred p) : ref(f), q(quant), mask(m), pred(std::move(p)) {}
  FieldRef ref;
  Quantifier q;
  std::optional<int64_t> mask;
  Pred pred;
  bool eval(const LineRecord& r) const override {
    if (!mask) return quantified(ref, q, r, [&](const Value& v) { return pred(v, r); });
    return quantified(ref, q, r, [&](Value v) {
      v.i &= *mask;
      return pred(v, r);
    });
  }
};

struct NonZero {
  bool operator()(const Value& v, const LineRecord&) const { return v.i != 0; }
};

struct CompareConstant {
  Relation rel;
  Constant c;
  bool operator()(const Value& v, const LineRecord&) const { return relate(rel, v, c.view()); }
};

struct CompareField {
  Relation rel;
  Quantifier q;
  FieldRef other;
  bool operator()(const Value& v, const LineRecord& r) const {
    return quantified(other, q, r, [&](const Value& w) { return relate(rel, v, w); });
  }
};

struct InSet {
  struct Item {
    Constant low;
    std::optional<Constant> high;
  };
  std::vector<Item> items;
  bool operator()(const Value& v, const LineRecord&) const {
    for (const Item& it : items) {
      if (it.high ? relate(Relation::Ge, v, it.low.view()) && relate(Relation::Le, v, it.high->view())
                  : relate(Relation::Eq, v, it.low.view()))
        return true;
    }
    return false;
  }
};

struct Contains {
  std::string needle;
  bool operator()(const Value& v, const LineRecord&) const { return v.s.find(needle) != std::string_view::npos; }
};

struct Matches {
  Regex re;
  bool operator()(const Value& v, const LineRecord&) const { return re.search(v.s); }
};

// ---------------------------------------------------------------------------------------------------
// Compilation

const char* relation_text(Relation r) {
  switch (r) {
    case Relation::Contains: return "contains";
    case Relation::Matches: return "matches";
    case Relation::In: return "in";
    default: return "comparison";
  }
}

// Wireshark protocols whose fields a user may try here: say that only OVMS names are known.
bool other_protocol(std::string_view name) {
  static const char* const kProtocols[] = {"eth", "ip", "ipv6", "tcp", "udp", "frame", "tls", "http", "websocket",
                                           "sll", "data", "_ws"};
  const std::string_view first = name.substr(0, name.find('.'));
  if (first.size() == name.size()) return false;
  for (const char* p : kProtocols)
    if (first == p) return true;
  return false;
}

class Compiler {
 public:
  Compiler(std::string_view text, FilterError& error) : text_(text), error_(error) {}

  std::unique_ptr<Node> node(const Syntax& s) {
    switch (s.kind) {
      case Syntax::Kind::Or:
      case Syntax::Kind::And: {
        auto a = node(*s.left);
        if (!a) return nullptr;
        auto b = node(*s.right);
        if (!b) return nullptr;
        if (s.kind == Syntax::Kind::And) {
          auto n = std::make_unique<And>();
          n->a = std::move(a), n->b = std::move(b);
          return n;
        }
        auto n = std::make_unique<Or>();
        n->a = std::move(a), n->b = std::move(b);
        return n;
      }
      case Syntax::Kind::Not: {
        auto a = node(*s.left);
        if (!a) return nullptr;
        auto n = std::make_unique<Not>();
        n->a = std::move(a);
        return n;
      }
      case Syntax::Kind::Test: return test(s);
    }
    return nullptr;
  }

 private:
  std::nullptr_t fail(const Token& at, std::string message) {
    error_.column = column_of(text_, at.pos);
    error_.message = std::move(message);
    return nullptr;
  }

  // The name a word refers to, usable on a line record; nullptr (and an error) otherwise.
  const FieldName* resolve(const Token& t) {
    const FieldName* n = find_field_name(t.text);
    if (!n) {
      if (other_protocol(t.text))
        return fail(t, "'" + t.text + "' is not an OVMS field: the names here are the ovms.* fields (with or "
                                      "without 'ovms.') and frame, time, conn");
      std::string near = nearest_field_name(t.text);
      return fail(t, "unknown field name '" + t.text + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
    switch (n->scope) {
      case NameScope::Segment:
        return fail(t, n->abbrev + " is known only to the Wireshark plugin (per TCP segment), not per line");
      case NameScope::TwoPass:
        return fail(t, n->abbrev + " needs the whole capture (Wireshark's second pass); filter the response "
                                   "with ovms.response_to instead");
      default: return n;
    }
  }

  std::unique_ptr<Node> test(const Syntax& s) {
    const FieldName* name = resolve(s.field.token);
    if (!name) return nullptr;
    const FieldRef ref(*name);
    const ValueClass cls = value_class(name->type);
    std::optional<int64_t> mask;
    if (s.field.mask) {
      if (cls != ValueClass::Int)
        return fail(s.field.token, "'&' needs an integer field; " + name->abbrev + " is " + class_words(cls));
      Constant m;
      std::string why;
      if (!to_constant(*s.field.mask, *name, m, why)) return fail(*s.field.mask, why);
      mask = m.i;
    }
    if (!s.relation) {
      if (mask) return std::make_unique<Test<NonZero>>(ref, Quantifier::Any, mask, NonZero{});
      return std::make_unique<Exists>(ref);
    }
    if (cls == ValueClass::None) {
      std::string why;
      Constant ignored;
      to_constant(s.relation_token, *name, ignored, why);
      return fail(s.relation_token, why);
    }
    const Relation rel = *s.relation;
    if ((rel == Relation::Contains || rel == Relation::Matches) && cls != ValueClass::Text)
      return fail(s.relation_token, std::string(relation_text(rel)) + " needs a text field; " + name->abbrev +
                                        " is " + class_words(cls) + " (compare it with ==, <, in ...)");
    switch (rel) {
      case Relation::Contains:
        if (s.value.token.kind == Tok::Word && is_full_name(s.value.token))
          return fail(s.value.token, "contains takes a value here, not a field: write \"" + s.value.token.text + "\"");
        return std::make_unique<Test<Contains>>(ref, s.quantifier, mask, Contains{s.value.token.text});
      case Relation::Matches: return matches(s, ref);
      case Relation::In: return in_set(s, ref, *name, mask);
      default: return compare(s, ref, *name, rel, mask);
    }
  }

  static bool is_full_name(const Token& t) { return t.text.compare(0, 5, "ovms.") == 0; }

  static std::string class_words(ValueClass c) {
    switch (c) {
      case ValueClass::None: return "a field without a value";
      case ValueClass::Int: return "an integer";
      case ValueClass::Double: return "a number";
      case ValueClass::Text: return "text";
    }
    return "?";
  }

  std::unique_ptr<Node> matches(const Syntax& s, const FieldRef& ref) {
    const Token& v = s.value.token;
    if (v.kind != Tok::String)
      return fail(v, "matches needs a regular expression in double quotes (matches \"^DE\"), found " + describe(v));
    std::string why;
    std::size_t at = 0;
    auto re = Regex::compile(v.text, why, at);
    if (!re)
      return fail(v, "invalid regular expression: " + why + " (at character " + std::to_string(at + 1) +
                         " of the pattern)");
    return std::make_unique<Test<Matches>>(ref, s.quantifier, std::nullopt, Matches{std::move(*re)});
  }

  std::unique_ptr<Node> in_set(const Syntax& s, const FieldRef& ref, const FieldName& name,
                               std::optional<int64_t> mask) {
    InSet set;
    for (const SetItem& item : s.set) {
      InSet::Item it;
      std::string why;
      if (!to_constant(item.low, name, it.low, why)) return fail(item.low, why);
      if (item.high) {
        it.high.emplace();
        if (!to_constant(*item.high, name, *it.high, why)) return fail(*item.high, why);
      }
      set.items.push_back(std::move(it));
    }
    return std::make_unique<Test<InSet>>(ref, s.quantifier, mask, std::move(set));
  }

  std::unique_ptr<Node> compare(const Syntax& s, const FieldRef& ref, const FieldName& name, Relation rel,
                                std::optional<int64_t> mask) {
    const Token& v = s.value.token;
    // A full name on the right (ovms.x) is that field: Wireshark compares fields with fields. Any other
    // word is a value (c2s, DEMO, vehicle_id, paranoid.truncated), as in Wireshark, where short names
    // do not exist.
    if (v.kind == Tok::Word && is_full_name(v)) {
      const FieldName* other = resolve(v);
      if (!other) return nullptr;
      const ValueClass a = value_class(name.type), b = value_class(other->type);
      const bool both_text = a == ValueClass::Text && b == ValueClass::Text;
      const bool both_numbers = a != ValueClass::Text && b != ValueClass::Text && b != ValueClass::None;
      if (!both_text && !both_numbers)
        return fail(v, "cannot compare " + name.abbrev + " (" + class_words(a) + ") with " + other->abbrev + " (" +
                           class_words(b) + ")");
      return std::make_unique<Test<CompareField>>(ref, s.quantifier, mask,
                                                  CompareField{rel, s.quantifier, FieldRef(*other)});
    }
    Constant c;
    std::string why;
    if (!to_constant(v, name, c, why)) return fail(v, why);
    return std::make_unique<Test<CompareConstant>>(ref, s.quantifier, mask, CompareConstant{rel, std::move(c)});
  }

  std::string_view text_;
  FilterError& error_;
};

}  // namespace

std::unique_ptr<Node> compile(std::string_view text, const Syntax& tree, FilterError& error) {
  return Compiler(text, error).node(tree);
}

std::unique_ptr<Node> match_all() { return std::make_unique<MatchAll>(); }

}  // namespace ovms::filter
