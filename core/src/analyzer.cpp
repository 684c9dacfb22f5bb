#include "ovms/analyzer.h"

#include <algorithm>
#include <cstring>

namespace ovms {

// One TCP connection: its two reassembled directions feed one ConnectionDecoder.
struct CaptureAnalyzer::Conn {
  uint32_t index = 0;  // into infos_
  Endpoint client, server;
  TcpDirectionStream streams[2];
  std::unique_ptr<ConnectionDecoder> decoder;
  bool decided = false;  // is_ovms settled
  bool is_ovms = false;
  bool mid_stream_told[2] = {false, false};
  bool close_told[2] = {false, false};  // the decoder was told of this direction's FIN or RST
  bool closed = false;  // FIN or RST seen both ways / RST: a new SYN on the same tuple starts anew

  struct Feed : TcpDirectionStream::Sink {
    Conn* conn;
    Direction dir;
    double ts;
    RecordSink* sink;
    void on_bytes(const uint8_t* data, std::size_t len, uint64_t frame) override {
      conn->decoder->feed(dir, data, len, frame, ts, *sink);
    }
    void on_gap(uint64_t missing, uint64_t frame) override { conn->decoder->gap(dir, missing, frame); }
  };
};

namespace {

}  // namespace

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

CaptureAnalyzer::Conn* CaptureAnalyzer::lookup(const TcpSegment& seg, uint64_t frame, double ts, bool& from_client) {
  TupleKey key = tuple_key(seg.src, seg.dst);
  auto it = conns_.find(key);
  bool syn_only = (seg.flags & kSyn) && !(seg.flags & kAck);
  if (it != conns_.end() && it->second->closed && syn_only) {
    // The same 4-tuple reused by a new connection: finish the old one, start afresh.
    it->second->decoder->finish(frame, ts, sink_);
    conns_.erase(it);
    it = conns_.end();
  }
  if (it == conns_.end()) {
    auto c = std::make_unique<Conn>();
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
    it = conns_.emplace(key, std::move(c)).first;
  }
  from_client = seg.src == it->second->client;
  return it->second.get();
}

void CaptureAnalyzer::on_segment(const TcpSegment& seg, uint64_t frame, double ts) {
  last_frame_ = frame;
  last_ts_ = ts;
  bool from_client = true;
  Conn* c = lookup(seg, frame, ts, from_client);
  if (!c->decided && seg.payload_len > 0) {
    // Content detection: the first payload of the connection decides. A server never speaks first,
    // so an OVMS start from the "server" side means we guessed the roles wrong: swap them.
    c->decided = true;
    if (options_.detect_by_content && looks_like_ovms_opening(std::string_view(reinterpret_cast<const char*>(seg.payload), seg.payload_len))) {
      c->is_ovms = infos_[c->index].is_ovms = true;
      if (!from_client) {
        std::swap(c->client, c->server);
        infos_[c->index].client = c->client;
        infos_[c->index].server = c->server;
        std::swap(infos_[c->index].client_text, infos_[c->index].server_text);
        std::swap(c->streams[0], c->streams[1]);
        from_client = true;
      }
    }
  }
  if (c->decided && !c->is_ovms) return;
  int d = from_client ? 0 : 1;
  Direction dir = static_cast<Direction>(d);
  TcpDirectionStream& stream = c->streams[d];
  Conn::Feed feed;
  feed.conn = c;
  feed.dir = dir;
  feed.ts = ts;
  feed.sink = &sink_;
  // Tell the decoder before the first bytes arrive that this direction has no beginning.
  if (!stream.seen_any() && !(seg.flags & kSyn) && !c->mid_stream_told[d]) {
    c->mid_stream_told[d] = true;
    c->decoder->started_mid_stream(dir, frame);
  }
  stream.on_segment(seg.seq, seg.flags, seg.payload, seg.payload_len, frame, feed);
  // The decoder learns of a close once it has every byte sent before it (a FIN may overtake them).
  if (!c->close_told[d] && (stream.saw_rst() || stream.fin_reached())) {
    c->close_told[d] = true;
    c->decoder->closed(dir, frame, ts, sink_);
  }
  if (seg.truncated) {
    Diagnostic diag{DiagId::TcpGap, frame, -1, "frame " + std::to_string(frame) + " was cut short by the capture's snap length"};
    sink_.on_orphan_diagnostic(c->index, diag);
  }
  if (c->streams[0].saw_rst() || c->streams[1].saw_rst() || (c->streams[0].saw_fin() && c->streams[1].saw_fin()))
    c->closed = true;
}

void CaptureAnalyzer::on_bad_frame(uint64_t frame, const std::string& why) {
  sink_.on_orphan_diagnostic(UINT32_MAX, Diagnostic{DiagId::TcpGap, frame, -1, "frame " + std::to_string(frame) + ": " + why});
}

void CaptureAnalyzer::finish() {
  for (auto& [key, c] : conns_) {
    if (!c->is_ovms) continue;
    for (int d = 0; d < 2; ++d) {
      Conn::Feed feed;
      feed.conn = c.get();
      feed.dir = static_cast<Direction>(d);
      feed.ts = last_ts_;
      feed.sink = &sink_;
      c->streams[d].flush(last_frame_, feed);
    }
  }
  // Finish in connection order, so that output is deterministic.
  std::vector<Conn*> live;
  for (auto& [key, c] : conns_) live.push_back(c.get());
  std::sort(live.begin(), live.end(), [](Conn* a, Conn* b) { return a->index < b->index; });
  for (Conn* c : live)
    if (c->is_ovms) c->decoder->finish(last_frame_, last_ts_, sink_);
  for (const Diagnostic& d : keys_.report_unused()) sink_.on_orphan_diagnostic(UINT32_MAX, d);
}

}  // namespace ovms
