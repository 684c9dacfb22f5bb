#include "ovms/frame_recorder.h"

#include <algorithm>
#include <utility>

#include "ovms/capture_reader.h"
#include "ovms/keys_writer.h"
#include "ovms/packet.h"

namespace ovms {

bool FrameRecorder::open(const std::string& path, const PcapngWriter::Options& options, std::string& error) {
  path_ = path;
  return writer_.open(path, options, error);
}

bool FrameRecorder::finish(const KeyStore* keys, const std::string& keys_header, std::string& error) {
  if (!writer_.close(error)) return false;
  if (!keys || path_ == "-") return true;
  return KeysWriter(*keys).write(keys_path(path_), keys_header, error);
}

template <class Wanted>
bool FrameRecorder::copy_frames(const std::string& capture, uint64_t last, const Wanted& wanted, std::string& error) {
  auto reader = CaptureReader::open(capture, error);
  if (!reader) return false;
  CapturedFrame f;
  while (reader->next(f) && f.number <= last)
    if (wanted(f)) frame(f);
  if (!reader->error().empty()) {
    error = reader->error();
    return false;
  }
  return true;
}

bool FrameRecorder::write_connections(const std::string& capture, uint64_t last, const std::set<uint32_t>& conns,
                                      const std::vector<ConnectionInfo>& all, std::string& error) {
  using Pair = std::pair<std::string, std::string>;
  std::set<Pair> wanted;
  for (uint32_t id : conns) {
    if (id >= all.size()) continue;
    std::string a = all[id].client.to_string(), b = all[id].server.to_string();
    if (b < a) std::swap(a, b);
    wanted.emplace(a, b);
  }
  TcpSegment seg;
  return copy_frames(capture, last, [&](const CapturedFrame& f) {
    if (parse_frame(f.dlt, f.data, f.caplen, seg) != ParseStatus::Ok) return false;
    std::string a = seg.src.to_string(), b = seg.dst.to_string();
    if (b < a) std::swap(a, b);
    return wanted.count({a, b}) > 0;
  }, error);
}

bool FrameRecorder::write_all(const std::string& capture, uint64_t last, std::string& error) {
  return copy_frames(capture, last, [](const CapturedFrame&) { return true; }, error);
}

}  // namespace ovms
