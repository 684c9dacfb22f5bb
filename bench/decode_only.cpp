// Splits ovmsdump's time into its parts on one capture: reading frames, parsing and reassembling,
// decoding (decrypt + fields) with a sink that drops records, and decoding plus JSON formatting.
// Usage: ovms-bench-decode CAPTURE KEYS
#include <chrono>
#include <cstdio>
#include <string>

#include "ovms/analyzer.h"
#include "ovms/capture_reader.h"
#include "ovms/json.h"

using namespace ovms;

namespace {

struct NullSink : RecordSink {
  uint64_t n = 0;
  void on_record(const RecordPtr&) override { ++n; }
};

struct JsonSink : RecordSink {
  const std::vector<ConnectionInfo>* conns = nullptr;
  std::string buf;
  uint64_t bytes = 0;
  void on_record(const RecordPtr& r) override {
    append_record_json(buf, *r, &(*conns)[r->conn]);
    buf += '\n';
    if (buf.size() > (1 << 20)) {
      bytes += buf.size();
      buf.clear();
    }
  }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class Sink>
double run(const std::string& path, const KeyStore* keys, Sink& sink, int depth) {
  std::string err;
  auto reader = CaptureReader::open(path, err);
  if (!reader) {
    std::fprintf(stderr, "%s\n", err.c_str());
    std::exit(1);
  }
  auto t0 = std::chrono::steady_clock::now();
  CaptureAnalyzer analyzer(keys, sink);
  if constexpr (std::is_same_v<Sink, JsonSink>) sink.conns = &analyzer.connections();
  CapturedFrame f;
  TcpSegment seg;
  uint64_t parsed = 0;
  while (reader->next(f)) {
    if (depth == 0) continue;
    if (parse_frame(f.dlt, f.data, f.caplen, seg) != ParseStatus::Ok) continue;
    ++parsed;
    if (depth >= 2) analyzer.on_segment(seg, f.number, f.ts);
  }
  if (depth >= 2) analyzer.finish();
  return seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: ovms-bench-decode CAPTURE KEYS [decode|json]\n");
    return 2;
  }
  std::string err;
  auto keys = KeyStore::load_file(argv[2], err);
  if (!keys) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 2;
  }
  NullSink null_sink;
  JsonSink json_sink;
  if (argc == 4) {  // one stage alone, for a profiler
    double t = std::string(argv[3]) == "json" ? run(argv[1], &*keys, json_sink, 2) : run(argv[1], &*keys, null_sink, 2);
    std::printf("%.3f s\n", t);
    return 0;
  }
  double read = run(argv[1], &*keys, null_sink, 0);
  double parse = run(argv[1], &*keys, null_sink, 1);
  null_sink.n = 0;
  double decode = run(argv[1], &*keys, null_sink, 2);
  double json = run(argv[1], &*keys, json_sink, 2);
  std::printf("read frames            %.3f s\n", read);
  std::printf("+ parse headers        %.3f s\n", parse);
  std::printf("+ reassemble + decode  %.3f s  (%llu records)\n", decode, static_cast<unsigned long long>(null_sink.n));
  std::printf("+ JSON formatting      %.3f s  (%.0f MB)\n", json, json_sink.bytes / 1e6);
  return 0;
}
