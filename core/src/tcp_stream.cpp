// TCP reassembly for one direction. Sequence numbers are unwrapped to 64 bits relative to the next
// expected byte, so wraparound at 2^32 and streams longer than 4 GiB need no special cases. The
// in-order case (the overwhelming majority) delivers straight from the caller's buffer without
// touching the map; only out-of-order bytes are copied.
#include "ovms/tcp_stream.h"

#include <algorithm>
#include <iterator>

#include "ovms/packet.h"

namespace ovms {

void TcpDirectionStream::start(uint32_t first_seq, bool syn) {
  started_ = true;
  saw_syn_ = syn;
  base_ = first_seq;
  next_ = kOrigin;
}

void TcpDirectionStream::begin_at(uint32_t first_seq) {
  if (!started_) start(first_seq, true);
}

uint64_t TcpDirectionStream::unwrap(uint32_t seq) const {
  // The value congruent to `seq` (mod 2^32) nearest to next_: up to 2^31 ahead or behind.
  uint32_t expected = base_ + static_cast<uint32_t>(next_ - kOrigin);
  auto diff = static_cast<int32_t>(seq - expected);
  return next_ + static_cast<uint64_t>(static_cast<int64_t>(diff));
}

TcpSegmentResult TcpDirectionStream::on_segment(uint32_t seq, uint8_t tcp_flags, const uint8_t* payload,
                                                std::size_t len, uint64_t frame, Sink& sink) {
  const bool syn = (tcp_flags & kSyn) != 0;
  if (!started_) start(syn ? seq + 1 : seq, syn);  // the SYN occupies one sequence number before the first byte
  if (tcp_flags & kRst) saw_rst_ = true;
  if (!payload) len = 0;
  uint64_t start = unwrap(seq) + (syn ? 1 : 0);
  TcpSegmentResult result;
  result.begin = static_cast<int64_t>(start - kOrigin);
  if (tcp_flags & kFin) {
    saw_fin_ = true;
    fin_at_ = std::max(fin_at_, start + len);
  }
  if (len == 0) {
    apply_hole_rule(frame, sink);  // a FIN may open a hole the peer already acknowledged
    return result;
  }
  ++segments_;

  const std::size_t seg_len = len;
  const uint64_t end = start + len;
  if (end <= next_) {  // a retransmission of bytes already delivered (or from before the start)
    duplicate_ += len;
    result.duplicate = len;
    apply_hole_rule(frame, sink);  // it still counts against a hole's segment limit
    return result;
  }
  const uint64_t duplicate_before = duplicate_;
  if (start < next_) {  // partly old: keep only the new tail
    std::size_t skip = static_cast<std::size_t>(next_ - start);
    duplicate_ += skip;
    payload += skip;
    len -= skip;
    start = next_;
  }

  if (start == next_) {
    // In order: deliver directly up to the first held segment (held bytes arrived first, so they
    // win where they overlap this one).
    std::size_t direct = len;
    if (!pending_.empty() && pending_.begin()->first < end)
      direct = static_cast<std::size_t>(pending_.begin()->first - start);
    if (direct > 0) {
      sink.on_bytes(payload, direct, frame);
      delivered_ += direct;
      next_ += direct;
    }
    if (direct < len) hold(start + direct, payload + direct, len - direct);
    drain(frame, sink);
  } else {
    hold(start, payload, len);
  }
  result.duplicate = duplicate_ - duplicate_before;
  result.held = result.duplicate < seg_len && next_ < end;
  apply_hole_rule(frame, sink);
  return result;
}

void TcpDirectionStream::on_ack(uint32_t ack, uint64_t frame, Sink& sink) {
  if (!started_) return;  // nothing to compare it with yet
  acked_ = std::max(acked_, unwrap(ack));
  apply_hole_rule(frame, sink);
}

void TcpDirectionStream::hold(uint64_t start, const uint8_t* data, std::size_t len) {
  const uint64_t origin = start, end = start + len;
  // Trim the part covered by a held segment that starts before us. Held segments never overlap
  // each other, so only the immediate predecessor can cover `start`.
  auto it = pending_.upper_bound(start);
  if (it != pending_.begin()) {
    auto prev = std::prev(it);
    uint64_t prev_end = prev->first + prev->second.bytes.size();
    if (prev_end > start) {
      uint64_t covered = std::min(prev_end, end) - start;
      duplicate_ += covered;
      start += covered;
    }
  }
  // Fill the holes between the held segments that start inside [start, end).
  while (start < end) {
    it = pending_.lower_bound(start);
    uint64_t piece_end = (it == pending_.end() || it->first >= end) ? end : it->first;
    if (piece_end > start) {
      const uint8_t* p = data + (start - origin);
      // Inside an existing hole the piece keeps that hole's age; past everything held, a hole opens
      // now (with the segment being counted).
      uint64_t since = it != pending_.end() ? it->second.hole_since : segments_ - 1;
      pending_.emplace_hint(it, start, Held{std::vector<uint8_t>(p, p + (piece_end - start)), since});
      held_cost_ += std::max<std::size_t>(static_cast<std::size_t>(piece_end - start), TcpStreamOptions::kHeldPieceCost);
      start = piece_end;
    }
    if (it != pending_.end() && it->first < end) {  // `it` starts exactly at `start` here
      uint64_t covered = std::min<uint64_t>(it->first + it->second.bytes.size(), end) - start;
      duplicate_ += covered;
      start += covered;
    }
  }
}

void TcpDirectionStream::drain(uint64_t frame, Sink& sink) {
  while (!pending_.empty() && pending_.begin()->first == next_) {
    auto first = pending_.begin();
    const std::vector<uint8_t>& bytes = first->second.bytes;
    sink.on_bytes(bytes.data(), bytes.size(), frame);
    next_ += bytes.size();
    delivered_ += bytes.size();
    held_cost_ -= std::max(bytes.size(), TcpStreamOptions::kHeldPieceCost);
    pending_.erase(first);
  }
}

uint64_t TcpDirectionStream::first_hole_end() const {
  if (!pending_.empty()) return pending_.begin()->first;
  // Data lost just before a FIN leaves nothing held behind it; the FIN's sequence number still tells
  // how much is missing.
  return fin_at_ > next_ ? fin_at_ : 0;
}

bool TcpDirectionStream::first_hole_expired() const {
  if (pending_.empty()) return false;  // a hole before a FIN only: no data segments count past it
  const uint64_t since = pending_.begin()->second.hole_since;
  return (options_.hole_segment_limit && segments_ - since >= options_.hole_segment_limit) ||
         held_cost_ > options_.hole_byte_limit;
}

void TcpDirectionStream::declare_lost(uint64_t upto, uint64_t frame, Sink& sink) {
  uint64_t missing = upto - next_;
  gaps_ += missing;
  next_ = upto;
  sink.on_gap(missing, frame);
  drain(frame, sink);
}

void TcpDirectionStream::apply_hole_rule(uint64_t frame, Sink& sink) {
  for (uint64_t end = first_hole_end(); end; end = first_hole_end()) {
    // acked_ > next_: the peer received the hole's first byte, which the capture never showed.
    if (acked_ <= next_ && !first_hole_expired()) return;
    declare_lost(end, frame, sink);
  }
}

void TcpDirectionStream::flush(uint64_t frame, Sink& sink) {
  for (uint64_t end = first_hole_end(); end; end = first_hole_end()) declare_lost(end, frame, sink);
}

TcpSegmentResult TcpConnectionStreams::on_segment(int dir, uint32_t seq, uint32_t ack, uint8_t tcp_flags,
                                                  const uint8_t* payload, std::size_t len, uint64_t frame,
                                                  TcpDirectionStream::Sink& own, TcpDirectionStream::Sink& peer) {
  TcpSegmentResult result = dirs_[dir].on_segment(seq, tcp_flags, payload, len, frame, own);
  if (tcp_flags & kAck) dirs_[1 - dir].on_ack(ack, frame, peer);
  return result;
}

void TcpConnectionStreams::flush(uint64_t frame, TcpDirectionStream::Sink& dir0, TcpDirectionStream::Sink& dir1) {
  dirs_[0].flush(frame, dir0);
  dirs_[1].flush(frame, dir1);
}

bool TcpConnectionStreams::closed() const {
  return dirs_[0].saw_rst() || dirs_[1].saw_rst() || (dirs_[0].saw_fin() && dirs_[1].saw_fin());
}

bool TcpConnectionStreams::finished() const {
  if (dirs_[0].saw_rst() || dirs_[1].saw_rst()) return true;
  return closed() && dirs_[0].complete() && dirs_[1].complete();
}

}  // namespace ovms
