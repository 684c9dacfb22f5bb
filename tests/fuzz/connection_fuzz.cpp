// The connection decoder, both directions, with the samples' keys: input is a list of events
// (op byte: bit 0 the direction, bits 1-2 feed / gap / close / mid-stream start; a feed has a 16-bit
// length and its bytes). Every record must serialise to strict JSON.
#include "fuzz_support.h"
#include "ovms/connection.h"

using namespace ovms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  fuzz::JsonCheckSink sink;
  DecoderOptions options;
  options.resync_window = 1 << 16;  // the search is the same, the fuzzer runs faster
  ConnectionDecoder dec(0, &fuzz::sample_keys(), nullptr, options);
  uint64_t frame = 1;
  while (!in.done()) {
    uint8_t op = in.byte();
    auto dir = (op & 1) ? Direction::ServerToClient : Direction::ClientToServer;
    switch ((op >> 1) & 3) {
      case 0: {
        std::string_view b = in.bytes(in.u16());
        dec.feed(dir, reinterpret_cast<const uint8_t*>(b.data()), b.size(), frame, 1.0 * frame, sink);
        break;
      }
      case 1: dec.gap(dir, in.u16(), frame); break;
      case 2: dec.closed(dir, frame, 1.0 * frame, sink); break;
      case 3: dec.started_mid_stream(dir, frame); break;
    }
    ++frame;
  }
  dec.finish(frame, 1.0 * frame, sink);
  return 0;
}
