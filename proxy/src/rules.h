// --rules RULES.yaml: what the proxy does to the lines a filter selects, without anyone watching.
//
//   - match: 'status.soc < 20'      # the core's filter language (docs/filters.md)
//     from: car                      # optional: car|client or server: the leg the line arrives on
//     drop: true                     # or one of:
//     set: {field: status.soc, value: "99.0"}   # a field's text (catalog name, as in filters)
//     replace: {from: "abc", to: "xyz"}          # text in the message ("<code><data>")
//     delay: 2.5                     # seconds, then passed on unchanged
//     answer: "a"                    # not passed on; this message goes back to the sender instead
//     inject: "C7,stat"              # passed on, then this message follows it to the same receiver
//
// The first rule whose filter selects a line decides; each rule counts its uses (--stats).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ovms/filter.h"
#include "ovms/relay.h"

namespace ovms::proxy {

struct Rule {
  enum class Kind { Drop, Set, Replace, Delay, Answer, Inject };
  Rule(int l, DisplayFilter f) : line(l), filter(std::move(f)) {}
  int line = 0;  // where it is in the file (1-based)
  DisplayFilter filter;
  std::optional<Leg> from;
  Kind kind = Kind::Drop;
  std::string a, b;    // Set: field, value; Replace: from, to; Answer/Inject: the message
  double seconds = 0;  // Delay
  uint64_t used = 0;
  std::string describe() const;  // "line 3: drop 'status.soc < 20'"
};

// What a rule does to one held line.
struct Decision {
  relay::Verdict::Action action = relay::Verdict::Action::Forward;
  std::string body;    // Edit: the new message
  bool inner = false;  // Edit: body is a paranoid inner message
  double delay = 0;    // seconds before the verdict is given
  std::optional<Leg> inject_toward;  // then inject `inject` toward this leg
  std::string inject;
  std::string error;  // the rule could not apply (field not in this message): forwarded unchanged
};

class Rules {
 public:
  // Reads a rules file. On error: nullopt and "FILE:LINE: what" in `error`.
  static std::optional<Rules> load_file(const std::string& path, std::string& error);
  static std::optional<Rules> parse(const std::string& yaml, const std::string& source, std::string& error);

  // The first rule that selects `r` arriving on `from`, or null.
  Rule* match(const LineRecord& r, Leg from);
  // What `rule` does to `r`; counts the use.
  Decision decide(Rule& rule, const LineRecord& r, Leg from);

  const std::vector<Rule>& rules() const { return rules_; }
  bool empty() const { return rules_.empty(); }

 private:
  std::vector<Rule> rules_;
};

const char* rule_kind_name(Rule::Kind k);

}  // namespace ovms::proxy
