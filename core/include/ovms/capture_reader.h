// Reading pcap and pcapng files through libpcap. Lives in the ovms_capture library (the only part of
// the core that links libpcap), so the decoder itself stays free of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ovms {

struct CapturedFrame {
  uint64_t number = 0;       // 1-based frame number, as Wireshark counts
  double ts = 0;             // epoch seconds
  int dlt = 0;               // link type of this frame
  const uint8_t* data = nullptr;
  std::size_t caplen = 0;    // bytes captured
  std::size_t wirelen = 0;   // bytes on the wire
};

class CaptureReader {
 public:
  // Opens a pcap or pcapng file ("-" for standard input). On failure returns nullptr and sets `error`
  // to a message naming the file and the reason.
  static std::unique_ptr<CaptureReader> open(const std::string& path, std::string& error);
  ~CaptureReader();

  // Reads the next frame. Returns false at the end of the file or on an error; `error()` then tells
  // which (empty at a clean end; a truncated last record is an error that names the frame).
  bool next(CapturedFrame& frame);
  const std::string& error() const { return error_; }
  int link_type() const;
  uint64_t file_size() const { return file_size_; }   // 0 when unknown (stdin)
  uint64_t bytes_read() const;                         // approximate position, for progress

 private:
  CaptureReader() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string error_;
  uint64_t file_size_ = 0;
  uint64_t frames_ = 0;
};

}  // namespace ovms
