// Hostile and out-of-range input (issue 11): each test is a reproducer of a fault found by fuzzing,
// kept so it cannot come back. JSON is checked with an independent strict validator.
#include <memory>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "../fuzz/strict_json.h"
#include "ovms/framer.h"
#include "ovms/json.h"
#include "ovms/key_ring.h"
#include "ovms/keys.h"
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

// A record made where it stays (its field texts are views into its plaintext).
std::unique_ptr<LineRecord> message_record(const std::string& body) {
  auto r = std::make_unique<LineRecord>();
  r->plain = "MP-0 " + body;
  r->body_offset = 5;
  r->msg = decode_message(*r->plain, 5, r->diags);
  return r;
}

TEST(HostileInput, NonFiniteFloatIsNullWithADiagnostic) {
  for (const char* v : {"nan", "inf", "-inf", "infinity", "NAN"}) {
    const auto held = message_record(std::string("S") + v + ",K");
    const LineRecord& r = *held;
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
    const auto held = message_record(std::string("Z") + v);
    const LineRecord& r = *held;
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
  const auto held = message_record("PIcar \xed\xa0\x80 text");
  const LineRecord& r = *held;
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

// A frame as a client sends it: masked with a fixed key.
std::string masked_ws_frame(uint8_t first, const std::string& payload) {
  std::string f = ws_frame(first, payload);
  std::size_t at = f.size() - payload.size();
  f[1] = static_cast<char>(f[1] | 0x80);
  const char key[4] = {0x11, 0x22, 0x33, 0x44};
  f.insert(at, key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f[at + 4 + i] = static_cast<char>(payload[i] ^ key[i & 3]);
  return f;
}

// One frame with a 64-bit length past the cap: it is streamed, kept up to the cap (unmasked), the rest
// counted, and the frames after it are framed as they came (it used to end WebSocket framing).
TEST(HostileInput, WebSocketFrameOverTheCapIsCutAndFramingGoesOn) {
  Framer f;
  f.start_websocket(true);
  std::string payload(Framer::kMaxLine + 1001, 'B');
  payload[0] = 'M';
  payload[Framer::kMaxLine - 1] = 'E';
  payload.back() = '\n';  // stripped, as the server does
  const std::string stream = masked_ws_frame(0x81, payload) + masked_ws_frame(0x81, "next\n");
  payload = {};
  std::vector<FramedLine> lines;
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < stream.size(); i += 1 << 20)  // 1 MiB segments, as TCP brings them
    for (auto& l : frame_all(f, stream.substr(i, 1 << 20), &texts)) lines.push_back(l);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].error.empty());
  ASSERT_EQ(texts[0].size(), Framer::kMaxLine);
  EXPECT_EQ(texts[0].front(), 'M');
  EXPECT_EQ(texts[0].back(), 'E');
  EXPECT_EQ(lines[0].cut_bytes, 1000u);
  EXPECT_EQ(lines[0].begin, 0u);
  EXPECT_EQ(lines[0].end, stream.size() - 4 - 2 - 5);
  EXPECT_EQ(texts[1], "next");
  EXPECT_EQ(lines[1].begin, lines[0].end);
  EXPECT_TRUE(f.websocket());
}

// A control frame with a huge length is reported and skipped; one that never ends is reported at the end.
TEST(HostileInput, WebSocketHugeControlFrameAndEndlessFrame) {
  Framer f;
  f.start_websocket(false);
  std::vector<std::string> texts;
  auto lines = frame_all(f, ws_frame(0x89, std::string(Framer::kMaxLine + 1, 'p')) + ws_frame(0x81, "after"), &texts);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].error.find("control frame"), std::string::npos);
  EXPECT_EQ(texts[1], "after");
  std::string endless = "\x81\x7f\x7f\xff\xff\xff\xff\xff\xff\xff";
  EXPECT_TRUE(frame_all(f, endless + std::string(100000, 'z'), nullptr).empty());
  EXPECT_FALSE(f.between_lines());
  std::vector<FramedLine> at_end;
  f.finish([&](const FramedLine& l) { at_end.push_back(l); });
  ASSERT_EQ(at_end.size(), 1u);
  EXPECT_NE(at_end[0].error.find("stream ended inside a WebSocket frame"), std::string::npos);
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

// Keys files: an alias bomb (nine levels of nine) is refused before yaml-cpp's tree is walked, naming
// the file and line; an alias of a plain value is fine; a file past the node cap is refused.
TEST(HostileInput, KeysFileAliasBombIsRefused) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char p = 'a'; p < 'i'; ++p) {
    bomb += std::string(1, char(p + 1)) + ": &" + char(p + 1) + " [";
    for (int k = 0; k < 9; ++k) bomb += std::string(k ? ", *" : "*") + p;
    bomb += "]\n";
  }
  bomb += "vehicles: *i\n";
  std::string error;
  EXPECT_FALSE(KeyStore::parse(bomb, "bomb.yaml", error));
  EXPECT_EQ(error.rfind("bomb.yaml:2:", 0), 0u) << error;
  EXPECT_NE(error.find("alias of a list or mapping"), std::string::npos) << error;

  auto ok = KeyStore::parse("vehicles:\n  - id: A\n    server_password: &pw s3cret\n  - id: B\n    server_password: *pw\n",
                            "pw.yaml", error);
  ASSERT_TRUE(ok) << error;
  ASSERT_EQ(ok->vehicles().size(), 2u);
  EXPECT_EQ(ok->vehicles()[1].server_password.value_or(""), "s3cret");

  std::string big = "accounts: [";
  for (std::size_t i = 0; i < KeyStore::kMaxYamlNodes; ++i) big += "1,";
  big += "1]\n";
  EXPECT_FALSE(KeyStore::parse(big, "big.yaml", error));
  EXPECT_EQ(error.rfind("big.yaml:1:", 0), 0u) << error;
  EXPECT_NE(error.find("YAML nodes"), std::string::npos) << error;
}

// A fleet's keys file over one car's capture: the vehicles that matched nothing are one note, not
// one each (100,000 of them buried everything else).
TEST(HostileInput, ManyUnusedKeysAreOneNote) {
  std::string yaml = "vehicles:\n";
  for (int i = 0; i < 1000; ++i) yaml += "  - id: CAR" + std::to_string(i) + "\n    server_password: s\n";
  std::string error;
  auto store = KeyStore::parse(yaml, "fleet.yaml", error);
  ASSERT_TRUE(store) << error;
  KeyRing ring(&*store);
  ring.note_verified(&store->vehicles()[0]);
  auto report = ring.report_unused();
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].id, DiagId::KeyUnused);
  EXPECT_EQ(report[0].message.rfind("999 keys-file vehicles never matched any connection: 'CAR1' (line 4), ", 0), 0u)
      << report[0].message;
  EXPECT_NE(report[0].message.find("and 994 more"), std::string::npos) << report[0].message;
}

}  // namespace
}  // namespace ovms
