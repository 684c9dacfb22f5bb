#include "ovms/analyzer.h"

#include <algorithm>
#include <cstring>

namespace ovms {

// One TCP connection: its two reassembled directions feed one ConnectionDecoder.
struct CaptureAnalyzer::Conn {
  explicit Conn(const TcpStreamOptions& options) : tcp(options) {}

  uint32_t index = 0;  // into infos_
  Endpoint client, server;
  TcpConnectionStreams tcp;  // direction 0 is client to server
  std::unique_ptr<ConnectionDecoder> decoder;  // dropped once the connection is known not to be OVMS
  bool decided = false;  // is_ovms settled
  bool is_ovms = false;
  bool mid_stream_told[2] = {false, false};
  bool close_told[2] = {false, false};  // the decoder was told of this direction's FIN or RST

  // Over: a connection that is not OVMS only needs its end seen; an OVMS one also every byte decoded.
  bool over() const { return decided && !is_ovms ? tcp.closed() : tcp.finished(); }

  // One direction's bytes and gaps, into the decoder.
  struct Feed final : TcpDirectionStream::Sink {
    Feed(Conn& c, Direction d, double t, RecordSink& s) : conn(c), dir(d), ts(t), sink(s) {}
    Conn& conn;
    Direction dir;
    double ts;
    RecordSink& sink;
    void on_bytes(const uint8_t* data, std::size_t len, uint64_t frame) override {
      if (conn.decoder) conn.decoder->feed(dir, data, len, frame, ts, sink);
    }
    void on_gap(uint64_t missing, uint64_t frame) override {
      if (conn.decoder) conn.decoder->gap(dir, missing, frame);
    }
  };
};

// A key for the unordered 4-tuple, so that both directions find the same connection.
CaptureAnalyzer::TupleKey CaptureAnalyzer::tuple_key(const Endpoint& a, const Endpoint& b) {
  const Endpoint* lo = &a;
  const Endpoint* hi = &b;
  if (std::memcmp(a.addr.data(), b.addr.data(), 16) > 0 || (a.addr == b.addr && a.port > b.port)) std::swap(lo, hi);
  CaptureAnalyzer::TupleKey k;
  std::memcpy(&k.bytes[0], lo->addr.data(), 16);
  std::memcpy(&k.bytes[16], &lo->port, 2);
  std::memcpy(&k.bytes[18], hi->addr.data(), 16);
  std::memcpy(&k.bytes[34], &hi->port, 2);
  k.bytes[36] = lo->v6;
  k.bytes[37] = hi->v6;
  return k;
}

CaptureAnalyzer::CaptureAnalyzer(const KeyStore* keys, RecordSink& sink, AnalyzerOptions options)
    : keys_(keys), sink_(sink), options_(std::move(options)) {}

CaptureAnalyzer::~CaptureAnalyzer() = default;

CaptureAnalyzer::Conn* CaptureAnalyzer::lookup(const TupleKey& key, const TcpSegment& seg, uint64_t frame, double ts) {
  auto it = conns_.find(key);
  const bool syn_only = (seg.flags & kSyn) && !(seg.flags & kAck);
  if (it != conns_.end() && syn_only && it->second->tcp.closed()) {
    // The same 4-tuple reused by a new connection before the old one's last bytes were settled.
    release(key, frame, ts, false);
    it = conns_.end();
  }
  if (it != conns_.end()) return it->second.get();
  auto closed = closed_.find(key);
  if (closed != closed_.end()) {
    if (!syn_only) return nullptr;  // the last ACK, or a retransmission, of a connection that is over
    closed_.erase(closed);
  }
  return open(key, seg, frame, ts);
}

CaptureAnalyzer::Conn* CaptureAnalyzer::open(const TupleKey& key, const TcpSegment& seg, uint64_t frame, double ts) {
  auto c = std::make_unique<Conn>(options_.tcp);
  // The client is the SYN's sender; without a SYN, the side not on a server port; else the sender.
  bool src_is_client = true;
  if (seg.flags & kSyn) src_is_client = !(seg.flags & kAck);
  else if (options_.ports.count(seg.src.port) && !options_.ports.count(seg.dst.port)) src_is_client = false;
  c->client = src_is_client ? seg.src : seg.dst;
  c->server = src_is_client ? seg.dst : seg.src;
  c->index = static_cast<uint32_t>(infos_.size());
  c->decoder = std::make_unique<ConnectionDecoder>(c->index, keys_, &next_id_, options_.decoder);
  ConnectionInfo info;
  info.id = c->index;
  info.client = c->client;
  info.server = c->server;
  info.client_text = c->client.to_string();
  info.server_text = c->server.to_string();
  info.first_frame = frame;
  info.first_ts = ts;
  if (options_.ports.count(c->server.port)) {
    c->decided = true;
    c->is_ovms = info.is_ovms = true;
  }
  infos_.push_back(info);
  return conns_.emplace(key, std::move(c)).first->second.get();
}

void CaptureAnalyzer::decide_by_content(Conn& c, const TcpSegment& seg) {
  // The first payload of the connection decides. A server never speaks first, so an OVMS start from
  // the "server" side means we guessed the roles wrong: swap them.
  c.decided = true;
  ConnectionInfo& info = infos_[c.index];
  if (!options_.detect_by_content ||
      !looks_like_ovms_opening(std::string_view(reinterpret_cast<const char*>(seg.payload), seg.payload_len))) {
    c.decoder.reset();
    return;
  }
  c.is_ovms = info.is_ovms = true;
  if (seg.src != c.client) {
    std::swap(c.client, c.server);
    info.client = c.client;
    info.server = c.server;
    std::swap(info.client_text, info.server_text);
    c.tcp.swap_directions();
  }
}

void CaptureAnalyzer::feed(Conn& c, const TcpSegment& seg, uint64_t frame, double ts) {
  const int d = seg.src == c.client ? 0 : 1;
  const Direction dir = static_cast<Direction>(d);
  Conn::Feed own(c, dir, ts, sink_), peer(c, opposite(dir), ts, sink_);
  if (c.decided && !c.is_ovms) {
    // Not ours: only its flags matter, to see it end. No bytes and no ACKs, so nothing is ever held.
    c.tcp.on_segment(d, seg.seq, 0, static_cast<uint8_t>(seg.flags & ~kAck), nullptr, 0, frame, own, peer);
    return;
  }
  // Tell the decoder before the first bytes arrive that this direction has no beginning.
  if (!c.tcp.direction(d).seen_any() && !(seg.flags & kSyn) && !c.mid_stream_told[d]) {
    c.mid_stream_told[d] = true;
    c.decoder->started_mid_stream(dir, frame);
  }
  c.tcp.on_segment(d, seg.seq, seg.ack, seg.flags, seg.payload, seg.payload_len, frame, own, peer);
  // The decoder learns of a close once it has every byte sent before it (a FIN may overtake them, and
  // this segment's ACK may have released the peer's).
  for (int i = 0; i < 2; ++i) {
    const TcpDirectionStream& s = c.tcp.direction(i);
    if (c.close_told[i] || !(s.saw_rst() || (s.saw_fin() && s.complete()))) continue;
    c.close_told[i] = true;
    c.decoder->closed(static_cast<Direction>(i), frame, ts, sink_);
  }
  if (seg.truncated) {
    Diagnostic diag{DiagId::TcpGap, frame, -1, "frame " + std::to_string(frame) + " was cut short by the capture's snap length"};
    sink_.on_orphan_diagnostic(c.index, diag);
  }
}

void CaptureAnalyzer::on_segment(const TcpSegment& seg, uint64_t frame, double ts) {
  last_frame_ = frame;
  last_ts_ = ts;
  forget_closed_before(ts - kClosedLingerSeconds);
  const TupleKey key = tuple_key(seg.src, seg.dst);
  Conn* c = lookup(key, seg, frame, ts);
  if (!c) return;
  if (!c->decided && seg.payload_len > 0) decide_by_content(*c, seg);
  feed(*c, seg, frame, ts);
  if (c->over()) release(key, frame, ts, true);
}

void CaptureAnalyzer::release(const TupleKey& key, uint64_t frame, double ts, bool remember) {
  auto it = conns_.find(key);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  if (c.is_ovms) {
    Conn::Feed up(c, Direction::ClientToServer, ts, sink_), down(c, Direction::ServerToClient, ts, sink_);
    c.tcp.flush(frame, up, down);  // what a RST cut off, or the end of input
    c.decoder->finish(frame, ts, sink_);
  }
  conns_.erase(it);
  if (!remember) return;
  closed_[key] = ts;
  closed_order_.emplace_back(key, ts);
  while (closed_order_.size() > kClosedRemembered) forget_oldest_closed();
}

void CaptureAnalyzer::forget_closed_before(double ts) {
  while (!closed_order_.empty() && closed_order_.front().second < ts) forget_oldest_closed();
}

void CaptureAnalyzer::forget_oldest_closed() {
  auto it = closed_.find(closed_order_.front().first);
  // A tuple that closed again later has a newer entry of its own further back: keep it for that one.
  if (it != closed_.end() && it->second == closed_order_.front().second) closed_.erase(it);
  closed_order_.pop_front();
}

void CaptureAnalyzer::on_bad_frame(uint64_t frame, const std::string& why) {
  sink_.on_orphan_diagnostic(UINT32_MAX, Diagnostic{DiagId::TcpGap, frame, -1, "frame " + std::to_string(frame) + ": " + why});
}

void CaptureAnalyzer::finish() {
  // In connection order, so that output is deterministic.
  std::vector<std::pair<uint32_t, TupleKey>> open;
  for (const auto& [key, c] : conns_) open.emplace_back(c->index, key);
  std::sort(open.begin(), open.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [index, key] : open) release(key, last_frame_, last_ts_, false);
  for (const Diagnostic& d : keys_.report_unused()) sink_.on_orphan_diagnostic(UINT32_MAX, d);
}

}  // namespace ovms
