// pcap/pcapng reading through libpcap. Timestamps are requested at nanosecond precision so pcapng
// files with finer resolution keep it; libpcap scales microsecond files up.
#include "ovms/capture_reader.h"

#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ovms {

struct CaptureReader::Impl {
  pcap_t* pcap = nullptr;
  uint64_t consumed = 0;  // record bytes handed out, the fallback position when ftell cannot tell
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

}  // namespace

std::unique_ptr<CaptureReader> CaptureReader::open(const std::string& path, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<CaptureReader> reader(new CaptureReader());
  reader->impl_ = std::make_unique<Impl>();
  const std::string shown = path == "-" ? "standard input" : "'" + path + "'";
  auto fail = [&](const std::string& why) {
    error = "cannot read capture " + shown + ": " + why;
    return nullptr;
  };

  struct stat st {};
  if (path == "-") {
    // Read a duplicate of fd 0 so that pcap_close (which fcloses) leaves stdin itself open.
    int fd = dup(STDIN_FILENO);
    if (fd < 0) return fail(std::strerror(errno));
    std::FILE* f = fdopen(fd, "rb");
    if (!f) {
      int e = errno;
      close(fd);
      return fail(std::strerror(e));
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) reader->file_size_ = static_cast<uint64_t>(st.st_size);
    reader->impl_->pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!reader->impl_->pcap) {
      std::fclose(f);
      return fail(reason(errbuf, path));
    }
  } else {
    // stat first: it gives a cleaner reason than libpcap for missing files and directories.
    if (stat(path.c_str(), &st) != 0) return fail(std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return fail("is a directory");
    if (S_ISREG(st.st_mode)) {
      if (st.st_size == 0) return fail("empty file");
      reader->file_size_ = static_cast<uint64_t>(st.st_size);
    }
    reader->impl_->pcap =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!reader->impl_->pcap) return fail(reason(errbuf, path));
  }
  reader->impl_->consumed = 24;  // the pcap file header; close enough for pcapng
  return reader;
}

CaptureReader::~CaptureReader() = default;

bool CaptureReader::next(CapturedFrame& frame) {
  if (!impl_ || !impl_->pcap || !error_.empty()) return false;
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
    return true;
  }
  if (rc == PCAP_ERROR_BREAK) return false;  // clean end of file
  // libpcap reports a record cut short by the end of the file as "truncated dump file; ...".
  std::string msg = pcap_geterr(impl_->pcap);
  if (msg.empty()) msg = "read error";
  std::string what = msg.find("truncated") != std::string::npos ? "truncated record: " : "";
  error_ = "frame " + std::to_string(frames_ + 1) + ": " + what + msg;
  return false;
}

int CaptureReader::link_type() const {
  return impl_ && impl_->pcap ? pcap_datalink(impl_->pcap) : -1;
}

uint64_t CaptureReader::bytes_read() const {
  if (!impl_ || !impl_->pcap) return 0;
  if (std::FILE* f = pcap_file(impl_->pcap)) {
    long pos = std::ftell(f);  // -1 on pipes
    if (pos >= 0) return static_cast<uint64_t>(pos);
  }
  return impl_->consumed;
}

}  // namespace ovms
