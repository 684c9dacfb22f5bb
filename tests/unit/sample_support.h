// The bundled sample captures (samples/*.pcap with samples/keys.yaml), decoded by the real analyzer
// into any sink: for tests that must hold for every record of every sample.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "ovms/analyzer.h"
#include "ovms/capture_reader.h"
#include "ovms/keys.h"

namespace ovms::test {

inline std::string samples_dir() { return std::string(OVMS_SOURCE_DIR) + "/samples"; }

// The names of every sample capture ("basic", "paranoid", ...), sorted.
inline std::vector<std::string> sample_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(samples_dir()))
    if (e.path().extension() == ".pcap") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Decodes samples/<name>.pcap with the sample keys into `sink`, as ovmsdump does.
inline void decode_sample(const std::string& name, RecordSink& sink) {
  std::string error;
  // Loaded afresh each time: a KeyStore remembers which keys matched (for key.unused).
  auto keys = KeyStore::load_file(samples_dir() + "/keys.yaml", error);
  ASSERT_TRUE(keys) << "samples/keys.yaml: " << error;
  auto reader = CaptureReader::open(samples_dir() + "/" + name + ".pcap", error);
  ASSERT_TRUE(reader) << error;
  CaptureAnalyzer analyzer(&*keys, sink);
  CapturedFrame frame;
  TcpSegment seg;
  while (reader->next(frame))
    if (parse_frame(frame.dlt, frame.data, frame.caplen, seg) == ParseStatus::Ok)
      analyzer.on_segment(seg, frame.number, frame.ts);
  analyzer.finish();
  ASSERT_TRUE(reader->error().empty()) << name << ": " << reader->error();
}

}  // namespace ovms::test
