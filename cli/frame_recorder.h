// -w FILE: the frames ovmsdump read (up to -c), as pcapng (0600), and the keys used beside it as
// FILE.keys.yaml (0600), so the pair decodes again anywhere: ovmsdump -r FILE -k FILE.keys.yaml, or
// Wireshark with the keys file preference. Each block is flushed when the input is live, so an
// interrupted capture still reads.
//
// With -Y on a capture file, only the frames of the connections that carry a matching message are
// written (every frame of them up to where reading stopped: a line decrypts only after the lines
// before it, so single frames would not decode), in a second pass over the file. Live input and
// pipes cannot be read twice: there every frame is written.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "ovms/analyzer.h"
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
  // The second pass: writes the frames of `capture` up to frame `last` that belong to connection
  // `conns` of `all`. False with `error` when the file cannot be read again.
  bool write_connections(const std::string& capture, uint64_t last, const std::set<uint32_t>& conns,
                         const std::vector<ovms::ConnectionInfo>& all, std::string& error);
  static std::string keys_path(const std::string& capture) { return capture + ".keys.yaml"; }

 private:
  ovms::PcapngWriter writer_;
  std::string path_;
};
