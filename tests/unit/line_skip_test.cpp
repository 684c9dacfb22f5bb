// What a relay needs to pass a line on without keeping it: the WebSocket frame header on its own, a
// line skipped by the Framer, the decoder and the encoder as if it had gone through them, and the
// count of what its base64 decodes to.
#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

#include "ovms/framer.h"
#include "ovms/line_encoder.h"
#include "test_support.h"

using namespace ovms;
using namespace ovms::test;

namespace {

std::string bytes_of(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s += static_cast<char>(x);
  return s;
}

std::optional<WebSocketFrameHeader> header(const std::string& b) {
  return parse_websocket_frame_header(reinterpret_cast<const uint8_t*>(b.data()), b.size());
}

}  // namespace

TEST(WebSocketFrameHeader, LengthsMaskAndIncompleteHeaders) {
  auto h = header(bytes_of({0x81, 0x05}));
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->fin);
  EXPECT_EQ(h->opcode, 1);
  EXPECT_FALSE(h->masked);
  EXPECT_EQ(h->payload_len, 5u);
  EXPECT_EQ(h->frame_len(), 7u);

  h = header(bytes_of({0x01, 0xfe, 0x01, 0x00, 0xa, 0xb, 0xc, 0xd}));  // 16-bit length 256, masked, not FIN
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->fin);
  EXPECT_TRUE(h->masked);
  EXPECT_EQ(h->payload_len, 256u);
  EXPECT_EQ(h->header_len, 8u);
  EXPECT_EQ(h->mask_key[0], 0xa);
  EXPECT_EQ(h->mask_key[3], 0xd);

  h = header(bytes_of({0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));  // 64-bit length 65536
  ASSERT_TRUE(h);
  EXPECT_EQ(h->payload_len, 65536u);
  EXPECT_EQ(h->header_len, 10u);
  EXPECT_TRUE(h->carries_data());

  EXPECT_FALSE(header(bytes_of({0x81})));
  EXPECT_FALSE(header(bytes_of({0x81, 0x7e, 0x01})));            // 16-bit length cut
  EXPECT_FALSE(header(bytes_of({0x81, 0x85, 0x01, 0x02, 0x03})));  // mask cut
  EXPECT_FALSE(header(bytes_of({0x89, 0x00}))->carries_data());     // ping
}

TEST(FramerSkip, PositionsGoOnAfterASkippedLine) {
  Framer f;
  std::vector<std::pair<std::string, uint64_t>> lines;
  auto cb = [&](const FramedLine& l) { lines.emplace_back(std::string(l.text), l.begin); };
  f.feed(reinterpret_cast<const uint8_t*>("one\r\n"), 5, cb);
  f.skip(1000);
  f.feed(reinterpret_cast<const uint8_t*>("two\n"), 4, cb);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].first, "two");
  EXPECT_EQ(lines[1].second, 1005u);
  f.feed(reinterpret_cast<const uint8_t*>("par"), 3, cb);
  EXPECT_THROW(f.skip(10), std::logic_error) << "only whole lines can be skipped";
}

TEST(DecoderSkipLine, TheLineAfterASkippedOneDecryptsAndKeepsItsPosition) {
  LoggedIn s;
  std::string first = s.c.up.encrypt("MP-0 S80.0,K") + "\r\n";
  std::string skipped = s.c.up.encrypt("MP-0 c7,0," + std::string(5000, 'y')) + "\r\n";
  std::string after = s.c.up.encrypt("MP-0 D4,0,5") + "\r\n";
  s.up(first);
  const uint64_t skipped_at = s.last().stream_end;
  s.d.skip_line(Direction::ClientToServer, skipped.size(), base64_decoded_size(base64_symbol_run(skipped)));
  std::size_t before = s.sink.records.size();
  s.up(after);
  ASSERT_EQ(s.sink.records.size(), before + 1) << "no record for the skipped line";
  ASSERT_TRUE(s.last().plain);
  EXPECT_EQ(*s.last().plain, "MP-0 D4,0,5");
  EXPECT_EQ(s.last().stream_pos, skipped_at + skipped.size());
}

TEST(DecoderSkipLine, InsideAPartialLineItIsAGap) {
  // Two decoders of one relay can disagree on where a line ends when a peer sends what no real peer
  // would (a server's WebSocket answer before the request): the bytes are then lost to this decoder.
  LoggedIn s;
  s.up("partial");
  EXPECT_NO_THROW(s.d.skip_line(Direction::ClientToServer, 100, 75));
  s.up("\r\n");
  EXPECT_TRUE(has_diag(s.last(), DiagId::TcpGap));
  EXPECT_TRUE(has_diag(s.last(), DiagId::NotDecrypted));
}

TEST(WebSocketFrameHeader, AnImpossibleLengthSaturates) {
  auto h = header(bytes_of({0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->frame_len(), UINT64_MAX) << "not wrapped round to a small frame";
}

TEST(EncoderSkip, TheNextLineIsWhatTheWholeKeystreamGives) {
  const Bytes key = session_key("secret", "stoken", "ctoken");
  LineEncoder all(LineFraming::crlf()), skipping(LineFraming::crlf());
  all.start_scheme0(key);
  skipping.start_scheme0(key);
  std::string long_line = all.encode("c7,0," + std::string(3000, 'z'));
  skipping.skip(base64_decoded_size(base64_symbol_run(long_line)));
  EXPECT_EQ(skipping.encode("S1"), all.encode("S1"));
  LineEncoder plain(LineFraming::crlf());
  plain.start_scheme1();
  plain.skip(100);  // nothing to advance in scheme 1
  EXPECT_EQ(plain.encode("Z1"), "Z1\r\n");
}

TEST(Base64SymbolRun, CountsWhatBase64DecodeDecodes) {
  std::mt19937 rng(3);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n!";
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    for (int n = static_cast<int>(rng() % 40); n > 0; --n) text += alphabet[rng() % alphabet.size()];
    EXPECT_EQ(base64_decoded_size(base64_symbol_run(text)), base64_decode(text).data.size()) << text;
  }
  EXPECT_EQ(base64_symbol_run("TVAtMCBB\r\n"), 8u);
  EXPECT_EQ(base64_symbol_run("TVA=\r\n"), 3u);
}
