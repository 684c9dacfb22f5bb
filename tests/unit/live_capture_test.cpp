// Live capture on lo (CI runs as root): real TCP connections on 127.0.0.1, on free ports of the
// test's own, captured with a BPF filter for that port; an OVMS conversation through the same feed
// and analyzer that files use; the kernel's drop counters as a diagnostic; a stop from another
// thread; and the errors: no such interface, a bad filter, no permission (in a child that gives up root).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "ovms/capture_feed.h"
#include "ovms/live_capture.h"
#include "ovms/packet.h"
#include "test_support.h"

using namespace ovms;
using namespace ovms::test;

namespace {

// A listening TCP socket on 127.0.0.1 on a port the kernel picks.
struct Listener {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  uint16_t port = 0;
  Listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd, 4), 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { close(fd); }
};

// One real TCP connection through `l`: both ends, so the test speaks for client and server.
struct Connection {
  int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int server = -1;
  explicit Connection(const Listener& l) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(l.port);
    EXPECT_EQ(connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    server = accept(l.fd, nullptr, nullptr);
    EXPECT_GE(server, 0);
  }
  static void send_all(int fd, const std::string& data) {
    ASSERT_EQ(send(fd, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
  }
  static std::string receive(int fd, std::size_t n) {
    std::string got;
    char buf[4096];
    while (got.size() < n) {
      ssize_t r = recv(fd, buf, std::min(sizeof buf, n - got.size()), 0);
      if (r <= 0) break;
      got.append(buf, static_cast<std::size_t>(r));
    }
    return got;
  }
  // Sends from one end and waits until the other end has it, so the capture sees the same order.
  void up(const std::string& data) {
    send_all(client, data);
    EXPECT_EQ(receive(server, data.size()), data);
  }
  void down(const std::string& data) {
    send_all(server, data);
    EXPECT_EQ(receive(client, data.size()), data);
  }
  ~Connection() {
    close(client);
    if (server >= 0) close(server);
  }
};

LiveOptions lo_options(uint16_t port) {
  LiveOptions o;
  o.interface = "lo";
  o.filter = "tcp port " + std::to_string(port);
  return o;
}

// Reads `cap` the way a front end does (read, wait when idle) until `done` or 10 s pass.
void pump(LiveCapture& cap, const std::function<void(const CapturedFrame&)>& on_frame,
          const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  CapturedFrame f;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    PacketSource::Status st = cap.read(f);
    if (st == PacketSource::Status::Frame) on_frame(f);
    else if (st == PacketSource::Status::Idle) cap.wait(100);
    else break;
  }
}

// The payload bytes of each direction in sequence order, relative to the first sequence number seen
// (the SYN: the capture starts before the connection), so a retransmission is not counted twice.
struct Payloads {
  std::map<uint16_t, uint32_t> base;
  std::map<uint16_t, std::map<uint32_t, std::string>> by_src_port;
  void add(const CapturedFrame& f) {
    TcpSegment seg;
    ASSERT_EQ(parse_frame(f.dlt, f.data, f.caplen, seg), ParseStatus::Ok);
    uint32_t first = base.emplace(seg.src.port, seg.seq).first->second;
    if (seg.payload_len)
      by_src_port[seg.src.port][seg.seq - first] = std::string(reinterpret_cast<const char*>(seg.payload), seg.payload_len);
  }
  std::string from(uint16_t port) const {
    std::string all;
    auto it = by_src_port.find(port);
    if (it != by_src_port.end())
      for (const auto& [offset, bytes] : it->second) all += bytes;
    return all;
  }
};

uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

}  // namespace

TEST(LiveCapture, CapturesTheBytesOfARealConnectionOnLoopbackWithItsFilter) {
  Listener ours, other;
  std::string err;
  auto cap = LiveCapture::open(lo_options(ours.port), err);
  ASSERT_TRUE(cap) << err;
  EXPECT_EQ(cap->link_type(), kDltEn10mb);  // Linux lo: a fake Ethernet header
  EXPECT_GE(cap->selectable_fd(), 0);
  EXPECT_TRUE(cap->streaming());
  EXPECT_EQ(cap->name(), "interface 'lo'");
  EXPECT_EQ(cap->filter(), "tcp port " + std::to_string(ours.port));

  const std::string up = std::string("hello from the client\r\n\0\x01\x02\xff binary too\n", 39);
  const std::string down = "and the server answers\r\n";
  Connection outside(other);  // the filter keeps this one out
  outside.up("not for this capture\n");
  Connection c(ours);
  c.up(up);
  c.down(down);
  c.up(up);

  Payloads seen;
  uint16_t client_port = local_port(c.client);
  uint64_t frames = 0, last_number = 0;
  bool outside_seen = false;
  pump(*cap, [&](const CapturedFrame& f) {
    ++frames;
    EXPECT_EQ(f.number, last_number + 1);
    last_number = f.number;
    EXPECT_GT(f.ts, 1.6e9);  // a real clock, in seconds
    TcpSegment seg;
    if (parse_frame(f.dlt, f.data, f.caplen, seg) == ParseStatus::Ok)
      outside_seen |= seg.src.port == other.port || seg.dst.port == other.port;
    seen.add(f);
  }, [&] { return seen.from(client_port).size() >= 2 * up.size() && seen.from(ours.port).size() >= down.size(); });
  EXPECT_EQ(seen.from(client_port), up + up);
  EXPECT_EQ(seen.from(ours.port), down);
  EXPECT_FALSE(outside_seen);
  auto d = cap->drops();
  ASSERT_TRUE(d);
  EXPECT_GE(d->received, frames);
  EXPECT_EQ(d->dropped, 0u);
}

TEST(LiveCapture, AnOvmsConversationDecodesThroughTheSameFeedAsFiles) {
  Listener l;
  std::string err;
  auto cap = LiveCapture::open(lo_options(l.port), err);
  ASSERT_TRUE(cap) << err;
  Conversation conv;
  KeyStore keys = keys_for("DEMO", conv.secret);
  Collect sink;
  AnalyzerOptions ao;
  ao.ports = {l.port};
  CaptureAnalyzer analyzer(&keys, sink, ao);
  CaptureFeed feed(analyzer, sink);

  Connection c(l);
  c.up(conv.welcome() + "\r\n");
  c.down(conv.server_welcome() + "\r\n");
  c.up(conv.up.encrypt("MP-0 S81.5,K,220,,,,,") + "\r\n");
  c.down(conv.down.encrypt("MP-0 Z1") + "\r\n");
  // Records come out as the packets arrive: no end of input is needed.
  pump(*cap, feed.handler(), [&] { return sink.records.size() >= 4; });
  ASSERT_EQ(sink.records.size(), 4u);
  EXPECT_EQ(sink.records[0].kind, LineKind::Welcome);
  EXPECT_EQ(sink.records[0].vehicle, "DEMO");
  ASSERT_TRUE(sink.records[0].handshake);
  EXPECT_TRUE(sink.records[0].handshake->ok);
  EXPECT_EQ(sink.records[2].plain.value_or("<not decrypted>"), "MP-0 S81.5,K,220,,,,,");
  EXPECT_EQ(sink.records[2].dir, Direction::ClientToServer);
  EXPECT_EQ(sink.records[3].plain.value_or("<not decrypted>"), "MP-0 Z1");
  EXPECT_EQ(sink.records[3].dir, Direction::ServerToClient);
  ASSERT_EQ(analyzer.connections().size(), 1u);
  EXPECT_EQ(analyzer.connections()[0].server.port, l.port);
  feed.report_drops(*cap);
  EXPECT_TRUE(sink.orphans.empty()) << "no drops, no diagnostic";
}

TEST(LiveCapture, KernelDropsBecomeACaptureDroppedDiagnostic) {
  // A ring buffer of one slot and a burst of UDP datagrams we do not read while they arrive: the
  // kernel must drop most of them.
  int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(rx, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(rx, reinterpret_cast<sockaddr*>(&a), &len);
  LiveOptions o;
  o.interface = "lo";
  o.filter = "udp port " + std::to_string(ntohs(a.sin_port));
  o.buffer_bytes = 1;
  std::string err;
  auto cap = LiveCapture::open(o, err);
  ASSERT_TRUE(cap) << err;
  char payload[64] = {};
  for (int i = 0; i < 500; ++i) sendto(tx, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);

  Collect sink;
  CaptureAnalyzer analyzer(nullptr, sink);
  CaptureFeed feed(analyzer, sink);
  CapturedFrame f;
  while (cap->read(f) == PacketSource::Status::Frame) feed.frame(f);
  feed.report_drops(*cap);
  ASSERT_EQ(sink.orphans.size(), 1u);
  const Diagnostic& d = sink.orphans[0];
  EXPECT_EQ(d.id, DiagId::CaptureDropped);
  EXPECT_STREQ(d.def().key, "capture.dropped");
  EXPECT_EQ(d.message.rfind("interface 'lo': ", 0), 0u) << d.message;
  EXPECT_NE(d.message.find("dropped by the kernel"), std::string::npos) << d.message;
  auto drops = cap->drops();
  ASSERT_TRUE(drops);
  EXPECT_GT(drops->dropped, 100u);
  feed.report_drops(*cap);
  EXPECT_EQ(sink.orphans.size(), 1u) << "the same drops are reported once";
  close(rx);
  close(tx);
}

TEST(LiveCapture, AStopFromAnotherThreadEndsAWait) {
  Listener l;
  std::string err;
  auto cap = LiveCapture::open(lo_options(l.port), err);
  ASSERT_TRUE(cap) << err;
  CapturedFrame f;
  EXPECT_EQ(cap->read(f), PacketSource::Status::Idle);  // nothing on this port yet
  int idle_calls = 0;
  cap->set_idle_hook([&] { ++idle_calls; });
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cap->request_stop();
  });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(cap->wait(-1));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(idle_calls, 1) << "a front end is told before the source waits";
  EXPECT_EQ(cap->read(f), PacketSource::Status::End);
  EXPECT_EQ(cap->error(), "");
}

TEST(LiveCapture, ErrorsNameTheInterfaceAndTheReason) {
  std::string err;
  LiveError kind = LiveError::None;
  LiveOptions o = lo_options(1);
  o.interface = "ovms-no-such0";
  EXPECT_FALSE(LiveCapture::open(o, err, &kind));
  EXPECT_EQ(kind, LiveError::NoSuchInterface);
  EXPECT_EQ(err.rfind("cannot capture on interface 'ovms-no-such0': no such interface", 0), 0u) << err;

  o = lo_options(1);
  o.filter = "tcp prot 6867";
  EXPECT_FALSE(LiveCapture::open(o, err, &kind));
  EXPECT_EQ(kind, LiveError::BadFilter);
  // libpcap's own words follow ours.
  EXPECT_EQ(err.rfind("cannot capture on interface 'lo': bad capture filter 'tcp prot 6867': ", 0), 0u) << err;
  EXPECT_NE(err.find("syntax error"), std::string::npos) << err;
}

TEST(LiveCapture, WithoutPermissionTheErrorNamesTheCapabilityAndHowToGrantIt) {
  // In a child that gives up root (as root, in CI) or as the unprivileged user running the tests.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    prctl(PR_SET_DUMPABLE, 1);  // giving up root made /proc/self unreadable to ourselves; a fresh exec would not
    std::string err;
    LiveError kind = LiveError::None;
    auto cap = LiveCapture::open(lo_options(1), err, &kind);
    if (cap) err = "opened without permission";
    ssize_t ignored = write(fds[1], err.data(), err.size());
    (void)ignored;
    _exit(kind == LiveError::PermissionDenied ? 0 : 1);
  }
  close(fds[1]);
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << msg;
  EXPECT_EQ(msg.rfind("cannot capture on interface 'lo': permission denied: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("lacks CAP_NET_RAW and CAP_NET_ADMIN"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Run it as root"), std::string::npos) << msg;
  EXPECT_NE(msg.find("setcap cap_net_raw,cap_net_admin=eip /"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unit_tests"), std::string::npos) << "names this very program: " << msg;
}

TEST(LiveCapture, ListsLoopbackWithItsFlags) {
  std::string err;
  auto list = list_interfaces(err);
  ASSERT_FALSE(list.empty()) << err;
  auto lo = std::find_if(list.begin(), list.end(), [](const InterfaceInfo& i) { return i.name == "lo"; });
  ASSERT_NE(lo, list.end());
  EXPECT_TRUE(lo->loopback);
  EXPECT_TRUE(lo->up);
  EXPECT_EQ(lo->flags_text().find("Up"), 0u);
  EXPECT_NE(lo->flags_text().find("Loopback"), std::string::npos);
  EXPECT_NE(std::find(lo->addresses.begin(), lo->addresses.end(), "127.0.0.1"), lo->addresses.end());
}
