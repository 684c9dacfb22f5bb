// ovmsdump: the headless front end. Reads a capture, decodes every OVMS conversation, and prints one
// line (or one JSON object) per line seen on the wire.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <unordered_set>

#include "options.h"
#include "ovms/analyzer.h"
#include "ovms/capture_reader.h"
#include "ovms/json.h"
#include "ovms/keys.h"
#include "stats.h"
#include "text_output.h"

using namespace ovms;

namespace {

// Collects output in a large buffer and writes it in big blocks: a million lines must not mean a
// million write calls.
class Output {
 public:
  explicit Output(std::FILE* f) : f_(f) { buf_.reserve(kFlushAt + 65536); }
  ~Output() { flush(); }
  std::string& buf() { return buf_; }
  void maybe_flush() {
    if (buf_.size() >= kFlushAt) flush();
  }
  void flush() {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), f_);
    buf_.clear();
    std::fflush(f_);
  }

 private:
  static constexpr std::size_t kFlushAt = 1 << 20;
  std::FILE* f_;
  std::string buf_;
};

class DumpSink : public RecordSink {
 public:
  DumpSink(const DumpOptions& o, Output& out, Output& err, const std::vector<ConnectionInfo>* conns)
      : o_(o), out_(out), err_(err), conns_(conns) {}

  void on_record(LineRecord& r) override {
    if (o_.stats) stats_.count(r);
    const ConnectionInfo* c = r.conn < conns_->size() ? &(*conns_)[r.conn] : nullptr;
    if (o_.json) {
      append_record_json(out_.buf(), r, c);
      out_.buf() += '\n';
    } else {
      append_record_text(out_.buf(), r, o_.show_secrets, [this](const Diagnostic& d) { return first_time(d); });
    }
    out_.maybe_flush();
  }

  void on_orphan_diagnostic(uint32_t conn, const Diagnostic& d) override {
    if (o_.stats) stats_.count_orphan(d);
    // JSON output holds one object per wire line only, so diagnostics of no line go to stderr there.
    Output& dest = o_.json ? err_ : out_;
    if (conn != UINT32_MAX) dest.buf() += "#" + std::to_string(conn) + " ";
    append_diagnostic_text(dest.buf(), d, "");
    dest.maybe_flush();
  }

  const Stats& stats() const { return stats_; }

  // Notes on where real code differs from the 2013 guides repeat on every connection: in text output
  // each distinct one is printed once (--verbose prints them all; JSON and --stats always count all).
  bool first_time(const Diagnostic& d) {
    if (o_.verbose || d.id != DiagId::DiffersFromGuide) return true;
    return guide_notes_seen_.insert(d.message).second;
  }
  void set_connections(const std::vector<ConnectionInfo>* conns) { conns_ = conns; }

 private:
  const DumpOptions& o_;
  Output& out_;
  Output& err_;
  const std::vector<ConnectionInfo>* conns_;
  Stats stats_;
  std::unordered_set<std::string> guide_notes_seen_;
};

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}
  void update(const CaptureReader& reader) {
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

  std::optional<KeyStore> keys;
  if (o.keys) {
    std::string error;
    keys = KeyStore::load_file(*o.keys, error);
    if (!keys) {
      std::fprintf(stderr, "ovmsdump: bad keys file: %s\n", error.c_str());
      return 2;
    }
  }

  std::string error;
  auto reader = CaptureReader::open(o.read_file, error);
  if (!reader) {
    std::fprintf(stderr, "ovmsdump: %s\n", error.c_str());
    return 1;
  }
  if (!link_type_supported(reader->link_type())) {
    std::fprintf(stderr, "ovmsdump: %s: link type %d is not supported (EN10MB, LINUX_SLL, LINUX_SLL2, RAW, NULL, LOOP are)\n",
                 o.read_file.c_str(), reader->link_type());
    return 1;
  }

  AnalyzerOptions ao;
  ao.ports.insert(o.extra_ports.begin(), o.extra_ports.end());
  ao.detect_by_content = o.content_detection;
  Output out(stdout), err(stderr);
  DumpSink sink(o, out, err, nullptr);
  CaptureAnalyzer analyzer(keys ? &*keys : nullptr, sink, ao);
  sink.set_connections(&analyzer.connections());

  Progress progress(o.progress);
  CapturedFrame frame;
  TcpSegment seg;
  std::string why;
  uint64_t bad_frames = 0;
  try {
    while (reader->next(frame)) {
      progress.update(*reader);
      ParseStatus st = parse_frame(frame.dlt, frame.data, frame.caplen, seg, &why);
      if (st == ParseStatus::Ok) analyzer.on_segment(seg, frame.number, frame.ts);
      else if (st != ParseStatus::NotTcp && bad_frames++ < 100) analyzer.on_bad_frame(frame.number, why);
    }
    analyzer.finish();
  } catch (const CryptoUnavailable& e) {
    out.flush();
    std::fprintf(stderr, "ovmsdump: OpenSSL: %s\n", e.what());
    return 1;
  }
  int rc = 0;
  if (!reader->error().empty()) {
    out.flush();
    err.flush();
    std::fprintf(stderr, "ovmsdump: %s: %s (everything before it was decoded)\n", o.read_file.c_str(),
                 reader->error().c_str());
    rc = 1;
  }
  if (o.stats) {
    Output& dest = o.json ? err : out;
    dest.buf() += sink.stats().render();
  }
  return rc;
}
