// Field decoding with the catalog: types, lists, the special layouts, and number parsing.
#include <gtest/gtest.h>

#include <charconv>
#include <cstdio>
#include <random>

#include "ovms/message.h"

using namespace ovms;

namespace {
DecodedMessage decode(std::string_view body, std::vector<Diagnostic>* diags_out = nullptr) {
  std::vector<Diagnostic> diags;
  DecodedMessage m = decode_message(body, diags);
  if (diags_out) *diags_out = diags;
  return m;
}
}  // namespace

TEST(Message, FloatsParseExactlyLikeFromChars) {
  // The decoder's fast path must give the very same double as the general parser.
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    char buf[40];
    uint64_t mant = rng() % 1000000000000ull;
    int decimals = static_cast<int>(rng() % 7);
    int n = std::snprintf(buf, sizeof buf, "%s%llu", (rng() & 1) ? "-" : "", static_cast<unsigned long long>(mant));
    std::string s(buf, static_cast<std::size_t>(n));
    if (decimals && s.size() > static_cast<std::size_t>(decimals) + 1) s.insert(s.size() - decimals, ".");
    double expected = 0;
    std::from_chars(s.data(), s.data() + s.size(), expected);
    DecodedMessage m = decode("L" + s);
    ASSERT_EQ(m.fields.at(0).kind, FieldValue::Kind::Float) << s;
    ASSERT_EQ(m.fields[0].f, expected) << s;
  }
}

TEST(Message, StatusTypesAndEnums) {
  DecodedMessage m = decode("S80.5,K,230,16.00,charging,standard,300,280,32,3600");
  EXPECT_STREQ(m.name(), "status");
  EXPECT_EQ(m.field("soc")->kind, FieldValue::Kind::Float);
  EXPECT_DOUBLE_EQ(m.field("soc")->f, 80.5);
  EXPECT_EQ(m.field("line_voltage")->i, 230);
  EXPECT_EQ(m.field("charge_state")->text, "charging");
  const EnumValue* e = enum_value(*m.field("charge_state")->def, *m.field("charge_state"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value, 1);
}

TEST(Message, MalformedNumberKeptAsTextWithDiagnostic) {
  std::vector<Diagnostic> diags;
  DecodedMessage m = decode("S8x,K", &diags);
  EXPECT_EQ(m.field("soc")->kind, FieldValue::Kind::Text);
  EXPECT_EQ(m.field("soc")->text, "8x");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].id, DiagId::MalformedField);
}

TEST(Message, ExtraTrailingFieldsAreKept) {
  std::string body = "Z1,extra1,extra2";
  std::vector<Diagnostic> diags;
  DecodedMessage m = decode(body, &diags);
  ASSERT_EQ(m.fields.size(), 3u);
  EXPECT_EQ(m.fields[1].def, nullptr);
  EXPECT_EQ(m.fields[2].text, "extra2");
  EXPECT_EQ(diags.at(0).id, DiagId::ExtraFields);
}

TEST(Message, TpmsListsFollowTheirCounts) {
  DecodedMessage m = decode("Y4,FL,FR,RL,RR,4,230.1,231.0,,229.5,1,0,-1");
  int names = 0, pressures = 0;
  for (const auto& f : m.fields) {
    if (f.def && std::string(f.def->name) == "wheel_names") ++names;
    if (f.def && f.def->shape == FieldShape::List && f.def->type == FieldType::Float) ++pressures;
  }
  EXPECT_EQ(names, 4);
  EXPECT_EQ(pressures, 4);
}

TEST(Message, CommandAndResponseUseTheCommandTable) {
  DecodedMessage c = decode("C7,stat");
  ASSERT_TRUE(c.command);
  EXPECT_EQ(c.command->number, 7);
  DecodedMessage r = decode("c1,0,8,32,5");
  ASSERT_TRUE(r.command);
  EXPECT_EQ(r.field("index")->i, 8);
  EXPECT_EQ(r.field("count")->i, 32);
  DecodedMessage fail = decode("c4,1,Parameter key not supported, really");
  EXPECT_EQ(fail.field("result")->i, 1);
  EXPECT_EQ(fail.field("reason")->text, "Parameter key not supported, really");
}

TEST(Message, HistoryDataKeepsItsCommas) {
  DecodedMessage h = decode("h1001,-3600,*-LOG-Trip,1,86400,a,b,c");
  EXPECT_EQ(h.field("data")->text, "a,b,c");
  DecodedMessage ack = decode("h1001");
  EXPECT_EQ(ack.fields.size(), 1u);
}

TEST(Message, NotificationsAndPushSubscriptions) {
  DecodedMessage pe = decode("PEVA,12,x,y");
  EXPECT_EQ(pe.field("kind")->text, "E");
  EXPECT_EQ(pe.field("error_code")->text, "12");
  EXPECT_EQ(pe.field("error_data")->text, "x,y");
  DecodedMessage p = decode("pAPP1,gcm,production,DEMO,pa,ss,KEY");
  EXPECT_EQ(p.field("netpass")->text, "pa,ss");
  EXPECT_EQ(p.field("push_key")->text, "KEY");
  EXPECT_EQ(summarize(p).find("pa,ss"), std::string::npos);  // secrets are redacted in summaries
  EXPECT_NE(summarize(p, true).find("pa,ss"), std::string::npos);
}

TEST(Message, UnknownCodeKeptRaw) {
  std::vector<Diagnostic> diags;
  DecodedMessage m = decode("\x01junk", &diags);
  EXPECT_EQ(m.def, nullptr);
  EXPECT_EQ(diags.at(0).id, DiagId::UnknownCode);
  EXPECT_NE(diags[0].message.find("0x01"), std::string::npos);
}
