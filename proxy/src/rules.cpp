#include "rules.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "ovms/field_names.h"

namespace ovms::proxy {

const char* rule_kind_name(Rule::Kind k) {
  switch (k) {
    case Rule::Kind::Drop: return "drop";
    case Rule::Kind::Set: return "set";
    case Rule::Kind::Replace: return "replace";
    case Rule::Kind::Delay: return "delay";
    case Rule::Kind::Answer: return "answer";
    case Rule::Kind::Inject: return "inject";
  }
  return "?";
}

std::string Rule::describe() const {
  return "line " + std::to_string(line) + ": " + rule_kind_name(kind) + " '" + filter.text() + "'";
}

namespace {

struct RuleError {
  int line;
  std::string what;
};

int line_of(const YAML::Node& n) { return n.Mark().line + 1; }

std::string scalar(const YAML::Node& n, const char* what) {
  if (!n.IsScalar()) throw RuleError{line_of(n), std::string(what) + " must be a text"};
  return n.as<std::string>();
}

Rule parse_rule(const YAML::Node& n) {
  if (!n.IsMap()) throw RuleError{line_of(n), "each rule is a mapping with 'match' and one action"};
  const YAML::Node m = n["match"];
  if (!m) throw RuleError{line_of(n), "a rule needs 'match' (a filter)"};
  FilterError fe;
  auto filter = DisplayFilter::compile(scalar(m, "match"), fe);
  if (!filter) throw RuleError{line_of(m), "match: column " + std::to_string(fe.column) + ": " + fe.message};
  Rule r(line_of(n), *filter);
  if (const YAML::Node f = n["from"]) {
    const std::string s = scalar(f, "from");
    if (s == "car" || s == "client" || s == "app") r.from = Leg::Client;
    else if (s == "server") r.from = Leg::Server;
    else throw RuleError{line_of(f), "from: '" + s + "' is not client (car, app) or server"};
  }
  int actions = 0;
  if (const YAML::Node d = n["drop"]) { r.kind = Rule::Kind::Drop; ++actions; (void)d; }
  if (const YAML::Node s = n["set"]) {
    if (!s.IsMap() || !s["field"] || !s["value"]) throw RuleError{line_of(s), "set needs {field: NAME, value: TEXT}"};
    r.kind = Rule::Kind::Set;
    r.a = scalar(s["field"], "set.field");
    r.b = scalar(s["value"], "set.value");
    const FieldName* fn = find_field_name(r.a);
    if (!fn || fn->defs.empty()) throw RuleError{line_of(s), "set: '" + r.a + "' is not a message field (see docs/catalog.md)"};
    ++actions;
  }
  if (const YAML::Node s = n["replace"]) {
    if (!s.IsMap() || !s["from"] || !s["to"]) throw RuleError{line_of(s), "replace needs {from: TEXT, to: TEXT}"};
    r.kind = Rule::Kind::Replace;
    r.a = scalar(s["from"], "replace.from");
    r.b = scalar(s["to"], "replace.to");
    if (r.a.empty()) throw RuleError{line_of(s), "replace.from is empty"};
    ++actions;
  }
  if (const YAML::Node s = n["delay"]) {
    r.kind = Rule::Kind::Delay;
    try { r.seconds = s.as<double>(); } catch (const YAML::Exception&) { throw RuleError{line_of(s), "delay is a number of seconds"}; }
    if (!(r.seconds >= 0 && r.seconds < 86400)) throw RuleError{line_of(s), "delay must be 0 to 86400 seconds"};
    ++actions;
  }
  if (const YAML::Node s = n["answer"]) { r.kind = Rule::Kind::Answer; r.a = scalar(s, "answer"); ++actions; }
  if (const YAML::Node s = n["inject"]) { r.kind = Rule::Kind::Inject; r.a = scalar(s, "inject"); ++actions; }
  if (actions != 1)
    throw RuleError{line_of(n), actions ? "a rule has one action" : "a rule needs an action: drop, set, replace, delay, answer or inject"};
  if ((r.kind == Rule::Kind::Answer || r.kind == Rule::Kind::Inject) && r.a.empty())
    throw RuleError{line_of(n), std::string(rule_kind_name(r.kind)) + " needs a message (\"<code><data>\")"};
  return r;
}

}  // namespace

std::optional<Rules> Rules::parse(const std::string& yaml, const std::string& source, std::string& error) {
  Rules out;
  try {
    const YAML::Node root = YAML::Load(yaml);
    if (root.IsNull()) return out;
    if (!root.IsSequence()) throw RuleError{line_of(root), "the rules file is a list of rules"};
    for (const YAML::Node& n : root) out.rules_.push_back(parse_rule(n));
  } catch (const RuleError& e) {
    error = source + ":" + std::to_string(e.line) + ": " + e.what;
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    error = source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg;
    return std::nullopt;
  }
  return out;
}

std::optional<Rules> Rules::load_file(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot be read";
    return std::nullopt;
  }
  std::stringstream s;
  s << in.rdbuf();
  return parse(s.str(), path, error);
}

Rule* Rules::match(const LineRecord& r, Leg from) {
  for (Rule& rule : rules_)
    if ((!rule.from || *rule.from == from) && rule.filter.matches(r)) return &rule;
  return nullptr;
}

namespace {

// The message a record carries, as the relay takes it in an Edit: "<code><data>" of the record's own
// plaintext, or of its paranoid inner message.
struct Body {
  std::string text;
  std::size_t start = 0;  // where text begins in the plaintext the field offsets count in
  bool inner = false;
  const DecodedMessage* msg = nullptr;
};

std::optional<Body> body_of(const LineRecord& r) {
  const std::string* plain = nullptr;
  Body b;
  if (r.inner && r.inner->msg.code) {
    plain = &r.inner->plain;
    b.inner = true;
    b.msg = &r.inner->msg;
    b.start = plain->rfind("MP-0 ", 0) == 0 ? 5 : 0;
  } else if (r.plain && r.msg.code && r.body_offset >= 0) {
    plain = &*r.plain;
    b.msg = &r.msg;
    b.start = static_cast<std::size_t>(r.body_offset);
  } else {
    return std::nullopt;
  }
  b.text = plain->substr(b.start);
  return b;
}

}  // namespace

Decision Rules::decide(Rule& rule, const LineRecord& r, Leg from) {
  ++rule.used;
  Decision d;
  using A = relay::Verdict::Action;
  switch (rule.kind) {
    case Rule::Kind::Drop: d.action = A::Drop; break;
    case Rule::Kind::Delay: d.delay = rule.seconds; break;
    case Rule::Kind::Answer:
      d.action = A::Drop;
      d.inject_toward = from;
      d.inject = rule.a;
      break;
    case Rule::Kind::Inject:
      d.inject_toward = other_leg(from);
      d.inject = rule.a;
      break;
    case Rule::Kind::Set:
    case Rule::Kind::Replace: {
      std::optional<Body> b = body_of(r);
      if (!b) {
        d.error = rule.describe() + ": the line has no decrypted message to change";
        break;
      }
      std::string text = b->text;
      if (rule.kind == Rule::Kind::Replace) {
        std::size_t n = 0;
        for (std::size_t p = text.find(rule.a); p != std::string::npos; p = text.find(rule.a, p + rule.b.size())) {
          text.replace(p, rule.a.size(), rule.b);
          ++n;
        }
        if (!n) d.error = rule.describe() + ": '" + rule.a + "' is not in the message";
      } else {
        const FieldName* fn = find_field_name(rule.a);
        const FieldValue* hit = nullptr;
        for (const FieldValue& f : b->msg->fields)
          for (const FieldDef* def : fn->defs)
            if (f.def == def && !hit) hit = &f;
        if (!hit) {
          d.error = rule.describe() + ": this message has no field " + rule.a;
          break;
        }
        text.replace(hit->offset - b->start, hit->length, rule.b);
      }
      if (d.error.empty()) {
        d.action = A::Edit;
        d.body = text;
        d.inner = b->inner;
      }
      break;
    }
  }
  return d;
}

}  // namespace ovms::proxy
