// ovmsdump: the headless front end. Reads a capture (a file, a stream, an interface), decodes every
// OVMS conversation, and prints one line (or one JSON object) per line seen on the wire.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "display_filter.h"
#include "options.h"
#include "output.h"
#include "ovms/analyzer.h"
#include "ovms/capture_feed.h"
#include "ovms/keys.h"
#include "record_writer.h"
#include "sources.h"
#include "writer_thread.h"

using namespace ovms;

namespace {

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}
  void update(const PacketSource& reader) {
    if (!enabled_ || ++calls_ % 4096) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    if (reader.file_size())
      std::fprintf(stderr, "\rovmsdump: %5.1f%%", 100.0 * static_cast<double>(reader.bytes_read()) /
                                                       static_cast<double>(reader.file_size()));
    shown_ = true;
  }
  ~Progress() {
    if (shown_) std::fputs("\r                  \r", stderr);
  }

 private:
  bool enabled_;
  bool shown_ = false;
  uint64_t calls_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto options = parse_options(argc, argv, exit_code);
  if (!options) return exit_code;
  const DumpOptions& o = *options;
  if (o.list_interfaces) return print_interfaces();
  std::optional<DisplayFilter> filter;
  if (o.display_filter && !(filter = compile_display_filter(*o.display_filter))) return 2;

  std::optional<KeyStore> keys;
  if (o.keys) {
    std::string error;
    std::vector<std::string> warnings;
    keys = KeyStore::load_file(*o.keys, error, &warnings);
    for (const std::string& w : warnings) std::fprintf(stderr, "ovmsdump: warning: %s\n", w.c_str());
    if (!keys) {
      std::fprintf(stderr, "ovmsdump: bad keys file: %s\n", error.c_str());
      return 2;
    }
  }

  std::string error;
  auto source = open_source(o, error);
  if (!source) {
    std::fprintf(stderr, "ovmsdump: %s\n", error.c_str());
    return 1;
  }
  if (!link_type_supported(source->link_type())) {
    std::fprintf(stderr, "ovmsdump: %s: link type %d is not supported (EN10MB, LINUX_SLL, LINUX_SLL2, RAW, NULL, LOOP are)\n",
                 source->name().c_str(), source->link_type());
    return 1;
  }

  AnalyzerOptions ao;
  ao.ports.insert(o.extra_ports.begin(), o.extra_ports.end());
  ao.detect_by_content = o.content_detection;
  Output out(stdout), err(stderr);
  RecordWriter writer(o, out, err);
  WriterThread sink(writer);  // decoding here, formatting and writing on a second thread
  std::optional<FilteringSink> filtered;
  if (filter) filtered.emplace(*filter, sink);
  CaptureAnalyzer analyzer(keys ? &*keys : nullptr, filtered ? static_cast<RecordSink&>(*filtered) : sink, ao);
  sink.set_connections(&analyzer.connections());

  Progress progress(o.progress);
  CaptureFeed feed(analyzer, sink);
  // Input that arrives over time is written out whenever the source waits for more.
  if (source->streaming()) source->set_idle_hook([&sink] { sink.flush(); });
  StopOnSignals stop_on_signals(*source);
  try {
    CapturedFrame frame;
    while (true) {
      PacketSource::Status st = source->read(frame);
      if (st == PacketSource::Status::Frame) {
        progress.update(*source);
        feed.frame(frame);
        if (feed.frames() % 4096 == 0) feed.report_drops(*source);
        continue;
      }
      feed.report_drops(*source);
      if (st == PacketSource::Status::End) break;
      source->wait(1000);
    }
    analyzer.finish();
    sink.finish();
  } catch (const CryptoUnavailable& e) {
    sink.finish();
    std::fprintf(stderr, "ovmsdump: OpenSSL: %s\n", e.what());
    return 1;
  }
  int rc = 0;
  if (!source->error().empty()) {
    std::fprintf(stderr, "ovmsdump: %s: %s (everything before it was decoded)\n", source->name().c_str(),
                 source->error().c_str());
    rc = 1;
  }
  if (o.stats) {
    Output& dest = o.json ? err : out;
    dest.buf() += writer.stats().render();
  }
  return rc;
}
