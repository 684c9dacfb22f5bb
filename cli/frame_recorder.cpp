#include "frame_recorder.h"

#include "ovms/keys_writer.h"

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
