// The one path from captured frames to the analyzer, whichever source they come from: each frame is
// parsed and handed on, frames that cannot be parsed are reported (the first 100), and packets a live
// capture lost in the kernel become a `capture.dropped` diagnostic. Part of ovms_capture.
#pragma once

#include <cstdint>

#include "ovms/analyzer.h"
#include "ovms/packet_source.h"
#include "ovms/record.h"

namespace ovms {

class CaptureFeed {
 public:
  // `sink` is the analyzer's sink: drop reports go to it, among the records.
  CaptureFeed(CaptureAnalyzer& analyzer, RecordSink& sink) : analyzer_(analyzer), sink_(sink) {}

  void frame(const CapturedFrame& frame);
  PacketSource::FrameHandler handler() {
    return [this](const CapturedFrame& f) { frame(f); };
  }
  // Reports the packets `source` has dropped since the last report, if any, and its header notes
  // (once). Cheap enough to call whenever the source goes idle, every few thousand frames, and at the end.
  void report_drops(const PacketSource& source);

  uint64_t frames() const { return frames_; }

 private:
  static constexpr uint64_t kBadFramesReported = 100;
  CaptureAnalyzer& analyzer_;
  RecordSink& sink_;
  TcpSegment seg_;
  std::string why_;
  uint64_t frames_ = 0;
  uint64_t last_frame_ = 0;
  uint64_t bad_frames_ = 0;
  uint64_t dropped_reported_ = 0;
  std::size_t notes_reported_ = 0;
  bool told_timestamp_ = false;
  uint64_t ifdropped_reported_ = 0;
};

}  // namespace ovms
