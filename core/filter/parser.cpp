// A Pratt parser for Wireshark's display-filter grammar (wireshark-filter(4), 4.0):
//   filter   := expr?                      (empty: everything)
//   expr     := unary (('or'|'||') unary | ('and'|'&&') unary)*    and binds tighter than or
//   unary    := ('not'|'!') unary | '(' expr ')' | test
//   test     := ['any'|'all'] operand [relation value | ['not'] 'in' '{' item ([','] item)* '}']
//   operand  := word ['&' value]
//   relation := == != === !== < <= > >= eq ne any_eq all_ne all_eq any_ne lt le gt ge contains matches ~
//   item     := value ['..' value]
// Sets take Wireshark 4.0's commas and also 3.6's spaces.
#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "syntax.h"

namespace ovms::filter {
namespace {

constexpr int kOrPower = 1;
constexpr int kAndPower = 2;
constexpr int kMaxDepth = 200;
constexpr int kMaxTerms = 2000;  // 'and'/'or' chains make deep trees: keep compiling and freeing them cheap

const char kOperators[] = "==, !=, <, <=, >, >=, contains, matches, in";

bool is_keyword(const Token& t) {
  static const std::unordered_set<std::string> kWords = {
      "and", "or", "not", "in", "contains", "matches", "eq", "ne", "lt", "le", "gt", "ge", "any_eq", "all_ne",
      "all_eq", "any_ne", "bitwise_and", "any", "all"};
  return t.kind == Tok::Word && kWords.count(t.text) != 0;
}

bool is_word(const Token& t, const char* w) { return t.kind == Tok::Word && t.text == w; }

struct RelationWord {
  Tok tok;
  const char* word;
  Relation relation;
  Quantifier quantifier;
};

constexpr RelationWord kRelations[] = {
    {Tok::Eq, "eq", Relation::Eq, Quantifier::Any},   {Tok::End, "any_eq", Relation::Eq, Quantifier::Any},
    {Tok::AllEq, "all_eq", Relation::Eq, Quantifier::All}, {Tok::Ne, "ne", Relation::Ne, Quantifier::All},
    {Tok::End, "all_ne", Relation::Ne, Quantifier::All}, {Tok::AnyNe, "any_ne", Relation::Ne, Quantifier::Any},
    {Tok::Lt, "lt", Relation::Lt, Quantifier::Any},   {Tok::Le, "le", Relation::Le, Quantifier::Any},
    {Tok::Gt, "gt", Relation::Gt, Quantifier::Any},   {Tok::Ge, "ge", Relation::Ge, Quantifier::Any},
    {Tok::End, "contains", Relation::Contains, Quantifier::Any},
    {Tok::Tilde, "matches", Relation::Matches, Quantifier::Any},
};

const RelationWord* relation_of(const Token& t) {
  for (const RelationWord& r : kRelations)
    if ((r.tok != Tok::End && t.kind == r.tok) || is_word(t, r.word)) return &r;
  return nullptr;
}

class Parser {
 public:
  Parser(std::string_view text, const std::vector<Token>& tokens, FilterError& error)
      : text_(text), t_(tokens), error_(error) {}

  std::unique_ptr<Syntax> run() {
    auto e = expr(0);
    if (!e) return nullptr;
    if (peek().kind != Tok::End) {
      if (peek().kind == Tok::RParen) return fail(peek(), "unexpected ')': no '(' is open");
      std::string want = last_test_bare_ ? std::string("an operator (") + kOperators + "), 'and', 'or'"
                                         : std::string("'and', 'or'");
      return fail(peek(), "expected " + want + " or the end of the filter after " + describe(t_[i_ - 1]) +
                              ", found " + describe(peek()));
    }
    return e;
  }

 private:
  const Token& peek(std::size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& next() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }

  std::unique_ptr<Syntax> fail(const Token& at, std::string message) {
    if (error_.message.empty()) {
      error_.column = column_of(text_, at.pos);
      error_.message = std::move(message);
    }
    return nullptr;
  }

  // Binary operators: the binding power of `t`, 0 if it is none.
  static int power(const Token& t) {
    if (t.kind == Tok::OrOr || is_word(t, "or")) return kOrPower;
    if (t.kind == Tok::AndAnd || is_word(t, "and")) return kAndPower;
    return 0;
  }

  std::unique_ptr<Syntax> expr(int min_power) {
    if (++depth_ > kMaxDepth) return fail(peek(), "the filter is nested too deeply");
    auto left = unary();
    while (left) {
      const int p = power(peek());
      if (p == 0 || p <= min_power) break;
      const Token op = next();
      if (++terms_ > kMaxTerms)
        return fail(op, "the filter has more than " + std::to_string(kMaxTerms) + " 'and'/'or' terms");
      auto right = expr(p);
      if (!right) return nullptr;
      auto node = std::make_unique<Syntax>();
      node->kind = p == kOrPower ? Syntax::Kind::Or : Syntax::Kind::And;
      node->left = std::move(left);
      node->right = std::move(right);
      left = std::move(node);
    }
    --depth_;
    return left;
  }

  std::unique_ptr<Syntax> unary() {
    const Token& t = peek();
    if (t.kind == Tok::Bang || is_word(t, "not")) {
      const Token op = next();
      if (++depth_ > kMaxDepth) return fail(op, "the filter is nested too deeply");
      auto inner = unary();
      --depth_;
      if (!inner) return nullptr;
      return negate(std::move(inner));
    }
    if (t.kind == Tok::LParen) {
      const Token open = next();
      auto inner = expr(0);
      if (!inner) return nullptr;
      if (peek().kind != Tok::RParen) {
        std::string want = last_test_bare_ ? std::string("an operator (") + kOperators + "), 'and', 'or' or ')'"
                                           : std::string("'and', 'or' or ')'");
        return fail(peek(), "expected " + want + " to close the '(' at column " +
                                std::to_string(column_of(text_, open.pos)) + ", found " + describe(peek()));
      }
      next();
      return inner;
    }
    return test();
  }

  static std::unique_ptr<Syntax> negate(std::unique_ptr<Syntax> inner) {
    auto node = std::make_unique<Syntax>();
    node->kind = Syntax::Kind::Not;
    node->left = std::move(inner);
    return node;
  }

  std::unique_ptr<Syntax> test() {
    auto node = std::make_unique<Syntax>();
    if (is_word(peek(), "any") || is_word(peek(), "all")) {
      node->quantifier = next().text == "all" ? Quantifier::All : Quantifier::Any;
      explicit_quantifier_ = true;
    } else {
      explicit_quantifier_ = false;
    }
    const Token& f = peek();
    const bool number = f.kind == Tok::Word && (std::isdigit(static_cast<unsigned char>(f.text[0])) || f.text[0] == '-');
    if (f.kind != Tok::Word || is_keyword(f) || number) {
      const Token& before = i_ > 0 ? t_[i_ - 1] : f;
      std::string where = i_ > 0 ? " after " + describe(before) : "";
      std::string hint;
      if (f.kind == Tok::String || f.kind == Tok::Char || number) hint = " (a value goes on the right: status.soc < 20)";
      return fail(f, "expected a field name, '(' or 'not'" + where + ", found " + describe(f) + hint);
    }
    node->field.token = next();
    if (peek().kind == Tok::LParen)
      return fail(peek(), "functions (len(), count(), upper(), ...) are not supported: " + node->field.token.text +
                              " is read as a field name");
    if (peek().kind == Tok::LBracket) return fail(peek(), "slices (field[0:3]) are not supported");
    if (peek().kind == Tok::Amp || is_word(peek(), "bitwise_and")) {
      const Token amp = next();
      if (!value_token(amp)) return nullptr;
      node->field.mask = next();
    }
    const Token& r = peek();
    bool negated_in = false;
    if (is_word(r, "not") && is_word(peek(1), "in")) {
      next();
      negated_in = true;
    }
    if (is_word(peek(), "in")) return set(std::move(node), negated_in);
    const RelationWord* rel = relation_of(peek());
    if (!rel) {
      last_test_bare_ = true;
      if (explicit_quantifier_)
        return fail(peek(), "expected an operator (" + std::string(kOperators) + ") after '" +
                                node->field.token.text + "' (any/all need a comparison), found " + describe(peek()));
      return node;
    }
    last_test_bare_ = false;
    node->relation_token = next();
    node->relation = rel->relation;
    if (!explicit_quantifier_) node->quantifier = rel->quantifier;
    if (!value_token(node->relation_token)) return nullptr;
    node->value.token = next();
    return node;
  }

  static bool is_value(const Token& v) {
    return (v.kind == Tok::Word && !is_keyword(v)) || v.kind == Tok::String || v.kind == Tok::Char;
  }

  // The next token must be a value (a word that is not a keyword, a string or a character).
  bool value_token(const Token& after) {
    if (is_value(peek())) return true;
    fail(peek(), "expected a value after " + describe(after) + ", found " + describe(peek()));
    return false;
  }

  std::unique_ptr<Syntax> set(std::unique_ptr<Syntax> node, bool negated) {
    last_test_bare_ = false;
    node->relation_token = next();  // "in"
    node->relation = Relation::In;
    if (!explicit_quantifier_) node->quantifier = Quantifier::Any;
    if (peek().kind != Tok::LBrace)
      return fail(peek(), "expected '{' after 'in' (in {1, 2, 3}), found " + describe(peek()));
    const Token open = next();
    const std::string opened = " in the set opened at column " + std::to_string(column_of(text_, open.pos));
    while (true) {
      if (!is_value(peek())) {
        std::string what = peek().kind == Tok::End ? "expected a value or '}'" : "expected a value";
        return fail(peek(), what + opened + ", found " + describe(peek()));
      }
      SetItem item{next(), std::nullopt};
      if (peek().kind == Tok::DotDot) {
        const Token dots = next();
        if (!value_token(dots)) return nullptr;
        item.high = next();
      }
      node->set.push_back(std::move(item));
      if (peek().kind == Tok::Comma) {
        next();
      } else if (peek().kind == Tok::RBrace) {
        next();
        break;
      } else if (!is_value(peek())) {  // a value without a comma is Wireshark 3.6's form: accepted
        return fail(peek(), "expected ',', a value or '}'" + opened + ", found " + describe(peek()));
      }
    }
    return negated ? negate(std::move(node)) : std::move(node);
  }

  std::string_view text_;
  const std::vector<Token>& t_;
  FilterError& error_;
  std::size_t i_ = 0;
  int depth_ = 0;
  int terms_ = 0;
  bool last_test_bare_ = false;
  bool explicit_quantifier_ = false;
};

}  // namespace

std::unique_ptr<Syntax> parse(std::string_view text, const std::vector<Token>& tokens, FilterError& error) {
  error = FilterError{};
  return Parser(text, tokens, error).run();
}

}  // namespace ovms::filter
