// The capture analyzer: connections from packets, ports and content detection, reassembly into the
// decoder, records as segments arrive (holes declared by the TCP layer's rule, not at the end),
// connections released when they end, and survival of random input.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "ovms/analyzer.h"
#include "ovms/capture_reader.h"
#include "ovms/capture_writer.h"
#include "sample_support.h"
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
  void send(const Endpoint& src, const Endpoint& dst, uint32_t seq, uint8_t flags, const std::string& payload = "",
            uint32_t ack = 0) {
    auto f = build_tcp_frame(kDltEn10mb, src, dst, seq, ack, flags, reinterpret_cast<const uint8_t*>(payload.data()),
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

namespace {

// Remembers during which frame's on_segment() (0: finish()) each record and orphan diagnostic came out.
struct Stamped : Collect {
  uint64_t now = 0;
  std::vector<uint64_t> record_at, orphan_at;
  void on_record(const RecordPtr& r) override {
    record_at.push_back(now);
    Collect::on_record(r);
  }
  void on_orphan_diagnostic(uint32_t conn, const Diagnostic& d) override {
    orphan_at.push_back(now);
    Collect::on_orphan_diagnostic(conn, d);
  }
};

KeyStore sample_keys() {
  std::string error;
  auto keys = KeyStore::load_file(samples_dir() + "/keys.yaml", error);
  if (!keys) ADD_FAILURE() << error;
  return keys ? std::move(*keys) : KeyStore();
}

// Feeds a sample to the analyzer one frame at a time, skipping the frames `skip` says to, and calls
// `after(frame)` after each frame fed.
template <typename Skip, typename After>
void replay(const std::string& name, CaptureAnalyzer& a, Stamped& sink, Skip skip, After after) {
  std::string error;
  auto reader = CaptureReader::open(samples_dir() + "/" + name, error);
  ASSERT_TRUE(reader) << error;
  CapturedFrame frame;
  TcpSegment seg;
  while (reader->next(frame)) {
    if (parse_frame(frame.dlt, frame.data, frame.caplen, seg) != ParseStatus::Ok || skip(frame.number, seg)) continue;
    sink.now = frame.number;
    a.on_segment(seg, frame.number, frame.ts);
    after(frame.number);
  }
  sink.now = 0;
}

enum Side { kCar = 0, kServer = 1 };

// One scripted TCP connection on a Wire: sequence and ACK numbers follow what each side sent, and the
// sink is told which frame is being fed.
struct Link {
  Wire& w;
  Stamped& sink;
  Endpoint ends[2];
  uint32_t next[2];  // next sequence number per side

  void open() {
    next[kCar] -= 1;
    next[kServer] -= 1;
    send(kCar, "", kSyn);
    send(kServer, "", kSyn | kAck);
  }
  // `lost`: the segment is sent (the numbers move on) but the capture misses it.
  void send(Side from, const std::string& bytes, uint8_t flags = kAck | kPsh, bool lost = false) {
    const Side to = from == kCar ? kServer : kCar;
    sink.now = w.frame + 1;
    if (lost) ++w.frame;
    else w.send(ends[from], ends[to], next[from], flags, bytes, next[to]);
    next[from] += static_cast<uint32_t>(bytes.size()) + ((flags & (kSyn | kFin)) ? 1 : 0);
  }
};

// An analyzer with the keys of a scripted conversation.
struct Scripted {
  Conversation c;
  KeyStore keys = keys_for("DEMO", c.secret);
  Stamped sink;
  CaptureAnalyzer a{&keys, sink};
  Wire w{a};
  Link link(uint16_t car_port, uint8_t car_host = 2, uint32_t isn = 100, uint16_t server_port = 6867) {
    return Link{w, sink, {ep(car_host, car_port), ep(1, server_port)}, {isn + 1, isn / 2 + 901}};
  }
};

}  // namespace

TEST(AnalyzerLive, RecordsComeOutWithTheSegmentThatCompletesThem) {
  KeyStore keys = sample_keys();
  Stamped sink;
  CaptureAnalyzer a(&keys, sink);
  replay("all.pcap", a, sink, [](uint64_t, const TcpSegment&) { return false; }, [](uint64_t) {});
  const std::size_t before_finish = sink.records.size();
  a.finish();
  EXPECT_GT(before_finish, 1000u);
  EXPECT_EQ(sink.records.size(), before_finish);  // every line of the sample is out before the end
  for (std::size_t i = 0; i < sink.records.size(); ++i)
    ASSERT_EQ(sink.records[i].frame, sink.record_at[i]) << "record " << i;
}

// A segment the capture missed: the lines after it come out as soon as the peer's ACK shows it is lost,
// not at the end of input (a live capture never gets there).
TEST(AnalyzerLive, LinesAfterALostSegmentComeOutBeforeTheEnd) {
  // The car's longest connection in the sample, and the middle one of its payload segments.
  std::map<uint16_t, std::vector<uint64_t>> car_segments;  // by the car's port
  {
    Stamped scan;
    CaptureAnalyzer a(nullptr, scan);
    replay("all.pcap", a, scan, [&](uint64_t n, const TcpSegment& seg) {
      if (seg.dst.port == 6867 && seg.payload_len > 0) car_segments[seg.src.port].push_back(n);
      return true;
    }, [](uint64_t) {});
  }
  auto longest = std::max_element(car_segments.begin(), car_segments.end(),
                                  [](const auto& x, const auto& y) { return x.second.size() < y.second.size(); });
  ASSERT_NE(longest, car_segments.end());
  ASSERT_GE(longest->second.size(), 10u);
  const uint64_t lost = longest->second[longest->second.size() / 2];

  KeyStore keys = sample_keys();
  Stamped sink;
  CaptureAnalyzer a(&keys, sink);
  replay("all.pcap", a, sink, [&](uint64_t n, const TcpSegment&) { return n == lost; }, [](uint64_t) {});
  const std::size_t records_before = sink.records.size(), orphans_before = sink.orphans.size();
  a.finish();
  EXPECT_EQ(sink.records.size(), records_before);  // nothing waited for the end

  bool gap_seen = false;
  for (std::size_t i = 0; i < sink.records.size(); ++i) {
    if (!has_diag(sink.records[i], DiagId::TcpGap)) continue;
    gap_seen = true;
    EXPECT_GT(sink.record_at[i], lost);
    EXPECT_NE(sink.record_at[i], 0u);
  }
  for (std::size_t i = 0; i < orphans_before; ++i)
    if (sink.orphans[i].id == DiagId::TcpGap) gap_seen = true;
  EXPECT_TRUE(gap_seen) << "no tcp.gap before finish() for the lost frame " << lost;
  // The car's lines after the loss decode again (the decoder resynchronises on the keystream).
  uint32_t conn = UINT32_MAX;
  for (const ConnectionInfo& info : a.connections())
    if (info.client.port == longest->first && info.server.port == 6867) conn = info.id;
  int decoded_after = 0;
  for (const LineRecord& r : sink.records)
    decoded_after += r.conn == conn && r.frame > lost && r.dir == Direction::ClientToServer && r.plain;
  EXPECT_GT(decoded_after, 0);
}

TEST(AnalyzerLive, AHoleTheServerAcknowledgesIsDeclaredAtThatAck) {
  Scripted t;
  Link l = t.link(40002);
  l.open();
  l.send(kCar, t.c.welcome() + "\r\n");
  l.send(kServer, t.c.server_welcome() + "\r\n");
  l.send(kCar, t.c.up.encrypt("MP-0 S80.0,K") + "\r\n");
  l.send(kCar, t.c.up.encrypt("MP-0 D1,2") + "\r\n", kAck | kPsh, true);  // the capture missed it
  l.send(kCar, t.c.up.encrypt("MP-0 L48.1,11.5") + "\r\n");
  l.send(kCar, t.c.up.encrypt("MP-0 A") + "\r\n");
  const std::size_t before_ack = t.sink.records.size();
  ASSERT_EQ(before_ack, 3u);  // the welcomes and S; L and A wait behind the hole
  l.send(kServer, "", kAck);  // the server has everything: the capture lost the D line
  ASSERT_EQ(t.sink.records.size(), before_ack + 2) << "the lines after the hole waited";
  // The line right after the hole is cut as far as the framer knows; the next one decrypts again.
  EXPECT_TRUE(has_diag(t.sink.records[before_ack], DiagId::TcpGap));
  for (std::size_t i = before_ack; i < t.sink.records.size(); ++i) {
    EXPECT_EQ(t.sink.record_at[i], t.w.frame);
    EXPECT_EQ(t.sink.records[i].frame, t.w.frame);
  }
  EXPECT_EQ(t.sink.records.back().plain.value_or("<not decrypted>"), "MP-0 A");
}

TEST(AnalyzerLive, ConnectionsOfASampleAreReleasedAsTheyEnd) {
  KeyStore keys = sample_keys();
  Stamped sink;
  CaptureAnalyzer a(&keys, sink);
  std::size_t most = 0, went_down = 0, last = 0;
  replay("all.pcap", a, sink, [](uint64_t, const TcpSegment&) { return false; }, [&](uint64_t) {
    most = std::max(most, a.live_connections());
    if (a.live_connections() < last) ++went_down;
    last = a.live_connections();
  });
  EXPECT_GT(went_down, 0u);
  EXPECT_LT(a.live_connections(), a.connections().size());
  EXPECT_LT(a.live_connections(), most);
  a.finish();
  EXPECT_EQ(a.live_connections(), 0u);
}

TEST(AnalyzerLive, AMillionShortConnectionsDoNotPileUp) {
  Scripted t;
  const std::string welcome = t.c.welcome() + "\r\n";
  const int n = 20000;  // enough to see the table stay flat, quick enough for every test run
  for (int i = 0; i < n; ++i) {
    Link l = t.link(static_cast<uint16_t>(1024 + i), static_cast<uint8_t>(2 + i % 200), 1000u * static_cast<uint32_t>(i));
    l.open();
    l.send(kCar, welcome);
    if (i % 2) {
      l.send(kServer, "", kRst | kAck);  // refused
    } else {
      l.send(kCar, "", kFin | kAck);
      l.send(kServer, "", kFin | kAck);
      l.send(kCar, "", kAck);  // the last ACK: no new connection
    }
    ASSERT_EQ(t.a.live_connections(), 0u) << "connection " << i;
  }
  EXPECT_EQ(t.a.connections().size(), static_cast<std::size_t>(n));
  EXPECT_EQ(t.sink.records.size(), static_cast<std::size_t>(n));  // each welcome, as it came
  t.a.finish();
}

TEST(AnalyzerLive, ATupleReusedAfterTheEndIsANewConnection) {
  Scripted t;
  for (int round = 0; round < 2; ++round) {
    Link l = t.link(40003);
    l.open();
    l.send(kCar, "", kFin | kAck);
    l.send(kServer, "", kFin | kAck);
    EXPECT_EQ(t.a.live_connections(), 0u);
    l.send(kCar, "", kAck);  // late: the last ACK
    l.next[kServer] -= 1;
    l.send(kServer, "", kFin | kAck);  // late: a retransmitted FIN
    EXPECT_EQ(t.a.live_connections(), 0u);
    EXPECT_EQ(t.a.connections().size(), static_cast<std::size_t>(round + 1));
  }
}

TEST(AnalyzerLive, APartialLastLineComesOutWhenTheConnectionCloses) {
  Scripted t;
  Link l = t.link(40004);
  l.open();
  l.send(kCar, t.c.welcome());  // no line end
  l.send(kCar, "", kFin | kAck);
  EXPECT_TRUE(t.sink.records.empty());
  l.send(kServer, "", kFin | kAck);
  ASSERT_EQ(t.sink.records.size(), 1u);
  EXPECT_EQ(t.sink.record_at[0], t.w.frame);
  EXPECT_EQ(t.sink.records[0].frame, t.w.frame);
  EXPECT_TRUE(has_diag(t.sink.records[0], DiagId::TcpLineUnterminated));
  EXPECT_EQ(t.a.live_connections(), 0u);
}

TEST(AnalyzerLive, ConnectionsThatAreNotOvmsAreReleasedToo) {
  Scripted t;
  for (uint16_t i = 0; i < 100; ++i) {
    Link l = t.link(static_cast<uint16_t>(30000 + i), 2, 1, 80);
    l.open();
    l.send(kCar, "GET / HTTP/1.1\r\n\r\n");
    l.send(kServer, "HTTP/1.1 200 OK\r\n\r\n");
    l.send(kCar, "", kFin | kAck);
    l.send(kServer, "", kFin | kAck);
    EXPECT_EQ(t.a.live_connections(), 0u);
  }
  EXPECT_EQ(t.a.connections().size(), 100u);
  t.a.finish();
  EXPECT_TRUE(t.sink.records.empty());
  ASSERT_EQ(t.sink.orphans.size(), 1u);  // nothing but the key no connection used
  EXPECT_EQ(t.sink.orphans[0].id, DiagId::KeyUnused);
}
