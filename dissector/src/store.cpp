#include "store.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <new>

#include "ovms/message.h"
#include "ovms/packet.h"
#include "ovms/present.h"
#include "ovms/protocol.h"

namespace ovms_ws {

Conv::Conv(uint32_t idx, ovms::KeyRing& keys, uint64_t* next_id)
    : index(idx), live(std::make_unique<Live>(idx, keys, next_id)) {}

// Receives the bytes the core's TCP layer releases for one direction and the records the decoder emits,
// and turns the records into cached Lines of the current Segment.
struct Feeder final : ovms::TcpDirectionStream::Sink, ovms::RecordSink {
  Feeder(Capture& cap, Conv::Live& live, Segment& seg, ovms::Direction dir, double ts)
      : cap(cap), live(live), seg(seg), dir(dir), ts(ts) {}

  Capture& cap;
  Conv::Live& live;
  Segment& seg;
  ovms::Direction dir;
  double ts;

  void on_bytes(const uint8_t* data, std::size_t len, uint64_t frame) override {
    live.decoder.feed(dir, data, len, frame, ts, *this);
  }
  void on_gap(uint64_t missing, uint64_t frame) override {
    seg.gap_bytes += missing;
    live.decoder.gap(dir, missing, frame);
  }

  void on_record(const ovms::RecordPtr& record) override {
    // The record is shared with any other sink: copy what the cache keeps, take nothing out of it.
    const ovms::LineRecord& r = *record;
    Line l;
    l.id = r.id;
    l.frame = static_cast<uint32_t>(r.frame);
    l.dir = r.dir;
    l.role = r.role;
    l.kind = r.kind;
    l.vehicle = cap.intern(r.vehicle);
    l.code = r.msg.code;
    l.command = r.msg.command;
    l.stream_pos = r.stream_pos;
    l.stream_end = r.stream_end;
    l.response_to_frame = static_cast<uint32_t>(r.response_to_frame.value_or(0));
    if (r.plain) {
      l.has_plain = true;
      l.body_off = static_cast<int16_t>(r.body_offset);
      l.plain = *r.plain;
    }
    if (l.body_off < 0 && !r.msg.fields.empty()) {
      l.stored.reserve(r.msg.fields.size());
      for (const ovms::FieldValue& f : r.msg.fields)
        l.stored.push_back(StoredField{f.def, std::string(f.text), f.kind, f.i, f.f, f.index, f.offset, f.length});
    }
    l.wire = r.wire;
    l.wire_len = static_cast<uint32_t>(l.wire.size());
    l.diags = r.diags;
    if (r.inner) {
      l.inner = std::make_unique<InnerCopy>();
      l.inner->plain = r.inner->plain;
      l.inner->diags = r.inner->diags;
      l.inner->truncated = r.inner->truncated;
      l.inner->code = r.inner->msg.code;
    }
    if (r.handshake) l.handshake = std::make_unique<ovms::HandshakeInfo>(*r.handshake);

    // Command requests, so that later responses can be linked back (the core pairs on the effective
    // message, the inner one for a paranoid line).
    if (r.effective().code == 'C') live.requests[r.id] = Conv::LineRef{&seg, seg.lines.size()};

    // Earlier segments holding bytes of this line: they are reassembled here.
    Conv::Live::Dir& d = live.dirs[static_cast<int>(r.dir)];
    for (Segment* s : d.open) {
      if (s == &seg || s->begin < 0) continue;
      uint64_t b = static_cast<uint64_t>(s->begin), e = b + s->len;
      if (b < r.stream_end && e > r.stream_pos) s->reassembled_in = l.frame;
    }
    while (!d.open.empty()) {
      Segment* s = d.open.front();
      if (s->begin >= 0 && static_cast<uint64_t>(s->begin) + s->len > r.stream_end) break;
      d.open.pop_front();
    }
    d.lines_end = std::max<uint64_t>(d.lines_end, r.stream_end);
    seg.lines.push_back(std::move(l));
  }

  void on_response_link(uint64_t request_id, uint64_t /*response_id*/, uint64_t response_frame) override {
    auto it = live.requests.find(request_id);
    if (it == live.requests.end()) return;
    std::vector<uint32_t>& in = it->second.seg->lines[it->second.index].response_in;
    auto f = static_cast<uint32_t>(response_frame);
    if (std::find(in.begin(), in.end(), f) == in.end()) in.push_back(f);
  }

  void on_orphan_diagnostic(uint32_t /*conn*/, const ovms::Diagnostic& diag) override { seg.orphans.push_back(diag); }
};

const std::string* Capture::intern(const std::string& s) { return &*vehicles_.insert(s).first; }

Conv* Capture::new_conv() noexcept {
  try {
    convs_.push_back(std::make_unique<Conv>(static_cast<uint32_t>(convs_.size()), ring_, &next_id_));
    ++live_;
    return convs_.back().get();
  } catch (...) {
    return nullptr;
  }
}

// The segment through the core's TCP layer: its bytes into this direction, its ACK into the other.
void Capture::feed_tcp(Conv::Live& live, const SegmentInput& in, Segment& seg) {
  const int di = static_cast<int>(in.dir);
  // Wireshark's relative sequence numbers start each direction at 1 (after the SYN, or where Wireshark
  // began mid-stream), so a first segment captured out of order is held, not taken for the start.
  if (in.relative_seq && !(in.tcp_flags & ovms::kSyn)) live.tcp.direction(di).begin_at(1);
  const uint8_t flags = static_cast<uint8_t>(in.tcp_flags & (ovms::kSyn | ovms::kFin | ovms::kRst | ovms::kAck));
  Feeder own(*this, live, seg, in.dir, in.ts), peer(*this, live, seg, ovms::opposite(in.dir), in.ts);
  const ovms::TcpSegmentResult r =
      live.tcp.on_segment(di, in.seq, in.ack, in.ack_valid ? flags : static_cast<uint8_t>(flags & ~ovms::kAck),
                          in.data, in.len, in.frame, own, peer);
  seg.begin = r.begin;
  seg.duplicate = static_cast<uint32_t>(r.duplicate);
  seg.held = r.held;
  // The decoder learns of a close once it has every byte sent before it (a FIN may overtake them, and
  // this segment's ACK may have released the peer's).
  for (int i = 0; i < 2; ++i) {
    const ovms::TcpDirectionStream& s = live.tcp.direction(i);
    bool& told = live.dirs[i].close_told;
    if (told || !(s.saw_rst() || (s.saw_fin() && s.complete()))) continue;
    told = true;
    live.decoder.closed(static_cast<ovms::Direction>(i), in.frame, in.ts, i == di ? own : peer);
  }
}

// The connection is over: what a RST cut off is declared lost, a partial last line comes out, and the
// live state goes.
void Capture::close(Conv& conv, const SegmentInput& in, Segment& seg) {
  Conv::Live& live = *conv.live;
  Feeder up(*this, live, seg, ovms::Direction::ClientToServer, in.ts);
  Feeder down(*this, live, seg, ovms::Direction::ServerToClient, in.ts);
  live.tcp.flush(in.frame, up, down);
  live.decoder.finish(in.frame, in.ts, up);
  conv.live.reset();
  --live_;
}

Segment* Capture::process(Conv& conv, const SegmentInput& in, std::string& error) noexcept {
  try {
    segments_.emplace_back();
    Segment& seg = segments_.back();
    seg.conv = conv.index;
    seg.dir = in.dir;
    seg.len = static_cast<uint32_t>(in.len);
    seg.seq_known = in.have_seq;
    if (!conv.live) {  // a late retransmission of a connection that is over
      seg.duplicate = seg.len;
    } else {
      Conv::Live& live = *conv.live;
      Conv::Live::Dir& d = live.dirs[static_cast<int>(in.dir)];
      if (!d.started) {
        d.started = true;
        if (in.mid_stream) live.decoder.started_mid_stream(in.dir, in.frame);
      }
      if (in.have_seq) {
        feed_tcp(live, in, seg);
      } else {
        // No TCP information (e.g. decrypted TLS data): the bytes come in order, exactly once.
        seg.begin = static_cast<int64_t>(d.direct_pos);
        d.direct_pos += in.len;
        Feeder(*this, live, seg, in.dir, in.ts).on_bytes(in.data, in.len, in.frame);
      }

      // Bytes of a line that is not complete yet: remember the segment, to say where it is reassembled.
      const int64_t end = seg.begin + static_cast<int64_t>(in.len);
      if (in.len > seg.duplicate && end > 0 && static_cast<uint64_t>(end) > d.lines_end) {
        d.open.push_back(&seg);
        if (d.open.size() > 65536) d.open.pop_front();  // a "line" that never ends (not OVMS after all)
      }
      if (in.have_seq && live.tcp.finished()) close(conv, in, seg);
    }

    // Message lines whose text is in this segment's own bytes need no copy: the tree reads them from the
    // segment (this halves the cache).
    for (Line& l : seg.lines) {
      if (l.kind != ovms::LineKind::Message || l.dir != seg.dir || seg.begin < 0 || !in.data) continue;
      const auto b = static_cast<uint64_t>(seg.begin);
      if (l.stream_pos < b || l.stream_pos + l.wire.size() > b + in.len) continue;
      if (std::memcmp(in.data + (l.stream_pos - b), l.wire.data(), l.wire.size()) != 0) continue;
      l.wire_in_segment = true;
      std::string().swap(l.wire);
    }

    if (in.len == 0 && seg.lines.empty() && seg.orphans.empty()) {
      segments_.pop_back();  // a bare ACK (or FIN) that changed nothing to show: cache nothing
      return nullptr;
    }
    return &seg;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------
// Views

namespace {

struct Arena {
  Allocator alloc;
  void* ctx;

  void* raw(std::size_t n) {
    void* p = alloc(ctx, n ? n : 1);
    if (!p) throw std::bad_alloc();
    return p;
  }
  const char* str(std::string_view s) {
    char* p = static_cast<char*>(raw(s.size() + 1));
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
  }
};

template <typename Fields>
void fill(MessageView& mv, char code, const ovms::MessageDef* def, const ovms::CommandDef* command,
          const Fields& fields, int32_t body_off, Arena& arena) {
  mv.code = code;
  mv.def = def;
  mv.command = command;
  mv.code_offset = code && body_off >= 0 ? body_off : -1;
  mv.n_fields = static_cast<uint32_t>(fields.size());
  auto* out = static_cast<FieldView*>(arena.raw(sizeof(FieldView) * fields.size()));
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    FieldView& v = out[i];
    v.def = f.def;
    v.text = arena.str(f.text);
    v.text_len = static_cast<uint32_t>(f.text.size());
    v.kind = f.kind;
    v.index = f.index;
    v.i = f.i;
    v.f = f.f;
    v.offset = f.offset;
    v.length = f.length;
  }
  mv.fields = out;
}

void fill_decoded(MessageView& mv, const ovms::DecodedMessage& m, int32_t body_off, std::string_view what,
                  Arena& arena) {
  fill(mv, m.code, m.def, m.command, m.fields, body_off, arena);
  mv.summary = arena.str(ovms::summarize(m));
  mv.title = arena.str(ovms::present::fields_title(m, what));
}

// A message with only its code, catalog entry and command: enough for the core to name it.
ovms::DecodedMessage named(char code, const ovms::CommandDef* command) {
  ovms::DecodedMessage m;
  m.code = code;
  m.def = code ? ovms::find_message(code) : nullptr;
  m.command = command;
  return m;
}

}  // namespace

ovms::present::RecordView record_view(const Line& line, std::string_view wire, const ovms::DecodedMessage* outer,
                                      const ovms::DecodedMessage* inner) {
  ovms::present::RecordView v;
  v.dir = line.dir;
  v.role = line.role;
  v.kind = line.kind;
  if (line.vehicle) v.vehicle = *line.vehicle;
  v.wire = wire;
  v.decrypted = line.has_plain;
  v.msg = outer;
  v.inner = inner;
  v.handshake = line.handshake.get();
  v.response_to_frame = line.response_to_frame;
  return v;
}

bool stat_keys(const Line& line, std::string_view wire, Allocator alloc, void* ctx,
               const char* keys[kStatTables]) noexcept {
  Arena arena{alloc, ctx};
  try {
    // From the cache alone: the names need the codes, not the fields.
    const ovms::DecodedMessage outer = named(line.code, line.command);
    const ovms::DecodedMessage inner = named(line.inner ? line.inner->code : 0, nullptr);
    const ovms::present::RecordView v = record_view(line, wire, &outer, line.inner ? &inner : nullptr);
    for (std::size_t t = 0; t < kStatTables; ++t)
      keys[t] = arena.str(ovms::present::stat_key(static_cast<ovms::present::StatTable>(t), v));
    return true;
  } catch (...) {
  }
  for (std::size_t t = 0; t < kStatTables; ++t) keys[t] = "[OVMS: not counted]";
  return false;
}

bool make_view(const Line& line, std::string_view wire, Allocator alloc, void* ctx, LineView& out) noexcept {
  Arena arena{alloc, ctx};
  try {
    out = LineView{};
    out.outer.code_offset = out.inner.code_offset = -1;
    out.outer.summary = out.inner.summary = out.outer.title = out.inner.title = "";
    out.outer.fields = out.inner.fields = nullptr;
    const char* kind = ovms::line_kind_name(line.kind);
    ovms::DecodedMessage outer, inner;
    std::vector<ovms::Diagnostic> scratch;  // already in line.diags from the first pass
    if (line.body_off >= 0) {
      outer = ovms::decode_message(line.plain, static_cast<std::size_t>(line.body_off), scratch);
      fill_decoded(out.outer, outer, line.body_off, kind, arena);
    } else if (!line.stored.empty()) {
      outer = named(line.code, line.command);
      for (const StoredField& f : line.stored) {
        ovms::FieldValue v;
        v.def = f.def;
        v.text = f.text;
        v.kind = f.kind;
        v.i = f.i;
        v.f = f.f;
        v.index = f.index;
        v.offset = f.offset;
        v.length = f.length;
        outer.fields.push_back(std::move(v));
      }
      fill(out.outer, line.code, nullptr, line.command, line.stored, -1, arena);
      out.outer.summary = arena.str(ovms::summarize(outer));
      out.outer.title = arena.str(ovms::present::fields_title(outer, kind));
    } else {
      outer = named(line.code, line.command);
    }
    const std::size_t n = ovms::kMsgPrefix.size();
    const bool has_inner = line.inner && line.inner->code && line.inner->plain.size() > n;
    if (has_inner) {
      inner = ovms::decode_message(line.inner->plain, n, scratch);
      fill_decoded(out.inner, inner, static_cast<int32_t>(n), "paranoid message", arena);
    }
    out.info = arena.str(ovms::present::info(record_view(line, wire, &outer, has_inner ? &inner : nullptr)));
    return true;
  } catch (...) {
  }
  out = LineView{};
  out.outer.code_offset = out.inner.code_offset = -1;
  out.outer.summary = out.inner.summary = out.outer.title = out.inner.title = "";
  out.info = "[OVMS: this line could not be decoded again]";
  return false;
}

}  // namespace ovms_ws
