// The framer: line ends, positions, gaps, and WebSocket frames (masking, fragments, control frames).
#include <gtest/gtest.h>

#include "ovms/framer.h"

using namespace ovms;

namespace {

struct Line {
  std::string text;
  uint64_t begin, end;
  bool bare_lf, unterminated, after_gap;
  std::string error;
};

struct Framed {
  Framer f;
  std::vector<Line> lines;
  void feed(const std::string& bytes) {
    f.feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), [&](const FramedLine& l) {
      lines.push_back({std::string(l.text), l.begin, l.end, l.bare_lf, l.unterminated, l.after_gap, l.error});
    });
  }
  void finish() {
    f.finish([&](const FramedLine& l) {
      lines.push_back({std::string(l.text), l.begin, l.end, l.bare_lf, l.unterminated, l.after_gap, l.error});
    });
  }
};

std::string ws_frame(uint8_t first_byte, const std::string& payload, bool mask) {
  std::string f(1, static_cast<char>(first_byte));
  uint8_t m = mask ? 0x80 : 0;
  if (payload.size() < 126) {
    f += static_cast<char>(m | payload.size());
  } else if (payload.size() < 65536) {
    f += static_cast<char>(m | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 255);
  } else {
    f += static_cast<char>(m | 127);
    for (int k = 7; k >= 0; --k) f += static_cast<char>((static_cast<uint64_t>(payload.size()) >> (8 * k)) & 255);
  }
  const char key[4] = {1, 2, 3, 4};
  if (mask) f.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f += mask ? static_cast<char>(payload[i] ^ key[i & 3]) : payload[i];
  return f;
}

}  // namespace

TEST(Framer, CrlfLfAndCrInsideALine) {
  Framed r;
  r.feed("one\r\ntwo\nthr\ree\r\n\r\n");
  ASSERT_EQ(r.lines.size(), 4u);
  EXPECT_EQ(r.lines[0].text, "one");
  EXPECT_FALSE(r.lines[0].bare_lf);
  EXPECT_EQ(r.lines[1].text, "two");
  EXPECT_TRUE(r.lines[1].bare_lf);
  EXPECT_EQ(r.lines[2].text, "thr\ree");  // a CR inside a line is data
  EXPECT_EQ(r.lines[3].text, "");
  EXPECT_EQ(r.lines[2].begin, 9u);
  EXPECT_EQ(r.lines[2].end, 17u);
}

TEST(Framer, PartialLinesAcrossFeedsAndUnterminatedEnd) {
  Framed r;
  r.feed("ab");
  r.feed("c\r");
  EXPECT_TRUE(r.lines.empty());
  r.feed("\nde");
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].text, "abc");
  EXPECT_EQ(r.lines[0].begin, 0u);
  r.finish();
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[1].text, "de");
  EXPECT_TRUE(r.lines[1].unterminated);
}

TEST(Framer, GapMarksTheBrokenLineAndShiftsPositions) {
  Framed r;
  r.feed("abc");
  r.f.gap(10);
  r.feed("xyz\r\nnext\r\n");
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_TRUE(r.lines[0].after_gap);
  EXPECT_FALSE(r.lines[1].after_gap);
  EXPECT_EQ(r.lines[1].begin, 3u + 10u + 5u);
}

TEST(Framer, WebSocketFramesMaskedFragmentedAndControl) {
  Framed r;
  r.feed("GET /apiv2 HTTP/1.1\r\n");
  r.f.start_websocket(true);
  std::string stream = ws_frame(0x81, "MP-A 0 tok dig DEMO\n", true)  // trailing LF stripped
                       + ws_frame(0x89, "ping", true)                  // control: ignored
                       + ws_frame(0x01, "frag", true)                  // text, not final
                       + ws_frame(0x80, "mented", true)                // continuation, final
                       + ws_frame(0x82, std::string(300, 'x'), true)   // 16-bit length
                       + ws_frame(0x81, std::string(70000, 'y'), true);  // 64-bit length
  for (std::size_t i = 0; i < stream.size(); i += 7) r.feed(stream.substr(i, 7));  // frames split anywhere
  ASSERT_EQ(r.lines.size(), 5u);
  EXPECT_EQ(r.lines[1].text, "MP-A 0 tok dig DEMO");
  EXPECT_EQ(r.lines[2].text, "fragmented");
  EXPECT_EQ(r.lines[3].text.size(), 300u);
  EXPECT_EQ(r.lines[4].text.size(), 70000u);
}

TEST(Framer, ImplausibleWebSocketLengthIsReported) {
  Framed r;
  r.f.start_websocket(false);
  std::string bad = "\x81\x7f\x7f\xff\xff\xff\xff\xff\xff\xff";
  r.feed(bad);
  EXPECT_TRUE(r.lines.empty());  // streamed, not buffered: nothing to say until it ends
  r.finish();
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_NE(r.lines[0].error.find("stream ended inside a WebSocket frame"), std::string::npos);
}
