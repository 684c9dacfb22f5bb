// TcpDirectionStream: ordering, retransmission, overlaps, wraparound, flags, and the rule for lost bytes
// (acknowledged holes, segment and byte limits, end of input). TcpConnectionStreams: ACKs across
// directions, and when a connection is over.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "ovms/packet.h"
#include "ovms/tcp_stream.h"

using namespace ovms;

namespace {

struct Recorder : TcpDirectionStream::Sink {
  struct Event {
    bool gap;
    std::string bytes;  // for bytes events
    uint64_t missing;   // for gap events
    uint64_t frame;
  };
  std::vector<Event> events;
  std::string text;  // all delivered bytes, gaps shown as '#' per missing byte (when small)

  void on_bytes(const uint8_t* data, std::size_t len, uint64_t frame) override {
    ASSERT_GT(len, 0u);
    std::string b(reinterpret_cast<const char*>(data), len);
    events.push_back({false, b, 0, frame});
    text += b;
  }
  void on_gap(uint64_t missing, uint64_t frame) override {
    events.push_back({true, "", missing, frame});
    if (missing < 1000000) text.append(missing, '#');
  }
};

// Only the end of input declares a hole lost: for the tests of reassembly itself.
TcpStreamOptions no_limits() {
  TcpStreamOptions o;
  o.hole_segment_limit = 0;
  o.hole_byte_limit = SIZE_MAX;
  return o;
}

// The default rule with another segment limit.
TcpStreamOptions segment_limit(uint32_t n) {
  TcpStreamOptions o;
  o.hole_segment_limit = n;
  return o;
}

struct Stream {
  explicit Stream(TcpStreamOptions o = no_limits()) : s(o) {}
  TcpDirectionStream s;
  Recorder r;
  uint64_t frame = 0;
  TcpSegmentResult seg(uint32_t seq, const std::string& data, uint8_t flags = kAck) {
    return s.on_segment(seq, flags, reinterpret_cast<const uint8_t*>(data.data()), data.size(), ++frame, r);
  }
  void ack(uint32_t ack) { s.on_ack(ack, ++frame, r); }
  void flush() { s.flush(++frame, r); }
  std::size_t gaps() const {
    return static_cast<std::size_t>(std::count_if(r.events.begin(), r.events.end(), [](const auto& e) { return e.gap; }));
  }
};

}  // namespace

TEST(TcpStream, InOrderAfterSyn) {
  Stream t;
  t.seg(1000, "", kSyn);
  EXPECT_TRUE(t.s.seen_any());
  EXPECT_FALSE(t.s.started_mid_stream());
  t.seg(1001, "hello");
  t.seg(1006, " world");
  EXPECT_EQ(t.r.text, "hello world");
  ASSERT_EQ(t.r.events.size(), 2u);
  EXPECT_EQ(t.r.events[0].frame, 2u);
  EXPECT_EQ(t.r.events[1].frame, 3u);
  EXPECT_EQ(t.s.delivered(), 11u);
  EXPECT_EQ(t.s.duplicate_bytes(), 0u);
  t.seg(1000, "", kSyn);  // a retransmitted SYN changes nothing
  EXPECT_EQ(t.s.delivered(), 11u);
  EXPECT_EQ(t.s.duplicate_bytes(), 0u);
}

TEST(TcpStream, SynCarryingData) {  // TCP Fast Open: the data starts after the SYN's number
  Stream t;
  t.seg(7, "fast", kSyn);
  t.seg(12, "open");
  EXPECT_EQ(t.r.text, "fastopen");
}

TEST(TcpStream, MidStreamStart) {
  Stream t;
  EXPECT_FALSE(t.s.seen_any());
  t.seg(5000, "abc");
  EXPECT_TRUE(t.s.started_mid_stream());
  t.seg(5003, "def");
  EXPECT_EQ(t.r.text, "abcdef");
}

TEST(TcpStream, SegmentsBeforeTheStartAreDuplicates) {
  Stream t;
  t.seg(1000, "0123456789");
  t.seg(900, std::string(50, 'x'));  // entirely before the first byte we saw
  EXPECT_EQ(t.s.duplicate_bytes(), 50u);
  t.seg(1005, "56789ABCDE");  // half old, half new
  EXPECT_EQ(t.r.text, "0123456789ABCDE");
  EXPECT_EQ(t.s.duplicate_bytes(), 55u);
}

TEST(TcpStream, OutOfOrderDeliveredWhenTheHoleFills) {
  Stream t;
  t.seg(0, "", kSyn);
  t.seg(6, "world");   // frame 2: held
  t.seg(11, "!");      // frame 3: held, adjacent to the previous one
  EXPECT_EQ(t.r.text, "");
  t.seg(1, "hello");   // frame 4 completes everything
  EXPECT_EQ(t.r.text, "helloworld!");
  for (const auto& e : t.r.events) EXPECT_EQ(e.frame, 4u);
  EXPECT_EQ(t.s.delivered(), 11u);
}

TEST(TcpStream, Retransmission) {
  Stream t;
  t.seg(100, "", kSyn);
  t.seg(101, "abcd");
  t.seg(101, "abcd");
  t.seg(105, "ef");
  t.seg(101, "abcd");
  EXPECT_EQ(t.r.text, "abcdef");
  EXPECT_EQ(t.s.duplicate_bytes(), 8u);
  // A held segment retransmitted before the hole fills is also a duplicate.
  t.seg(110, "jk");
  t.seg(110, "jk");
  t.seg(107, "ghi");
  EXPECT_EQ(t.r.text, "abcdefghijk");
  EXPECT_EQ(t.s.duplicate_bytes(), 10u);
}

TEST(TcpStream, PartialOverlapWithDelivered) {
  Stream t;
  t.seg(0, "0123456789");
  t.seg(5, "56789abcde");
  EXPECT_EQ(t.r.text, "0123456789abcde");
  EXPECT_EQ(t.s.duplicate_bytes(), 5u);
  EXPECT_EQ(t.r.events.back().bytes, "abcde");
}

// Held bytes were received first, so they win over later overlapping ones (held or in order).
TEST(TcpStream, OverlappingHeldSegmentsFirstReceivedWins) {
  Stream t;
  t.seg(0, "");                 // start at 0, nothing delivered yet
  t.seg(10, "AAAAAAAAAA");      // [10,20)
  t.seg(15, "BBBBBBBBBBBBBBB"); // [15,30): only [20,30) is new
  EXPECT_EQ(t.s.duplicate_bytes(), 5u);
  t.seg(5, "CCCCCCCCCCCCCCCCCCCC");  // [5,25): only [5,10) is new
  EXPECT_EQ(t.s.duplicate_bytes(), 20u);
  t.seg(28, "DDDDDDDDDD");      // [28,38): [30,38) new
  EXPECT_EQ(t.s.duplicate_bytes(), 22u);
  t.seg(0, "EEEEEEE");          // in order [0,7): [0,5) delivered directly, [5,7) already held
  EXPECT_EQ(t.r.text, "EEEEECCCCCAAAAAAAAAABBBBBBBBBBDDDDDDDD");
  EXPECT_EQ(t.s.duplicate_bytes(), 24u);
  EXPECT_EQ(t.s.delivered(), 38u);
}

TEST(TcpStream, SegmentSpanningSeveralHeldOnes) {
  Stream t;
  t.seg(0, "");
  t.seg(2, "xx");   // [2,4)
  t.seg(6, "yy");   // [6,8)
  t.seg(1, "123456789");  // [1,10): fills [1,2), [4,6), [8,10)
  EXPECT_EQ(t.s.duplicate_bytes(), 4u);
  t.seg(3, "zzz");  // entirely inside held bytes
  EXPECT_EQ(t.s.duplicate_bytes(), 7u);
  t.seg(0, "0");
  EXPECT_EQ(t.r.text, "01xx45yy89");
}

TEST(TcpStream, InOrderSegmentRunningIntoHeldBytes) {
  Stream t;
  t.seg(0, "");
  t.seg(5, "HELD!");                 // [5,10)
  t.seg(0, "abcdefghijkl");          // [0,12): held bytes win in [5,10)
  EXPECT_EQ(t.r.text, "abcdeHELD!kl");
  EXPECT_EQ(t.s.duplicate_bytes(), 5u);
}

TEST(TcpStream, SequenceWraparound) {
  Stream t;
  t.seg(0xfffffff0u, "", kSyn);
  t.seg(0xfffffff1u, std::string(10, 'a'));     // ends at 0xfffffffb
  t.seg(0x00000005u, std::string(6, 'c'));      // after the wrap: held
  t.seg(0xfffffffbu, std::string(10, 'b'));     // crosses 2^32, fills the hole exactly
  EXPECT_EQ(t.r.text, std::string(10, 'a') + std::string(10, 'b') + std::string(6, 'c'));
  t.seg(0xfffffffbu, "bb");                     // a retransmission from before the wrap
  EXPECT_EQ(t.s.duplicate_bytes(), 2u);
  t.seg(0x0000000bu, "d");
  EXPECT_EQ(t.s.delivered(), 27u);
}

TEST(TcpStream, StreamLongerThan4GiB) {
  // Feed 4 GiB + a bit in order (the sink does not copy), then check that reordering still works
  // once the 32-bit sequence numbers have come round again.
  struct Counter : TcpDirectionStream::Sink {
    uint64_t n = 0;
    std::string tail;
    void on_bytes(const uint8_t* d, std::size_t len, uint64_t) override {
      n += len;
      if (len < 100) tail.append(reinterpret_cast<const char*>(d), len);
    }
    void on_gap(uint64_t, uint64_t) override { ADD_FAILURE(); }
  } sink;
  TcpDirectionStream s;
  std::vector<uint8_t> block(1 << 20, 'z');
  uint32_t seq = 12345;
  s.on_segment(seq++, kSyn, nullptr, 0, 1, sink);
  for (int i = 0; i < 4097; ++i, seq += static_cast<uint32_t>(block.size()))
    s.on_segment(seq, kAck, block.data(), block.size(), 2, sink);
  const uint8_t a[] = {'A'}, b[] = {'B'};
  s.on_segment(seq + 1, kAck, b, 1, 3, sink);
  s.on_segment(seq, kAck, a, 1, 4, sink);
  EXPECT_EQ(sink.n, 4097ull * block.size() + 2);
  EXPECT_EQ(sink.tail, "AB");
  EXPECT_EQ(s.delivered(), sink.n);
}

TEST(TcpStream, FlushDeclaresGapWithExactCount) {
  Stream t;
  t.seg(0, "", kSyn);
  t.seg(1, "0123456789");   // [0,10)
  t.seg(21, "KLMNO");       // [20,25): [10,20) lost
  t.seg(31, "UV");          // [30,32): [25,30) lost
  EXPECT_EQ(t.r.text, "0123456789");
  t.flush();                 // frame 5
  EXPECT_EQ(t.r.text, "0123456789##########KLMNO#####UV");
  EXPECT_EQ(t.s.gap_bytes(), 15u);
  EXPECT_EQ(t.s.delivered(), 17u);
  ASSERT_EQ(t.r.events.size(), 5u);
  EXPECT_TRUE(t.r.events[1].gap);
  EXPECT_EQ(t.r.events[1].missing, 10u);
  EXPECT_EQ(t.r.events[1].frame, 5u);
  EXPECT_EQ(t.r.events[3].missing, 5u);
  // Delivery resumes after the gap.
  t.seg(33, "W");
  EXPECT_EQ(t.r.text.back(), 'W');
  t.flush();
  EXPECT_EQ(t.s.gap_bytes(), 15u);  // nothing held: no further gap
}

TEST(TcpStream, FinAndRst) {
  Stream t;
  t.seg(0, "", kSyn);
  t.seg(1, "bye", kAck | kFin);
  EXPECT_TRUE(t.s.saw_fin());
  EXPECT_FALSE(t.s.saw_rst());
  EXPECT_EQ(t.r.text, "bye");
  t.seg(4, "", kAck | kFin);  // FIN retransmitted alone
  t.seg(5, "", kRst);
  EXPECT_TRUE(t.s.saw_rst());
  t.flush();
  EXPECT_EQ(t.s.gap_bytes(), 0u);  // the FIN's own sequence number is not data
}

TEST(TcpStream, DataLostBeforeFinIsAGapAtFlush) {
  Stream t;
  t.seg(0, "", kSyn);
  t.seg(1, "abc");
  t.seg(10, "", kAck | kFin);  // bytes [3,9) never captured
  EXPECT_EQ(t.r.text, "abc");
  t.flush();
  EXPECT_EQ(t.r.text, "abc######");
  EXPECT_EQ(t.s.gap_bytes(), 6u);
}

TEST(TcpStream, BufferLimitDeclaresTheGap) {
  Recorder r;
  TcpStreamOptions o = no_limits();
  o.hole_byte_limit = TcpStreamOptions{}.hole_byte_limit;
  TcpDirectionStream s(o);
  s.on_segment(0, kSyn, nullptr, 0, 1, r);
  std::vector<uint8_t> chunk(64 * 1024, 'q');
  // Byte 0..99 lost; hold 64 KiB segments until the limit is passed.
  uint64_t frame = 2, off = 100;
  while (r.events.empty()) {
    ASSERT_LT(off, 2 * TcpStreamOptions{}.hole_byte_limit);
    s.on_segment(static_cast<uint32_t>(1 + off), kAck, chunk.data(), chunk.size(), frame++, r);
    off += chunk.size();
  }
  ASSERT_TRUE(r.events[0].gap);
  EXPECT_EQ(r.events[0].missing, 100u);
  EXPECT_EQ(r.events[0].frame, frame - 1);
  EXPECT_GT(off - 100, TcpStreamOptions{}.hole_byte_limit);
  EXPECT_EQ(s.delivered(), off - 100);
  EXPECT_EQ(s.gap_bytes(), 100u);
}

// Random split, reorder, duplicate and overlap (and optionally drop) a known stream.
TEST(TcpStream, RandomizedReassembly) {
  std::mt19937 rng(777);
  for (int round = 0; round < 200; ++round) {
    std::string data(1 + rng() % 5000, ' ');
    for (char& c : data) c = static_cast<char>('a' + rng() % 26);
    const bool drop = round % 2 == 1;
    struct Piece { std::size_t off, len; };
    std::vector<Piece> pieces;
    for (std::size_t off = 0; off < data.size();) {
      std::size_t len = std::min<std::size_t>(1 + rng() % 300, data.size() - off);
      pieces.push_back({off, len});
      off += len;
    }
    std::vector<bool> covered(data.size(), true);
    if (drop) {  // lose some pieces (never the first, so the stream start stays known)
      for (std::size_t i = 1; i < pieces.size(); ++i)
        if (rng() % 5 == 0) {
          for (std::size_t k = 0; k < pieces[i].len; ++k) covered[pieces[i].off + k] = false;
          pieces.erase(pieces.begin() + static_cast<long>(i));
        }
    }
    // Extra overlapping segments over surviving ranges only, and retransmissions.
    std::size_t n = pieces.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (rng() % 3 == 0) pieces.push_back(pieces[rng() % n]);
      if (rng() % 3 == 0 && i + 1 < n && pieces[i].off + pieces[i].len == pieces[i + 1].off) {
        std::size_t a = pieces[i].off + rng() % pieces[i].len;
        std::size_t b = pieces[i + 1].off + 1 + rng() % pieces[i + 1].len;
        pieces.push_back({a, b - a});
      }
    }
    Piece first = pieces[0];
    std::shuffle(pieces.begin() + 1, pieces.end(), rng);
    pieces[0] = first;  // the SYN is first anyway; the first data segment may come later

    uint32_t isn = static_cast<uint32_t>(0xffffffffu - rng() % 4000);  // often wraps
    std::string expect = data;
    for (std::size_t i = 0; i < data.size(); ++i)
      if (!covered[i]) expect[i] = '#';
    // A loss at the very end leaves no trace: the receiver cannot know about it.
    std::size_t last = expect.find_last_not_of('#');
    expect.resize(last + 1);

    // Only the end of input declares holes: exactly what survived, in place.
    Stream t;
    t.seg(isn, "", kSyn);
    for (const Piece& p : pieces) t.seg(isn + 1 + static_cast<uint32_t>(p.off), data.substr(p.off, p.len));
    t.flush();
    ASSERT_EQ(t.r.text, expect) << "round " << round;
    EXPECT_EQ(t.s.delivered() + t.s.gap_bytes(), expect.size());

    // The default rule may give up on a hole before a reordered segment fills it (that segment is then
    // a duplicate), but every byte it delivers is in its place and nothing is counted twice.
    Stream d{TcpStreamOptions{}};
    d.seg(isn, "", kSyn);
    for (const Piece& p : pieces) d.seg(isn + 1 + static_cast<uint32_t>(p.off), data.substr(p.off, p.len));
    d.flush();
    ASSERT_EQ(d.r.text.size(), expect.size()) << "round " << round;
    for (std::size_t i = 0; i < expect.size(); ++i)
      if (d.r.text[i] != '#') {
        ASSERT_EQ(d.r.text[i], data[i]) << "round " << round << " byte " << i;
      }
    EXPECT_TRUE(d.s.complete());
  }
}

// ---------------------------------------------------------------------------------------------------
// The rule for lost bytes. Sequence numbers below start after a SYN at 0, so stream offset k is seq k+1.

TEST(TcpStreamLostBytes, AHoleIsLostOnceThePeerAcknowledgesDataPastIt) {
  Stream t{TcpStreamOptions{}};
  t.seg(0, "", kSyn);
  t.seg(1, "abc");  // [0,3)
  t.seg(8, "hij");  // [7,10): [3,7) missing
  EXPECT_EQ(t.r.text, "abc");
  t.ack(4);  // everything before offset 3: what the capture showed, the hole is not past it
  EXPECT_EQ(t.gaps(), 0u);
  t.ack(5);  // the peer has offset 3, which the capture never showed
  EXPECT_EQ(t.r.text, "abc####hij");
  ASSERT_EQ(t.gaps(), 1u);
  EXPECT_EQ(t.r.events[1].missing, 4u);
  EXPECT_EQ(t.r.events[1].frame, t.frame);
  t.seg(4, "defg");  // the lost bytes after all: already given up on
  EXPECT_EQ(t.r.text, "abc####hij");
  EXPECT_EQ(t.s.duplicate_bytes(), 4u);
}

TEST(TcpStreamLostBytes, AnAckSeenBeforeTheBytesPastTheHoleDeclaresItAtOnce) {
  Stream t{TcpStreamOptions{}};
  t.seg(0, "", kSyn);
  t.seg(1, "abc");
  t.ack(11);  // the capture missed [3,10); nothing is held yet, so nothing to declare
  EXPECT_EQ(t.gaps(), 0u);
  EXPECT_EQ(t.r.text, "abc");
  t.seg(11, "klm");  // [10,13) arrives: its hole was acknowledged already
  EXPECT_EQ(t.r.text, "abc#######klm");
  EXPECT_EQ(t.r.events.back().frame, t.frame);
  t.ack(3);  // an old ACK changes nothing
  t.seg(14, "nop");
  EXPECT_EQ(t.r.text, "abc#######klmnop");
}

TEST(TcpStreamLostBytes, SegmentLimitCountsFromTheSegmentThatOpenedTheHole) {
  Stream t(segment_limit(4));
  t.seg(0, "", kSyn);
  t.seg(1, "ab");  // [0,2)
  t.seg(5, "x");   // 1: opens the hole [2,4)
  t.seg(6, "y");   // 2
  t.seg(1, "ab");  // 3: a retransmission is a segment of this direction too
  EXPECT_EQ(t.r.text, "ab");
  t.seg(7, "z");   // 4: the limit
  EXPECT_EQ(t.r.text, "ab##xyz");
  ASSERT_EQ(t.gaps(), 1u);
  EXPECT_EQ(t.r.events[1].frame, t.frame);
}

TEST(TcpStreamLostBytes, DefaultSegmentLimitIsEight) {
  Stream t{TcpStreamOptions{}};
  t.seg(0, "", kSyn);
  t.seg(1, "a");
  for (uint32_t i = 0; i < 7; ++i) t.seg(3 + i, "x");  // the hole [1,2) and 7 segments past it
  EXPECT_EQ(t.gaps(), 0u);
  t.seg(10, "y");
  EXPECT_EQ(t.r.text, "a#xxxxxxxy");
}

TEST(TcpStreamLostBytes, EachHoleAgesFromWhenItOpened) {
  Stream t(segment_limit(3));
  t.seg(0, "", kSyn);
  t.seg(1, "a");  // [0,1)
  t.seg(3, "c");  // hole A [1,2) opens
  t.seg(5, "e");  // hole B [3,4) opens
  EXPECT_EQ(t.r.text, "a");
  t.seg(7, "g");  // A's third segment: A is lost; B has seen two
  EXPECT_EQ(t.r.text, "a#c");
  t.seg(9, "i");  // B's third
  EXPECT_EQ(t.r.text, "a#c#e");
  t.seg(6, "f");  // fills the hole before g by itself
  EXPECT_EQ(t.r.text, "a#c#efg");
  EXPECT_EQ(t.gaps(), 2u);
}

TEST(TcpStreamLostBytes, BytesPutIntoAHoleKeepTheHolesAge) {
  Stream t(segment_limit(3));
  t.seg(0, "", kSyn);
  t.seg(1, "a");   // [0,1)
  t.seg(6, "f");   // 1: opens [1,5)
  t.seg(3, "c");   // 2: splits it into [1,2) and [3,5), both as old as the hole they came from
  EXPECT_EQ(t.r.text, "a");
  t.seg(1, "a");   // 3: both are lost now
  EXPECT_EQ(t.r.text, "a#c##f");
  EXPECT_EQ(t.gaps(), 2u);
}

TEST(TcpStreamLostBytes, ByteLimit) {
  TcpStreamOptions o;
  o.hole_segment_limit = 0;
  o.hole_byte_limit = 1000;
  Stream t(o);
  t.seg(0, "", kSyn);
  t.seg(1, "a");
  t.seg(11, std::string(600, 'p'));  // [10,610) held past the hole [1,10)
  t.seg(611, std::string(400, 'q'));
  EXPECT_EQ(t.s.held_cost(), 1000u);  // at the limit, not past it
  EXPECT_EQ(t.gaps(), 0u);
  t.seg(2000, "r");  // one more piece: past the limit
  ASSERT_GE(t.gaps(), 1u);
  EXPECT_EQ(t.r.events[1].missing, 9u);
  EXPECT_EQ(t.r.events[1].frame, t.frame);
  EXPECT_EQ(t.r.text.substr(0, 1010), "a#########" + std::string(600, 'p') + std::string(400, 'q'));
  EXPECT_EQ(t.s.held_cost(), TcpStreamOptions::kHeldPieceCost);  // "r" waits behind its own hole
}

TEST(TcpStreamLostBytes, TinySegmentsCountTheirBookkeeping) {
  TcpStreamOptions o;
  o.hole_segment_limit = 0;
  o.hole_byte_limit = 10 * TcpStreamOptions::kHeldPieceCost;
  Stream t(o);
  t.seg(0, "", kSyn);
  for (uint32_t i = 0; i < 10; ++i) t.seg(3 + 2 * i, "x");  // ten 1-byte pieces with holes between
  EXPECT_EQ(t.gaps(), 0u);
  EXPECT_EQ(t.s.held_cost(), o.hole_byte_limit);
  t.seg(23, "y");  // the eleventh: the first hole goes
  ASSERT_EQ(t.gaps(), 1u);
  EXPECT_EQ(t.r.events[0].missing, 2u);
  EXPECT_EQ(t.r.text, "##x");
}

TEST(TcpStreamLostBytes, WithinTheLimitsHolesWaitForTheEndOfInput) {
  Stream t{TcpStreamOptions{}};
  t.seg(0, "", kSyn);
  t.seg(1, "abc");
  t.seg(8, "hij");
  t.ack(4);  // not past the hole
  for (int i = 0; i < 5; ++i) t.seg(8, "hij");
  EXPECT_EQ(t.r.text, "abc");
  EXPECT_FALSE(t.s.complete());
  t.flush();
  EXPECT_EQ(t.r.text, "abc####hij");
  EXPECT_EQ(t.r.events.back().frame, t.frame);  // the gap, then "hij", both at the flush
  EXPECT_TRUE(t.s.complete());
}

TEST(TcpStreamLostBytes, BytesLostBeforeAFinGoOnceThePeerAcknowledgesTheFin) {
  Stream t{TcpStreamOptions{}};
  t.seg(0, "", kSyn);
  t.seg(1, "abc");
  t.seg(10, "", kAck | kFin);  // FIN at offset 9: [3,9) never captured
  EXPECT_FALSE(t.s.complete());
  t.ack(4);
  EXPECT_FALSE(t.s.complete());
  t.ack(11);  // the FIN acknowledged
  EXPECT_EQ(t.r.text, "abc######");
  EXPECT_TRUE(t.s.complete());
}

TEST(TcpStreamLostBytes, AcknowledgementsAcrossTheWrap) {
  Stream t{TcpStreamOptions{}};
  t.seg(0xfffffff0u, "", kSyn);
  t.seg(0xfffffff1u, std::string(10, 'a'));  // ends at 0xfffffffb
  t.seg(0x00000005u, std::string(6, 'c'));   // after the wrap: [0xfffffffb, 5) missing
  t.ack(0xfffffff5u);                          // old: before the hole
  EXPECT_EQ(t.gaps(), 0u);
  t.ack(0x00000002u);                          // past the hole's start, across 2^32
  EXPECT_EQ(t.r.text, std::string(10, 'a') + std::string(10, '#') + std::string(6, 'c'));
  TcpSegmentResult r = t.seg(0xfffffffbu, std::string(10, 'b'));  // the hole's bytes, too late
  EXPECT_EQ(r.duplicate, 10u);
  EXPECT_EQ(r.begin, 10);
  EXPECT_EQ(t.s.gap_bytes(), 10u);
  t.seg(0x0000000bu, "d");
  EXPECT_EQ(t.r.text.back(), 'd');
}

TEST(TcpStreamLostBytes, SegmentResults) {
  Stream t;
  EXPECT_EQ(t.seg(100, "", kSyn).begin, 0);
  TcpSegmentResult r = t.seg(101, "abcd");
  EXPECT_EQ(r.begin, 0);
  EXPECT_EQ(r.duplicate, 0u);
  EXPECT_FALSE(r.held);
  r = t.seg(107, "gh");  // [6,8) before [4,6)
  EXPECT_EQ(r.begin, 6);
  EXPECT_TRUE(r.held);
  r = t.seg(103, "cdef");  // [2,6): half retransmitted, half new, and it releases [6,8)
  EXPECT_EQ(r.begin, 2);
  EXPECT_EQ(r.duplicate, 2u);
  EXPECT_FALSE(r.held);
  r = t.seg(107, "ghi");  // [6,9) over delivered and new bytes
  EXPECT_EQ(r.duplicate, 2u);
  EXPECT_FALSE(r.held);
  r = t.seg(90, "xxxxx");  // before the stream's start
  EXPECT_EQ(r.begin, -11);
  EXPECT_EQ(r.duplicate, 5u);
  EXPECT_EQ(t.r.text, "abcdefghi");
}

TEST(TcpStreamLostBytes, BeginAtHoldsAFirstSegmentCapturedOutOfOrder) {
  Stream known;
  known.s.begin_at(1);
  EXPECT_TRUE(known.seg(4, "def").held);
  known.seg(1, "abc");
  EXPECT_EQ(known.r.text, "abcdef");
  Stream unknown;  // without it, the first segment is the start and the earlier one a duplicate
  unknown.seg(4, "def");
  unknown.seg(1, "abc");
  EXPECT_EQ(unknown.r.text, "def");
}

// ---------------------------------------------------------------------------------------------------
// Both directions

namespace {

struct Connection {
  TcpConnectionStreams c;
  Recorder up, down;  // direction 0 (client to server) and 1
  uint64_t frame = 0;
  void send(int dir, uint32_t seq, uint32_t ack, uint8_t flags, const std::string& data = "") {
    c.on_segment(dir, seq, ack, flags, reinterpret_cast<const uint8_t*>(data.data()), data.size(), ++frame,
                 dir == 0 ? up : down, dir == 0 ? down : up);
  }
  void open() {
    send(0, 100, 0, kSyn);
    send(1, 500, 101, kSyn | kAck);
    send(0, 101, 501, kAck);
  }
};

}  // namespace

TEST(TcpConnectionStreams, AnAckDeclaresTheOtherDirectionsHoleLost) {
  Connection t;
  t.open();
  t.send(0, 101, 501, kAck | kPsh, "abc");
  t.send(0, 108, 501, kAck | kPsh, "hij");  // [3,7) of the client's bytes not captured
  EXPECT_EQ(t.up.text, "abc");
  t.send(1, 501, 104, kAck | kPsh, "ok");  // the server has [0,3)
  EXPECT_EQ(t.up.text, "abc");
  t.send(1, 503, 111, kAck);  // and everything: the capture missed [3,7)
  EXPECT_EQ(t.up.text, "abc####hij");
  EXPECT_EQ(t.up.events[1].frame, t.frame);
  EXPECT_EQ(t.down.text, "ok");
}

TEST(TcpConnectionStreams, OverAfterAFinEachWayOnceEveryByteIsSettled) {
  Connection t;
  t.open();
  t.send(0, 101, 501, kAck | kPsh, "abc");
  t.send(0, 110, 501, kAck | kFin);  // FIN after [3,9), which the capture missed
  EXPECT_FALSE(t.c.closed());
  t.send(1, 501, 104, kAck | kFin);  // the server's FIN; it acknowledges only [0,3) so far
  EXPECT_TRUE(t.c.closed());
  EXPECT_FALSE(t.c.finished());
  t.send(1, 502, 111, kAck);  // the client's FIN acknowledged: [3,9) is lost
  EXPECT_EQ(t.up.text, "abc######");
  EXPECT_TRUE(t.c.finished());
}

TEST(TcpConnectionStreams, OverAtARstWhatIsHeldIsFlushed) {
  Connection t;
  t.open();
  t.send(0, 101, 501, kAck | kPsh, "abc");
  t.send(0, 108, 501, kAck | kPsh, "hij");
  t.send(1, 501, 104, kRst | kAck);
  EXPECT_TRUE(t.c.closed());
  EXPECT_TRUE(t.c.finished());
  t.c.flush(t.frame, t.up, t.down);
  EXPECT_EQ(t.up.text, "abc####hij");
}

TEST(TcpConnectionStreams, AFinEachWayWithNothingMissingIsOverAtTheSecondFin) {
  Connection t;
  t.open();
  t.send(0, 101, 501, kAck | kPsh, "abc");
  t.send(0, 104, 501, kAck | kFin);
  EXPECT_FALSE(t.c.finished());
  t.send(1, 501, 105, kAck | kFin);
  EXPECT_TRUE(t.c.finished());
}
