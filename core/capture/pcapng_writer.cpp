// pcapng (draft-ietf-opsawg-pcapng): blocks in this host's byte order, which readers detect from the
// section header's byte-order magic. Each block is assembled in memory and written with one fwrite,
// so a flushed file never ends inside a block header.
#include "ovms/pcapng_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "ovms/private_file.h"

namespace ovms {

namespace {

constexpr uint32_t kShb = 0x0A0D0D0A, kIdb = 1, kEpb = 6;
constexpr uint16_t kOptEnd = 0, kShbUserAppl = 4, kIfTsresol = 9;
constexpr uint32_t kSnaplen = 262144;

void put(std::string& b, const void* p, std::size_t n) { b.append(static_cast<const char*>(p), n); }
void put16(std::string& b, uint16_t v) { put(b, &v, 2); }
void put32(std::string& b, uint32_t v) { put(b, &v, 4); }
void pad4(std::string& b) { b.append((4 - b.size() % 4) % 4, '\0'); }

void option(std::string& b, uint16_t code, const void* value, std::size_t len) {
  put16(b, code);
  put16(b, static_cast<uint16_t>(len));
  put(b, value, len);
  pad4(b);
}
void end_of_options(std::string& b) {
  put16(b, kOptEnd);
  put16(b, 0);
}

}  // namespace

PcapngWriter::~PcapngWriter() {
  std::string ignored;
  close(ignored);
}

bool PcapngWriter::fail(const std::string& what) {
  if (error_.empty()) error_ = what + " capture '" + path_ + "': " + std::strerror(errno ? errno : EIO);
  return false;
}

bool PcapngWriter::open(const std::string& path, const Options& options, std::string& error) {
  if (f_) close(error);
  path_ = path;
  options_ = options;
  error_.clear();
  interfaces_.clear();
  frames_ = 0;
  int fd;
  if (path == "-") {
    fd = ::dup(STDOUT_FILENO);
    owns_ = false;
    if (fd < 0) {
      error = "cannot write capture to standard output: " + std::string(std::strerror(errno));
      return false;
    }
  } else {
    owns_ = true;
    fd = open_private_file(path, "capture", error);
    if (fd < 0) return false;
  }
  f_ = ::fdopen(fd, "wb");
  if (!f_) {
    error = "cannot write capture '" + path + "': " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  constexpr std::size_t kBuffer = 1 << 20;  // few syscalls for a million frames
  buf_ = std::make_unique<char[]>(kBuffer);
  std::setvbuf(f_, buf_.get(), _IOFBF, kBuffer);

  std::string body;
  put32(body, 0x1A2B3C4D);  // byte-order magic
  put16(body, 1);           // version 1.0
  put16(body, 0);
  const int64_t unknown_length = -1;  // section length not given: we stream
  put(body, &unknown_length, 8);
  if (!options.application.empty())
    option(body, kShbUserAppl, options.application.data(), options.application.size());
  end_of_options(body);
  if (!write_block(kShb, body)) {
    error = error_;
    std::fclose(f_);
    f_ = nullptr;
    return false;
  }
  return true;
}

bool PcapngWriter::write_block(uint32_t type, const std::string& body) {
  const uint32_t total = static_cast<uint32_t>(12 + body.size());  // body is already padded to 4
  block_.clear();
  put32(block_, type);
  put32(block_, total);
  block_ += body;
  put32(block_, total);
  errno = 0;
  if (std::fwrite(block_.data(), 1, block_.size(), f_) != block_.size()) return fail("error writing");
  if (options_.flush_each_block && std::fflush(f_) != 0) return fail("error writing");
  return true;
}

uint32_t PcapngWriter::interface_for(int dlt) {
  auto it = interfaces_.find(dlt);
  if (it != interfaces_.end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(interfaces_.size());
  std::string body;
  put16(body, static_cast<uint16_t>(dlt));
  put16(body, 0);  // reserved
  put32(body, kSnaplen);
  // if_tsresol: 10^-6 (the default, written anyway so every reader sees it) or 10^-9.
  const uint8_t resol = options_.resolution == Resolution::Nano ? 9 : 6;
  option(body, kIfTsresol, &resol, 1);
  end_of_options(body);
  write_block(kIdb, body);
  interfaces_.emplace(dlt, id);
  return id;
}

bool PcapngWriter::write(int dlt, double ts, const uint8_t* data, std::size_t caplen, std::size_t wirelen) {
  if (!(ts >= 0)) ts = 0;  // also catches NaN
  double whole = std::floor(ts);
  auto sec = static_cast<int64_t>(whole);
  auto nsec = static_cast<int64_t>(std::llround((ts - whole) * 1e9));
  if (nsec >= 1000000000) {
    ++sec;
    nsec -= 1000000000;
  }
  return write(dlt, sec, static_cast<uint32_t>(nsec), data, caplen, wirelen);
}

bool PcapngWriter::write(int dlt, int64_t sec, uint32_t nsec, const uint8_t* data, std::size_t caplen,
                         std::size_t wirelen) {
  if (!f_) {
    if (error_.empty()) error_ = "capture '" + path_ + "' is not open";
    return false;
  }
  if (!error_.empty()) return false;
  if (caplen > kSnaplen) caplen = kSnaplen;  // longer than any link we read; keep readers content
  if (wirelen < caplen) wirelen = caplen;
  const uint32_t iface = interface_for(dlt);
  if (!error_.empty()) return false;
  uint64_t units = static_cast<uint64_t>(sec < 0 ? 0 : sec);
  if (options_.resolution == Resolution::Nano) units = units * 1000000000u + nsec;
  else units = units * 1000000u + (nsec + 500) / 1000;  // rounded to the microsecond
  std::string body;
  body.reserve(20 + caplen + 4);
  put32(body, iface);
  put32(body, static_cast<uint32_t>(units >> 32));
  put32(body, static_cast<uint32_t>(units));
  put32(body, static_cast<uint32_t>(caplen));
  put32(body, static_cast<uint32_t>(wirelen));
  if (caplen) put(body, data, caplen);
  pad4(body);
  if (!write_block(kEpb, body)) return false;
  ++frames_;
  return true;
}

bool PcapngWriter::flush() {
  if (!f_) return false;
  errno = 0;
  if (std::fflush(f_) != 0) return fail("error writing");
  return error_.empty();
}

bool PcapngWriter::close(std::string& error) {
  if (!f_) {
    if (!error_.empty()) error = error_;
    return error_.empty();
  }
  errno = 0;
  if (std::fflush(f_) != 0 || std::ferror(f_)) fail("error writing");
  if (std::fclose(f_) != 0) fail("error writing");
  f_ = nullptr;
  buf_.reset();
  if (!error_.empty()) {
    error = error_;
    return false;
  }
  return true;
}

}  // namespace ovms
