#include "stream_file.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ovms {

namespace {
constexpr std::size_t kInputChunk = 1 << 16;
constexpr std::size_t kStdioBuffer = 1 << 16;
}  // namespace

StreamFile::StreamFile(int fd, Options options) : fd_(fd), opt_(std::move(options)) {}

StreamFile::~StreamFile() {
  if (z_ready_) inflateEnd(&z_);
  if (fd_ >= 0) close(fd_);
}

std::FILE* StreamFile::open(int fd, Options options, StreamFile** handle, std::string& error) {
  std::unique_ptr<StreamFile> self(new StreamFile(fd, std::move(options)));
  if (self->opt_.gzip) {
    // 16 + MAX_WBITS: a gzip header and trailer (the magic bytes said gzip), not a bare zlib stream.
    if (inflateInit2(&self->z_, 16 + MAX_WBITS) != Z_OK) {
      self->fd_ = -1;  // still the caller's
      error = "zlib could not start decompressing";
      return nullptr;
    }
    self->z_ready_ = true;
    self->in_.resize(kInputChunk);
  }
  cookie_io_functions_t io{};
  io.read = &StreamFile::cookie_read;
  io.close = &StreamFile::cookie_close;
  std::FILE* f = fopencookie(self.get(), "rb", io);
  if (!f) {
    self->fd_ = -1;
    error = std::strerror(errno);
    return nullptr;
  }
  setvbuf(f, nullptr, _IOFBF, kStdioBuffer);
  *handle = self.release();  // now owned by the FILE
  return f;
}

ssize_t StreamFile::cookie_read(void* self, char* buf, std::size_t size) {
  return static_cast<StreamFile*>(self)->read(buf, size);
}

int StreamFile::cookie_close(void* self) {
  delete static_cast<StreamFile*>(self);
  return 0;
}

ssize_t StreamFile::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  errno = EIO;
  return -1;
}

ssize_t StreamFile::read(char* buf, std::size_t size) {
  if (!error_.empty()) {
    errno = EIO;
    return -1;
  }
  ssize_t n = opt_.gzip ? inflate_into(buf, size) : raw_read(buf, size);
  if (n > 0) out_total_ += static_cast<uint64_t>(n);
  return n;
}

bool StreamFile::wait_for_input() {
  pollfd now{fd_, POLLIN, 0};
  if (poll(&now, 1, 0) > 0) return true;
  if (opt_.before_blocking) opt_.before_blocking();
  while (true) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {opt_.stop_fd, POLLIN, 0}};
    int rc = poll(fds, opt_.stop_fd >= 0 ? 2 : 1, -1);
    if (rc < 0 && errno != EINTR) return true;  // let read(2) report the problem
    if (rc > 0 && (fds[1].revents & POLLIN)) return false;
    if (rc > 0 && fds[0].revents) return true;  // data, end of input or an error: read(2) tells which
    // EINTR: a signal whose handler may have asked us to stop (the stop pipe then says so).
  }
}

ssize_t StreamFile::raw_read(char* buf, std::size_t size) {
  if (stopped_) return 0;
  if (prefix_pos_ < opt_.already_read.size()) {
    std::size_t n = std::min(size, opt_.already_read.size() - prefix_pos_);
    std::memcpy(buf, opt_.already_read.data() + prefix_pos_, n);
    prefix_pos_ += n;
    raw_total_ += n;
    return static_cast<ssize_t>(n);
  }
  if (opt_.may_block && !wait_for_input()) {
    stopped_ = true;
    return 0;
  }
  while (true) {
    ssize_t n = ::read(fd_, buf, size);
    if (n >= 0) {
      raw_total_ += static_cast<uint64_t>(n);
      return n;
    }
    if (errno != EINTR) return fail(std::string("read error: ") + std::strerror(errno));
  }
}

ssize_t StreamFile::inflate_into(char* buf, std::size_t size) {
  z_.next_out = reinterpret_cast<Bytef*>(buf);
  z_.avail_out = static_cast<uInt>(size);
  // Returns as soon as some bytes are out: on a pipe, a frame is delivered when its bytes have come.
  while (z_.avail_out == size && gz_ != Gz::Done) {
    if (z_.avail_in == 0 && !input_ended_) {
      ssize_t n = raw_read(reinterpret_cast<char*>(in_.data()), in_.size());
      if (n < 0) return -1;
      if (stopped_) return 0;
      input_ended_ = n == 0;
      z_.next_in = in_.data();
      z_.avail_in = static_cast<uInt>(n);
    }
    if (gz_ == Gz::BetweenMembers) {
      // Another gzip member may follow (as `cat a.gz b.gz` makes); anything else is trailing padding,
      // which gzip ignores too.
      if (z_.avail_in == 0) {
        if (input_ended_) gz_ = Gz::Done;
        continue;
      }
      if (z_.next_in[0] != 0x1f) {
        gz_ = Gz::Done;
        break;
      }
      inflateReset(&z_);
      gz_ = Gz::Inflating;
    }
    if (z_.avail_in == 0 && input_ended_) {
      return fail("gzip data truncated: the input ends at compressed byte " + std::to_string(raw_bytes()) +
                  " (capture byte " + std::to_string(out_total_) +
                  ") before the end of its compressed stream");
    }
    uint64_t at = raw_bytes();
    int rc = inflate(&z_, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      gz_ = Gz::BetweenMembers;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string why = "corrupt gzip data near compressed byte " + std::to_string(at) + ": " + (z_.msg ? z_.msg : zError(rc));
      if (z_.avail_out == size) return fail(std::move(why));
      error_ = std::move(why);  // the bytes inflated before the fault go out first; the next read fails
      break;
    }
  }
  return static_cast<ssize_t>(size - z_.avail_out);
}

}  // namespace ovms
