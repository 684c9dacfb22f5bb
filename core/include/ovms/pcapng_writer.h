// Writing pcapng files: one section header, one interface description per link type seen, and an
// enhanced packet block per frame (microsecond or nanosecond timestamps). What ovmsdump -w, the
// proxy's --record and the inspector save. Part of ovms_capture.
//
// A capture may hold secrets (scheme-1 logins are plain text), so the file is created with mode 0600
// (an existing regular file is narrowed to it). With `flush_each_block`, every block reaches the file
// as soon as it is written, so a writer that is killed leaves a file every reader accepts up to its
// last whole block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ovms {

class PcapngWriter {
 public:
  enum class Resolution { Micro, Nano };
  struct Options {
    Resolution resolution = Resolution::Micro;
    bool flush_each_block = false;      // for live recording: readable after an interrupt
    std::string application = "ovms";   // the section's shb_userappl option
  };

  PcapngWriter() = default;
  ~PcapngWriter();
  PcapngWriter(const PcapngWriter&) = delete;
  PcapngWriter& operator=(const PcapngWriter&) = delete;

  // Creates (truncates) `path` ("-": standard output) and writes the section header. False with
  // `error` naming the file and the reason.
  bool open(const std::string& path, const Options& options, std::string& error);
  bool open(const std::string& path, std::string& error) { return open(path, Options{}, error); }

  // Writes one frame of link type `dlt` (libpcap's DLT_* number); the first frame of each link type
  // also writes its interface description. `ts` is epoch seconds; `sec`/`nsec` keep every digit of a
  // nanosecond timestamp. `wirelen` 0 means the frame's own size. False once any write failed (the
  // first failure is kept in error()).
  bool write(int dlt, double ts, const uint8_t* data, std::size_t caplen, std::size_t wirelen = 0);
  bool write(int dlt, int64_t sec, uint32_t nsec, const uint8_t* data, std::size_t caplen,
             std::size_t wirelen = 0);
  bool write(int dlt, double ts, const std::vector<uint8_t>& frame) {
    return write(dlt, ts, frame.data(), frame.size());
  }

  // Pushes what is buffered to the file.
  bool flush();
  // Flushes and closes; false (with `error`) if any write failed. The file is complete afterwards.
  bool close(std::string& error);

  bool is_open() const { return f_ != nullptr; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  uint64_t frames() const { return frames_; }

 private:
  bool write_block(uint32_t type, const std::string& body);
  uint32_t interface_for(int dlt);
  bool fail(const std::string& what);

  std::FILE* f_ = nullptr;
  bool owns_ = true;             // false for standard output
  std::unique_ptr<char[]> buf_;  // stdio buffer: must outlive f_
  Options options_;
  std::string path_;
  std::string error_;
  std::map<int, uint32_t> interfaces_;  // link type -> interface id
  uint64_t frames_ = 0;
  std::string block_;  // reused for each block
};

}  // namespace ovms
