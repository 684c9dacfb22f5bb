// The capture analyzer: connections from packets, ports and content detection, reassembly into the
// decoder, and survival of random input.
#include <gtest/gtest.h>

#include "ovms/analyzer.h"
#include "ovms/capture_writer.h"
#include "test_support.h"

using namespace ovms;
using namespace ovms::test;

namespace {

Endpoint ep(uint8_t last, uint16_t port) {
  Endpoint e;
  e.addr[0] = 10;
  e.addr[3] = last;
  e.port = port;
  return e;
}

// Drives the analyzer with frames built by the core's frame builder and parsed back.
struct Wire {
  CaptureAnalyzer& a;
  uint64_t frame = 0;
  void send(const Endpoint& src, const Endpoint& dst, uint32_t seq, uint8_t flags, const std::string& payload = "") {
    auto f = build_tcp_frame(kDltEn10mb, src, dst, seq, 0, flags, reinterpret_cast<const uint8_t*>(payload.data()),
                             payload.size());
    TcpSegment seg;
    ASSERT_EQ(parse_frame(kDltEn10mb, f.data(), f.size(), seg), ParseStatus::Ok);
    ++frame;
    a.on_segment(seg, frame, static_cast<double>(frame));
  }
};

}  // namespace

TEST(Analyzer, ContentDetectionOnAnyPortWithRolesFromTheWelcome) {
  Conversation c;
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  CaptureAnalyzer a(&keys, sink);
  Wire w{a};
  Endpoint cli = ep(2, 40000), srv = ep(1, 9999);
  // No SYN in the capture (it began after the TCP handshake, before the welcome), and a port that is
  // not OVMS's: the welcome's content claims the connection.
  w.send(cli, srv, 1000, kAck | kPsh, c.welcome() + "\r\n");
  w.send(srv, cli, 5000, kAck | kPsh, c.server_welcome() + "\r\n");
  w.send(cli, srv, 1000 + c.welcome().size() + 2, kAck | kPsh, c.up.encrypt("MP-0 A") + "\r\n");
  a.finish();
  ASSERT_EQ(a.connections().size(), 1u);
  EXPECT_TRUE(a.connections()[0].is_ovms);
  EXPECT_EQ(a.connections()[0].server.port, 9999);
  ASSERT_EQ(sink.records.size(), 3u);
  ASSERT_TRUE(sink.records[2].plain);
  EXPECT_EQ(sink.records[2].plain.value_or("<not decrypted>"), "MP-0 A");
}

TEST(Analyzer, NonOvmsConnectionsOnOtherPortsAreIgnored) {
  Collect sink;
  CaptureAnalyzer a(nullptr, sink);
  Wire w{a};
  w.send(ep(2, 40000), ep(1, 80), 1, kSyn);
  w.send(ep(2, 40000), ep(1, 80), 2, kAck | kPsh, "GET / HTTP/1.1\r\n\r\n");
  a.finish();
  EXPECT_TRUE(sink.records.empty());
  EXPECT_FALSE(a.connections()[0].is_ovms);
}

TEST(Analyzer, RetransmissionsAndReorderingFeedTheCipherOnce) {
  Conversation c;
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  CaptureAnalyzer a(&keys, sink);
  Wire w{a};
  Endpoint cli = ep(2, 40001), srv = ep(1, 6867);
  w.send(cli, srv, 100, kSyn);
  w.send(srv, cli, 900, kSyn | kAck);
  std::string up = c.welcome() + "\r\n";
  w.send(cli, srv, 101, kAck | kPsh, up);
  w.send(srv, cli, 901, kAck | kPsh, c.server_welcome() + "\r\n");
  std::string l1 = c.up.encrypt("MP-0 S1,K") + "\r\n";
  std::string l2 = c.up.encrypt("MP-0 D2") + "\r\n";
  uint32_t s1 = 101 + up.size(), s2 = s1 + l1.size();
  w.send(cli, srv, s2, kAck | kPsh, l2);                  // out of order
  w.send(cli, srv, s1, kAck | kPsh, l1.substr(0, 5));     // part of l1
  w.send(cli, srv, s1, kAck | kPsh, l1);                  // overlapping retransmission
  w.send(cli, srv, s2, kAck | kPsh, l2);                  // duplicate
  a.finish();
  ASSERT_EQ(sink.records.size(), 4u);
  ASSERT_TRUE(sink.records[2].plain && sink.records[3].plain);
  EXPECT_EQ(sink.records[2].plain.value_or("<not decrypted>"), "MP-0 S1,K");
  EXPECT_EQ(sink.records[3].plain.value_or("<not decrypted>"), "MP-0 D2");
}

TEST(Analyzer, UnusedKeysAreReported) {
  KeyStore keys = keys_for("NEVER", "x");
  Collect sink;
  CaptureAnalyzer a(&keys, sink);
  a.finish();
  ASSERT_EQ(sink.orphans.size(), 1u);
  EXPECT_EQ(sink.orphans[0].id, DiagId::KeyUnused);
}

TEST(Analyzer, SurvivesRandomSegments) {
  Conversation c;
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  CaptureAnalyzer a(&keys, sink);
  Wire w{a};
  uint32_t x = 7;
  auto rnd = [&] { return x = x * 1664525u + 1013904223u; };
  for (int i = 0; i < 3000; ++i) {
    std::string payload(rnd() % 300, '\0');
    for (char& ch : payload) ch = static_cast<char>(rnd() >> 24);
    if (i % 50 == 0) payload = c.welcome() + "\r\n";
    Endpoint cli = ep(2, static_cast<uint16_t>(40000 + rnd() % 5)), srv = ep(1, 6867);
    bool up = rnd() & 1;
    w.send(up ? cli : srv, up ? srv : cli, rnd(), static_cast<uint8_t>(rnd() & 0x1f), payload);
  }
  a.finish();
  SUCCEED() << sink.records.size() << " records";
}

// The decoder hears of a FIN once the bytes before it are in: a FIN that overtakes the server's
// welcome is no refusal, a FIN right after the client's welcome is.
TEST(Analyzer, AServersCloseReachesTheDecoderAfterTheBytesBeforeIt) {
  Conversation c;
  KeyStore keys = keys_for("DEMO", c.secret);
  auto refusals = [](const Collect& sink) {
    std::size_t n = 0;
    for (const Diagnostic& d : sink.orphans) n += d.id == DiagId::ServerRefused;
    return n;
  };
  const std::string up = c.welcome() + "\r\n", down = c.server_welcome() + "\r\n";
  Endpoint cli = ep(2, 40002), srv = ep(1, 6867);
  {
    Collect sink;
    CaptureAnalyzer a(&keys, sink);
    Wire w{a};
    w.send(cli, srv, 100, kSyn);
    w.send(srv, cli, 900, kSyn | kAck);
    w.send(cli, srv, 101, kAck | kPsh, up);
    w.send(srv, cli, 901 + static_cast<uint32_t>(down.size()), kAck | kFin);  // overtakes the welcome
    EXPECT_EQ(refusals(sink), 0u);
    w.send(srv, cli, 901, kAck | kPsh, down);
    a.finish();
    EXPECT_EQ(refusals(sink), 0u);
    ASSERT_EQ(sink.records.size(), 2u);
    EXPECT_EQ(sink.records[1].kind, LineKind::ServerWelcome);
  }
  {
    Collect sink;
    CaptureAnalyzer a(&keys, sink);
    Wire w{a};
    w.send(cli, srv, 100, kSyn);
    w.send(srv, cli, 900, kSyn | kAck);
    w.send(cli, srv, 101, kAck | kPsh, up);
    w.send(srv, cli, 901, kAck | kFin);
    w.send(srv, cli, 901, kAck | kFin);  // retransmitted
    w.send(srv, cli, 902, kRst);
    a.finish();
    ASSERT_EQ(refusals(sink), 1u);
    EXPECT_EQ(sink.orphans[0].frame, 4u);
  }
}
