// Link-layer, IP and TCP header parsing for captured frames. Pure functions over bytes: no libpcap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ovms {

// Link-layer types, numbered as libpcap's DLT_* values.
enum : int {
  kDltNull = 0,        // BSD loopback: 4-byte host-order address family
  kDltEn10mb = 1,      // Ethernet (also Linux "lo" captures: a 14-byte fake Ethernet header)
  kDltRaw = 101,       // raw IPv4/IPv6 (LINKTYPE_RAW); DLT_RAW is 12 or 14 on some systems
  kDltRawAlt12 = 12,
  kDltRawAlt14 = 14,
  kDltLoop = 108,      // OpenBSD loopback: 4-byte network-order address family
  kDltLinuxSll = 113,  // Linux cooked v1
  kDltIpv4 = 228,
  kDltIpv6 = 229,
  kDltLinuxSll2 = 276, // Linux cooked v2
};

struct Endpoint {
  std::array<uint8_t, 16> addr{};  // IPv4 in the first 4 bytes
  bool v6 = false;
  uint16_t port = 0;

  std::string to_string() const;  // "1.2.3.4:6867" or "[::1]:6867"
  bool operator==(const Endpoint& o) const { return v6 == o.v6 && port == o.port && addr == o.addr; }
  bool operator!=(const Endpoint& o) const { return !(*this == o); }
};

enum TcpFlag : uint8_t { kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10 };

struct TcpSegment {
  Endpoint src, dst;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  const uint8_t* payload = nullptr;  // points into the frame passed to parse_frame
  std::size_t payload_len = 0;
  bool truncated = false;  // the capture cut the payload short (caplen < IP length)
};

enum class ParseStatus {
  Ok,           // a TCP segment
  NotTcp,       // a valid frame that is not TCP over IPv4/IPv6 (ARP, UDP, ...): skip silently
  Unsupported,  // a link type or IP feature we do not decode (fragments, ...): why says which
  Malformed,    // a header is cut off or inconsistent: why says what and at which byte
};

// Parse one captured frame of link type `dlt`. On Ok, `out` describes the TCP segment.
// `why` (if not null) receives a short explanation for Unsupported and Malformed.
ParseStatus parse_frame(int dlt, const uint8_t* data, std::size_t caplen, TcpSegment& out,
                        std::string* why = nullptr);

bool link_type_supported(int dlt);

}  // namespace ovms
