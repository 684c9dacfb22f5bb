#include "pcapng_recorder.h"

#include <QDateTime>
#include <QTcpSocket>

#include "ovms/capture_writer.h"
#include "ovms/keys_writer.h"

namespace ovms::proxy {

namespace {

constexpr int kDltEthernet = 1;
constexpr std::size_t kMaxSegment = 32000;  // well inside an IPv4 packet's 65535 bytes

Endpoint endpoint(const QHostAddress& a, quint16 port) {
  Endpoint e;
  e.port = port;
  bool ok = false;
  const quint32 v4 = a.toIPv4Address(&ok);
  if (ok) {
    e.addr[0] = static_cast<uint8_t>(v4 >> 24);
    e.addr[1] = static_cast<uint8_t>(v4 >> 16);
    e.addr[2] = static_cast<uint8_t>(v4 >> 8);
    e.addr[3] = static_cast<uint8_t>(v4);
  } else {
    const Q_IPV6ADDR v6 = a.toIPv6Address();
    for (int i = 0; i < 16; ++i) e.addr[i] = v6[i];
    e.v6 = true;
  }
  return e;
}

double now() { return static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0; }

}  // namespace

std::string PcapngRecorder::keys_path(const std::string& capture) {
  std::string base = capture;
  for (const char* ext : {".pcapng", ".pcap"})
    if (base.size() > std::strlen(ext) && base.compare(base.size() - std::strlen(ext), std::string::npos, ext) == 0) {
      base.resize(base.size() - std::strlen(ext));
      break;
    }
  return base + ".keys.yaml";
}

bool PcapngRecorder::open(const std::string& path, const KeyStore* keys, std::string& error) {
  PcapngWriter::Options o;
  o.flush_each_block = true;
  o.application = "ovms-proxy";
  if (!writer_.open(path, o, error)) return false;
  if (keys) {
    const std::string kp = keys_path(path);
    if (!KeysWriter(*keys).write(kp, "The keys of " + path + " (ovms-proxy --record)", error)) return false;
  }
  return true;
}

void PcapngRecorder::frame(const Endpoint& src, const Endpoint& dst, uint32_t seq, uint32_t ack, uint8_t flags,
                           const char* data, std::size_t len) {
  const std::vector<uint8_t> f =
      build_tcp_frame(kDltEthernet, src, dst, seq, ack, flags, reinterpret_cast<const uint8_t*>(data), len);
  writer_.write(kDltEthernet, now(), f);
}

void PcapngRecorder::data(uint32_t session, Leg leg, bool from_peer, const QTcpSocket& socket, const char* bytes,
                          std::size_t size) {
  if (!writer_.is_open()) return;
  auto key = std::make_pair(session, static_cast<int>(leg));
  auto it = legs_.find(key);
  if (it == legs_.end()) {
    // The leg's handshake, as a capture of it would show: the client side opens.
    LegState s;
    s.peer = endpoint(socket.peerAddress(), socket.peerPort());
    s.proxy = endpoint(socket.localAddress(), socket.localPort());
    it = legs_.emplace(key, s).first;
    LegState& st = it->second;
    const bool peer_opens = leg == Leg::Client;
    const Endpoint& a = peer_opens ? st.peer : st.proxy;
    const Endpoint& b = peer_opens ? st.proxy : st.peer;
    uint32_t& sa = peer_opens ? st.seq_peer : st.seq_proxy;
    uint32_t& sb = peer_opens ? st.seq_proxy : st.seq_peer;
    frame(a, b, sa, 0, kSyn, nullptr, 0);
    frame(b, a, sb, sa + 1, kSyn | kAck, nullptr, 0);
    ++sa;
    ++sb;
    frame(a, b, sa, sb, kAck, nullptr, 0);
  }
  LegState& st = it->second;
  const Endpoint& src = from_peer ? st.peer : st.proxy;
  const Endpoint& dst = from_peer ? st.proxy : st.peer;
  uint32_t& seq = from_peer ? st.seq_peer : st.seq_proxy;
  const uint32_t ack = from_peer ? st.seq_proxy : st.seq_peer;
  for (std::size_t off = 0; off < size; off += kMaxSegment) {
    const std::size_t n = std::min(kMaxSegment, size - off);
    frame(src, dst, seq, ack, kPsh | kAck, bytes + off, n);
    seq += static_cast<uint32_t>(n);
  }
}

void PcapngRecorder::closed(uint32_t session) {
  for (int leg = 0; leg < 2; ++leg) {
    auto it = legs_.find({session, leg});
    if (it == legs_.end()) continue;
    LegState& st = it->second;
    frame(st.peer, st.proxy, st.seq_peer, st.seq_proxy, kFin | kAck, nullptr, 0);
    frame(st.proxy, st.peer, st.seq_proxy, st.seq_peer + 1, kFin | kAck, nullptr, 0);
    legs_.erase(it);
  }
}

bool PcapngRecorder::close(std::string& error) {
  std::vector<uint32_t> open;
  for (auto& [k, s] : legs_) open.push_back(k.first);
  for (uint32_t s : open) closed(s);
  return writer_.close(error);
}

}  // namespace ovms::proxy
