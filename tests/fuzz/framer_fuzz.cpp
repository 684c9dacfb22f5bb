// The framer alone: lines, then WebSocket frames (first byte: bit 0 WebSocket from the start, bit 1
// the server's LF stripping; then chunks with a 16-bit length, and gaps). Checks its invariants: no
// line longer than the cap, positions that only move forward, every byte accounted for.
#include "fuzz_support.h"
#include "ovms/framer.h"

using namespace ovms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  Framer f;
  uint8_t mode = in.byte();
  if (mode & 1) f.start_websocket(mode & 2);
  uint64_t last_end = 0, fed = 0;
  auto cb = [&](const FramedLine& l) {
    if (l.text.size() > Framer::kMaxLine) fuzz::fail("line longer than the cap");
    if (l.begin > l.end || l.end > fed) fuzz::fail("line ends past the bytes fed");
    if (l.begin < last_end && !l.websocket) fuzz::fail("lines overlap");
    last_end = l.end;
  };
  while (!in.done()) {
    uint8_t op = in.byte();
    if ((op & 3) == 3) {
      uint64_t n = in.u16();
      f.gap(n);
      fed += n;
      continue;
    }
    std::string_view b = in.bytes(op & 1 ? in.u16() : in.byte());
    fed += b.size();
    f.feed(reinterpret_cast<const uint8_t*>(b.data()), b.size(), cb);
    if (f.position() != fed) fuzz::fail("position is not the bytes fed");
  }
  f.finish(cb);
  return 0;
}
