// The capture reader (libpcap behind it, our gzip and pipe layer in front) and the feed from frames to
// the analyzer: the input is a capture file (pcap, pcapng, or either gzip-compressed). Bad files are
// errors; whatever frames come out are decoded, and every record must be strict JSON.
#include <unistd.h>

#include "fuzz_support.h"
#include "ovms/analyzer.h"
#include "ovms/capture_feed.h"
#include "ovms/capture_reader.h"

using namespace ovms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  // The reader takes a path: a file of our own per process, rewritten for each input.
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp ? tmp : "/tmp") + "/ovms-fuzz-capture-" + std::to_string(getpid()) + ".pcap";
  }();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) fuzz::fail("cannot write " + path);
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  std::string error;
  auto reader = CaptureReader::open(path, error);
  if (reader) {
    fuzz::JsonCheckSink sink;
    AnalyzerOptions options;
    options.decoder.resync_window = 1 << 16;
    CaptureAnalyzer analyzer(&fuzz::sample_keys(), sink, options);
    CaptureFeed feed(analyzer, sink);
    CapturedFrame frame;
    for (int n = 0; n < 100000 && reader->read(frame) == PacketSource::Status::Frame; ++n) feed.frame(frame);
    analyzer.finish();
    error = reader->error();
  } else if (error.empty()) {
    fuzz::fail("a capture refused without saying why");
  }
  std::string out;
  append_json_string(out, error);
  fuzz::check_json(out);
  std::remove(path.c_str());
  return 0;
}
