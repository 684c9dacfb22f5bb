// ovmsdump: the headless front end. Reads a capture (a file, a stream, an interface), decodes every
// OVMS conversation, and prints one line (or one JSON object) per line seen on the wire.
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <chrono>
#include <csignal>
#include <set>
#include <thread>
#include <cstdio>
#include <string>
#include <vector>

#include "display_filter.h"
#include "options.h"
#include "parallel_decode.h"
#include "output.h"
#include "ovms/analyzer.h"
#include "ovms/capture_feed.h"
#include "ovms/field_text.h"
#include "ovms/frame_recorder.h"
#include "ovms/keys.h"
#include "record_writer.h"
#include "sources.h"
#include "writer_thread.h"

using namespace ovms;

namespace {

class Progress {
 public:
  // Only where it cannot mix with the output: stdout goes to a file or pipe, stderr to a terminal.
  explicit Progress(bool enabled) : enabled_(enabled && !isatty(STDOUT_FILENO) && isatty(STDERR_FILENO)) {}
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

// -c N: passes the first N records on, then asks the source to stop (the frame being decoded may
// hold more lines: they are dropped).
class CountingSink : public RecordSink {
 public:
  CountingSink(uint64_t limit, RecordSink& next, PacketSource& source) : limit_(limit), next_(next), source_(source) {}
  void on_record(const RecordPtr& r) override {
    if (seen_ >= limit_) return;
    next_.on_record(r);
    if (++seen_ == limit_) source_.request_stop();
  }
  void on_response_link(uint64_t a, uint64_t b, uint64_t c) override { next_.on_response_link(a, b, c); }
  void on_orphan_diagnostic(uint32_t conn, const Diagnostic& d) override {
    if (seen_ < limit_) next_.on_orphan_diagnostic(conn, d);
  }

 private:
  uint64_t limit_, seen_ = 0;
  RecordSink& next_;
  PacketSource& source_;
};

// Notes the connections of the records that reach it (for -w with -Y).
class ConnectionTap : public RecordSink {
 public:
  explicit ConnectionTap(RecordSink& next) : next_(next) {}
  void on_record(const RecordPtr& r) override {
    conns.insert(r->conn);
    next_.on_record(r);
  }
  void on_response_link(uint64_t a, uint64_t b, uint64_t c) override { next_.on_response_link(a, b, c); }
  void on_orphan_diagnostic(uint32_t conn, const Diagnostic& d) override { next_.on_orphan_diagnostic(conn, d); }
  std::set<uint32_t> conns;

 private:
  RecordSink& next_;
};

std::optional<std::vector<FieldText>> resolve_fields(const DumpOptions& o) {
  std::vector<FieldText> out;
  for (const std::string& name : o.fields.fields) {
    std::string error;
    auto f = FieldText::resolve(name, error);
    if (!f) {
      std::fprintf(stderr, "ovmsdump: -e '%s': %s\n", name.c_str(), error.c_str());
      return std::nullopt;
    }
    out.push_back(*f);
  }
  return out;
}

// --threads, or one decoding thread per core (up to 4: the splitter, the merger and the writer need
// cores too). One thread for -c: it stops reading at the Nth message exactly where one thread does, so
// -w and read errors after that point stay the same. One thread when each frame's lines are written as
// soon as they are decoded (a terminal, -l, -i): handing every frame over to workers and back costs
// more than decoding it, and one thread keeps up with a live link.
int decoding_threads(const DumpOptions& o, bool line_by_line) {
  if (o.count) return 1;
  if (o.threads) return o.threads;
  if (line_by_line) return 1;
  const unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::min(cores ? cores : 1u, 4u));
}

// With several threads, records are made on the workers and freed on the merger's and writer's:
// glibc's per-thread heaps then grow and shrink all the time (22,000 mprotect calls on the 300,000-line
// benchmark capture). Growing 64 MiB at a time and never trimming keeps them still.
void prepare_allocator_for_threads() {
#if defined(__GLIBC__)
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 16 << 20);  // the 1 MiB batches of stream bytes stay on the heaps too
#endif
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto options = parse_options(argc, argv, exit_code);
  if (!options) return exit_code;
  const DumpOptions& o = *options;
  if (o.list_interfaces) return print_interfaces();
  std::optional<DisplayFilter> filter;
  if (o.display_filter && !(filter = compile_display_filter(*o.display_filter))) return 2;
  auto fields = resolve_fields(o);
  if (!fields) return 2;
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is seen as EPIPE and ends ovmsdump quietly (output.h)

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

  // -w: each block is flushed when the input is live, so an interrupted capture still reads.
  FrameRecorder recorder;
  PcapngWriter::Options record_options;
  record_options.flush_each_block = source->streaming();
  record_options.application = "ovmsdump";
  if (!o.write_file.empty() && !recorder.open(o.write_file, record_options, error)) {
    std::fprintf(stderr, "ovmsdump: -w: %s\n", error.c_str());
    return 1;
  }

  AnalyzerOptions ao;
  ao.ports.insert(o.extra_ports.begin(), o.extra_ports.end());
  ao.detect_by_content = o.content_detection;
  Output out(stdout), err(stderr);
  RecordWriter writer(o, out, err, std::move(*fields));
  WriterThread sink(writer);  // decoding here, formatting and writing on a second thread
  std::optional<FilteringSink> filtered;
  std::optional<CountingSink> counted;
  std::optional<ConnectionTap> tap;
  RecordSink* first = &sink;
  // -w with -Y on a file: the connections of the matching messages are written in a second pass.
  const bool write_selected = !o.write_file.empty() && filter && !source->streaming();
  if (write_selected) first = &tap.emplace(*first);
  if (o.count) first = &counted.emplace(o.count, *first, *source);
  if (filter) first = &filtered.emplace(*filter, *first);
  // Several threads (parallel_decode.h): the analyzer here, the decoders on workers, and the merged
  // output through the same sinks as with one.
  std::optional<ParallelDecoder> parallel;
  // A reader is watching (a terminal, -l, a live capture): each frame's lines are written as soon as they
  // are decoded. A pipe fed from a file (-r -) is batched, and written out whenever it pauses.
  const bool line_by_line = o.line_buffered || !o.interface.empty() || isatty(STDOUT_FILENO);
  const int threads = decoding_threads(o, line_by_line);
  if (threads > 1) prepare_allocator_for_threads();
  if (threads > 1) parallel.emplace(threads, keys ? &*keys : nullptr, ao.decoder, *first, sink, [&sink] { sink.flush(); });
  std::optional<CaptureAnalyzer> analyzer_storage;
  if (parallel) analyzer_storage.emplace(*parallel, parallel->analyzer_sink(), ao);
  else analyzer_storage.emplace(keys ? &*keys : nullptr, *first, ao);
  CaptureAnalyzer& analyzer = *analyzer_storage;
  if (parallel) {
    parallel->set_connections(&analyzer.connections());
    sink.set_connection_lookup([&parallel](uint32_t conn) { return parallel->info_of(conn); });
  } else {
    sink.set_connections(&analyzer.connections());
  }
  // Write out what is decoded so far (from the decoding thread: the splitter's, with several).
  auto flush = [&] {
    if (parallel) parallel->flush();
    else sink.flush();
  };

  Progress progress(o.progress);
  CaptureFeed feed(analyzer, parallel ? parallel->feed_sink() : sink);
  // Input that arrives over time is written out whenever the source waits for more.
  if (source->streaming()) source->set_idle_hook(flush);
  StopOnSignals stop_on_signals(*source);
  uint64_t last_frame = 0;
  try {
    CapturedFrame frame;
    while (true) {
      PacketSource::Status st = source->read(frame);
      if (st == PacketSource::Status::Frame) {
        progress.update(*source);
        if (!o.write_file.empty() && !write_selected) recorder.frame(frame);
        last_frame = frame.number;
        feed.frame(frame);
        if (line_by_line) flush();
        else if (parallel) parallel->end_of_frame();
        if (parallel && parallel->failed()) break;
        if (feed.frames() % 4096 == 0) feed.report_drops(*source);
        continue;
      }
      feed.report_drops(*source);
      if (st == PacketSource::Status::End) break;
      source->wait(1000);
    }
    analyzer.finish();
    if (parallel) parallel->finish();
    sink.finish();
  } catch (const CryptoUnavailable& e) {
    if (parallel) try {
        parallel->finish();
      } catch (const CryptoUnavailable&) {
      }
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
  if (write_selected && !recorder.write_connections(o.read_file, last_frame, tap->conns, analyzer.connections(), error)) {
    std::fprintf(stderr, "ovmsdump: -w: %s\n", error.c_str());
    rc = 1;
  }
  if (!o.write_file.empty() && !recorder.finish(keys ? &*keys : nullptr,
                                                   "Keys for " + o.write_file +
                                                       ", written by ovmsdump -w.\nIt holds secrets: keep it private.",
                                                   error)) {
    std::fprintf(stderr, "ovmsdump: -w: %s\n", error.c_str());
    rc = 1;
  }
  if (o.stats) {
    // Machine-readable output keeps stdout for its records: the statistics go to stderr, unless -q
    // leaves stdout for them alone.
    Output& dest = (o.format == OutputFormat::Text || o.quiet) ? out : err;
    dest.buf() += o.json ? writer.stats().render_json() : writer.stats().render();
  }
  return rc;
}
