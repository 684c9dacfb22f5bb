// Capture files through libpcap. A plain regular file goes to libpcap as it is; gzip data and pipes go
// through a StreamFile, which inflates and reads a pipe as a stream. Timestamps are requested at
// nanosecond precision so pcapng files with finer resolution keep it; libpcap scales microsecond files up.
#include "ovms/capture_reader.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "stream_file.h"

namespace ovms {

struct CaptureReader::Impl {
  pcap_t* pcap = nullptr;
  uint64_t consumed = 0;  // record bytes handed out, the fallback position when ftell cannot tell
  static constexpr std::size_t kBuffer = 1 << 20;
  std::unique_ptr<char[]> buffer;  // stdio's buffer for a plain file; freed after pcap_close below
  ~Impl() {
    if (pcap) pcap_close(pcap);
  }
};

namespace {

// libpcap often starts its message with the file name; we name the file ourselves.
std::string reason(const char* errbuf, const std::string& path) {
  std::string msg = errbuf;
  if (msg.compare(0, path.size() + 2, path + ": ") == 0) msg.erase(0, path.size() + 2);
  return msg.empty() ? "unknown error" : msg;
}

bool is_gzip_magic(const std::string& head) {
  return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b;
}

// The first bytes, to tell gzip from pcap. A regular file is read in place (its position is kept);
// from a pipe they are consumed, and handed back to libpcap through the StreamFile.
std::string sniff(int fd, bool regular) {
  char buf[2];
  std::size_t got = 0;
  if (regular) {
    off_t at = lseek(fd, 0, SEEK_CUR);
    ssize_t n = pread(fd, buf, sizeof buf, at < 0 ? 0 : at);
    return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  while (got < sizeof buf) {
    ssize_t n = ::read(fd, buf + got, sizeof buf - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  return std::string(buf, got);
}

// A pcap file header's snapshot length of 0 or past libpcap's maximum: libpcap reads frames up to its
// maximum instead (so no huge buffer is allocated), which is worth a word, since the writer of the file
// was wrong about its frames. Read from the file itself (libpcap keeps only the value it corrected);
// pcapng's 0 means "no limit" and is fine. Gzip-compressed files and pipes are not looked at here.
std::string snaplen_note(int fd, const std::string& name, pcap_t* pcap) {
  unsigned char h[24];
  if (pread(fd, h, sizeof h, 0) != static_cast<ssize_t>(sizeof h)) return {};
  auto le = [&](int at) { return uint32_t(h[at]) | uint32_t(h[at + 1]) << 8 | uint32_t(h[at + 2]) << 16 | uint32_t(h[at + 3]) << 24; };
  auto be = [&](int at) { return uint32_t(h[at]) << 24 | uint32_t(h[at + 1]) << 16 | uint32_t(h[at + 2]) << 8 | uint32_t(h[at + 3]); };
  const uint32_t magic = le(0);
  bool little = magic == 0xa1b2c3d4 || magic == 0xa1b23c4d, big = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
  if (!little && !big) return {};
  const uint32_t snaplen = little ? le(16) : be(16);
  const int used = pcap_snapshot(pcap);
  if (snaplen != 0 && snaplen <= static_cast<uint32_t>(used)) return {};
  return name + ": the file header's snapshot length is " + std::to_string(snaplen) +
         (snaplen == 0 ? " (no frame could be captured)" : " (past libpcap's maximum)") + "; frames are read up to " +
         std::to_string(used) + " bytes instead, and a longer one is an error";
}

}  // namespace

std::unique_ptr<CaptureReader> CaptureReader::open(const std::string& path, std::string& error) {
  std::unique_ptr<CaptureReader> reader(new CaptureReader());
  reader->impl_ = std::make_unique<Impl>();
  reader->name_ = path == "-" ? "standard input" : "'" + path + "'";
  auto fail = [&](const std::string& why) {
    error = "cannot read capture " + reader->name_ + ": " + why;
    return nullptr;
  };

  // Standard input is read through a duplicate, so that closing the capture leaves fd 0 itself open.
  int fd = path == "-" ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return fail(std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return fail("is a directory");
  }
  const bool regular = S_ISREG(st.st_mode);
  if (regular && st.st_size == 0) {
    close(fd);
    return fail("empty file");
  }
  if (regular) reader->file_size_ = static_cast<uint64_t>(st.st_size);
  reader->streaming_ = !regular;

  std::string head = sniff(fd, regular);
  if (!regular && head.empty()) {
    close(fd);
    return fail("no data (the input ended before a capture header)");
  }
  reader->gzip_ = is_gzip_magic(head);

  std::FILE* f = nullptr;
  if (regular && !reader->gzip_) {
    f = fdopen(fd, "rb");  // libpcap reads it directly; ftell gives the position for progress
    if (!f) {
      int e = errno;
      close(fd);
      return fail(std::strerror(e));
    }
    // stdio's default 4 KiB buffer costs a read() per few frames: 1 MiB makes reading the file
    // a few dozen system calls per 50 MB.
    // (glibc ignores the size without a buffer of our own; it outlives the FILE, see Impl.)
    reader->impl_->buffer.reset(new char[Impl::kBuffer]);
    std::setvbuf(f, reader->impl_->buffer.get(), _IOFBF, Impl::kBuffer);
  } else {
    StreamFile::Options so;
    so.gzip = reader->gzip_;
    so.may_block = !regular;
    if (!regular) so.already_read = head;
    CaptureReader* self = reader.get();  // outlives its pcap handle, which owns the StreamFile
    so.before_blocking = [self] { self->idle(); };
    so.stop_fd = reader->stop_fd();
    std::string why;
    f = StreamFile::open(fd, std::move(so), &reader->stream_, why);
    if (!f) {
      close(fd);
      return fail(why);
    }
  }

  char errbuf[PCAP_ERRBUF_SIZE] = {};
  reader->impl_->pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (!reader->impl_->pcap) {
    std::string why = reader->stream_ && !reader->stream_->error().empty() ? reader->stream_->error() : reason(errbuf, path);
    if (reader->gzip_ && (!reader->stream_ || reader->stream_->error().empty())) why += " (after gzip decompression)";
    std::fclose(f);  // frees the StreamFile
    return fail(why);
  }
  reader->impl_->consumed = 24;  // the pcap file header; close enough for pcapng
  if (regular && !reader->gzip_)
    if (std::string note = snaplen_note(fileno(f), reader->name_, reader->impl_->pcap); !note.empty())
      reader->header_notes_.push_back(note);
  return reader;
}

CaptureReader::~CaptureReader() = default;

PacketSource::Status CaptureReader::read(CapturedFrame& frame) {
  if (stop_requested() || !impl_ || !impl_->pcap || !error_.empty()) return Status::End;
  struct pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(impl_->pcap, &hdr, &data);
  if (rc == 1) {
    frame.number = ++frames_;
    frame.ts = static_cast<double>(hdr->ts.tv_sec) + static_cast<double>(hdr->ts.tv_usec) * 1e-9;
    frame.dlt = pcap_datalink(impl_->pcap);
    frame.data = data;
    frame.caplen = hdr->caplen;
    frame.wirelen = hdr->len;
    impl_->consumed += 16 + hdr->caplen;
    return Status::Frame;
  }
  if (rc == PCAP_ERROR_BREAK) return Status::End;  // clean end of file
  if (stop_requested() || (stream_ && stream_->stopped())) return Status::End;  // asked to stop mid-read
  std::string msg;
  if (stream_ && !stream_->error().empty()) {
    msg = stream_->error();  // ours is more precise than libpcap's "error reading dump file"
  } else {
    // libpcap reports a record cut short by the end of the file as "truncated dump file; ...".
    msg = pcap_geterr(impl_->pcap);
    if (msg.empty()) msg = "read error";
    if (msg.find("truncated") != std::string::npos) msg = "truncated record: " + msg;
  }
  error_ = "frame " + std::to_string(frames_ + 1) + ": " + msg;
  return Status::End;
}

int CaptureReader::link_type() const {
  return impl_ && impl_->pcap ? pcap_datalink(impl_->pcap) : -1;
}

uint64_t CaptureReader::bytes_read() const {
  if (!impl_ || !impl_->pcap) return 0;
  if (stream_) return stream_->raw_bytes();  // of the compressed file, which file_size() measures
  if (std::FILE* f = pcap_file(impl_->pcap)) {
    long pos = std::ftell(f);
    if (pos >= 0) return static_cast<uint64_t>(pos);
  }
  return impl_->consumed;
}

}  // namespace ovms
