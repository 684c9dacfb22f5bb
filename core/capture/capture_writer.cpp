// Frame building and classic pcap writing. Frames look like what a real capture would hold (distinct
// MACs per host, valid checksums) so tcpdump, Wireshark and our own reader all accept them.
#include "ovms/capture_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "ovms/private_file.h"

namespace ovms {

namespace {

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}

// Ones' complement sum of 16-bit big-endian words (RFC 1071), not yet folded or inverted.
uint32_t sum16(const uint8_t* p, std::size_t n, uint32_t sum = 0) {
  for (; n >= 2; p += 2, n -= 2) sum += static_cast<uint32_t>(p[0] << 8 | p[1]);
  if (n) sum += static_cast<uint32_t>(p[0] << 8);
  return sum;
}
uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// A locally administered unicast MAC derived from the host's address, so the two sides differ.
void put_mac(uint8_t* p, const Endpoint& e) {
  const uint8_t* a = e.addr.data() + (e.v6 ? 12 : 0);
  p[0] = 0x02;
  p[1] = 0x00;
  std::memcpy(p + 2, a, 4);
}

std::size_t link_header_size(int dlt) {
  switch (dlt) {
    case kDltEn10mb: return 14;
    case kDltLinuxSll: return 16;
    case kDltLinuxSll2: return 20;
    case kDltNull: case kDltLoop: return 4;
    case kDltRaw: case kDltRawAlt12: case kDltRawAlt14: case kDltIpv4: case kDltIpv6: return 0;
    default: throw std::invalid_argument("build_tcp_frame: unsupported link type " + std::to_string(dlt));
  }
}

void put_link_header(uint8_t* p, int dlt, const Endpoint& src, const Endpoint& dst) {
  const uint16_t ethertype = src.v6 ? 0x86dd : 0x0800;
  switch (dlt) {
    case kDltEn10mb:
      put_mac(p, dst);
      put_mac(p + 6, src);
      put16(p + 12, ethertype);
      break;
    case kDltLinuxSll:
      put16(p, 0);       // packet type: addressed to this host
      put16(p + 2, 1);   // ARPHRD_ETHER
      put16(p + 4, 6);   // link-layer address length
      put_mac(p + 6, src);
      put16(p + 14, ethertype);
      break;
    case kDltLinuxSll2:
      put16(p, ethertype);
      put16(p + 2, 0);   // reserved
      put32(p + 4, 1);   // interface index
      put16(p + 8, 1);   // ARPHRD_ETHER
      p[10] = 0;         // packet type: addressed to this host
      p[11] = 6;         // link-layer address length
      put_mac(p + 12, src);
      break;
    case kDltNull: {
      // Host byte order. IPv6 uses Darwin's 30: DLT_NULL captures come mostly from macOS, and
      // tcpdump/Wireshark recognise the BSD values (not Linux's 10).
      uint32_t af = src.v6 ? 30 : 2;
      std::memcpy(p, &af, 4);
      break;
    }
    case kDltLoop:
      put32(p, src.v6 ? 24 : 2);  // network byte order, OpenBSD's AF_INET6
      break;
    default:
      break;  // raw IP: no link header
  }
}

std::atomic<uint16_t> g_ip_id{1};

}  // namespace

std::vector<uint8_t> build_tcp_frame(int dlt, const Endpoint& src, const Endpoint& dst, uint32_t seq,
                                     uint32_t ack, uint8_t flags, const uint8_t* payload,
                                     std::size_t len) {
  if (src.v6 != dst.v6)
    throw std::invalid_argument("build_tcp_frame: source and destination differ in IP version");
  const bool v6 = src.v6;
  const std::size_t ip_hdr = v6 ? 40 : 20;
  const std::size_t tcp_len = 20 + len;
  if (tcp_len + (v6 ? 0 : ip_hdr) > 65535)
    throw std::length_error("build_tcp_frame: payload of " + std::to_string(len) + " bytes too long");
  const std::size_t link = link_header_size(dlt);

  std::vector<uint8_t> f(link + ip_hdr + tcp_len);
  uint8_t* ip = f.data() + link;
  uint8_t* tcp = ip + ip_hdr;
  put_link_header(f.data(), dlt, src, dst);

  uint32_t pseudo = 0;  // TCP checksum pseudo-header sum
  if (v6) {
    put32(ip, 0x60000000);  // version 6, no traffic class or flow label
    put16(ip + 4, static_cast<uint16_t>(tcp_len));
    ip[6] = 6;   // next header: TCP
    ip[7] = 64;  // hop limit
    std::memcpy(ip + 8, src.addr.data(), 16);
    std::memcpy(ip + 24, dst.addr.data(), 16);
    pseudo = sum16(ip + 8, 32, static_cast<uint32_t>(tcp_len) + 6);
  } else {
    ip[0] = 0x45;  // version 4, 20-byte header
    put16(ip + 2, static_cast<uint16_t>(ip_hdr + tcp_len));
    put16(ip + 4, g_ip_id.fetch_add(1, std::memory_order_relaxed));
    put16(ip + 6, 0x4000);  // don't fragment
    ip[8] = 64;             // TTL
    ip[9] = 6;              // TCP
    std::memcpy(ip + 12, src.addr.data(), 4);
    std::memcpy(ip + 16, dst.addr.data(), 4);
    put16(ip + 10, fold(sum16(ip, 20)));
    pseudo = sum16(ip + 12, 8, static_cast<uint32_t>(tcp_len) + 6);
  }

  put16(tcp, src.port);
  put16(tcp + 2, dst.port);
  put32(tcp + 4, seq);
  put32(tcp + 8, ack);
  tcp[12] = 5 << 4;  // data offset: 20 bytes, no options
  tcp[13] = flags;
  put16(tcp + 14, 65535);  // window
  if (len) std::memcpy(tcp + 20, payload, len);
  put16(tcp + 16, fold(sum16(tcp, tcp_len, pseudo)));
  return f;
}

PcapWriter::~PcapWriter() {
  if (f_) std::fclose(f_);
}

bool PcapWriter::open(const std::string& path, int dlt, std::string& error) {
  if (f_) {
    std::string ignored;
    close(ignored);
  }
  path_ = path;
  failed_ = false;
  // Captures can hold secrets (scheme-1 logins are plain text): created 0600, like the keys files we
  // write and like dumpcap's captures.
  int fd = open_private_file(path, "capture", error);
  if (fd < 0) return false;
  f_ = ::fdopen(fd, "wb");
  if (!f_) {
    error = "cannot write capture '" + path + "': " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  // Million-record captures: a large buffer turns two small writes per record into few syscalls.
  constexpr std::size_t kBuffer = 1 << 20;
  buf_ = std::make_unique<char[]>(kBuffer);
  std::setvbuf(f_, buf_.get(), _IOFBF, kBuffer);

  // Classic pcap global header in this host's byte order; readers detect it from the magic.
  struct {
    uint32_t magic = 0xa1b2c3d4;  // microsecond timestamps
    uint16_t major = 2, minor = 4;
    int32_t thiszone = 0;
    uint32_t sigfigs = 0;
    uint32_t snaplen = 262144;
    uint32_t network = 0;
  } hdr;
  static_assert(sizeof hdr == 24, "pcap global header is 24 bytes");
  hdr.network = static_cast<uint32_t>(dlt);
  if (std::fwrite(&hdr, sizeof hdr, 1, f_) != 1) {
    error = "cannot write capture '" + path + "': " + std::strerror(errno);
    std::fclose(f_);
    f_ = nullptr;
    return false;
  }
  return true;
}

void PcapWriter::write(double ts, const std::vector<uint8_t>& frame, uint32_t orig_len) {
  if (!f_) {
    failed_ = true;
    return;
  }
  if (!(ts >= 0)) ts = 0;  // also catches NaN
  double whole = std::floor(ts);
  auto sec = static_cast<uint64_t>(whole);
  auto usec = static_cast<uint32_t>(std::llround((ts - whole) * 1e6));
  if (usec >= 1000000) {  // rounding carried into the next second
    ++sec;
    usec -= 1000000;
  }
  uint32_t rec[4];
  rec[0] = static_cast<uint32_t>(sec);
  rec[1] = usec;
  rec[2] = static_cast<uint32_t>(frame.size());
  rec[3] = orig_len > rec[2] ? orig_len : rec[2];
  if (std::fwrite(rec, sizeof rec, 1, f_) != 1 ||
      (!frame.empty() && std::fwrite(frame.data(), frame.size(), 1, f_) != 1))
    failed_ = true;
}

bool PcapWriter::close(std::string& error) {
  if (!f_) {
    if (failed_) error = "cannot write capture '" + path_ + "': not open";
    return !failed_;
  }
  bool ok = !failed_ && std::fflush(f_) == 0 && !std::ferror(f_);
  int err = errno;
  if (std::fclose(f_) != 0 && ok) {
    ok = false;
    err = errno;
  }
  f_ = nullptr;
  buf_.reset();
  if (!ok) error = "error writing capture '" + path_ + "': " + std::strerror(err ? err : EIO);
  failed_ = false;
  return ok;
}

}  // namespace ovms
