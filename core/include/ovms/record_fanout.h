// One record stream to several consumers: a proxy shows, records and forwards the same line; the
// inspector keeps every record while a filter and the statistics look at it. Each sink sees every
// record, response link and orphan diagnostic, in the order they were added.
#pragma once

#include <initializer_list>
#include <vector>

#include "ovms/record.h"

namespace ovms {

class FanOutSink final : public RecordSink {
 public:
  FanOutSink() = default;
  FanOutSink(std::initializer_list<RecordSink*> sinks) : sinks_(sinks) {}

  // The sink must outlive this one (it is not owned).
  void add(RecordSink& sink) { sinks_.push_back(&sink); }
  std::size_t size() const { return sinks_.size(); }

  void on_record(const RecordPtr& record) override {
    for (RecordSink* s : sinks_) s->on_record(record);
  }
  void on_response_link(uint64_t request_id, uint64_t response_id, uint64_t response_frame) override {
    for (RecordSink* s : sinks_) s->on_response_link(request_id, response_id, response_frame);
  }
  void on_orphan_diagnostic(uint32_t conn, const Diagnostic& d) override {
    for (RecordSink* s : sinks_) s->on_orphan_diagnostic(conn, d);
  }

 private:
  std::vector<RecordSink*> sinks_;
};

}  // namespace ovms
