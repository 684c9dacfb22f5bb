// A stdio FILE over a file descriptor, for libpcap's file reader (which reads any FILE*): passes the
// bytes through, or inflates gzip on the way. On a pipe it reads what has arrived (so frames reach
// the decoder as they come), tells its owner before it blocks, and gives up when the owner is stopped.
// Internal to ovms_capture.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ovms {

class StreamFile {
 public:
  struct Options {
    bool gzip = false;
    bool may_block = false;        // a pipe, socket or terminal: reads can wait for the writer
    std::string already_read;      // bytes taken from fd to sniff the format; delivered first
    std::function<void()> before_blocking;  // called when a read would wait for the writer
    int stop_fd = -1;              // readable when the owner wants reading to stop
  };

  // Takes ownership of `fd`. The FILE owns the StreamFile: fclose (pcap_close) frees both and closes
  // fd; `*handle` stays valid until then, for error() and the counters. Returns nullptr with `error`
  // (and `fd` still the caller's) on failure.
  static std::FILE* open(int fd, Options options, StreamFile** handle, std::string& error);

  // Why the data ended early (truncated or corrupt gzip), naming the byte; empty if it has not.
  const std::string& error() const { return error_; }
  bool stopped() const { return stopped_; }
  uint64_t raw_bytes() const { return raw_total_ - z_.avail_in; }  // of the file, consumed so far
  uint64_t bytes_out() const { return out_total_; }                 // handed to the reader so far

  ~StreamFile();

 private:
  StreamFile(int fd, Options options);
  static ssize_t cookie_read(void* self, char* buf, std::size_t size);
  static int cookie_close(void* self);

  ssize_t read(char* buf, std::size_t size);
  ssize_t inflate_into(char* buf, std::size_t size);
  ssize_t raw_read(char* buf, std::size_t size);  // 0 at end of input (or stopped), -1 on error
  bool wait_for_input();                          // false when stopped
  ssize_t fail(std::string why);

  int fd_;
  Options opt_;
  std::size_t prefix_pos_ = 0;
  uint64_t raw_total_ = 0;
  uint64_t out_total_ = 0;
  bool stopped_ = false;
  std::string error_;

  // gzip state: members follow one another until the input ends (as `gzip -d` reads them).
  enum class Gz { Inflating, BetweenMembers, Done };
  z_stream z_{};
  bool z_ready_ = false;
  Gz gz_ = Gz::Inflating;
  bool input_ended_ = false;
  std::vector<unsigned char> in_;
};

}  // namespace ovms
