// TCP reassembly for one direction. Sequence numbers are unwrapped to 64 bits relative to the next
// expected byte, so wraparound at 2^32 and streams longer than 4 GiB need no special cases. The
// in-order case (the overwhelming majority) delivers straight from the caller's buffer without
// touching the map; only out-of-order bytes are copied.
#include "ovms/tcp_stream.h"

#include <algorithm>
#include <iterator>

#include "ovms/packet.h"

namespace ovms {

uint64_t TcpDirectionStream::unwrap(uint32_t seq) const {
  // The value congruent to `seq` (mod 2^32) nearest to next_: up to 2^31 ahead or behind.
  uint32_t expected = base_ + static_cast<uint32_t>(next_ - kOrigin);
  auto diff = static_cast<int32_t>(seq - expected);
  return next_ + static_cast<uint64_t>(static_cast<int64_t>(diff));
}

void TcpDirectionStream::on_segment(uint32_t seq, uint8_t tcp_flags, const uint8_t* payload,
                                    std::size_t len, uint64_t frame, Sink& sink) {
  bool syn = (tcp_flags & kSyn) != 0;
  if (!started_) {
    started_ = true;
    saw_syn_ = syn;
    base_ = syn ? seq + 1 : seq;  // the SYN occupies one sequence number before the first byte
    next_ = kOrigin;
  }
  if (tcp_flags & kRst) saw_rst_ = true;
  if (!payload) len = 0;
  uint64_t start = unwrap(seq) + (syn ? 1 : 0);
  if (tcp_flags & kFin) {
    saw_fin_ = true;
    fin_at_ = std::max(fin_at_, start + len);
  }
  if (len == 0) return;

  uint64_t end = start + len;
  if (end <= next_) {  // a retransmission of bytes already delivered (or from before the start)
    duplicate_ += len;
    return;
  }
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
    if (pending_.empty()) return;  // the common case ends here
    if (direct < len) hold(start + direct, payload + direct, len - direct);
    drain(frame, sink);
  } else {
    hold(start, payload, len);
  }
  while (buffered_ > kMaxBuffered) skip_hole(frame, sink);
}

void TcpDirectionStream::hold(uint64_t start, const uint8_t* data, std::size_t len) {
  const uint64_t origin = start, end = start + len;
  // Trim the part covered by a held segment that starts before us. Held segments never overlap
  // each other, so only the immediate predecessor can cover `start`.
  auto it = pending_.upper_bound(start);
  if (it != pending_.begin()) {
    auto prev = std::prev(it);
    uint64_t prev_end = prev->first + prev->second.size();
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
      pending_.emplace_hint(it, start, std::vector<uint8_t>(p, p + (piece_end - start)));
      buffered_ += static_cast<std::size_t>(piece_end - start);
      start = piece_end;
    }
    if (it != pending_.end() && it->first < end) {  // `it` starts exactly at `start` here
      uint64_t covered = std::min<uint64_t>(it->first + it->second.size(), end) - start;
      duplicate_ += covered;
      start += covered;
    }
  }
}

void TcpDirectionStream::drain(uint64_t frame, Sink& sink) {
  while (!pending_.empty() && pending_.begin()->first == next_) {
    auto first = pending_.begin();
    const std::vector<uint8_t>& bytes = first->second;
    sink.on_bytes(bytes.data(), bytes.size(), frame);
    next_ += bytes.size();
    delivered_ += bytes.size();
    buffered_ -= bytes.size();
    pending_.erase(first);
  }
}

void TcpDirectionStream::skip_hole(uint64_t frame, Sink& sink) {
  if (pending_.empty()) return;
  uint64_t missing = pending_.begin()->first - next_;
  if (missing > 0) {
    gaps_ += missing;
    next_ += missing;
    sink.on_gap(missing, frame);
  }
  drain(frame, sink);
}

void TcpDirectionStream::flush(uint64_t frame, Sink& sink) {
  while (!pending_.empty()) skip_hole(frame, sink);
  // Data lost just before the FIN leaves no held bytes behind it; the FIN's sequence number still
  // tells how much is missing.
  if (fin_at_ > next_) {
    uint64_t missing = fin_at_ - next_;
    gaps_ += missing;
    next_ = fin_at_;
    sink.on_gap(missing, frame);
  }
}

}  // namespace ovms
