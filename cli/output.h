// Buffered output: collects text in a large buffer and writes it in big blocks, so a million lines
// do not mean a million write calls.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

class Output {
 public:
  explicit Output(std::FILE* f) : f_(f) { buf_.reserve(kFlushAt + 65536); }
  ~Output() { flush(); }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  std::string& buf() { return buf_; }
  void maybe_flush() {
    if (buf_.size() >= kFlushAt) flush();
  }
  void flush() {
    errno = 0;
    bool short_write = !buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size();
    buf_.clear();
    // The reader went away (| head): end quietly, as tcpdump does; SIGPIPE is ignored so this is seen.
    if ((std::fflush(f_) != 0 || short_write) && errno == EPIPE) _exit(0);
  }

 private:
  static constexpr std::size_t kFlushAt = 1 << 20;
  std::FILE* f_;
  std::string buf_;
};
