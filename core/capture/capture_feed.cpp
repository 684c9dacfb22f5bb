#include "ovms/capture_feed.h"

#include <cstdio>

namespace ovms {

void CaptureFeed::frame(const CapturedFrame& f) {
  ++frames_;
  last_frame_ = f.number;
  if (!timestamp_in_range(f.ts) && !told_timestamp_) {
    told_timestamp_ = true;  // once: a capture with one bad clock usually has many such frames
    char ts[48];
    std::snprintf(ts, sizeof ts, "%.17g", f.ts);
    sink_.on_orphan_diagnostic(UINT32_MAX, Diagnostic{DiagId::CaptureTimestamp, f.number, -1,
        "frame " + std::to_string(f.number) + "'s time stamp (" + ts + " s since 1970) is outside the years 1970 to "
        "9999: written as that number, not as a date; later ones are not reported"});
  }
  ParseStatus st = parse_frame(f.dlt, f.data, f.caplen, seg_, &why_);
  if (st == ParseStatus::Ok) analyzer_.on_segment(seg_, f.number, f.ts);
  else if (st != ParseStatus::NotTcp && bad_frames_++ < kBadFramesReported) analyzer_.on_bad_frame(f.number, why_);
}

void CaptureFeed::report_drops(const PacketSource& source) {
  for (; notes_reported_ < source.header_notes().size(); ++notes_reported_)
    sink_.on_orphan_diagnostic(UINT32_MAX, Diagnostic{DiagId::CaptureSnaplen, 0, -1, source.header_notes()[notes_reported_]});
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
