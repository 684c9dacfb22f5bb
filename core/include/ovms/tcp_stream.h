// Reassembly of one direction of one TCP connection: segments in (any order, repeated, overlapping),
// each byte out exactly once, in order. This is the project's one TCP layer: sequence numbers, duplicates
// and the rule for bytes the capture never shows live here and nowhere else; every front end (the capture
// analyzer, the Wireshark plugin) feeds its segments through it. Sans-io; the caller supplies frame
// numbers for attribution.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace ovms {

// When missing bytes are lost. A hole is a run of missing bytes with later bytes already here (or a FIN
// after it). It is declared lost, and delivery resumes after it, as soon as one of these holds:
//  * the peer acknowledged data past its start (the peer got those bytes; the capture missed them);
//  * `hole_segment_limit` segments of this direction arrived since it opened (counting the one that
//    opened it): a retransmission would have come by then;
//  * more than `hole_byte_limit` bytes are held past it;
//  * the input ends (flush()).
// A live source never ends, so the first three keep it moving and bound what is held.
struct TcpStreamOptions {
  uint32_t hole_segment_limit = 8;               // 0: no limit
  std::size_t hole_byte_limit = 4 * 1024 * 1024;  // each held piece counts at least kHeldPieceCost

  // What a held piece costs against `hole_byte_limit` at the least (its bookkeeping), so that a flood
  // of tiny out-of-order segments is bounded in memory, not only in payload.
  static constexpr std::size_t kHeldPieceCost = 64;
};

// What became of one segment, for a front end that shows per-segment details.
struct TcpSegmentResult {
  int64_t begin = 0;       // stream offset of its first payload byte (< 0: before the stream's start)
  uint64_t duplicate = 0;  // payload bytes seen before (retransmitted, overlapping), dropped
  bool held = false;       // some of its bytes came before the bytes in front of them and were held
};

class TcpDirectionStream {
 public:
  struct Sink {
    virtual ~Sink() = default;
    // Newly contiguous bytes, in stream order. `frame` is the capture frame whose segment completed them.
    virtual void on_bytes(const uint8_t* data, std::size_t len, uint64_t frame) = 0;
    // `missing` bytes will never arrive (lost in the capture); delivery resumes after them.
    virtual void on_gap(uint64_t missing, uint64_t frame) = 0;
  };

  explicit TcpDirectionStream(TcpStreamOptions options = {}) : options_(options) {}

  // The sequence number of the stream's first byte, when the caller knows it before any segment (e.g.
  // Wireshark numbers each direction from 1): a first segment captured out of order is then held
  // instead of becoming the start (as if a SYN had been seen). Ignored once a segment was seen.
  void begin_at(uint32_t first_seq);

  // Feed one segment. SYN consumes one sequence number; the first segment seen sets the stream start
  // (`started_mid_stream()` tells whether that was a SYN). Retransmitted and overlapping bytes are
  // dropped; out-of-order bytes are held until the hole is filled or declared lost.
  TcpSegmentResult on_segment(uint32_t seq, uint8_t tcp_flags, const uint8_t* payload, std::size_t len,
                              uint64_t frame, Sink& sink);

  // The peer acknowledged every byte before `ack` (the ACK number of a segment in the other direction).
  void on_ack(uint32_t ack, uint64_t frame, Sink& sink);

  // End of input: declare every remaining hole lost and deliver everything held.
  void flush(uint64_t frame, Sink& sink);

  bool seen_any() const { return started_; }
  bool started_mid_stream() const { return started_ && !saw_syn_; }
  bool saw_fin() const { return saw_fin_; }
  bool saw_rst() const { return saw_rst_; }
  // Nothing held and, after a FIN, every byte before it delivered or declared lost.
  bool complete() const { return pending_.empty() && next_ >= fin_at_; }
  uint64_t delivered() const { return delivered_; }      // bytes delivered so far
  uint64_t duplicate_bytes() const { return duplicate_; } // retransmitted/overlapping bytes dropped
  uint64_t gap_bytes() const { return gaps_; }            // bytes declared missing
  std::size_t held_cost() const { return held_cost_; }    // what is held, as counted by hole_byte_limit

 private:
  struct Held {
    std::vector<uint8_t> bytes;
    // Segments seen (segments_) before the hole in front of this piece opened; meaningful for the first
    // piece, whose hole is the one the rule looks at. A piece put into an existing hole inherits the age
    // of that hole from the piece after it.
    uint64_t hole_since = 0;
  };

  TcpStreamOptions options_;
  bool started_ = false;
  bool saw_syn_ = false;
  bool saw_fin_ = false;
  bool saw_rst_ = false;
  uint64_t next_ = 0;    // next expected absolute (64-bit, unwrapped) sequence number
  uint32_t base_ = 0;    // raw sequence number of stream offset 0
  uint64_t acked_ = 0;   // highest absolute sequence number the peer acknowledged (0: none)
  uint64_t fin_at_ = 0;  // absolute sequence number of the FIN (the end of the data), 0 if none seen
  uint64_t segments_ = 0;  // payload segments seen
  uint64_t delivered_ = 0, duplicate_ = 0, gaps_ = 0;
  std::size_t held_cost_ = 0;
  std::map<uint64_t, Held> pending_;  // absolute seq -> bytes held out of order

  // Absolute sequence number of stream offset 0. Starting at 2^32 rather than 0 keeps segments up to
  // 2^31 behind the start representable, so old retransmissions compare as "before" without wrapping.
  static constexpr uint64_t kOrigin = uint64_t{1} << 32;

  void start(uint32_t first_seq, bool syn);
  uint64_t unwrap(uint32_t seq) const;
  void hold(uint64_t start, const uint8_t* data, std::size_t len);  // keeps only bytes not yet held
  void drain(uint64_t frame, Sink& sink);  // delivers held bytes that are now contiguous
  void declare_lost(uint64_t upto, uint64_t frame, Sink& sink);  // next_ .. upto are lost; then drains
  void apply_hole_rule(uint64_t frame, Sink& sink);
  uint64_t first_hole_end() const;  // where the first hole ends (the FIN when nothing is held); 0: none
  bool first_hole_expired() const;
};

// Both directions of one connection, which tell each other what the peer received: each segment's ACK
// number goes to the other direction's hole rule. Directions are indexed 0 and 1 (the caller's choice,
// e.g. ovms::Direction).
class TcpConnectionStreams {
 public:
  explicit TcpConnectionStreams(TcpStreamOptions options = {}) : dirs_{TcpDirectionStream(options), TcpDirectionStream(options)} {}

  // One segment sent in direction `dir`. `own` receives that direction's bytes; `peer` the other
  // direction's, released when this segment's ACK declares a hole there lost.
  TcpSegmentResult on_segment(int dir, uint32_t seq, uint32_t ack, uint8_t tcp_flags, const uint8_t* payload,
                              std::size_t len, uint64_t frame, TcpDirectionStream::Sink& own,
                              TcpDirectionStream::Sink& peer);
  void flush(uint64_t frame, TcpDirectionStream::Sink& dir0, TcpDirectionStream::Sink& dir1);

  // A RST, or a FIN each way: no new data will come.
  bool closed() const;
  // Closed, and nothing left to deliver but what a RST cut off (flush() declares that lost): the
  // connection's state can go.
  bool finished() const;

  TcpDirectionStream& direction(int dir) { return dirs_[dir]; }
  const TcpDirectionStream& direction(int dir) const { return dirs_[dir]; }
  void swap_directions() { std::swap(dirs_[0], dirs_[1]); }

 private:
  TcpDirectionStream dirs_[2];
};

}  // namespace ovms
