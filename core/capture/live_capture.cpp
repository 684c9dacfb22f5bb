// Live capture through libpcap: pcap_create, the options, pcap_activate, the BPF filter, then
// non-blocking reads. A stop needs no pcap_breakloop: reads never block, and wait() polls the
// source's stop pipe beside libpcap's descriptor.
#include "ovms/live_capture.h"

#include <pcap/pcap.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <sstream>

namespace ovms {

std::string default_capture_filter(const std::set<uint16_t>& ports, bool any_port) {
  if (any_port || ports.empty()) return "tcp";
  std::string f;
  for (uint16_t p : ports) f += (f.empty() ? "" : " or ") + std::string("tcp port ") + std::to_string(p);
  return f;
}

namespace {

// Linux capability numbers (linux/capability.h), read from /proc so we can say which one is missing.
constexpr int kCapNetAdmin = 12;
constexpr int kCapNetRaw = 13;

// The effective capability set, or false when /proc does not tell.
bool effective_capabilities(unsigned long long& caps) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    std::istringstream hex(line.substr(7));
    return static_cast<bool>(hex >> std::hex >> caps);
  }
  return false;
}

std::string this_program() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "/path/to/program";
}

std::string permission_message(const std::string& iface, const std::string& pcap_text, bool promiscuous) {
  std::string missing = "CAP_NET_RAW and CAP_NET_ADMIN";
  unsigned long long caps = 0;
  if (effective_capabilities(caps)) {
    bool raw = caps >> kCapNetRaw & 1, admin = caps >> kCapNetAdmin & 1;
    if (raw && !admin) missing = "CAP_NET_ADMIN";
    else if (admin && !raw) missing = "CAP_NET_RAW";
  }
  std::string what = promiscuous ? "capturing in promiscuous mode" : "capturing packets";
  return "cannot capture on interface '" + iface + "': permission denied: " + what +
         " needs the capabilities CAP_NET_RAW and CAP_NET_ADMIN, and this process lacks " + missing +
         ". Run it as root, or grant them to the program once with: sudo setcap cap_net_raw,cap_net_admin=eip " +
         this_program() + (pcap_text.empty() ? "" : " (libpcap: " + pcap_text + ")");
}

}  // namespace

std::unique_ptr<LiveCapture> LiveCapture::open(const LiveOptions& o, std::string& error, LiveError* kind) {
  auto fail = [&](LiveError k, const std::string& msg) {
    if (kind) *kind = k;
    error = msg;
    return nullptr;
  };
  if (kind) *kind = LiveError::None;
  const std::string where = "cannot capture on interface '" + o.interface + "': ";
  if (o.interface.empty()) return fail(LiveError::NoSuchInterface, "cannot capture: no interface given");

  std::unique_ptr<LiveCapture> cap(new LiveCapture());
  cap->name_ = "interface '" + o.interface + "'";
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  cap->pcap_ = pcap_create(o.interface.c_str(), errbuf);
  if (!cap->pcap_) return fail(LiveError::Other, where + errbuf);
  pcap_t* p = cap->pcap_;
  pcap_set_snaplen(p, o.snaplen);
  pcap_set_promisc(p, o.promiscuous ? 1 : 0);
  pcap_set_immediate_mode(p, 1);  // deliver each packet now, not when a kernel block fills
  pcap_set_buffer_size(p, o.buffer_bytes);
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);  // where supported; else microseconds

  int rc = pcap_activate(p);
  std::string text = pcap_geterr(p);
  if (rc < 0) {
    switch (rc) {
      case PCAP_ERROR_PERM_DENIED:
        return fail(LiveError::PermissionDenied, permission_message(o.interface, text, false));
      case PCAP_ERROR_PROMISC_PERM_DENIED:
        return fail(LiveError::PermissionDenied, permission_message(o.interface, text, true));
      case PCAP_ERROR_NO_SUCH_DEVICE:
        return fail(LiveError::NoSuchInterface,
                    where + "no such interface" + (text.empty() ? "" : " (libpcap: " + text + ")"));
      case PCAP_ERROR_IFACE_NOT_UP:
        return fail(LiveError::InterfaceDown, where + "the interface is not up");
      default:
        return fail(LiveError::Other, where + (text.empty() ? pcap_statustostr(rc) : text));
    }
  }
  // rc > 0 is a warning (promiscuous mode or a time stamp type unsupported): the capture works.

  cap->dlt_ = pcap_datalink(p);
  cap->nano_ = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
  cap->filter_ = o.filter;
  if (!o.filter.empty()) {
    bpf_program prog{};
    if (pcap_compile(p, &prog, o.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
      return fail(LiveError::BadFilter, where + "bad capture filter '" + o.filter + "': " + pcap_geterr(p));
    int set = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (set != 0)
      return fail(LiveError::BadFilter, where + "cannot apply capture filter '" + o.filter + "': " + pcap_geterr(p));
  }
  if (pcap_setnonblock(p, 1, errbuf) != 0) return fail(LiveError::Other, where + errbuf);
  cap->fd_ = pcap_get_selectable_fd(p);
  if (cap->fd_ < 0) return fail(LiveError::Other, where + "libpcap gives no descriptor to wait on");
  return cap;
}

LiveCapture::~LiveCapture() {
  if (pcap_) pcap_close(pcap_);
}

PacketSource::Status LiveCapture::read(CapturedFrame& frame) {
  if (stop_requested() || !error_.empty()) return Status::End;
  struct pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(pcap_, &hdr, &data);
  if (rc == 0) return Status::Idle;
  if (rc == 1) {
    frame.number = ++frames_;
    frame.ts = static_cast<double>(hdr->ts.tv_sec) + static_cast<double>(hdr->ts.tv_usec) * (nano_ ? 1e-9 : 1e-6);
    frame.dlt = dlt_;
    frame.data = data;
    frame.caplen = hdr->caplen;
    frame.wirelen = hdr->len;
    return Status::Frame;
  }
  if (rc != PCAP_ERROR_BREAK) error_ = "capture on " + name_ + " failed: " + pcap_geterr(pcap_);
  return Status::End;
}

std::optional<CaptureDrops> LiveCapture::drops() const {
  struct pcap_stat st {};
  if (pcap_stats(pcap_, &st) != 0) return std::nullopt;
  return CaptureDrops{st.ps_recv, st.ps_drop, st.ps_ifdrop};
}

}  // namespace ovms
