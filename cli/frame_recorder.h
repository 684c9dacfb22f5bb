// -w FILE: the frames ovmsdump read (up to -c), as pcapng (0600), and the keys used beside it as
// FILE.keys.yaml (0600), so the pair decodes again anywhere: ovmsdump -r FILE -k FILE.keys.yaml, or
// Wireshark with the keys file preference. Each block is flushed when the input is live, so an
// interrupted capture still reads.
#pragma once

#include <string>

#include "ovms/keys.h"
#include "ovms/packet_source.h"
#include "ovms/pcapng_writer.h"

class FrameRecorder {
 public:
  // False with `error` when FILE cannot be created.
  bool open(const std::string& path, bool live, std::string& error);
  void frame(const ovms::CapturedFrame& f) {
    writer_.write(f.dlt, f.ts, f.data, f.caplen, f.wirelen);
  }
  // Closes the capture and writes `keys` (if any) beside it. False with `error` on any failure.
  bool finish(const ovms::KeyStore* keys, std::string& error);
  static std::string keys_path(const std::string& capture) { return capture + ".keys.yaml"; }

 private:
  ovms::PcapngWriter writer_;
  std::string path_;
};
