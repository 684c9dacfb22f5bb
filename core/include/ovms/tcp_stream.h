// Reassembly of one direction of one TCP connection: segments in (any order, repeated, overlapping),
// each byte out exactly once, in order. Sans-io; the caller supplies frame numbers for attribution.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace ovms {

class TcpDirectionStream {
 public:
  struct Sink {
    virtual ~Sink() = default;
    // Newly contiguous bytes, in stream order. `frame` is the capture frame whose segment completed them.
    virtual void on_bytes(const uint8_t* data, std::size_t len, uint64_t frame) = 0;
    // `missing` bytes will never arrive (a segment lost in the capture); delivery resumes after them.
    virtual void on_gap(uint64_t missing, uint64_t frame) = 0;
  };

  // Bytes held while waiting for a missing segment before the gap is declared.
  static constexpr std::size_t kMaxBuffered = 4 * 1024 * 1024;

  // Feed one segment. SYN consumes one sequence number; the first segment seen sets the stream start
  // (`started_mid_stream()` tells whether that was a SYN). Retransmitted and overlapping bytes are
  // dropped; out-of-order bytes are held until the hole is filled.
  void on_segment(uint32_t seq, uint8_t tcp_flags, const uint8_t* payload, std::size_t len,
                  uint64_t frame, Sink& sink);

  // Declare any remaining hole a gap and deliver everything held (end of capture, FIN or RST seen on
  // both sides, or the buffer limit reached).
  void flush(uint64_t frame, Sink& sink);

  bool seen_any() const { return started_; }
  bool started_mid_stream() const { return started_ && !saw_syn_; }
  bool saw_fin() const { return saw_fin_; }
  bool fin_reached() const { return saw_fin_ && next_ >= fin_at_; }  // every byte before the FIN is out
  bool saw_rst() const { return saw_rst_; }
  uint64_t delivered() const { return delivered_; }      // bytes delivered so far
  uint64_t duplicate_bytes() const { return duplicate_; } // retransmitted/overlapping bytes dropped
  uint64_t gap_bytes() const { return gaps_; }            // bytes declared missing

 private:
  bool started_ = false;
  bool saw_syn_ = false;
  bool saw_fin_ = false;
  bool saw_rst_ = false;
  uint64_t next_ = 0;  // next expected absolute (64-bit, unwrapped) sequence number
  uint32_t base_ = 0;  // raw sequence number of stream offset 0
  uint64_t delivered_ = 0, duplicate_ = 0, gaps_ = 0;
  std::size_t buffered_ = 0;
  uint64_t fin_at_ = 0;  // absolute sequence number of the FIN (the end of the data), 0 if none seen
  std::map<uint64_t, std::vector<uint8_t>> pending_;  // absolute seq -> bytes held out of order

  // Absolute sequence number of stream offset 0. Starting at 2^32 rather than 0 keeps segments up to
  // 2^31 behind the start representable, so old retransmissions compare as "before" without wrapping.
  static constexpr uint64_t kOrigin = uint64_t{1} << 32;

  uint64_t unwrap(uint32_t seq) const;
  void hold(uint64_t start, const uint8_t* data, std::size_t len);  // keeps only bytes not yet held
  void drain(uint64_t frame, Sink& sink);  // delivers held bytes that are now contiguous
  void skip_hole(uint64_t frame, Sink& sink);  // declares the first hole a gap, then drains
};

}  // namespace ovms
