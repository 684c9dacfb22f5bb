// Writing classic pcap files, and building the frames that go into them (Ethernet/SLL/SLL2/RAW/NULL
// link layers, IPv4 or IPv6, TCP). Used by the simulator and by tests; part of ovms_capture.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ovms/packet.h"

namespace ovms {

// Builds one frame carrying a TCP segment. Checksums are computed (IPv4 header and TCP), so tools
// that validate them are content.
std::vector<uint8_t> build_tcp_frame(int dlt, const Endpoint& src, const Endpoint& dst, uint32_t seq,
                                     uint32_t ack, uint8_t flags, const uint8_t* payload,
                                     std::size_t len);

class PcapWriter {
 public:
  PcapWriter() = default;
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // Creates (truncates) `path` and writes the global header. Returns false with `error` set.
  bool open(const std::string& path, int dlt, std::string& error);
  // Writes one record; `orig_len` 0 means the frame's own size (no truncation).
  void write(double ts, const std::vector<uint8_t>& frame, uint32_t orig_len = 0);
  bool close(std::string& error);  // flushes; false if any write failed

 private:
  std::FILE* f_ = nullptr;
  std::unique_ptr<char[]> buf_;  // stdio buffer (1 MiB): must outlive f_
  std::string path_;             // for error messages
  bool failed_ = false;
};

}  // namespace ovms
