// parse_frame: every supported link layer, IPv4/IPv6 details, and frames cut off or corrupted
// anywhere (each parsed from an exactly-sized heap copy, so a sanitizer catches any overread).
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "ovms/capture_writer.h"
#include "ovms/packet.h"

using namespace ovms;

namespace {

Endpoint ep4(const char* ip, uint16_t port) {
  Endpoint e;
  inet_pton(AF_INET, ip, e.addr.data());
  e.port = port;
  return e;
}
Endpoint ep6(const char* ip, uint16_t port) {
  Endpoint e;
  inet_pton(AF_INET6, ip, e.addr.data());
  e.v6 = true;
  e.port = port;
  return e;
}

std::vector<uint8_t> frame(int dlt, bool v6, const std::string& payload, uint8_t flags = kAck | kPsh) {
  Endpoint s = v6 ? ep6("2001:db8::1", 6867) : ep4("10.0.0.1", 6867);
  Endpoint d = v6 ? ep6("2001:db8::2", 40000) : ep4("10.0.0.2", 40000);
  return build_tcp_frame(dlt, s, d, 1000, 2000, flags,
                         reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
}

ParseStatus parse(int dlt, const std::vector<uint8_t>& f, TcpSegment& seg, std::string* why = nullptr) {
  return parse_frame(dlt, f.data(), f.size(), seg, why);
}

std::string payload_of(const TcpSegment& s) {
  return std::string(reinterpret_cast<const char*>(s.payload), s.payload_len);
}

const int kAllLinkTypes[] = {kDltNull, kDltEn10mb, kDltRaw, kDltRawAlt12, kDltRawAlt14,
                             kDltLoop, kDltLinuxSll, kDltIpv4, kDltIpv6, kDltLinuxSll2};

bool fits(int dlt, bool v6) { return !(dlt == kDltIpv4 && v6) && !(dlt == kDltIpv6 && !v6); }

}  // namespace

TEST(Endpoint, ToString) {
  EXPECT_EQ(ep4("1.2.3.4", 6867).to_string(), "1.2.3.4:6867");
  EXPECT_EQ(ep6("::1", 6867).to_string(), "[::1]:6867");
  EXPECT_EQ(ep6("2001:db8::a:1", 80).to_string(), "[2001:db8::a:1]:80");
  EXPECT_EQ(Endpoint{}.to_string(), "0.0.0.0:0");
}

TEST(Packet, LinkTypeSupported) {
  for (int dlt : kAllLinkTypes) EXPECT_TRUE(link_type_supported(dlt)) << dlt;
  EXPECT_FALSE(link_type_supported(105));  // 802.11
  EXPECT_FALSE(link_type_supported(-1));
}

// A frame written out byte by byte, independent of build_tcp_frame.
TEST(Packet, HandWrittenEthernetIpv4) {
  const std::vector<uint8_t> f = {
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,                     // Ethernet
      0x45, 0, 0, 48, 0, 1, 0x40, 0, 64, 6, 0, 0, 192, 168, 1, 2, 8, 8, 4, 4,  // IPv4, 48 bytes
      0x1a, 0xd3, 0x9c, 0x40, 0, 0, 0x10, 0, 0xde, 0xad, 0xbe, 0xef,          // ports, seq, ack
      0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,                                     // TCP, PSH|ACK
      'M', 'P', '-', '0', ' ', 'A', '\r', '\n', 0, 0, 0,                      // 3 bytes padding
  };
  TcpSegment s;
  ASSERT_EQ(parse(kDltEn10mb, f, s), ParseStatus::Ok);
  EXPECT_EQ(s.src.to_string(), "192.168.1.2:6867");
  EXPECT_EQ(s.dst.to_string(), "8.8.4.4:40000");
  EXPECT_EQ(s.seq, 0x1000u);
  EXPECT_EQ(s.ack, 0xdeadbeefu);
  EXPECT_EQ(s.flags, kPsh | kAck);
  EXPECT_EQ(payload_of(s), "MP-0 A\r\n");  // Ethernet padding is not payload
  EXPECT_FALSE(s.truncated);
  EXPECT_EQ(s.payload, f.data() + 54);
}

TEST(Packet, EveryLinkTypeBothIpVersions) {
  for (int dlt : kAllLinkTypes) {
    for (bool v6 : {false, true}) {
      if (!fits(dlt, v6)) continue;
      SCOPED_TRACE("dlt " + std::to_string(dlt) + (v6 ? " v6" : " v4"));
      auto f = frame(dlt, v6, "hello");
      TcpSegment s;
      std::string why;
      ASSERT_EQ(parse(dlt, f, s, &why), ParseStatus::Ok) << why;
      EXPECT_EQ(s.src.v6, v6);
      EXPECT_EQ(s.src.to_string(), v6 ? "[2001:db8::1]:6867" : "10.0.0.1:6867");
      EXPECT_EQ(s.dst.to_string(), v6 ? "[2001:db8::2]:40000" : "10.0.0.2:40000");
      EXPECT_EQ(s.seq, 1000u);
      EXPECT_EQ(s.ack, 2000u);
      EXPECT_EQ(payload_of(s), "hello");
      EXPECT_FALSE(s.truncated);
    }
  }
}

TEST(Packet, VlanAndQinQ) {
  for (bool v6 : {false, true}) {
    auto f = frame(kDltEn10mb, v6, "vlan");
    // 802.1Q: insert TPID 0x8100 + TCI before the ethertype at byte 12.
    std::vector<uint8_t> q(f.begin(), f.begin() + 12);
    for (uint8_t b : {0x81, 0x00, 0x00, 0x64}) q.push_back(b);
    q.insert(q.end(), f.begin() + 12, f.end());
    TcpSegment s;
    ASSERT_EQ(parse(kDltEn10mb, q, s), ParseStatus::Ok);
    EXPECT_EQ(payload_of(s), "vlan");
    // QinQ: an 802.1ad outer tag in front of that.
    std::vector<uint8_t> qq(q.begin(), q.begin() + 12);
    for (uint8_t b : {0x88, 0xa8, 0x00, 0x0a}) qq.push_back(b);
    qq.insert(qq.end(), q.begin() + 12, q.end());
    ASSERT_EQ(parse(kDltEn10mb, qq, s), ParseStatus::Ok);
    EXPECT_EQ(payload_of(s), "vlan");
    EXPECT_EQ(s.src.port, 6867);
  }
  // A tag cut off.
  std::vector<uint8_t> cut = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0x00, 0, 1};
  TcpSegment s;
  std::string why;
  EXPECT_EQ(parse(kDltEn10mb, cut, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "VLAN tag cut off at byte 14 (needs 4, has 2)");
}

TEST(Packet, NullAndLoopAcceptBothByteOrders) {
  auto v4 = frame(kDltNull, false, "x");
  auto v6 = frame(kDltNull, true, "x");
  const uint8_t v4_le[] = {2, 0, 0, 0}, v4_be[] = {0, 0, 0, 2};
  for (uint32_t af6 : {10u, 24u, 28u, 30u}) {
    for (bool be : {false, true}) {
      for (int dlt : {kDltNull, kDltLoop}) {
        auto f = v6;
        uint8_t* p = f.data();
        if (be) { p[0] = 0; p[1] = 0; p[2] = 0; p[3] = static_cast<uint8_t>(af6); }
        else { p[0] = static_cast<uint8_t>(af6); p[1] = 0; p[2] = 0; p[3] = 0; }
        TcpSegment s;
        EXPECT_EQ(parse(dlt, f, s), ParseStatus::Ok) << af6 << " " << be << " " << dlt;
        EXPECT_TRUE(s.src.v6);
        auto g = v4;
        std::copy(be ? v4_be : v4_le, (be ? v4_be : v4_le) + 4, g.begin());
        EXPECT_EQ(parse(dlt, g, s), ParseStatus::Ok);
        EXPECT_FALSE(s.src.v6);
      }
    }
  }
  auto other = v4;
  other[0] = 7;  // AF_ISO or whatever: not IP
  TcpSegment s;
  EXPECT_EQ(parse(kDltNull, other, s), ParseStatus::NotTcp);
}

TEST(Packet, RawVersionNibbleDecides) {
  TcpSegment s;
  std::string why;
  // DLT 228 is nominally IPv4-only, but the header itself says what it is.
  auto f = frame(kDltRaw, true, "six");
  EXPECT_EQ(parse(kDltIpv4, f, s), ParseStatus::Ok);
  EXPECT_TRUE(s.src.v6);
  f[0] = 0x50;
  EXPECT_EQ(parse(kDltRaw, f, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "unknown IP version 5 at byte 0");
  // Ethertype says IPv4 but the header is not.
  auto e = frame(kDltEn10mb, false, "");
  e[14] = 0x65;
  EXPECT_EQ(parse(kDltEn10mb, e, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "IPv4 header at byte 14 has version 6");
}

TEST(Packet, NotTcp) {
  TcpSegment s;
  auto arp = frame(kDltEn10mb, false, "");
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(parse(kDltEn10mb, arp, s), ParseStatus::NotTcp);
  auto llc = frame(kDltEn10mb, false, "");
  llc[12] = 0x00;  // 802.3 length field
  llc[13] = 0x40;
  EXPECT_EQ(parse(kDltEn10mb, llc, s), ParseStatus::NotTcp);
  auto udp = frame(kDltRaw, false, "");
  udp[9] = 17;
  EXPECT_EQ(parse(kDltRaw, udp, s), ParseStatus::NotTcp);
  auto udp6 = frame(kDltRaw, true, "");
  udp6[6] = 17;
  EXPECT_EQ(parse(kDltRaw, udp6, s), ParseStatus::NotTcp);
  auto sll = frame(kDltLinuxSll, false, "");
  sll[14] = 0x88;  // LLDP
  sll[15] = 0xcc;
  EXPECT_EQ(parse(kDltLinuxSll, sll, s), ParseStatus::NotTcp);
}

TEST(Packet, UnsupportedLinkTypeAndFragments) {
  TcpSegment s;
  std::string why;
  auto f = frame(kDltEn10mb, false, "frag");
  EXPECT_EQ(parse(147, f, s, &why), ParseStatus::Unsupported);
  EXPECT_EQ(why, "unsupported link type 147");

  f[14 + 6] = 0x20;  // more fragments, offset 0
  f[14 + 7] = 0x00;
  EXPECT_EQ(parse(kDltEn10mb, f, s, &why), ParseStatus::Unsupported);
  EXPECT_EQ(why, "IPv4 fragment (offset 0) at byte 14");
  f[14 + 6] = 0x00;  // last fragment at offset 185 * 8
  f[14 + 7] = 185;
  EXPECT_EQ(parse(kDltEn10mb, f, s, &why), ParseStatus::Unsupported);
  EXPECT_EQ(why, "IPv4 fragment (offset 1480) at byte 14");

  // IPv6 with a fragment header (next header 44) in front of TCP.
  auto g = frame(kDltRaw, true, "frag6");
  std::vector<uint8_t> h(g.begin(), g.begin() + 40);
  h[6] = 44;
  h[5] = static_cast<uint8_t>(h[5] + 8);
  for (uint8_t b : {6, 0, 0x05, 0xc9, 0, 0, 0, 1}) h.push_back(b);  // offset 185*8, M=1
  h.insert(h.end(), g.begin() + 40, g.end());
  EXPECT_EQ(parse(kDltRaw, h, s, &why), ParseStatus::Unsupported);
  EXPECT_EQ(why, "IPv6 fragment (offset 1480) at byte 40");
}

TEST(Packet, Ipv6ExtensionHeaders) {
  auto g = frame(kDltLinuxSll2, true, "ext");
  const std::size_t ip = 20;
  std::vector<uint8_t> f(g.begin(), g.begin() + ip + 40);
  f[ip + 6] = 0;                                         // hop-by-hop first
  const uint8_t hbh[8] = {60, 0, 1, 4, 0, 0, 0, 0};      // -> destination options, 8 bytes (PadN)
  const uint8_t dst[16] = {43, 1, 1, 12};                // -> routing, 16 bytes
  const uint8_t rt[8] = {6, 0, 0, 0, 0, 0, 0, 0};        // -> TCP, 8 bytes
  f.insert(f.end(), hbh, hbh + 8);
  f.insert(f.end(), dst, dst + 16);
  f.insert(f.end(), rt, rt + 8);
  f.insert(f.end(), g.begin() + ip + 40, g.end());
  uint16_t plen = static_cast<uint16_t>(f.size() - ip - 40);
  f[ip + 4] = static_cast<uint8_t>(plen >> 8);
  f[ip + 5] = static_cast<uint8_t>(plen);
  TcpSegment s;
  std::string why;
  ASSERT_EQ(parse(kDltLinuxSll2, f, s, &why), ParseStatus::Ok) << why;
  EXPECT_EQ(payload_of(s), "ext");
  EXPECT_EQ(s.src.port, 6867);

  // The routing header's length claims more than the packet holds.
  f[ip + 40 + 8 + 16 + 1] = 9;
  EXPECT_EQ(parse(kDltLinuxSll2, f, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "IPv6 extension header cut off at byte 84 (needs 80, has 31)");
}

TEST(Packet, Ipv4AndTcpOptions) {
  auto g = frame(kDltRaw, false, "opts");
  // IPv4 with 4 bytes of options (IHL 6) and TCP with 12 bytes of options (data offset 8).
  std::vector<uint8_t> f(g.begin(), g.begin() + 20);
  f[0] = 0x46;
  for (int i = 0; i < 4; ++i) f.push_back(1);  // NOPs
  f.insert(f.end(), g.begin() + 20, g.begin() + 40);
  f[24 + 12] = 0x80;
  for (int i = 0; i < 12; ++i) f.push_back(1);
  f.insert(f.end(), g.begin() + 40, g.end());
  f[2] = 0;
  f[3] = static_cast<uint8_t>(f.size());
  TcpSegment s;
  std::string why;
  ASSERT_EQ(parse(kDltRaw, f, s, &why), ParseStatus::Ok) << why;
  EXPECT_EQ(payload_of(s), "opts");
}

TEST(Packet, MalformedReasonsNameTheByte) {
  TcpSegment s;
  std::string why;
  auto f = frame(kDltEn10mb, false, "0123456789");
  std::vector<uint8_t> cut(f.begin(), f.begin() + 40);
  EXPECT_EQ(parse(kDltEn10mb, cut, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "TCP header cut off at byte 34 (needs 20, has 6)");

  std::vector<uint8_t> eth(f.begin(), f.begin() + 5);
  EXPECT_EQ(parse(kDltEn10mb, eth, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "Ethernet header cut off at byte 0 (needs 14, has 5)");

  auto bad = f;
  bad[14] = 0x44;  // IHL 4
  EXPECT_EQ(parse(kDltEn10mb, bad, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "IPv4 header length 16 below 20 at byte 14");

  bad = f;
  bad[16] = 0;
  bad[17] = 19;  // total length shorter than the header
  EXPECT_EQ(parse(kDltEn10mb, bad, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "IPv4 total length 19 shorter than its header (20) at byte 14");

  bad = f;
  bad[17] = 30;  // total length ends inside the TCP header
  EXPECT_EQ(parse(kDltEn10mb, bad, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "TCP header cut off at byte 34 (needs 20, has 10)");

  bad = f;
  bad[34 + 12] = 0x40;  // data offset 16
  EXPECT_EQ(parse(kDltEn10mb, bad, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "TCP data offset 16 below 20 at byte 34");

  bad = f;
  bad[34 + 12] = 0xf0;  // data offset 60: more than the segment
  EXPECT_EQ(parse(kDltEn10mb, bad, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "TCP options cut off at byte 34 (needs 60, has 30)");

  auto v6 = frame(kDltRaw, true, "");
  std::vector<uint8_t> v6cut(v6.begin(), v6.begin() + 39);
  EXPECT_EQ(parse(kDltRaw, v6cut, s, &why), ParseStatus::Malformed);
  EXPECT_EQ(why, "IPv6 header cut off at byte 0 (needs 40, has 39)");
}

TEST(Packet, CaptureShorterThanIpLengthIsTruncated) {
  auto f = frame(kDltLinuxSll, false, "0123456789");
  std::vector<uint8_t> cut(f.begin(), f.end() - 4);
  TcpSegment s;
  ASSERT_EQ(parse(kDltLinuxSll, cut, s), ParseStatus::Ok);
  EXPECT_TRUE(s.truncated);
  EXPECT_EQ(payload_of(s), "012345");
}

TEST(Packet, ZeroIpLengthFromSegmentationOffload) {
  auto f = frame(kDltEn10mb, false, "large");
  f[16] = f[17] = 0;
  TcpSegment s;
  ASSERT_EQ(parse(kDltEn10mb, f, s), ParseStatus::Ok);
  EXPECT_EQ(payload_of(s), "large");
}

// Cut every frame at every length: never Ok-and-complete before the full length, payload always
// inside the captured bytes.
TEST(Packet, CutAtEveryLength) {
  for (int dlt : kAllLinkTypes) {
    for (bool v6 : {false, true}) {
      if (!fits(dlt, v6)) continue;
      auto full = frame(dlt, v6, "MP-0 S80,K,220,32,U,0");
      for (std::size_t n = 0; n <= full.size(); ++n) {
        SCOPED_TRACE("dlt " + std::to_string(dlt) + (v6 ? " v6" : " v4") + " cut " + std::to_string(n));
        std::vector<uint8_t> cut(full.begin(), full.begin() + n);
        cut.shrink_to_fit();
        TcpSegment s;
        std::string why;
        ParseStatus st = parse_frame(dlt, cut.data(), cut.size(), s, &why);
        if (st == ParseStatus::Ok) {
          EXPECT_EQ(s.truncated, n < full.size());
          ASSERT_GE(s.payload, cut.data());
          EXPECT_EQ(s.payload + s.payload_len, cut.data() + n);
        } else {
          EXPECT_EQ(st, ParseStatus::Malformed);
          EXPECT_NE(why.find("cut off at byte"), std::string::npos) << why;
        }
      }
    }
  }
}

// Random corruption: whatever the result, no read outside the frame and a consistent answer.
TEST(Packet, RandomCorruptionStaysInBounds) {
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 20000; ++iter) {
    int dlt = kAllLinkTypes[rng() % std::size(kAllLinkTypes)];
    bool v6 = rng() % 2;
    if (!fits(dlt, v6)) continue;
    auto f = frame(dlt, v6, std::string(rng() % 40, 'p'));
    int flips = 1 + rng() % 4;
    for (int i = 0; i < flips; ++i) f[rng() % f.size()] = static_cast<uint8_t>(rng());
    f.resize(rng() % (f.size() + 1));
    f.shrink_to_fit();
    TcpSegment s;
    std::string why;
    ParseStatus st = parse_frame(dlt, f.data(), f.size(), s, &why);
    if (st == ParseStatus::Ok) {
      ASSERT_GE(s.payload, f.data());
      ASSERT_LE(s.payload + s.payload_len, f.data() + f.size());
    } else if (st != ParseStatus::NotTcp) {
      EXPECT_FALSE(why.empty());
    }
  }
}
