// How fast display filters select lines: decodes a capture into memory once, then runs each filter
// over the records until a million have been tested, and prints nanoseconds per record: of CPU time
// (what the filter costs) and of wall time (what a user waits; more on a busy machine).
// Usage: ovms-bench-filter CAPTURE [KEYS] [FILTER ...]   (default: a set of typical filters)
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "ovms/analyzer.h"
#include "ovms/capture_reader.h"
#include "ovms/filter.h"

using namespace ovms;

namespace {

constexpr std::size_t kKeep = 300000;         // records kept in memory
constexpr std::size_t kEvaluations = 1000000;  // records tested per filter

struct Keep : RecordSink {
  std::vector<RecordPtr> records;
  void on_record(const RecordPtr& r) override {
    if (records.size() < kKeep) records.push_back(r);
  }
};

const char* const kDefaults[] = {
    "status.soc < 20",
    "ovms.vehicle_id == \"DEMO\"",
    "code == \"S\" && dir == \"c2s\"",
    "paranoid",
    "diag",
    "inner.code == \"S\" || location.latitude > 50",
    "code in {S, D, L, F}",
    "plain contains \"charging\"",
    "plain matches \"soc=[0-9]+\\\\.5\"",
    "environment.doors1 & 0x04",
    "not (code == c or code == C)",
};

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CAPTURE [KEYS] [FILTER ...]\n", argv[0]);
    return 2;
  }
  std::optional<KeyStore> keys;
  std::string err;
  if (argc >= 3) {
    keys = KeyStore::load_file(argv[2], err);
    if (!keys) {
      std::fprintf(stderr, "bad keys file: %s\n", err.c_str());
      return 2;
    }
  }
  auto reader = CaptureReader::open(argv[1], err);
  if (!reader) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  Keep sink;
  CaptureAnalyzer analyzer(keys ? &*keys : nullptr, sink);
  CapturedFrame f;
  TcpSegment seg;
  while (reader->next(f) && sink.records.size() < kKeep)
    if (parse_frame(f.dlt, f.data, f.caplen, seg) == ParseStatus::Ok) analyzer.on_segment(seg, f.number, f.ts);
  analyzer.finish();
  const std::vector<RecordPtr>& records = sink.records;
  if (records.empty()) {
    std::fprintf(stderr, "no OVMS lines in %s\n", argv[1]);
    return 1;
  }
  std::vector<std::string> filters(argv + std::min(argc, 3), argv + argc);
  if (filters.empty()) filters.assign(std::begin(kDefaults), std::end(kDefaults));

  std::printf("%zu records in memory; each filter tests %zu\n\n%8s %8s %9s  %s\n", records.size(), kEvaluations,
              "cpu ns", "wall ns", "selected", "filter");
  for (const std::string& text : filters) {
    FilterError e;
    auto filter = DisplayFilter::compile(text, e);
    if (!filter) {
      std::fprintf(stderr, "%s: column %zu: %s\n", text.c_str(), e.column, e.message.c_str());
      return 2;
    }
    std::size_t tested = 0, selected = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    while (tested < kEvaluations) {
      for (const RecordPtr& r : records) selected += filter->matches(*r);
      tested += records.size();
    }
    const double cpu = cpu_seconds() - c0;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double n = static_cast<double>(tested);
    std::printf("%8.1f %8.1f %8.2f%%  %s\n", cpu * 1e9 / n, wall * 1e9 / n, 100.0 * static_cast<double>(selected) / n,
                text.c_str());
  }
  return 0;
}
