// Writing the frames of decoded messages as pcapng (0600), with the keys used beside it as
// FILE.keys.yaml (0600), so the pair decodes again anywhere: ovmsdump -r FILE -k FILE.keys.yaml, or
// Wireshark with the keys file preference. What ovmsdump -w and the inspector's File › Export › Frames
// write; one implementation, so both choose the same frames. Part of ovms_capture.
//
// Every frame read (frame()), or, when a display filter selected messages, only the frames of the
// connections that carry a selected message (write_connections(): every frame of them up to where
// reading stopped, because a line decrypts only after the lines before it, so single frames would not
// decode), in a second pass over the capture file. Input that cannot be read twice (a live interface, a
// pipe) is written as it is read, every frame (ovmsdump -w -Y there writes them all).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "ovms/analyzer.h"
#include "ovms/keys.h"
#include "ovms/packet_source.h"
#include "ovms/pcapng_writer.h"

namespace ovms {

class FrameRecorder {
 public:
  // False with `error` when FILE cannot be created. `options.application` names the writer in the file.
  bool open(const std::string& path, const PcapngWriter::Options& options, std::string& error);
  void frame(const CapturedFrame& f) { writer_.write(f.dlt, f.ts, f.data, f.caplen, f.wirelen); }
  // Closes the capture and writes `keys` (if any) beside it, `keys_header` as its comment. False with
  // `error` on any failure.
  bool finish(const KeyStore* keys, const std::string& keys_header, std::string& error);
  // The second pass: writes the frames of `capture` up to frame `last` that belong to connection
  // `conns` of `all` (a connection is its two endpoints, in either order: the analyzer's own key).
  // False with `error` when the file cannot be read again or is damaged before `last`.
  bool write_connections(const std::string& capture, uint64_t last, const std::set<uint32_t>& conns,
                         const std::vector<ConnectionInfo>& all, std::string& error);
  // Every frame of `capture` up to frame `last` (the whole capture, read again).
  bool write_all(const std::string& capture, uint64_t last, std::string& error);
  uint64_t frames() const { return writer_.frames(); }
  static std::string keys_path(const std::string& capture) { return capture + ".keys.yaml"; }

 private:
  template <class Wanted>
  bool copy_frames(const std::string& capture, uint64_t last, const Wanted& wanted, std::string& error);

  PcapngWriter writer_;
  std::string path_;
};

}  // namespace ovms
