// build_tcp_frame -> PcapWriter -> CaptureReader -> parse_frame round trips for every link type,
// cross-checked with tcpdump/editcap when installed; reader errors and truncated files.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ovms/capture_reader.h"
#include "ovms/capture_writer.h"
#include "ovms/packet.h"

using namespace ovms;

namespace {

Endpoint ep(const char* ip, uint16_t port) {
  Endpoint e;
  e.v6 = std::string(ip).find(':') != std::string::npos;
  inet_pton(e.v6 ? AF_INET6 : AF_INET, ip, e.addr.data());
  e.port = port;
  return e;
}

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "ovms_capio_" + std::to_string(getpid()) + "_" + name;
}

bool have_tool(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::string run(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

struct Sent {
  Endpoint src, dst;
  uint32_t seq, ack;
  uint8_t flags;
  std::string payload;
  double ts;
};

// A short conversation: handshake, data both ways (one payload with a NUL and high bytes), FIN.
std::vector<Sent> conversation(bool v6) {
  Endpoint car = v6 ? ep("2001:db8::1", 6867) : ep("10.1.2.3", 6867);
  Endpoint app = v6 ? ep("2001:db8::2", 40000) : ep("192.168.7.9", 40000);
  std::string binary("MP-0 \0\xff\x80z", 9);
  return {
      {app, car, 100, 0, kSyn, "", 1700000000.000001},
      {car, app, 900, 101, kSyn | kAck, "", 1700000000.25},
      {app, car, 101, 901, kAck, "", 1700000000.5},
      {car, app, 901, 101, kAck | kPsh, "MP-S 0 ABC123 xyz\r\n", 1700000001.999999},
      {app, car, 101, 920, kAck | kPsh, binary, 1700000002},
      {car, app, 920, 110, kAck | kFin, "", 1700000003.123456},
  };
}

const int kWritable[] = {kDltEn10mb, kDltLinuxSll, kDltLinuxSll2, kDltRaw, kDltNull, kDltLoop};

void write_capture(const std::string& path, int dlt, const std::vector<Sent>& msgs) {
  PcapWriter w;
  std::string err;
  ASSERT_TRUE(w.open(path, dlt, err)) << err;
  for (const Sent& m : msgs)
    w.write(m.ts, build_tcp_frame(dlt, m.src, m.dst, m.seq, m.ack, m.flags,
                                  reinterpret_cast<const uint8_t*>(m.payload.data()), m.payload.size()));
  ASSERT_TRUE(w.close(err)) << err;
}

void expect_reads_back(const std::string& path, const std::vector<Sent>& msgs, int written_dlt) {
  std::string err;
  auto r = CaptureReader::open(path, err);
  ASSERT_TRUE(r) << err;
  // libpcap maps LINKTYPE_RAW (101) to the platform's DLT_RAW (12 on Linux): accept either.
  if (written_dlt == kDltRaw)
    EXPECT_TRUE(r->link_type() == kDltRaw || r->link_type() == kDltRawAlt12 || r->link_type() == kDltRawAlt14);
  else
    EXPECT_EQ(r->link_type(), written_dlt);
  CapturedFrame f;
  std::size_t i = 0;
  while (r->next(f)) {
    ASSERT_LT(i, msgs.size());
    const Sent& m = msgs[i++];
    EXPECT_EQ(f.number, i);
    EXPECT_EQ(f.dlt, r->link_type());
    EXPECT_NEAR(f.ts, m.ts, 1e-6);
    EXPECT_EQ(f.caplen, f.wirelen);
    TcpSegment s;
    std::string why;
    ASSERT_EQ(parse_frame(f.dlt, f.data, f.caplen, s, &why), ParseStatus::Ok) << why;
    EXPECT_EQ(s.src, m.src);
    EXPECT_EQ(s.dst, m.dst);
    EXPECT_EQ(s.seq, m.seq);
    EXPECT_EQ(s.ack, m.ack);
    EXPECT_EQ(s.flags, m.flags);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(s.payload), s.payload_len), m.payload);
    EXPECT_FALSE(s.truncated);
  }
  EXPECT_EQ(r->error(), "");
  EXPECT_EQ(i, msgs.size());
  EXPECT_EQ(r->bytes_read(), r->file_size());
}

// Ones' complement sum of 16-bit words; a correct checksum makes a header sum to 0xffff.
uint16_t ones_sum(const uint8_t* p, std::size_t n, uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n % 2) sum += static_cast<uint32_t>(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

}  // namespace

TEST(CaptureIo, RoundTripEveryLinkType) {
  for (int dlt : kWritable) {
    for (bool v6 : {false, true}) {
      SCOPED_TRACE("dlt " + std::to_string(dlt) + (v6 ? " v6" : " v4"));
      std::string path = temp_path("rt.pcap");
      auto msgs = conversation(v6);
      write_capture(path, dlt, msgs);
      expect_reads_back(path, msgs, dlt);
      std::remove(path.c_str());
    }
  }
  // The typed raw link types have no header either and keep their number.
  for (int dlt : {kDltIpv4, kDltIpv6}) {
    std::string path = temp_path("raw.pcap");
    auto msgs = conversation(dlt == kDltIpv6);
    write_capture(path, dlt, msgs);
    expect_reads_back(path, msgs, dlt);
    std::remove(path.c_str());
  }
}

TEST(CaptureIo, ChecksumsAreCorrect) {
  std::string payload = "odd length!";
  for (bool v6 : {false, true}) {
    Endpoint a = v6 ? ep("fe80::1", 1) : ep("1.2.3.4", 1), b = v6 ? ep("fe80::2", 2) : ep("5.6.7.8", 2);
    auto f = build_tcp_frame(kDltRaw, a, b, 1, 2, kAck, reinterpret_cast<const uint8_t*>(payload.data()),
                             payload.size());
    std::size_t ip = v6 ? 40 : 20, tcp_len = f.size() - ip;
    uint32_t pseudo = tcp_len + 6;
    if (v6) {
      pseudo += ones_sum(f.data() + 8, 32);
    } else {
      EXPECT_EQ(ones_sum(f.data(), 20), 0xffff);
      pseudo += ones_sum(f.data() + 12, 8);
    }
    EXPECT_EQ(ones_sum(f.data() + ip, tcp_len, pseudo), 0xffff);
  }
}

TEST(CaptureIo, EthernetMacsDifferPerSide) {
  auto f = build_tcp_frame(kDltEn10mb, ep("10.0.0.1", 1), ep("10.0.0.2", 2), 0, 0, kSyn, nullptr, 0);
  EXPECT_FALSE(std::equal(f.begin(), f.begin() + 6, f.begin() + 6));
  EXPECT_EQ(f[0] & 1, 0);  // unicast
}

TEST(CaptureIo, BuildRejectsMixedFamiliesAndUnknownLinkTypes) {
  EXPECT_THROW(build_tcp_frame(kDltRaw, ep("1.2.3.4", 1), ep("::1", 2), 0, 0, 0, nullptr, 0),
               std::invalid_argument);
  EXPECT_THROW(build_tcp_frame(147, ep("1.2.3.4", 1), ep("1.2.3.5", 2), 0, 0, 0, nullptr, 0),
               std::invalid_argument);
}

TEST(CaptureIo, TcpdumpReadsWhatWeWrite) {
  if (!have_tool("tcpdump")) GTEST_SKIP() << "tcpdump not installed";
  for (int dlt : kWritable) {
    for (bool v6 : {false, true}) {
      SCOPED_TRACE("dlt " + std::to_string(dlt) + (v6 ? " v6" : " v4"));
      std::string path = temp_path("td.pcap");
      write_capture(path, dlt, conversation(v6));
      // -vv makes tcpdump verify the IP and TCP checksums.
      std::string out = run("tcpdump -nn -vv -r '" + path + "' 2>/dev/null");
      if (v6) {
        EXPECT_NE(out.find("2001:db8::1.6867 > 2001:db8::2.40000"), std::string::npos) << out;
        EXPECT_NE(out.find("2001:db8::2.40000 > 2001:db8::1.6867"), std::string::npos) << out;
      } else {
        EXPECT_NE(out.find("10.1.2.3.6867 > 192.168.7.9.40000"), std::string::npos) << out;
        EXPECT_NE(out.find("192.168.7.9.40000 > 10.1.2.3.6867"), std::string::npos) << out;
      }
      EXPECT_EQ(out.find("incorrect"), std::string::npos) << out;
      EXPECT_EQ(out.find("bad cksum"), std::string::npos) << out;
      EXPECT_NE(out.find("length 19"), std::string::npos) << out;  // the MP-S payload
      std::remove(path.c_str());
    }
  }
}

TEST(CaptureIo, ReadsPcapngConvertedByEditcap) {
  if (!have_tool("editcap")) GTEST_SKIP() << "editcap not installed";
  std::string path = temp_path("ng.pcap"), ng = temp_path("ng.pcapng");
  auto msgs = conversation(true);
  write_capture(path, kDltEn10mb, msgs);
  ASSERT_EQ(std::system(("editcap -F pcapng '" + path + "' '" + ng + "'").c_str()), 0);
  expect_reads_back(ng, msgs, kDltEn10mb);
  std::remove(path.c_str());
  std::remove(ng.c_str());
}

TEST(CaptureIo, SnapshotLengthShorterThanFrame) {
  std::string path = temp_path("snap.pcap"), err;
  auto frame = build_tcp_frame(kDltEn10mb, ep("1.1.1.1", 6867), ep("2.2.2.2", 9), 5, 6, kAck,
                               reinterpret_cast<const uint8_t*>("0123456789"), 10);
  const uint32_t full = static_cast<uint32_t>(frame.size());
  frame.resize(frame.size() - 4);
  PcapWriter w;
  ASSERT_TRUE(w.open(path, kDltEn10mb, err)) << err;
  w.write(1.5, frame, full);
  ASSERT_TRUE(w.close(err)) << err;
  auto r = CaptureReader::open(path, err);
  ASSERT_TRUE(r) << err;
  CapturedFrame f;
  ASSERT_TRUE(r->next(f));
  EXPECT_EQ(f.caplen, frame.size());
  EXPECT_EQ(f.wirelen, full);
  TcpSegment s;
  ASSERT_EQ(parse_frame(f.dlt, f.data, f.caplen, s), ParseStatus::Ok);
  EXPECT_TRUE(s.truncated);
  EXPECT_EQ(s.payload_len, 6u);
  EXPECT_FALSE(r->next(f));
  EXPECT_EQ(r->error(), "");
  std::remove(path.c_str());
}

TEST(CaptureIo, TimestampRoundingCarriesIntoSeconds) {
  std::string path = temp_path("ts.pcap"), err;
  PcapWriter w;
  ASSERT_TRUE(w.open(path, kDltRaw, err));
  auto frame = build_tcp_frame(kDltRaw, ep("1.1.1.1", 1), ep("2.2.2.2", 2), 0, 0, kAck, nullptr, 0);
  w.write(41.9999999, frame);
  ASSERT_TRUE(w.close(err));
  auto r = CaptureReader::open(path, err);
  ASSERT_TRUE(r) << err;
  CapturedFrame f;
  ASSERT_TRUE(r->next(f));
  EXPECT_DOUBLE_EQ(f.ts, 42.0);
  std::remove(path.c_str());
}

TEST(CaptureIo, TruncatedLastRecordIsAnErrorNamingTheFrame) {
  auto msgs = conversation(false);
  const std::size_t n = msgs.size();
  for (bool in_header : {false, true}) {
    SCOPED_TRACE(in_header ? "cut in record header" : "cut in record data");
    std::string path = temp_path("trunc.pcap");
    write_capture(path, kDltEn10mb, msgs);
    // The last record: 16-byte header + the frame; cut it in half (or inside its header).
    auto last = build_tcp_frame(kDltEn10mb, msgs[n - 1].src, msgs[n - 1].dst, 0, 0, 0, nullptr, 0);
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    std::size_t record = 16 + last.size();
    std::size_t keep = static_cast<std::size_t>(st.st_size) - record + (in_header ? 8 : record / 2);
    ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(keep)), 0);

    std::string err;
    auto r = CaptureReader::open(path, err);
    ASSERT_TRUE(r) << err;
    EXPECT_EQ(r->file_size(), keep);
    CapturedFrame f;
    std::size_t count = 0;
    while (r->next(f)) ++count;
    EXPECT_EQ(count, n - 1);
    EXPECT_EQ(r->error().rfind("frame " + std::to_string(n) + ": truncated record: ", 0), 0u) << r->error();
    EXPECT_FALSE(r->next(f));  // stays at the error
    std::remove(path.c_str());
  }
}

TEST(CaptureIo, OpenErrorsNameTheFile) {
  std::string err;
  EXPECT_FALSE(CaptureReader::open("/nonexistent/dir/x.pcap", err));
  EXPECT_EQ(err, "cannot read capture '/nonexistent/dir/x.pcap': No such file or directory");

  std::string path = temp_path("garbage.pcap");
  std::ofstream(path) << "this is not a capture file at all, just some text\n";
  EXPECT_FALSE(CaptureReader::open(path, err));
  EXPECT_EQ(err, "cannot read capture '" + path + "': unknown file format");

  std::ofstream(path, std::ios::trunc).close();
  EXPECT_FALSE(CaptureReader::open(path, err));
  EXPECT_EQ(err, "cannot read capture '" + path + "': empty file");
  std::ofstream(path, std::ios::trunc | std::ios::binary).write("\xd4\xc3\xb2\xa1\x02\x00", 6);
  EXPECT_FALSE(CaptureReader::open(path, err));
  EXPECT_EQ(err.rfind("cannot read capture '" + path + "': truncated dump file", 0), 0u) << err;
  std::remove(path.c_str());

  EXPECT_FALSE(CaptureReader::open(testing::TempDir(), err));
  EXPECT_NE(err.find("is a directory"), std::string::npos) << err;

  PcapWriter w;
  EXPECT_FALSE(w.open("/nonexistent/dir/out.pcap", kDltRaw, err));
  EXPECT_EQ(err, "cannot write capture '/nonexistent/dir/out.pcap': No such file or directory");
}

TEST(CaptureIo, DashReadsStandardInput) {
  std::string path = temp_path("stdin.pcap");
  auto msgs = conversation(false);
  write_capture(path, kDltLinuxSll2, msgs);
  // Put the file on fd 0 for the duration of the read, then restore the real stdin.
  int saved = dup(STDIN_FILENO);
  ASSERT_GE(saved, 0);
  FILE* in = std::fopen(path.c_str(), "rb");
  ASSERT_TRUE(in);
  ASSERT_EQ(dup2(fileno(in), STDIN_FILENO), STDIN_FILENO);
  std::fclose(in);
  {
    std::string err;
    auto r = CaptureReader::open("-", err);
    ASSERT_TRUE(r) << err;
    CapturedFrame f;
    std::size_t count = 0;
    while (r->next(f)) ++count;
    EXPECT_EQ(count, msgs.size());
    EXPECT_EQ(r->error(), "");
  }
  // The reader closed its own descriptor, not fd 0.
  EXPECT_NE(fcntl(STDIN_FILENO, F_GETFD), -1);
  dup2(saved, STDIN_FILENO);
  close(saved);
  std::remove(path.c_str());
}

// Captures can hold secrets (a scheme-1 login is plain text): only their owner may read them, also
// when the file existed with a wider mode.
TEST(CaptureIo, CapturesAreWrittenPrivate) {
  std::string path = temp_path("private.pcap");
  std::remove(path.c_str());
  for (int round = 0; round < 2; ++round) {
    PcapWriter w;
    std::string err;
    ASSERT_TRUE(w.open(path, kDltRaw, err)) << err;
    ASSERT_TRUE(w.close(err)) << err;
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "round " << round;
    ASSERT_EQ(chmod(path.c_str(), 0644), 0);  // the second round overwrites a file others may read
  }
  std::remove(path.c_str());
}
