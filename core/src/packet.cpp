// Link-layer, IPv4/IPv6 and TCP header parsing. Every read is preceded by a length check against the
// captured size, so a frame cut off anywhere yields Malformed (or Ok with `truncated`), never an
// out-of-bounds read. Reasons name the header and the byte offset in the frame where it starts.
#include "ovms/packet.h"

#include <arpa/inet.h>

#include <algorithm>
#include <string>
#include <utility>

namespace ovms {

namespace {

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint32_t le32(const uint8_t* p) {
  return uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0];
}

// What the link layer says follows it.
enum class Net { Ipv4, Ipv6, ByVersion, Other };

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;

struct Parser {
  const uint8_t* data;
  std::size_t caplen;
  std::string* why;

  ParseStatus fail(ParseStatus st, std::string msg) const {
    if (why) *why = std::move(msg);
    return st;
  }
  // "<what> cut off at byte <at> (needs <need>, has <has>)"
  ParseStatus cut(const char* what, std::size_t at, std::size_t need, std::size_t limit) const {
    std::size_t has = limit > at ? limit - at : 0;
    return fail(ParseStatus::Malformed, std::string(what) + " cut off at byte " + std::to_string(at) +
                                            " (needs " + std::to_string(need) + ", has " +
                                            std::to_string(has) + ")");
  }

  static Net from_ethertype(uint16_t type) {
    if (type == kEtherIpv4) return Net::Ipv4;
    if (type == kEtherIpv6) return Net::Ipv6;
    return Net::Other;  // ARP, LLDP, 802.3 length fields, ...
  }

  // Skips 802.1Q / 802.1ad (QinQ) tags starting at `off`, where `type` was just read.
  ParseStatus skip_vlan(std::size_t& off, uint16_t& type) const {
    while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
      if (caplen < off + 4) return cut("VLAN tag", off, 4, caplen);
      type = be16(data + off + 2);
      off += 4;
    }
    return ParseStatus::Ok;
  }

  // BSD loopback address family. Accept both byte orders: the header is in the capturing host's
  // order (DLT_NULL) or network order (DLT_LOOP), and files travel between hosts. The values do not
  // collide when byte-swapped, so trying both is unambiguous.
  static Net from_af(uint32_t af) {
    if (af == 2) return Net::Ipv4;
    if (af == 10 || af == 24 || af == 28 || af == 30) return Net::Ipv6;  // Linux, BSD, FreeBSD, Darwin
    return Net::Other;
  }

  ParseStatus link(int dlt, std::size_t& off, Net& net) const {
    switch (dlt) {
      case kDltEn10mb: {
        if (caplen < 14) return cut("Ethernet header", 0, 14, caplen);
        uint16_t type = be16(data + 12);
        off = 14;
        if (ParseStatus st = skip_vlan(off, type); st != ParseStatus::Ok) return st;
        net = from_ethertype(type);
        return ParseStatus::Ok;
      }
      case kDltLinuxSll: {
        if (caplen < 16) return cut("Linux cooked header", 0, 16, caplen);
        uint16_t type = be16(data + 14);
        off = 16;
        if (ParseStatus st = skip_vlan(off, type); st != ParseStatus::Ok) return st;
        net = from_ethertype(type);
        return ParseStatus::Ok;
      }
      case kDltLinuxSll2: {
        if (caplen < 20) return cut("Linux cooked v2 header", 0, 20, caplen);
        uint16_t type = be16(data);
        off = 20;
        if (ParseStatus st = skip_vlan(off, type); st != ParseStatus::Ok) return st;
        net = from_ethertype(type);
        return ParseStatus::Ok;
      }
      case kDltRaw:
      case kDltRawAlt12:
      case kDltRawAlt14:
      case kDltIpv4:
      case kDltIpv6:
        // Even for 228/229 the version nibble is authoritative; it is checked again by the IP parser.
        off = 0;
        net = Net::ByVersion;
        return ParseStatus::Ok;
      case kDltNull:
      case kDltLoop: {
        if (caplen < 4) return cut("loopback header", 0, 4, caplen);
        uint32_t first = dlt == kDltLoop ? be32(data) : le32(data);
        uint32_t second = dlt == kDltLoop ? le32(data) : be32(data);
        net = from_af(first);
        if (net == Net::Other) net = from_af(second);
        off = 4;
        return ParseStatus::Ok;
      }
      default:
        return fail(ParseStatus::Unsupported, "unsupported link type " + std::to_string(dlt));
    }
  }

  // Parses the IPv4 header at `off`. Sets [l4, end) to the TCP part; `end` may exceed caplen.
  ParseStatus ipv4(std::size_t off, TcpSegment& out, std::size_t& l4, std::size_t& end) const {
    if (caplen < off + 20) return cut("IPv4 header", off, 20, caplen);
    const uint8_t* h = data + off;
    if ((h[0] >> 4) != 4)
      return fail(ParseStatus::Malformed, "IPv4 header at byte " + std::to_string(off) +
                                              " has version " + std::to_string(h[0] >> 4));
    std::size_t ihl = std::size_t{h[0] & 0x0fu} * 4;
    if (ihl < 20)
      return fail(ParseStatus::Malformed, "IPv4 header length " + std::to_string(ihl) +
                                              " below 20 at byte " + std::to_string(off));
    if (caplen < off + ihl) return cut("IPv4 options", off, ihl, caplen);
    std::size_t total = be16(h + 2);
    if (total == 0) {
      // Captured before TCP segmentation offload split it: the kernel leaves the length at 0.
      total = caplen - off;
    } else if (total < ihl) {
      return fail(ParseStatus::Malformed, "IPv4 total length " + std::to_string(total) +
                                              " shorter than its header (" + std::to_string(ihl) +
                                              ") at byte " + std::to_string(off));
    }
    uint16_t frag = be16(h + 6);
    if ((frag & 0x3fff) != 0)  // more-fragments flag or a non-zero offset
      return fail(ParseStatus::Unsupported, "IPv4 fragment (offset " +
                                                std::to_string((frag & 0x1fff) * 8) + ") at byte " +
                                                std::to_string(off));
    if (h[9] != 6) return ParseStatus::NotTcp;
    out.src.v6 = out.dst.v6 = false;
    std::copy(h + 12, h + 16, out.src.addr.begin());
    std::copy(h + 16, h + 20, out.dst.addr.begin());
    l4 = off + ihl;
    end = off + total;  // bytes past it are link-layer padding
    return ParseStatus::Ok;
  }

  ParseStatus ipv6(std::size_t off, TcpSegment& out, std::size_t& l4, std::size_t& end) const {
    if (caplen < off + 40) return cut("IPv6 header", off, 40, caplen);
    const uint8_t* h = data + off;
    if ((h[0] >> 4) != 6)
      return fail(ParseStatus::Malformed, "IPv6 header at byte " + std::to_string(off) +
                                              " has version " + std::to_string(h[0] >> 4));
    std::size_t plen = be16(h + 4);
    // 0 means a jumbogram or an offloaded segment: take what was captured.
    end = plen == 0 ? caplen : off + 40 + plen;
    uint8_t next = h[6];
    std::size_t pos = off + 40;
    std::size_t limit = end < caplen ? end : caplen;
    for (;;) {
      if (next == 6) break;
      if (next == 44) {
        std::string where = " at byte " + std::to_string(pos);
        if (limit >= pos + 4)
          return fail(ParseStatus::Unsupported,
                      "IPv6 fragment (offset " + std::to_string(be16(data + pos + 2) & 0xfff8) + ")" + where);
        return fail(ParseStatus::Unsupported, "IPv6 fragment" + where);
      }
      if (next != 0 && next != 43 && next != 60 && next != 51) return ParseStatus::NotTcp;
      if (limit < pos + 2) return cut("IPv6 extension header", pos, 2, limit);
      // AH counts its length in 4-byte units minus 2; the others in 8-byte units minus 1.
      std::size_t len = next == 51 ? (std::size_t{data[pos + 1]} + 2) * 4 : (std::size_t{data[pos + 1]} + 1) * 8;
      if (limit < pos + len) return cut("IPv6 extension header", pos, len, limit);
      next = data[pos];
      pos += len;
    }
    out.src.v6 = out.dst.v6 = true;
    std::copy(h + 8, h + 24, out.src.addr.begin());
    std::copy(h + 24, h + 40, out.dst.addr.begin());
    l4 = pos;
    return ParseStatus::Ok;
  }

  ParseStatus tcp(std::size_t off, std::size_t end, TcpSegment& out) const {
    std::size_t limit = end < caplen ? end : caplen;
    if (limit < off + 20) return cut("TCP header", off, 20, limit);
    const uint8_t* h = data + off;
    std::size_t doff = std::size_t{h[12]} >> 4 << 2;
    if (doff < 20)
      return fail(ParseStatus::Malformed, "TCP data offset " + std::to_string(doff) + " below 20 at byte " +
                                              std::to_string(off));
    if (limit < off + doff) return cut("TCP options", off, doff, limit);
    out.src.port = be16(h);
    out.dst.port = be16(h + 2);
    out.seq = be32(h + 4);
    out.ack = be32(h + 8);
    out.flags = h[13];
    out.payload = data + off + doff;
    out.payload_len = limit - (off + doff);
    out.truncated = end > caplen;
    return ParseStatus::Ok;
  }
};

}  // namespace

ParseStatus parse_frame(int dlt, const uint8_t* data, std::size_t caplen, TcpSegment& out,
                        std::string* why) {
  out = TcpSegment{};
  Parser p{data, data ? caplen : 0, why};
  std::size_t off = 0;
  Net net = Net::Other;
  if (ParseStatus st = p.link(dlt, off, net); st != ParseStatus::Ok) return st;
  if (net == Net::ByVersion) {
    if (p.caplen <= off) return p.cut("IP header", off, 20, p.caplen);
    unsigned version = data[off] >> 4;
    if (version == 4) net = Net::Ipv4;
    else if (version == 6) net = Net::Ipv6;
    else
      return p.fail(ParseStatus::Malformed,
                    "unknown IP version " + std::to_string(version) + " at byte " + std::to_string(off));
  }
  if (net == Net::Other) return ParseStatus::NotTcp;

  std::size_t l4 = 0, end = 0;
  TcpSegment seg;
  ParseStatus st = net == Net::Ipv4 ? p.ipv4(off, seg, l4, end) : p.ipv6(off, seg, l4, end);
  if (st != ParseStatus::Ok) return st;
  if ((st = p.tcp(l4, end, seg)) != ParseStatus::Ok) return st;
  out = seg;
  return ParseStatus::Ok;
}

bool link_type_supported(int dlt) {
  switch (dlt) {
    case kDltNull: case kDltEn10mb: case kDltRaw: case kDltRawAlt12: case kDltRawAlt14:
    case kDltLoop: case kDltLinuxSll: case kDltIpv4: case kDltIpv6: case kDltLinuxSll2:
      return true;
    default:
      return false;
  }
}

std::string Endpoint::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (v6) {
    inet_ntop(AF_INET6, addr.data(), buf, sizeof buf);
    return std::string("[") + buf + "]:" + std::to_string(port);
  }
  inet_ntop(AF_INET, addr.data(), buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(port);
}

}  // namespace ovms
