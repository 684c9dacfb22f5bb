// Reading capture files through libpcap: pcap and pcapng, plain or gzip-compressed (recognised by
// its magic bytes, whatever the name), from a path, a named pipe or standard input ("-"). Lives in
// the ovms_capture library (the only part of the core that links libpcap), so the decoder stays free of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ovms/packet_source.h"

namespace ovms {

class StreamFile;

class CaptureReader : public PacketSource {
 public:
  // Opens a capture file ("-" for standard input). On failure returns nullptr and sets `error` to a
  // message naming the file and the reason. Opening a pipe waits for its first bytes.
  static std::unique_ptr<CaptureReader> open(const std::string& path, std::string& error);
  ~CaptureReader() override;

  // Reads the next frame. Returns false at the end of the file or on an error; `error()` then tells
  // which (empty at a clean end or after a stop; a truncated last record is an error that names the frame).
  bool next(CapturedFrame& frame) { return read(frame) == Status::Frame; }
  Status read(CapturedFrame& frame) override;

  bool streaming() const override { return streaming_; }
  bool compressed() const { return stream_ && gzip_; }
  int link_type() const override;
  uint64_t file_size() const override { return file_size_; }  // 0 when unknown (a pipe)
  uint64_t bytes_read() const override;                        // approximate position, for progress

 private:
  CaptureReader() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  StreamFile* stream_ = nullptr;       // the FILE's cookie when we supply the FILE; owned by it
  bool gzip_ = false;
  bool streaming_ = false;
  uint64_t file_size_ = 0;
  uint64_t frames_ = 0;
};

}  // namespace ovms
