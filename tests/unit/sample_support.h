// The bundled sample captures (samples/*.pcap with samples/keys.yaml), decoded by the real analyzer
// into any sink: for tests that must hold for every record of every sample.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Decodes the capture at `path` with `keys` (may be null) into `sink`, as ovmsdump does.
inline void decode_capture(const std::string& path, const KeyStore* keys, RecordSink& sink) {
  std::string error;
  auto reader = CaptureReader::open(path, error);
  ASSERT_TRUE(reader) << error;
  CaptureAnalyzer analyzer(keys, sink);
  CapturedFrame frame;
  TcpSegment seg;
  while (reader->next(frame))
    if (parse_frame(frame.dlt, frame.data, frame.caplen, seg) == ParseStatus::Ok)
      analyzer.on_segment(seg, frame.number, frame.ts);
  analyzer.finish();
  ASSERT_TRUE(reader->error().empty()) << path << ": " << reader->error();
}

// Decodes samples/<name>.pcap with the sample keys into `sink`, as ovmsdump does.
inline void decode_sample(const std::string& name, RecordSink& sink) {
  std::string error;
  auto keys = KeyStore::load_file(samples_dir() + "/keys.yaml", error);
  ASSERT_TRUE(keys) << "samples/keys.yaml: " << error;
  decode_capture(samples_dir() + "/" + name + ".pcap", &*keys, sink);
}

// Writes a keys file only its owner may read (as every file with secrets we write), with `mode` to
// make it wider on purpose. Returns its path, in the test's temporary folder.
inline std::string write_keys_file(const std::string& name, const std::string& yaml, mode_t mode = 0600) {
  std::string path = testing::TempDir() + "/" + name;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  EXPECT_GE(fd, 0) << path;
  if (fd < 0) return path;
  EXPECT_EQ(::write(fd, yaml.data(), yaml.size()), static_cast<ssize_t>(yaml.size()));
  ::close(fd);
  EXPECT_EQ(::chmod(path.c_str(), mode), 0);
  return path;
}

}  // namespace ovms::test
