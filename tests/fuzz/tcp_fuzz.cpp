// The packet layer, TCP reassembly and the analyzer over it: input is a list of frames (a link-type
// byte choosing Ethernet or raw IP, a 16-bit length, the frame's bytes), as a capture hands them in.
// Small reassembly limits, so that the fuzzer reaches the rule for lost bytes.
#include "fuzz_support.h"
#include "ovms/analyzer.h"
#include "ovms/packet.h"

using namespace ovms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  fuzz::JsonCheckSink sink;
  AnalyzerOptions options;
  options.tcp.hole_segment_limit = 4;
  options.tcp.hole_byte_limit = 1 << 16;
  options.decoder.resync_window = 1 << 16;
  CaptureAnalyzer analyzer(&fuzz::sample_keys(), sink, options);
  uint64_t frame = 0;
  while (!in.done()) {
    int dlt = (in.byte() & 1) ? kDltRaw : kDltEn10mb;
    std::string_view f = in.bytes(in.u16());
    ++frame;
    TcpSegment seg;
    std::string why;
    ParseStatus st = parse_frame(dlt, reinterpret_cast<const uint8_t*>(f.data()), f.size(), seg, &why);
    if (st == ParseStatus::Ok) analyzer.on_segment(seg, frame, 1.0 * frame);
    else if (st != ParseStatus::NotTcp) analyzer.on_bad_frame(frame, why);
  }
  analyzer.finish();
  for (const auto& c : analyzer.connections()) {
    std::string out;
    append_json_string(out, c.client_text);
    fuzz::check_json(out);
  }
  return 0;
}
