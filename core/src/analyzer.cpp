#include "ovms/analyzer.h"

#include <algorithm>
#include <cstring>

namespace ovms {

// The default DecoderHost: a ConnectionDecoder per connection, by connection id, over the analyzer's ring.
class CaptureAnalyzer::OwnDecoders final : public DecoderHost {
 public:
  OwnDecoders(KeyRing& keys, uint64_t* next_id, const DecoderOptions& options, RecordSink& sink)
      : keys_(keys), next_id_(next_id), options_(options), sink_(sink) {}
  void open(uint32_t conn) override {
    if (decoders_.size() <= conn) decoders_.resize(conn + 1);
    decoders_[conn] = std::make_unique<ConnectionDecoder>(conn, keys_, next_id_, options_);
  }
  void drop(uint32_t conn) override { decoders_[conn].reset(); }
  void started_mid_stream(uint32_t conn, Direction dir, uint64_t frame) override {
    decoders_[conn]->started_mid_stream(dir, frame);
  }
  void feed(uint32_t conn, Direction dir, const uint8_t* data, std::size_t len, uint64_t frame, double ts) override {
    decoders_[conn]->feed(dir, data, len, frame, ts, sink_);
  }
  void gap(uint32_t conn, Direction dir, uint64_t missing, uint64_t frame) override {
    decoders_[conn]->gap(dir, missing, frame);
  }
  void closed(uint32_t conn, Direction dir, uint64_t frame, double ts) override {
    decoders_[conn]->closed(dir, frame, ts, sink_);
  }
  void finish(uint32_t conn, uint64_t frame, double ts) override {
    decoders_[conn]->finish(frame, ts, sink_);
    decoders_[conn].reset();
  }
  std::vector<Diagnostic> report_unused_keys() override { return keys_.report_unused(); }

 private:
  KeyRing& keys_;
  uint64_t* next_id_;
  const DecoderOptions& options_;
  RecordSink& sink_;
  std::vector<std::unique_ptr<ConnectionDecoder>> decoders_;  // by connection id; null when over
};

// One TCP connection: its two reassembled directions feed one decoder (the host's).
struct CaptureAnalyzer::Conn {
  Conn(const TcpStreamOptions& options, DecoderHost& h) : tcp(options), host(h) {}

  uint32_t index = 0;  // into infos_
  Endpoint client, server;
  TcpConnectionStreams tcp;  // direction 0 is client to server
  DecoderHost& host;
  bool decoding = false;  // the host has a decoder for it: dropped once it is known not to be OVMS
  bool decided = false;  // is_ovms settled
  bool is_ovms = false;
  bool mid_stream_told[2] = {false, false};
  bool close_told[2] = {false, false};  // the decoder was told of this direction's FIN or RST

  // Over: a connection that is not OVMS only needs its end seen; an OVMS one also every byte decoded.
  bool over() const { return decided && !is_ovms ? tcp.closed() : tcp.finished(); }

  // One direction's bytes and gaps, into the decoder.
  struct Feed final : TcpDirectionStream::Sink {
    Feed(Conn& c, Direction d, double t) : conn(c), dir(d), ts(t) {}
    Conn& conn;
    Direction dir;
    double ts;
    void on_bytes(const uint8_t* data, std::size_t len, uint64_t frame) override {
      if (conn.decoding) conn.host.feed(conn.index, dir, data, len, frame, ts);
    }
    void on_gap(uint64_t missing, uint64_t frame) override {
      if (conn.decoding) conn.host.gap(conn.index, dir, missing, frame);
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
    : keys_(keys),
      sink_(sink),
      options_(std::move(options)),
      own_host_(std::make_unique<OwnDecoders>(keys_, &next_id_, options_.decoder, sink_)),
      host_(own_host_.get()) {}

CaptureAnalyzer::CaptureAnalyzer(DecoderHost& host, RecordSink& sink, AnalyzerOptions options)
    : keys_(nullptr), sink_(sink), options_(std::move(options)), host_(&host) {}

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
  auto c = std::make_unique<Conn>(options_.tcp, *host_);
  // The client is the SYN's sender; without a SYN, the side not on a server port; else the sender.
  bool src_is_client = true;
  if (seg.flags & kSyn) src_is_client = !(seg.flags & kAck);
  else if (options_.ports.count(seg.src.port) && !options_.ports.count(seg.dst.port)) src_is_client = false;
  c->client = src_is_client ? seg.src : seg.dst;
  c->server = src_is_client ? seg.dst : seg.src;
  c->index = static_cast<uint32_t>(infos_.size());
  host_->open(c->index);
  c->decoding = true;
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
    host_->drop(c.index);
    c.decoding = false;
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
  Conn::Feed own(c, dir, ts), peer(c, opposite(dir), ts);
  if (c.decided && !c.is_ovms) {
    // Not ours: only its flags matter, to see it end. No bytes and no ACKs, so nothing is ever held.
    c.tcp.on_segment(d, seg.seq, 0, static_cast<uint8_t>(seg.flags & ~kAck), nullptr, 0, frame, own, peer);
    return;
  }
  // Tell the decoder before the first bytes arrive that this direction has no beginning.
  if (!c.tcp.direction(d).seen_any() && !(seg.flags & kSyn) && !c.mid_stream_told[d]) {
    c.mid_stream_told[d] = true;
    host_->started_mid_stream(c.index, dir, frame);
  }
  c.tcp.on_segment(d, seg.seq, seg.ack, seg.flags, seg.payload, seg.payload_len, frame, own, peer);
  // The decoder learns of a close once it has every byte sent before it (a FIN may overtake them, and
  // this segment's ACK may have released the peer's).
  for (int i = 0; i < 2; ++i) {
    const TcpDirectionStream& s = c.tcp.direction(i);
    if (c.close_told[i] || !(s.saw_rst() || (s.saw_fin() && s.complete()))) continue;
    c.close_told[i] = true;
    host_->closed(c.index, static_cast<Direction>(i), frame, ts);
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
    Conn::Feed up(c, Direction::ClientToServer, ts), down(c, Direction::ServerToClient, ts);
    c.tcp.flush(frame, up, down);  // what a RST cut off, or the end of input
    host_->finish(c.index, frame, ts);
  } else if (c.decoding) {
    host_->drop(c.index);
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
  for (const Diagnostic& d : host_->report_unused_keys()) sink_.on_orphan_diagnostic(UINT32_MAX, d);
}

}  // namespace ovms
