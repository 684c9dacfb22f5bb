#include "frame_recorder.h"

#include <algorithm>
#include <utility>

#include "ovms/capture_reader.h"
#include "ovms/keys_writer.h"
#include "ovms/packet.h"

bool FrameRecorder::open(const std::string& path, bool live, std::string& error) {
  path_ = path;
  ovms::PcapngWriter::Options o;
  o.flush_each_block = live;
  o.application = "ovmsdump";
  return writer_.open(path, o, error);
}

bool FrameRecorder::finish(const ovms::KeyStore* keys, std::string& error) {
  if (!writer_.close(error)) return false;
  if (!keys || path_ == "-") return true;
  return ovms::KeysWriter(*keys).write(keys_path(path_), "Keys for " + path_ + ", written by ovmsdump -w.\nIt holds secrets: keep it private.", error);
}

bool FrameRecorder::write_connections(const std::string& capture, uint64_t last, const std::set<uint32_t>& conns,
                                      const std::vector<ovms::ConnectionInfo>& all, std::string& error) {
  // A connection is its two endpoints, in either order (the analyzer's own key).
  using Pair = std::pair<std::string, std::string>;
  std::set<Pair> wanted;
  for (uint32_t id : conns) {
    if (id >= all.size()) continue;
    std::string a = all[id].client.to_string(), b = all[id].server.to_string();
    if (b < a) std::swap(a, b);
    wanted.emplace(a, b);
  }
  auto reader = ovms::CaptureReader::open(capture, error);
  if (!reader) return false;
  ovms::CapturedFrame f;
  ovms::TcpSegment seg;
  while (reader->next(f) && f.number <= last) {
    if (ovms::parse_frame(f.dlt, f.data, f.caplen, seg) != ovms::ParseStatus::Ok) continue;
    std::string a = seg.src.to_string(), b = seg.dst.to_string();
    if (b < a) std::swap(a, b);
    if (wanted.count({a, b})) frame(f);
  }
  if (!reader->error().empty()) {
    error = reader->error();
    return false;
  }
  return true;
}
