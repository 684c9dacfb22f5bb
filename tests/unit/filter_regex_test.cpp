// The regular-expression engine of `matches`: the supported syntax, Wireshark's case rule, errors with
// their position, and linear time on inputs that make backtracking engines explode.
#include <gtest/gtest.h>

#include <chrono>

#include "filter/regex.h"  // the engine is internal to ovms_filter

using ovms::filter::Regex;

namespace {

bool search(const std::string& pattern, const std::string& text) {
  std::string error;
  std::size_t at = 0;
  auto re = Regex::compile(pattern, error, at);
  EXPECT_TRUE(re) << pattern << ": " << error;
  return re && re->search(text);
}

std::pair<std::string, std::size_t> error_of(const std::string& pattern) {
  std::string error;
  std::size_t at = 0;
  EXPECT_FALSE(Regex::compile(pattern, error, at)) << pattern;
  return {error, at};
}

}  // namespace

TEST(FilterRegex, Literals) {
  EXPECT_TRUE(search("soc", "S80,soc"));
  EXPECT_TRUE(search("", "anything"));
  EXPECT_TRUE(search("", ""));
  EXPECT_FALSE(search("soc", "so"));
  EXPECT_TRUE(search("a,b", "xa,by"));
  EXPECT_TRUE(search("a{", "a{"));  // a brace that is not a count is itself
}

TEST(FilterRegex, CaseInsensitiveUnlessAskedAsInWireshark) {
  EXPECT_TRUE(search("demo", "DEMO"));
  EXPECT_TRUE(search("d[e]m.", "DEMO"));
  EXPECT_TRUE(search("(?i)demo", "DeMo"));
  EXPECT_FALSE(search("(?-i)demo", "DEMO"));
  EXPECT_FALSE(search("(?-i)d[e]mo", "DEMO"));
  EXPECT_TRUE(search("(?-i)DEMO", "DEMO"));
  EXPECT_TRUE(search("[a-c]", "B"));
  EXPECT_FALSE(search("(?-i)[a-c]", "B"));
}

TEST(FilterRegex, ClassesAnchorsAndBoundaries) {
  EXPECT_TRUE(search("^MP-0 S", "MP-0 S80"));
  EXPECT_FALSE(search("^S", "MP-0 S80"));
  EXPECT_TRUE(search("80$", "S80"));
  EXPECT_TRUE(search("80$", "S80\n"));  // $ before a final newline, as in PCRE
  EXPECT_FALSE(search("8$", "S80"));
  EXPECT_TRUE(search("\\AS", "S80"));
  EXPECT_TRUE(search("0\\z", "S80"));
  EXPECT_TRUE(search("\\d\\d\\.\\d", "soc=80.5"));
  EXPECT_FALSE(search("\\d\\d\\.\\d", "soc=8.5"));
  EXPECT_TRUE(search("\\w+=\\S+", "soc=80"));
  EXPECT_TRUE(search("\\s", "a b"));
  EXPECT_FALSE(search("\\s", "ab"));
  EXPECT_TRUE(search("[^0-9,]", "12,a"));
  EXPECT_FALSE(search("[^0-9,]", "12,3"));
  EXPECT_TRUE(search("[\\d.]+K", "80.5K"));
  EXPECT_TRUE(search("[[:alpha:]][[:digit:]]", "S8"));
  EXPECT_TRUE(search("[]x]", "]"));
  EXPECT_TRUE(search("[a-]", "-"));
  EXPECT_TRUE(search("\\bsoc\\b", "x soc y"));
  EXPECT_FALSE(search("\\bsoc\\b", "xsocy"));
  EXPECT_TRUE(search("\\Bo\\B", "soc"));
  EXPECT_TRUE(search("a.c", "abc"));
  EXPECT_FALSE(search("a.c", "a\nc"));
  EXPECT_TRUE(search("\\x4b", "K"));
  EXPECT_TRUE(search("\\.", "."));
  EXPECT_FALSE(search("\\.", "a"));
  EXPECT_TRUE(search("\\t", "a\tb"));
}

TEST(FilterRegex, RepetitionAndAlternation) {
  EXPECT_TRUE(search("^a*$", ""));
  EXPECT_TRUE(search("^a*$", "aaaa"));
  EXPECT_FALSE(search("^a+$", ""));
  EXPECT_TRUE(search("^colou?r$", "color"));
  EXPECT_TRUE(search("^colou?r$", "colour"));
  EXPECT_TRUE(search("^a{3}$", "aaa"));
  EXPECT_FALSE(search("^a{3}$", "aa"));
  EXPECT_TRUE(search("^a{2,}$", "aaaaa"));
  EXPECT_FALSE(search("^a{2,3}$", "aaaa"));
  EXPECT_TRUE(search("^a{2,3}?$", "aaa"));
  EXPECT_TRUE(search("^(ab)+$", "ababab"));
  EXPECT_FALSE(search("^(ab)+$", "ababa"));
  EXPECT_TRUE(search("^(?:S|D|L)\\d", "D64"));
  EXPECT_TRUE(search("car|server", "the server"));
  EXPECT_FALSE(search("^(car|server)$", "app"));
  EXPECT_TRUE(search("^(|x)$", ""));
  EXPECT_TRUE(search("(a*)*b", "aaab"));
}

TEST(FilterRegex, ErrorsSayWhereInThePattern) {
  struct Case {
    const char* pattern;
    std::size_t at;
    const char* says;
  };
  for (Case c : {Case{"(S", 0, "this '(' is not closed"}, Case{"S)", 1, "unmatched ')'"},
                 Case{"[abc", 0, "this '[' is not closed"}, Case{"*S", 0, "nothing to repeat"},
                 Case{"S|+", 2, "nothing to repeat"}, Case{"^*", 1, "nothing to repeat before '*'"},
                 Case{"a{3,2}", 1, "m < n"}, Case{"a{1001}", 1, "above 1000"}, Case{"(a)\\1", 3, "backreferences"},
                 Case{"(?=a)", 0, "lookaround"}, Case{"a(?i)b", 1, "only at the start"}, Case{"\\q", 0, "\\q is not supported"},
                 Case{"\\xZZ", 0, "\\x needs"}, Case{"[z-a]", 2, "end comes before its start"},
                 Case{"a\\", 1, "at the end of the pattern"}}) {
    auto [error, at] = error_of(c.pattern);
    EXPECT_EQ(at, c.at) << c.pattern << ": " << error;
    EXPECT_NE(error.find(c.says), std::string::npos) << c.pattern << ": " << error;
  }
  EXPECT_NE(error_of("(a{1000}){1000}").first.find("too large"), std::string::npos);
  EXPECT_NE(error_of(std::string(200, '(') + "a" + std::string(200, ')')).first.find("nested too deeply"),
            std::string::npos);
}

// Patterns that take a backtracking engine exponential time run in linear time here.
TEST(FilterRegex, NoCatastrophicBacktracking) {
  const std::string text(100000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(search("(a*)*b", text));
  EXPECT_FALSE(search("^(a|aa)+$", text + "b"));
  EXPECT_FALSE(search("(x+x+)+y", std::string(5000, 'x')));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0);  // exponential would be years; generous for a loaded CI machine
}
