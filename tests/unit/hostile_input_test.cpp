// Hostile and out-of-range input (issue 11): each test is a reproducer of a fault found by fuzzing,
// kept so it cannot come back. JSON is checked with an independent strict validator.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "../fuzz/strict_json.h"
#include "ovms/framer.h"
#include "ovms/json.h"
#include "ovms/message.h"
#include "test_support.h"

namespace ovms {
namespace {

using test::StrictJson;

bool has(const std::vector<Diagnostic>& diags, DiagId id) {
  for (const auto& d : diags)
    if (d.id == id) return true;
  return false;
}

std::string record_json(const LineRecord& r) {
  std::string out;
  append_record_json(out, r, nullptr);
  return out;
}

LineRecord message_record(const std::string& body) {
  LineRecord r;
  r.plain = "MP-0 " + body;
  r.body_offset = 5;
  r.msg = decode_message(*r.plain, 5, r.diags);
  return r;
}

TEST(HostileInput, NonFiniteFloatIsNullWithADiagnostic) {
  for (const char* v : {"nan", "inf", "-inf", "infinity", "NAN"}) {
    LineRecord r = message_record(std::string("S") + v + ",K");
    std::string json = record_json(r);
    EXPECT_EQ(StrictJson::check(json), "") << v << ": " << json;
    EXPECT_NE(json.find("\"soc\":null"), std::string::npos) << json;
    EXPECT_TRUE(has(r.diags, DiagId::MalformedField)) << v;
  }
}

TEST(HostileInput, IntegerFieldOutOfRangeIsMalformedNotCast) {
  // Z's count is an integer field; each of these used to be parsed as a float and cast to int64.
  for (const char* v : {"1e300", "nan", "-inf", "99999999999999999999", "-9223372036854775809", "1e19"}) {
    std::vector<Diagnostic> diags;
    DecodedMessage m = decode_message(std::string("Z") + v, diags);
    ASSERT_FALSE(m.fields.empty());
    EXPECT_FALSE(m.fields[0].is_number()) << v;
    EXPECT_TRUE(has(diags, DiagId::MalformedField)) << v;
    LineRecord r = message_record(std::string("Z") + v);
    EXPECT_EQ(StrictJson::check(record_json(r)), "") << v;
  }
  // In range, with decimals as firmware prints some integers: still a number.
  std::vector<Diagnostic> diags;
  DecodedMessage m = decode_message("Z12.0", diags);
  EXPECT_TRUE(m.fields[0].is_number());
  EXPECT_EQ(m.fields[0].i, 12);
  EXPECT_TRUE(diags.empty());
}

TEST(HostileInput, CommandCountAtInt64MinDoesNotOverflow) {
  // c1's multi-line reply: index and count of the car's reply lines; count-1 used to overflow.
  test::LoggedIn s;
  s.down(s.c.down.encrypt("MP-0 C1") + "\r\n");
  s.up(s.c.up.encrypt("MP-0 c1,0,0,-9223372036854775808,x") + "\r\n");
  EXPECT_TRUE(s.last().plain.has_value());
}

TEST(HostileInput, InvalidUtf8IsEscapedInJson) {
  // Overlong '/', a surrogate, past U+10FFFF, a lone continuation, a cut-off sequence, then valid ones.
  const std::string bad[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\x80",
                             "\xe2\x82", "\xe0\x80\xaf", "\xf0\x80\x80\xaf"};
  for (const std::string& b : bad) {
    std::string out;
    append_json_string(out, "a" + b + "z");
    EXPECT_EQ(StrictJson::check(out), "") << out;
  }
  std::string ok;
  append_json_string(ok, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x9a\x97");  // é € 🚗 stay as they are
  EXPECT_EQ(ok, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x9a\x97\"");
}

TEST(HostileInput, TextFieldThatIsNotUtf8IsFlagged) {
  LineRecord r = message_record("PIcar \xed\xa0\x80 text");
  EXPECT_EQ(StrictJson::check(record_json(r)), "");
  EXPECT_TRUE(has(r.diags, DiagId::MalformedField));
}

TEST(HostileInput, TimestampOutOfRangeIsNotWrapped) {
  LineRecord r;
  r.ts = 18446744073709.551615;  // 2^64 microseconds
  std::string json = record_json(r);
  EXPECT_EQ(StrictJson::check(json), "");
  EXPECT_NE(json.find("\"ts\":18446744073709."), std::string::npos) << json;
  r.ts = -1e300;
  json = record_json(r);
  EXPECT_EQ(StrictJson::check(json), "");
  EXPECT_EQ(json.find("\"ts\":-9223372036854"), std::string::npos) << json;
}

// After one gap, every line that does not decrypt used to regenerate and scan the whole window of
// keystream: 100,000 short lines took minutes. The keystream is now generated once per gap.
TEST(HostileInput, ResyncGeneratesTheKeystreamOncePerGap) {
  test::LoggedIn s;
  s.up(s.c.up.encrypt("MP-0 S80.0,K") + "\r\n");
  std::string lost;
  while (lost.size() < 600000) lost += s.c.up.encrypt("MP-0 F5,lost line that never arrives in the capture") + "\r\n";
  s.d.gap(Direction::ClientToServer, lost.size(), 2);
  std::string junk;
  for (int i = 0; i < 3000; ++i) junk += s.c.up.encrypt("abc") + "\r\n";  // decrypts, never to "MP-0 "
  s.up(junk);
  s.up(s.c.up.encrypt("MP-0 S81.0,K") + "\r\n");
  ASSERT_TRUE(s.last().plain.has_value());
  EXPECT_EQ(*s.last().plain, "MP-0 S81.0,K");
  EXPECT_TRUE(test::has_diag(s.last(), DiagId::Resynchronised));
  // 3001 searches of up to 1 MiB: generated at most a few times the window, not 3001 times.
  EXPECT_LT(s.d.resync_keystream_bytes(), 4u * (1u << 20));
}

std::vector<FramedLine> frame_all(Framer& f, const std::string& bytes, std::vector<std::string>* texts = nullptr) {
  std::vector<FramedLine> out;
  f.feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), [&](const FramedLine& l) {
    out.push_back(l);
    if (texts) texts->emplace_back(l.text);
    out.back().text = {};
  });
  return out;
}

std::string ws_frame(uint8_t first, const std::string& payload) {
  std::string f(1, static_cast<char>(first));
  uint64_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(n);
  } else if (n < 65536) {
    f += static_cast<char>(126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(127);
    for (int k = 7; k >= 0; --k) f += static_cast<char>((n >> (8 * k)) & 0xff);
  }
  return f + payload;
}

TEST(HostileInput, WebSocketFragmentsAreJoinedUpToTheLineCap) {
  Framer f;
  f.start_websocket(false);
  const std::string mib(1 << 20, 'A');
  const std::size_t n = Framer::kMaxLine / mib.size() + 3;  // 67 fragments of 1 MiB
  std::vector<FramedLine> lines;
  std::vector<std::string> texts;
  for (std::size_t k = 0; k < n; ++k) {
    uint8_t first = static_cast<uint8_t>((k == 0 ? 0x1 : 0x0) | (k + 1 == n ? 0x80 : 0));
    for (auto& l : frame_all(f, ws_frame(first, mib), &texts)) lines.push_back(l);
  }
  for (auto& l : frame_all(f, ws_frame(0x81, "next"), &texts)) lines.push_back(l);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_LE(texts[0].size(), Framer::kMaxLine);
  EXPECT_EQ(lines[0].cut_bytes, n * mib.size() - Framer::kMaxLine);
  EXPECT_EQ(texts[1], "next");
  EXPECT_EQ(lines[1].cut_bytes, 0u);
}

// A line past the 64 MiB cap ending in CRLF: cut with a diagnostic (not reported as a bare LF), and the
// lines after it still decrypt (the keystream moves past the whole line).
TEST(HostileInput, HugeLineIsCutAndTheNextLineStillDecrypts) {
  test::LoggedIn s;
  std::string big(Framer::kMaxLine / 4 * 3 + 3 * 100000, 'x');
  std::string wire = s.c.up.encrypt("MP-0 F" + big);
  ASSERT_GT(wire.size(), Framer::kMaxLine);
  s.up(wire.substr(0, wire.size() / 2));
  s.up(wire.substr(wire.size() / 2) + "\r\n");
  const LineRecord& cut = s.last();
  EXPECT_TRUE(test::has_diag(cut, DiagId::LineTooLong));
  EXPECT_FALSE(test::has_diag(cut, DiagId::LineBareLf));
  EXPECT_LE(cut.wire.size(), Framer::kMaxLine);
  s.up(s.c.up.encrypt("MP-0 S82.0,K") + "\r\n");
  ASSERT_TRUE(s.last().plain.has_value());
  EXPECT_EQ(*s.last().plain, "MP-0 S82.0,K");
  EXPECT_FALSE(test::has_diag(s.last(), DiagId::BadPrefix));
}

}  // namespace
}  // namespace ovms

namespace ovms {
namespace {

// The edges of the cap: a line of exactly kMaxLine bytes is whole (its CR past the cap is the line
// end, not a cut), one byte more is cut by one byte, with the line's last two bytes kept for padding.
TEST(HostileInput, LineCapEdges) {
  for (std::size_t extra : {0, 1, 3}) {
    Framer f;
    std::string line(Framer::kMaxLine + extra, 'A');
    line[line.size() - 1] = '=';
    std::vector<std::string> texts;
    auto lines = frame_all(f, line.substr(0, 1000), &texts);
    for (auto& l : frame_all(f, line.substr(1000) + "\r\nB\r\n", &texts)) lines.push_back(l);
    ASSERT_EQ(lines.size(), 2u) << extra;
    EXPECT_EQ(texts[0].size(), Framer::kMaxLine) << extra;
    EXPECT_EQ(lines[0].cut_bytes, extra) << extra;
    EXPECT_FALSE(lines[0].bare_lf) << extra;
    if (extra) {
      EXPECT_EQ(lines[0].cut_end[1], '=');
    }
    EXPECT_EQ(texts[1], "B");
    EXPECT_EQ(lines[1].begin, line.size() + 2);
  }
}

}  // namespace
}  // namespace ovms
