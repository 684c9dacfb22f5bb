// The plugin's per-capture store (dissector/src/store.cpp: plain C++ over ovms_core, no Wireshark
// types), driven as dissect.cpp drives it: one SegmentInput per TCP segment with Wireshark's relative
// sequence numbers, bare ACKs and FINs included (the postdissector hands those on).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "ovms/packet.h"
#include "store.h"
#include "test_support.h"

using namespace ovms;
using namespace ovms::test;
using ovms_ws::Capture;
using ovms_ws::Conv;
using ovms_ws::Segment;
using ovms_ws::SegmentInput;

namespace {

// One conversation of the store. Relative sequence numbers: each direction's first byte is 1.
struct Script {
  Conversation c;
  Capture cap{std::make_shared<const KeyStore>(keys_for("DEMO", c.secret))};
  Conv* conv = cap.new_conv();
  uint32_t frame = 0;
  uint32_t next[2] = {1, 1};  // next sequence number per direction

  // Sends `bytes` (unless `lost`: the capture misses them) with an ACK of everything the peer sent so far.
  Segment* send(Direction dir, const std::string& bytes, uint8_t flags = kAck | kPsh, bool lost = false) {
    const int d = static_cast<int>(dir);
    SegmentInput in;
    in.dir = dir;
    in.have_seq = true;
    in.seq = next[d];
    in.ack = next[1 - d];
    in.ack_valid = true;
    in.tcp_flags = flags;
    in.data = reinterpret_cast<const uint8_t*>(bytes.data());
    in.len = bytes.size();
    in.frame = ++frame;
    next[d] += static_cast<uint32_t>(bytes.size()) + ((flags & kFin) ? 1 : 0);
    if (lost) return nullptr;
    std::string error;
    Segment* seg = cap.process(*conv, in, error);
    EXPECT_TRUE(error.empty()) << error;
    return seg;
  }
  Segment* bare(Direction dir, uint8_t flags = kAck) { return send(dir, "", flags); }
  void login() {
    send(Direction::ClientToServer, c.welcome() + "\r\n");
    send(Direction::ServerToClient, c.server_welcome() + "\r\n");
  }
};

}  // namespace

TEST(PluginStore, AConversationsStateGoesWhenItIsOver) {
  Script s;
  s.login();
  s.send(Direction::ClientToServer, s.c.up.encrypt("MP-0 A") + "\r\n");
  EXPECT_EQ(s.cap.live_conversations(), 1u);
  s.bare(Direction::ClientToServer, kAck | kFin);
  EXPECT_EQ(s.cap.live_conversations(), 1u);
  s.bare(Direction::ServerToClient, kAck | kFin);
  EXPECT_EQ(s.cap.live_conversations(), 0u);
  EXPECT_EQ(s.conv->live, nullptr);
  // A retransmission after the end is shown as such, from the cache alone.
  s.next[0] -= 10;
  Segment* late = s.send(Direction::ClientToServer, "0123456789");
  ASSERT_NE(late, nullptr);
  EXPECT_EQ(late->duplicate, 10u);
  EXPECT_TRUE(late->lines.empty());
}

TEST(PluginStore, ARstEndsAConversationAndItsPartialLineComesOut) {
  Script s;
  s.login();
  const std::string partial = s.c.up.encrypt("MP-0 A");  // no line end
  s.send(Direction::ClientToServer, partial);
  Segment* rst = s.bare(Direction::ServerToClient, kRst | kAck);
  EXPECT_EQ(s.cap.live_conversations(), 0u);
  ASSERT_NE(rst, nullptr);
  ASSERT_EQ(rst->lines.size(), 1u);
  EXPECT_EQ(rst->lines[0].frame, s.frame);
  EXPECT_EQ(rst->lines[0].plain, "MP-0 A");
  EXPECT_TRUE(std::any_of(rst->lines[0].diags.begin(), rst->lines[0].diags.end(),
                          [](const Diagnostic& d) { return d.id == DiagId::TcpLineUnterminated; }));
}

TEST(PluginStore, ABareAckThatDeclaresAHoleLostHoldsTheLinesItReleased) {
  Script s;
  s.login();
  s.send(Direction::ClientToServer, s.c.up.encrypt("MP-0 D1") + "\r\n", kAck | kPsh, true);  // not captured
  Segment* held = s.send(Direction::ClientToServer, s.c.up.encrypt("MP-0 S80") + "\r\n");
  Segment* after = s.send(Direction::ClientToServer, s.c.up.encrypt("MP-0 A") + "\r\n");
  ASSERT_NE(held, nullptr);
  EXPECT_TRUE(held->held);
  EXPECT_TRUE(held->lines.empty() && after->lines.empty());
  const std::size_t cached = s.cap.segments();
  Segment* ack = s.bare(Direction::ServerToClient);  // the server has it all: the capture lost D1
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(s.cap.segments(), cached + 1);
  EXPECT_GT(ack->lines.size(), 0u);
  for (const auto& l : ack->lines) {
    EXPECT_EQ(l.dir, Direction::ClientToServer);
    EXPECT_EQ(l.frame, s.frame);
  }
  EXPECT_EQ(ack->lines.back().plain, "MP-0 A");
  // A bare ACK that changes nothing is not cached.
  EXPECT_EQ(s.bare(Direction::ServerToClient), nullptr);
  EXPECT_EQ(s.cap.segments(), cached + 1);
}

TEST(PluginStore, SegmentsSayWhereTheirLineWasReassembled) {
  Script s;
  s.login();
  const std::string line = s.c.up.encrypt("MP-0 S80.0,K,0") + "\r\n";
  Segment* first = s.send(Direction::ClientToServer, line.substr(0, 7));
  Segment* last = s.send(Direction::ClientToServer, line.substr(7));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(last, nullptr);
  EXPECT_TRUE(first->lines.empty());
  ASSERT_EQ(last->lines.size(), 1u);
  EXPECT_EQ(first->reassembled_in, s.frame);
  EXPECT_EQ(last->lines[0].plain, "MP-0 S80.0,K,0");
}

TEST(PluginStore, RetransmittedBytesAreCountedOnTheirSegment) {
  Script s;
  s.login();
  const std::string line = s.c.up.encrypt("MP-0 A") + "\r\n";
  s.send(Direction::ClientToServer, line);
  s.next[0] -= static_cast<uint32_t>(line.size());
  Segment* again = s.send(Direction::ClientToServer, line);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->duplicate, line.size());
  EXPECT_FALSE(again->held);
  EXPECT_TRUE(again->lines.empty());
}
