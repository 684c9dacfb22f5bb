#include "frame_output.h"

#include <algorithm>

#include "tcp_connection.h"

namespace ovms::sim {

bool parse_link_type(const std::string& name, int& dlt) {
  if (name == "en10mb" || name == "ethernet") dlt = kDltEn10mb;
  else if (name == "sll") dlt = kDltLinuxSll;
  else if (name == "sll2") dlt = kDltLinuxSll2;
  else if (name == "raw") dlt = kDltRaw;
  else if (name == "null") dlt = kDltNull;
  else return false;
  return true;
}

bool FrameOutput::open(const std::string& path, int dlt, std::string& error) {
  dlt_ = dlt;
  return writer_.open(path, dlt, error);
}

bool FrameOutput::close(std::string& error) {
  flush_all();
  return writer_.close(error);
}

void FrameOutput::schedule(double ts, SegmentJob job) {
  if (ts < last_ts_) ts = last_ts_;  // never before what is already written
  heap_.push_back(Entry{ts, order_++, std::move(job)});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

void FrameOutput::flush_until(double t) {
  while (!heap_.empty() && heap_.front().ts <= t) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    Entry e = std::move(heap_.back());
    heap_.pop_back();
    last_ts_ = e.ts;
    e.job.conn->materialize(e.ts, e.job, *this);  // may schedule follow-ups (ACKs) at >= e.ts
  }
}

void FrameOutput::flush_all() {
  while (!heap_.empty()) flush_until(heap_.front().ts);
}

void FrameOutput::write(double ts, const std::vector<uint8_t>& frame) {
  writer_.write(epoch_ + ts, frame);
  ++frames_;
  bytes_ += frame.size() + 16;
}

}  // namespace ovms::sim
