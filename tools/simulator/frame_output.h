// The capture being written. TCP segments are scheduled with a time stamp and written in time
// order: a small heap holds the segments of the next few milliseconds, everything older is already
// on disk (streaming: a million-message capture never sits in memory). A segment's ACK number is
// decided when it is written, so it reflects exactly what the capture shows before it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ovms/capture_writer.h"

namespace ovms::sim {

class TcpConnection;

// One TCP segment waiting for its time stamp.
struct SegmentJob {
  TcpConnection* conn = nullptr;
  uint8_t side = 0;    // 0 client, 1 server
  uint8_t kind = 0;    // TcpConnection::Kind
  bool force = false;  // a pure ACK that goes out even if it acknowledges nothing new (dup ACK)
  uint64_t offset = 0; // data: stream offset of the first payload byte
  std::string payload;
};

// Link types by name, for --linktype.
bool parse_link_type(const std::string& name, int& dlt);

class FrameOutput {
 public:
  explicit FrameOutput(double epoch) : epoch_(epoch) {}

  bool open(const std::string& path, int dlt, std::string& error);
  bool close(std::string& error);  // flushes what is left

  void schedule(double ts, SegmentJob job);
  // Writes every scheduled segment with a time stamp <= t, in time order.
  void flush_until(double t);
  void flush_all();

  // Called by TcpConnection while a segment is materialised.
  void write(double ts, const std::vector<uint8_t>& frame);

  int dlt() const { return dlt_; }
  uint64_t frames() const { return frames_; }
  uint64_t bytes() const { return bytes_; }

 private:
  struct Entry {
    double ts;
    uint64_t order;
    SegmentJob job;
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.ts > b.ts || (a.ts == b.ts && a.order > b.order);
  }

  PcapWriter writer_;
  double epoch_;
  int dlt_ = 1;
  std::vector<Entry> heap_;
  uint64_t order_ = 0;
  double last_ts_ = 0;
  uint64_t frames_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace ovms::sim
