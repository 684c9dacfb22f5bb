#include "ovms/capture_feed.h"

namespace ovms {

void CaptureFeed::frame(const CapturedFrame& f) {
  ++frames_;
  last_frame_ = f.number;
  ParseStatus st = parse_frame(f.dlt, f.data, f.caplen, seg_, &why_);
  if (st == ParseStatus::Ok) analyzer_.on_segment(seg_, f.number, f.ts);
  else if (st != ParseStatus::NotTcp && bad_frames_++ < kBadFramesReported) analyzer_.on_bad_frame(f.number, why_);
}

void CaptureFeed::report_drops(const PacketSource& source) {
  std::optional<CaptureDrops> d = source.drops();
  if (!d || (d->dropped <= dropped_reported_ && d->interface_dropped <= ifdropped_reported_)) return;
  uint64_t lost = (d->dropped - dropped_reported_) + (d->interface_dropped - ifdropped_reported_);
  dropped_reported_ = d->dropped;
  ifdropped_reported_ = d->interface_dropped;
  std::string msg = source.name() + ": " + std::to_string(lost) + " packet" + (lost == 1 ? "" : "s") +
                    " lost before frame " + std::to_string(last_frame_ + 1) + " (so far " +
                    std::to_string(d->dropped) + " dropped by the kernel, " + std::to_string(d->interface_dropped) +
                    " by the interface, of " + std::to_string(d->received) +
                    " received); connections may show gaps";
  sink_.on_orphan_diagnostic(UINT32_MAX, Diagnostic{DiagId::CaptureDropped, last_frame_, -1, msg});
}

}  // namespace ovms
