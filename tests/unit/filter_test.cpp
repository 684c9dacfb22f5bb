// Display filters over records the real decoder made from a scripted, encrypted conversation: every
// operator, names with and without "ovms.", the paranoid inner message, and every error with its column.
#include <gtest/gtest.h>

#include <functional>

#include "ovms/filter.h"
#include "test_support.h"

using namespace ovms;
using namespace ovms::test;

namespace {

// A car's session: welcomes, messages (some malformed, one unknown), a paranoid token and EM message,
// a command from the server and its response, at frames 1, 2, 3 ... and times 100.0, 100.5, ...
class Session {
 public:
  Session() : keys_(keys_for("DEMO", c_.secret)), d_(0, &keys_, nullptr) {
    send(Direction::ClientToServer, c_.welcome());
    send(Direction::ServerToClient, c_.server_welcome());
    up("S80.5,K,230,16.00,charging,standard,250,220");
    up("S20.0,K,0,0.00,stopped,standard,90,80");
    up("Sabc,K,0");                                    // soc is not a number
    up("S,K,0");                                       // soc sent empty
    up("D68,8,4,12.5,13,14");                          // doors1 = 0x44: charge port, handbrake; locked
    up("L52.520008,13.404954,237,34,1,1");
    up("Q1,2");                                        // unknown code
    up("ET" + ptoken_);
    up_raw(paranoid_wrap(paranoid_key(c_.secret, ptoken_), 'S', "55.5,K,0,0.00,stopped,standard,200,190"));
    down("C7,stat");
    up("c7,0,all fine");
    down("Z0,surplus");                                // a field the catalog does not know
  }

  const KeptRecords& records() const { return sink_.records; }

  // Indices of the records `filter` selects (the test fails if it does not compile).
  std::vector<std::size_t> select(const std::string& filter) const {
    FilterError e;
    auto f = DisplayFilter::compile(filter, e);
    EXPECT_TRUE(f) << filter << ": column " << e.column << ": " << e.message;
    std::vector<std::size_t> out;
    if (!f) return out;
    for (std::size_t i = 0; i < records().size(); ++i)
      if (f->matches(records()[i])) out.push_back(i);
    return out;
  }

  // Indices of the records for which `pred` holds: what a filter should select, worked out from the
  // records by hand.
  std::vector<std::size_t> where(const std::function<bool(const LineRecord&)>& pred) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < records().size(); ++i)
      if (pred(records()[i])) out.push_back(i);
    return out;
  }

  std::size_t index_of(const std::string& plain) const {
    for (std::size_t i = 0; i < records().size(); ++i)
      if (records()[i].plain && *records()[i].plain == "MP-0 " + plain) return i;
    ADD_FAILURE() << "no record " << plain;
    return 0;
  }

 private:
  void send(Direction dir, const std::string& line) {
    const std::string bytes = line + "\r\n";
    ++frame_;
    d_.feed(dir, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), frame_, 100.0 + 0.5 * (frame_ - 1),
            sink_);
  }
  void up(const std::string& body) { up_raw("MP-0 " + body); }
  void up_raw(const std::string& plain) { send(Direction::ClientToServer, c_.up.encrypt(plain)); }
  void down(const std::string& body) { send(Direction::ServerToClient, c_.down.encrypt("MP-0 " + body)); }

  Conversation c_;
  KeyStore keys_;
  Collect sink_;
  ConnectionDecoder d_;
  uint64_t frame_ = 0;
  const std::string ptoken_ = "PToken0123456789abcdefg";
};

const Session& session() {
  static const Session s;
  return s;
}

const FieldValue* field(const DecodedMessage& m, const char* name) { return m.field(name); }

// The status's soc as a number, from the outer or the paranoid inner message.
std::optional<double> soc(const LineRecord& r) {
  const DecodedMessage* inner = r.inner ? &r.inner->msg : nullptr;
  for (const DecodedMessage* m : {&r.msg, inner}) {
    if (!m || m->code != 'S') continue;
    const FieldValue* v = field(*m, "soc");
    if (v && v->kind == FieldValue::Kind::Float) return v->f;
  }
  return std::nullopt;
}

bool code_is(const LineRecord& r, char c) { return r.plain && r.msg.code == c; }

FilterError error_of(const std::string& filter) {
  FilterError e;
  EXPECT_FALSE(DisplayFilter::compile(filter, e)) << filter << " compiled";
  return e;
}

}  // namespace

TEST(Filter, TheSessionDecoded) {
  const Session& s = session();
  ASSERT_EQ(s.records().size(), 14u);
  for (const LineRecord& r : s.records()) EXPECT_TRUE(r.kind != LineKind::Message || r.plain) << r.wire;
  ASSERT_EQ(s.where([](const LineRecord& r) { return r.inner != nullptr; }).size(), 1u);
}

TEST(Filter, EmptyFilterSelectsEverything) {
  const Session& s = session();
  EXPECT_EQ(s.select("").size(), s.records().size());
  EXPECT_EQ(s.select("   ").size(), s.records().size());
  EXPECT_EQ(s.select("ovms").size(), s.records().size());
}

TEST(Filter, NamesWithAndWithoutOvmsMeanTheSame) {
  const Session& s = session();
  const char* pairs[][2] = {
      {"status.soc < 50", "ovms.status.soc < 50"},
      {"vehicle_id == \"DEMO\"", "ovms.vehicle_id == \"DEMO\""},
      {"vehicle == DEMO", "ovms.vehicle_id == DEMO"},
      {"code == \"S\" && dir == \"c2s\"", "ovms.code == \"S\" && ovms.direction == \"c2s\""},
      {"location.latitude > 52", "ovms.location.latitude > 52"},
      {"inner.code == \"S\"", "ovms.paranoid.code == \"S\""},
      {"paranoid.code == S", "ovms.paranoid.code == S"},
      {"plain contains \"stat\"", "ovms.plaintext contains \"stat\""},
      {"wire", "ovms.line"},
      {"role == server", "ovms.role == \"server\""},
      {"kind == welcome", "ovms.kind == \"welcome\""},
      {"name == status", "ovms.name == \"status\""},
      {"diag", "ovms.diag"},
      {"expert.message.malformed_field", "ovms.expert.message.malformed_field"},
      {"paranoid", "ovms.paranoid"},
      {"environment.doors1.charge_port == 1", "ovms.environment.doors1.charge_port == 1"},
  };
  for (auto& p : pairs) {
    auto a = s.select(p[0]);
    EXPECT_EQ(a, s.select(p[1])) << p[0] << " vs " << p[1];
    EXPECT_FALSE(a.empty()) << p[0];
  }
}

TEST(Filter, Comparisons) {
  const Session& s = session();
  auto soc_is = [&](std::function<bool(double)> p) {
    return s.where([p](const LineRecord& r) { return soc(r) && p(*soc(r)); });
  };
  EXPECT_EQ(s.select("status.soc == 20"), soc_is([](double v) { return v == 20; }));
  EXPECT_EQ(s.select("status.soc eq 20"), soc_is([](double v) { return v == 20; }));
  EXPECT_EQ(s.select("status.soc any_eq 20"), soc_is([](double v) { return v == 20; }));
  EXPECT_EQ(s.select("status.soc != 20"), soc_is([](double v) { return v != 20; }));
  EXPECT_EQ(s.select("status.soc ne 20"), soc_is([](double v) { return v != 20; }));
  EXPECT_EQ(s.select("status.soc all_ne 20"), soc_is([](double v) { return v != 20; }));
  EXPECT_EQ(s.select("status.soc < 55.5"), soc_is([](double v) { return v < 55.5; }));
  EXPECT_EQ(s.select("status.soc lt 55.5"), soc_is([](double v) { return v < 55.5; }));
  EXPECT_EQ(s.select("status.soc <= 55.5"), soc_is([](double v) { return v <= 55.5; }));
  EXPECT_EQ(s.select("status.soc le 55.5"), soc_is([](double v) { return v <= 55.5; }));
  EXPECT_EQ(s.select("status.soc > 55.5"), soc_is([](double v) { return v > 55.5; }));
  EXPECT_EQ(s.select("status.soc gt 55.5"), soc_is([](double v) { return v > 55.5; }));
  EXPECT_EQ(s.select("status.soc >= 55.5"), soc_is([](double v) { return v >= 55.5; }));
  EXPECT_EQ(s.select("status.soc ge 55.5"), soc_is([](double v) { return v >= 55.5; }));
  EXPECT_EQ(s.select("status.soc >= 5.55e1"), s.select("status.soc >= 55.5"));
  EXPECT_EQ(s.select("status.soc > -1").size(), 3u);  // 80.5, 20.0 and the paranoid 55.5
  // Text compares as bytes, integers as integers.
  EXPECT_EQ(s.select("code < \"D\""), s.where([](const LineRecord& r) { return r.plain && r.msg.code && r.msg.code < 'D'; }));
  EXPECT_EQ(s.select("status.line_voltage >= 0x10"), s.select("status.line_voltage == 230"));
  EXPECT_EQ(s.select("status.line_voltage == 0b11100110"), s.select("status.line_voltage == 230"));
  EXPECT_EQ(s.select("status.line_voltage == 0346"), s.select("status.line_voltage == 230"));  // octal
  EXPECT_EQ(s.select("code == 'S'"), s.select("code == \"S\""));
  EXPECT_EQ(s.select("status.line_voltage == 230").size(), 1u);
}

TEST(Filter, AnyAllKeywordsAndStrictOperators) {
  const Session& s = session();
  auto diag_keys = [](const LineRecord& r) {
    std::vector<std::string> k;
    for (const Diagnostic& d : r.diags) k.push_back(d.def().key);
    if (r.inner)
      for (const Diagnostic& d : r.inner->diags) k.push_back(d.def().key);
    return k;
  };
  auto all_are = [&](const char* key) {
    return s.where([&](const LineRecord& r) {
      auto k = diag_keys(r);
      return !k.empty() && std::all_of(k.begin(), k.end(), [&](const std::string& x) { return x == key; });
    });
  };
  auto any_is_not = [&](const char* key) {
    return s.where([&](const LineRecord& r) {
      auto k = diag_keys(r);
      return std::any_of(k.begin(), k.end(), [&](const std::string& x) { return x != key; });
    });
  };
  const char* key = "message.malformed_field";
  EXPECT_EQ(s.select(std::string("diag === ") + key), all_are(key));
  EXPECT_EQ(s.select(std::string("diag all_eq ") + key), all_are(key));
  EXPECT_EQ(s.select(std::string("all diag == ") + key), all_are(key));
  EXPECT_EQ(s.select(std::string("diag !== ") + key), any_is_not(key));
  EXPECT_EQ(s.select(std::string("diag any_ne ") + key), any_is_not(key));
  EXPECT_EQ(s.select(std::string("any diag != ") + key), any_is_not(key));
  EXPECT_FALSE(any_is_not(key).empty());
}

TEST(Filter, LogicAndParentheses) {
  const Session& s = session();
  auto c2s_s = s.where([](const LineRecord& r) { return code_is(r, 'S') && r.dir == Direction::ClientToServer; });
  EXPECT_EQ(s.select("code == S && dir == c2s"), c2s_s);
  EXPECT_EQ(s.select("code == S and dir == c2s"), c2s_s);
  auto s_or_z = s.where([](const LineRecord& r) { return code_is(r, 'S') || code_is(r, 'Z'); });
  EXPECT_EQ(s.select("code == S || code == Z"), s_or_z);
  EXPECT_EQ(s.select("code == S or code == Z"), s_or_z);
  auto not_s = s.where([](const LineRecord& r) { return !code_is(r, 'S'); });
  EXPECT_EQ(s.select("!code == S"), not_s);
  EXPECT_EQ(s.select("not code == S"), not_s);
  EXPECT_EQ(s.select("not not code == S"), s.select("code == S"));
  // and binds tighter than or; not tighter than and.
  EXPECT_EQ(s.select("code == Z or code == S and dir == c2s"), s.select("code == Z or (code == S and dir == c2s)"));
  EXPECT_NE(s.select("code == Z or code == S and dir == c2s"), s.select("(code == Z or code == S) and dir == c2s"));
  EXPECT_EQ(s.select("not code == S and dir == c2s"), s.select("(not code == S) and dir == c2s"));
  EXPECT_EQ(s.select("((((code == S))))"), s.select("code == S"));
  // A comparison needs the field: != does not select lines without it (as in Wireshark).
  EXPECT_EQ(s.select("status.soc != 1000"), s.where([](const LineRecord& r) { return soc(r).has_value(); }));
  EXPECT_EQ(s.select("!status.soc == 1000").size(), s.records().size());
}

TEST(Filter, PresenceOfAField) {
  const Session& s = session();
  EXPECT_EQ(s.select("status.soc"), s.where([](const LineRecord& r) { return soc(r).has_value(); }));
  EXPECT_EQ(s.select("handshake_ok"), s.where([](const LineRecord& r) { return r.handshake != nullptr; }));
  EXPECT_EQ(s.select("not code"), s.where([](const LineRecord& r) { return !(r.plain && r.msg.code); }));
  EXPECT_EQ(s.select("response_to"), std::vector<std::size_t>{s.index_of("c7,0,all fine")});
  EXPECT_EQ(s.select("command_name == execute"),
            (std::vector<std::size_t>{s.index_of("C7,stat"), s.index_of("c7,0,all fine")}));
  EXPECT_EQ(s.select("command.command_line == stat"), std::vector<std::size_t>{s.index_of("C7,stat")});
  EXPECT_EQ(s.select("command_response.output contains fine"), std::vector<std::size_t>{s.index_of("c7,0,all fine")});
}

TEST(Filter, ContainsAndMatches) {
  const Session& s = session();
  auto plain_has = [&](const char* t) {
    return s.where([t](const LineRecord& r) { return r.plain && r.plain->find(t) != std::string::npos; });
  };
  EXPECT_EQ(s.select("plain contains \"K,0\""), plain_has("K,0"));
  EXPECT_EQ(s.select("plain contains K"), plain_has("K"));
  EXPECT_EQ(s.select("plain contains \"\\x4b,0\""), plain_has("K,0"));  // \x4b is K
  EXPECT_EQ(s.select("plain contains \"k,0\"").size(), 0u);            // contains is case-sensitive
  EXPECT_EQ(s.select("status.charge_state matches \"^CHARG\""), s.select("status.charge_state == charging"));
  EXPECT_EQ(s.select("status.charge_state ~ \"^charg\""), s.select("status.charge_state == charging"));
  EXPECT_TRUE(s.select("status.charge_state matches \"(?-i)^CHARG\"").empty());
  EXPECT_EQ(s.select("plain matches r\"^MP-0 S\\d+\\.5,\""),
            s.where([](const LineRecord& r) { return code_is(r, 'S') && r.plain->find(".5,") != std::string::npos; }));
  EXPECT_EQ(s.select("inner.plain matches \"^MP-0 S55\""), s.select("paranoid"));
}

TEST(Filter, SetsAndRanges) {
  const Session& s = session();
  auto codes = [&](std::string set) {
    return s.where([set](const LineRecord& r) { return r.plain && r.msg.code && set.find(r.msg.code) != std::string::npos; });
  };
  EXPECT_EQ(s.select("code in {\"S\", \"D\", \"L\"}"), codes("SDL"));
  EXPECT_EQ(s.select("code in {S D L}"), codes("SDL"));  // Wireshark 3.6's spaces
  EXPECT_EQ(s.select("code in {S, D L}"), codes("SDL"));
  EXPECT_EQ(s.select("code in {\"A\"..\"E\"}"), codes("ABCDE"));
  EXPECT_EQ(s.select("code not in {S, D, L}"), s.where([](const LineRecord& r) {
              return !(r.plain && (r.msg.code == 'S' || r.msg.code == 'D' || r.msg.code == 'L'));
            }));
  EXPECT_EQ(s.select("status.soc in {20..56}"), s.select("status.soc >= 20 && status.soc <= 56"));
  EXPECT_EQ(s.select("status.soc in {20 .. 56, 80.5}"), s.select("status.soc"));
  EXPECT_EQ(s.select("frame in {1..2}"), (std::vector<std::size_t>{0, 1}));
}

TEST(Filter, BitsFlagsAndLabels) {
  const Session& s = session();
  const std::vector<std::size_t> d{s.index_of("D68,8,4,12.5,13,14")};
  EXPECT_EQ(s.select("environment.doors1 & 0x04"), d);
  EXPECT_EQ(s.select("environment.doors1 bitwise_and 0x40"), d);
  EXPECT_TRUE(s.select("environment.doors1 & 0x01").empty());
  EXPECT_EQ(s.select("environment.doors1 & 0x44 == 0x44"), d);
  EXPECT_EQ(s.select("environment.doors1 == 68"), d);
  EXPECT_EQ(s.select("environment.doors1.charge_port == 1"), d);
  EXPECT_EQ(s.select("environment.doors1.charge_port == True"), d);
  EXPECT_EQ(s.select("environment.doors1.fl_door == False"), d);
  EXPECT_EQ(s.select("environment.doors1.fl_door"), d);  // a flag bit is there whenever its field is
  EXPECT_EQ(s.select("environment.lock_state == \"Locked\""), d);
  EXPECT_EQ(s.select("environment.lock_state == locked"), d);  // labels ignore case, as Wireshark's do
  EXPECT_EQ(s.select("environment.lock_state == 4"), d);
  EXPECT_EQ(s.select("location.gps_lock == \"True\""), s.select("location.gps_lock == 1"));
  EXPECT_EQ(s.select("handshake_ok == 2"), s.select("handshake_ok == 1"));  // a non-zero number is true
  EXPECT_EQ(s.select("handshake_ok == TRUE").size(), 2u);
}

TEST(Filter, RecordFields) {
  const Session& s = session();
  EXPECT_EQ(s.select("frame == 3"), std::vector<std::size_t>{2});
  EXPECT_EQ(s.select("frame.number >= 13"), (std::vector<std::size_t>{12, 13}));
  EXPECT_EQ(s.select("time < 100.75"), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(s.select("time < \"1970-01-01 00:01:40.75Z\""), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(s.select("time < \"1970-01-01T00:01:40.75+00:00\""), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(s.select("time >= \"1970-01-01 01:01:40 +0100\"").size(), s.records().size());
  EXPECT_EQ(s.select("conn == 0").size(), s.records().size());
  EXPECT_TRUE(s.select("conn == 1").empty());
  EXPECT_EQ(s.select("dir == s2c"), s.where([](const LineRecord& r) { return r.dir == Direction::ServerToClient; }));
  EXPECT_EQ(s.select("role == car"), s.where([](const LineRecord& r) { return r.role == Role::Car; }));
  EXPECT_EQ(s.select("kind == message").size(), s.records().size() - 2);
  EXPECT_EQ(s.select("name == unknown"), std::vector<std::size_t>{s.index_of("Q1,2")});
  EXPECT_EQ(s.select("wire contains \"MP-C 0\""), std::vector<std::size_t>{0});
  EXPECT_EQ(s.select("stream_offset == 0"), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(s.select("scheme == 0"), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(s.select("key_source == vehicle_id"), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(s.select("summary contains \"soc=80.5\""), std::vector<std::size_t>{2});
  EXPECT_EQ(s.select("ovms.code == ovms.code").size(), s.select("code").size());  // a field against a field
  EXPECT_TRUE(s.select("ovms.code == ovms.name").empty());
}

TEST(Filter, DiagnosticsEmptyMalformedAndExtraFields) {
  const Session& s = session();
  const std::size_t bad = s.index_of("Sabc,K,0");
  EXPECT_EQ(s.select("diag == \"message.malformed_field\""), std::vector<std::size_t>{bad});
  EXPECT_EQ(s.select("diag == message.malformed_field"), std::vector<std::size_t>{bad});
  EXPECT_EQ(s.select("expert.message.malformed_field"), std::vector<std::size_t>{bad});
  EXPECT_EQ(s.select("malformed_value == abc"), std::vector<std::size_t>{bad});
  EXPECT_TRUE(s.select("status.soc == 0 && frame == " + std::to_string(s.records()[bad].frame)).empty());
  EXPECT_EQ(s.select("empty_field == soc"), std::vector<std::size_t>{s.index_of("S,K,0")});
  EXPECT_EQ(s.select("extra_field == surplus"), std::vector<std::size_t>{s.index_of("Z0,surplus")});
  EXPECT_EQ(s.select("peers.count == 0"), std::vector<std::size_t>{s.index_of("Z0,surplus")});
  EXPECT_EQ(s.select("diag == paranoid.server_password"), s.select("paranoid"));
}

TEST(Filter, ParanoidInnerMessage) {
  const Session& s = session();
  const auto em = s.where([](const LineRecord& r) { return r.inner != nullptr; });
  ASSERT_EQ(em.size(), 1u);
  const std::size_t et = s.index_of("ET" + std::string("PToken0123456789abcdefg"));
  // ovms.status.soc also finds the status inside the EM; ovms.code is the outer code, inner.code the inner.
  EXPECT_EQ(s.select("status.soc == 55.5"), em);
  EXPECT_EQ(s.select("ovms.status.soc == 55.5"), em);
  EXPECT_EQ(s.select("code == E"), (std::vector<std::size_t>{et, em[0]}));
  EXPECT_EQ(s.select("ovms.code == \"S\" && frame == " + std::to_string(s.records()[em[0]].frame)).size(), 0u);
  EXPECT_EQ(s.select("inner.code == S"), em);
  EXPECT_EQ(s.select("ovms.paranoid.code == \"S\""), em);
  EXPECT_EQ(s.select("ovms.paranoid.name == status"), em);
  EXPECT_EQ(s.select("inner.truncated == 0"), em);
  EXPECT_EQ(s.select("paranoid"), em);
  EXPECT_EQ(s.select("inner"), em);
  EXPECT_EQ(s.select("paranoid.subtype == T"), std::vector<std::size_t>{et});
  EXPECT_EQ(s.select("paranoid.token"), std::vector<std::size_t>{et});
  EXPECT_EQ(s.select("paranoid.inner_code == S"), em);
  EXPECT_EQ(s.select("name == paranoid"), (std::vector<std::size_t>{et, em[0]}));
}

TEST(Filter, ACompiledFilterIsSharedByCopies) {
  FilterError e;
  auto f = DisplayFilter::compile("code == S", e);
  ASSERT_TRUE(f);
  DisplayFilter copy = *f;
  EXPECT_EQ(copy.text(), "code == S");
  const Session& s = session();
  for (const LineRecord& r : s.records()) EXPECT_EQ(copy.matches(r), f->matches(r));
}

// Every error names its column and what was expected there.
TEST(Filter, ErrorsSayWhereAndWhat) {
  struct Case {
    const char* filter;
    std::size_t column;
    const char* says;
  };
  const Case cases[] = {
      // lexer
      {"code == \"S", 9, "no closing '\"'"},
      {"code == \"\\q\"", 10, "\\q is not an escape"},
      {"code == \"\\x\"", 10, "\\x needs one or two hexadecimal digits"},
      {"code == 'SS'", 9, "one character between single quotes"},
      {"code = S", 6, "'=' is not an operator: compare with '=='"},
      {"code == S | dir == c2s", 11, "'|' is not an operator"},
      {"code == S $", 11, "unexpected character '$'"},
      {"code == S \x01", 11, "unexpected character (byte 0x01)"},
      // parser
      {"status.soc <", 13, "expected a value after '<', found the end of the filter"},
      {"status.soc == and", 15, "expected a value after '==', found 'and'"},
      {"status.soc 20", 12, "expected an operator (==, !=, <, <=, >, >=, contains, matches, in), 'and', 'or' or the end"},
      {"code == S dir == c2s", 11, "expected 'and', 'or' or the end of the filter after 'S', found 'dir'"},
      {"code == S &&", 13, "expected a field name, '(' or 'not' after '&&', found the end of the filter"},
      {"&& code == S", 1, "expected a field name, '(' or 'not', found '&&'"},
      {"(code == S", 11, "expected 'and', 'or' or ')' to close the '(' at column 1"},
      {"code == S)", 10, "unexpected ')': no '(' is open"},
      {"20 < status.soc", 1, "a value goes on the right"},
      {"\"S\" == code", 1, "expected a field name"},
      {"not", 4, "expected a field name, '(' or 'not' after 'not', found the end of the filter"},
      {"code in S", 9, "expected '{' after 'in'"},
      {"code in {}", 10, "expected a value in the set opened at column 9, found '}'"},
      {"code in {S,}", 12, "expected a value in the set opened at column 9, found '}'"},
      {"code in {S", 11, "expected ',', a value or '}' in the set opened at column 9, found the end of the filter"},
      {"code in {", 10, "expected a value or '}' in the set opened at column 9, found the end of the filter"},
      {"code in {S ==}", 12, "expected ',', a value or '}' in the set opened at column 9"},
      {"status.soc in {1..}", 19, "expected a value after '..'"},
      {"len(code) > 1", 4, "functions (len(), count(), upper(), ...) are not supported"},
      {"plain[0:3] == MP-", 6, "slices (field[0:3]) are not supported"},
      {"all code", 9, "any/all need a comparison"},
      // names
      {"status.sco < 20", 1, "unknown field name 'status.sco' (did you mean 'status.soc'?)"},
      {"ovms.status.soc < 20 || ovms.bogus", 25, "unknown field name 'ovms.bogus'"},
      {"tcp.port == 6867", 1, "'tcp.port' is not an OVMS field"},
      {"ovms.retransmitted", 1, "known only to the Wireshark plugin (per TCP segment)"},
      {"ovms.response_in", 1, "needs the whole capture"},
      {"code == ovms.nothing", 9, "unknown field name 'ovms.nothing'"},
      // types and values
      {"status.soc == abc", 15, "'abc' is not a number (ovms.status.soc is one"},
      {"status.soc > \"50\"", 14, "ovms.status.soc is a number: write it without quotes"},
      {"status.line_voltage == 1.5", 24, "'1.5' is not an integer"},
      {"status.line_voltage == 99999999999999999999", 24, "is not an integer"},
      {"environment.lock_state == open", 27, "'open' is not a value of ovms.environment.lock_state (an integer, or one of: Locked, Unlocked)"},
      {"location.gps_lock == maybe", 22, "one of: False, True, Unknown (stale)"},
      {"handshake_ok == yes", 17, "'yes' is not a boolean (True, False, 1 or 0)"},
      {"paranoid == 1", 10, "ovms.paranoid has no value to compare: test whether it is there"},
      {"status.soc contains 5", 12, "contains needs a text field; ovms.status.soc is a number"},
      {"status.soc matches \"5\"", 12, "matches needs a text field"},
      {"code matches S", 14, "matches needs a regular expression in double quotes"},
      {"code matches \"(S\"", 14, "invalid regular expression: this '(' is not closed (at character 1 of the pattern)"},
      {"code matches \"S\\\\1\"", 14, "backreferences"},
      {"status.soc & 4", 1, "'&' needs an integer field; ovms.status.soc is a number"},
      {"environment.doors1 & x", 22, "'x' is not an integer"},
      {"code == ovms.status.soc", 9, "cannot compare ovms.code (text) with ovms.status.soc (a number)"},
      {"time > \"yesterday\"", 8, "is not a time: write epoch seconds (1767225600) or a date"},
      {"firmware.service_time < \"2026-13-01\"", 25, "is not a time"},
      {"plain contains ovms.code", 16, "contains takes a value here, not a field"},
  };
  for (const Case& c : cases) {
    FilterError e = error_of(c.filter);
    EXPECT_EQ(e.column, c.column) << c.filter << ": " << e.message;
    EXPECT_NE(e.message.find(c.says), std::string::npos) << c.filter << ": got \"" << e.message << "\"";
  }
}

TEST(Filter, ColumnsCountCharactersNotBytes) {
  FilterError e = error_of("vehicle == \"Čapek\" && bogus");
  EXPECT_EQ(e.column, 23u) << e.message;
}

TEST(Filter, DeepNestingIsAnErrorNotACrash) {
  std::string deep(5000, '(');
  deep += "code";
  FilterError e = error_of(deep);
  EXPECT_NE(e.message.find("nested too deeply"), std::string::npos) << e.message;
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "!";
  e = error_of(nots + "code");
  EXPECT_NE(e.message.find("nested too deeply"), std::string::npos) << e.message;
}
