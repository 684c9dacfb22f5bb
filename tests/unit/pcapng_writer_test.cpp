// PcapngWriter: frames written as pcapng read back through the core's CaptureReader (and tcpdump,
// tshark where installed) with their bytes and timestamps; one interface per link type; files are
// 0600; a flushed writer that never closed leaves a readable file; errors name the file.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ovms/capture_reader.h"
#include "ovms/capture_writer.h"
#include "ovms/packet.h"
#include "ovms/pcapng_writer.h"

using namespace ovms;

namespace {

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "ovms_pcapng_" + std::to_string(getpid()) + "_" + name;
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

Endpoint ep(const char* ip, uint16_t port) {
  Endpoint e;
  inet_pton(AF_INET, ip, e.addr.data());
  e.port = port;
  return e;
}

// Frames of odd lengths (so padding matters), each with its payload text.
std::vector<std::vector<uint8_t>> frames(int dlt) {
  std::vector<std::vector<uint8_t>> out;
  const char* payloads[] = {"", "MP-S 0 ABC123 xyz\r\n", "x", "ab", "abc"};
  uint32_t seq = 100;
  for (const char* p : payloads) {
    out.push_back(build_tcp_frame(dlt, ep("10.0.0.1", 40000), ep("10.0.0.2", 6867), seq, 1, kAck | kPsh,
                                  reinterpret_cast<const uint8_t*>(p), std::strlen(p)));
    seq += static_cast<uint32_t>(std::strlen(p));
  }
  return out;
}

std::vector<CapturedFrame> read_back(const std::string& path, std::vector<std::vector<uint8_t>>& bytes,
                                     std::string& error) {
  std::vector<CapturedFrame> out;
  auto r = CaptureReader::open(path, error);
  if (!r) return out;
  CapturedFrame f;
  while (r->next(f)) {
    bytes.emplace_back(f.data, f.data + f.caplen);
    out.push_back(f);
  }
  error = r->error();
  return out;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(PcapngWriter, RoundTripThroughTheCaptureReader) {
  for (auto res : {PcapngWriter::Resolution::Micro, PcapngWriter::Resolution::Nano}) {
    const std::string path = temp_path("rt.pcapng");
    PcapngWriter w;
    std::string err;
    PcapngWriter::Options o;
    o.resolution = res;
    ASSERT_TRUE(w.open(path, o, err)) << err;
    auto fs = frames(kDltEn10mb);
    for (std::size_t i = 0; i < fs.size(); ++i) ASSERT_TRUE(w.write(kDltEn10mb, 1700000000.25 + i, fs[i]));
    EXPECT_EQ(w.frames(), fs.size());
    ASSERT_TRUE(w.close(err)) << err;

    std::vector<std::vector<uint8_t>> bytes;
    auto got = read_back(path, bytes, err);
    EXPECT_EQ(err, "");
    ASSERT_EQ(got.size(), fs.size());
    for (std::size_t i = 0; i < fs.size(); ++i) {
      EXPECT_EQ(got[i].number, i + 1);
      EXPECT_EQ(got[i].dlt, kDltEn10mb);
      EXPECT_NEAR(got[i].ts, 1700000000.25 + i, 1e-6);
      EXPECT_EQ(got[i].wirelen, fs[i].size());
      EXPECT_EQ(bytes[i], fs[i]);
    }
    std::remove(path.c_str());
  }
}

TEST(PcapngWriter, NanosecondTimestampsKeepEveryDigit) {
  const std::string path = temp_path("ns.pcapng");
  PcapngWriter w;
  std::string err;
  PcapngWriter::Options o;
  o.resolution = PcapngWriter::Resolution::Nano;
  ASSERT_TRUE(w.open(path, o, err)) << err;
  auto fs = frames(kDltRaw);
  ASSERT_TRUE(w.write(kDltRaw, int64_t{1700000000}, 123456789u, fs[1].data(), fs[1].size()));
  ASSERT_TRUE(w.close(err)) << err;
  if (!have_tool("tshark")) GTEST_SKIP() << "tshark not installed";
  // tshark prints the epoch time with all nine digits when the file has them.
  std::string out = run("tshark -r '" + path + "' -T fields -e frame.time_epoch 2>/dev/null");
  EXPECT_NE(out.find("1700000000.123456789"), std::string::npos) << out;
  std::remove(path.c_str());
}

TEST(PcapngWriter, TruncatedFrameKeepsItsWireLength) {
  const std::string path = temp_path("trunc.pcapng");
  PcapngWriter w;
  std::string err;
  ASSERT_TRUE(w.open(path, err)) << err;
  auto f = frames(kDltEn10mb)[1];
  ASSERT_TRUE(w.write(kDltEn10mb, 1.0, f.data(), 40, f.size()));
  ASSERT_TRUE(w.close(err)) << err;
  std::vector<std::vector<uint8_t>> bytes;
  auto got = read_back(path, bytes, err);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].caplen, 40u);
  EXPECT_EQ(got[0].wirelen, f.size());
  std::remove(path.c_str());
}

TEST(PcapngWriter, OneInterfacePerLinkType) {
  const std::string path = temp_path("multi.pcapng");
  PcapngWriter w;
  std::string err;
  ASSERT_TRUE(w.open(path, err)) << err;
  auto eth = frames(kDltEn10mb), sll = frames(kDltLinuxSll);
  ASSERT_TRUE(w.write(kDltEn10mb, 10.0, eth[1]));
  ASSERT_TRUE(w.write(kDltLinuxSll, 11.0, sll[2]));
  ASSERT_TRUE(w.write(kDltEn10mb, 12.0, eth[3]));
  ASSERT_TRUE(w.close(err)) << err;

  // Walk the blocks: SHB, IDB(ethernet), EPB(if 0), IDB(sll), EPB(if 1), EPB(if 0).
  std::ifstream in(path, std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<uint32_t> types, ifaces;
  std::vector<uint16_t> links;
  for (std::size_t at = 0; at + 12 <= file.size();) {
    uint32_t type, len, trailer;
    std::memcpy(&type, &file[at], 4);
    std::memcpy(&len, &file[at + 4], 4);
    ASSERT_EQ(len % 4, 0u);
    ASSERT_LE(at + len, file.size());
    std::memcpy(&trailer, &file[at + len - 4], 4);
    EXPECT_EQ(trailer, len);
    types.push_back(type);
    if (type == 1) {
      uint16_t link;
      std::memcpy(&link, &file[at + 8], 2);
      links.push_back(link);
    }
    if (type == 6) {
      uint32_t iface;
      std::memcpy(&iface, &file[at + 8], 4);
      ifaces.push_back(iface);
    }
    at += len;
  }
  EXPECT_EQ(types, (std::vector<uint32_t>{0x0A0D0D0A, 1, 6, 1, 6, 6}));
  EXPECT_EQ(links, (std::vector<uint16_t>{kDltEn10mb, kDltLinuxSll}));
  EXPECT_EQ(ifaces, (std::vector<uint32_t>{0, 1, 0}));
  if (have_tool("tshark")) {
    std::string out = run("tshark -r '" + path + "' -T fields -e frame.interface_id -e tcp.seq_raw 2>/dev/null");
    EXPECT_EQ(out, "0\t100\n1\t119\n0\t120\n");
  }
  std::remove(path.c_str());
}

TEST(PcapngWriter, TcpdumpReadsWhatWeWrite) {
  if (!have_tool("tcpdump")) GTEST_SKIP() << "tcpdump not installed";
  const std::string path = temp_path("tcpdump.pcapng");
  PcapngWriter w;
  std::string err;
  ASSERT_TRUE(w.open(path, err)) << err;
  for (const auto& f : frames(kDltEn10mb)) ASSERT_TRUE(w.write(kDltEn10mb, 5.0, f));
  ASSERT_TRUE(w.close(err)) << err;
  std::string out = run("tcpdump -nn -r '" + path + "' 2>&1");
  EXPECT_NE(out.find("10.0.0.1.40000 > 10.0.0.2.6867"), std::string::npos) << out;
  EXPECT_NE(out.find("length 19"), std::string::npos) << out;
  std::remove(path.c_str());
}

TEST(PcapngWriter, FilesAreCreatedPrivateAndNarrowed) {
  const std::string path = temp_path("mode.pcapng");
  std::remove(path.c_str());
  {
    PcapngWriter w;
    std::string err;
    ASSERT_TRUE(w.open(path, err)) << err;
    EXPECT_EQ(mode_of(path), 0600u);
  }
  chmod(path.c_str(), 0644);
  PcapngWriter w;
  std::string err;
  ASSERT_TRUE(w.open(path, err)) << err;
  EXPECT_EQ(mode_of(path), 0600u);
  ASSERT_TRUE(w.close(err));
  std::remove(path.c_str());
}

TEST(PcapngWriter, FlushedWriterLeavesAReadableFileBeforeClose) {
  const std::string path = temp_path("live.pcapng");
  PcapngWriter w;
  std::string err;
  PcapngWriter::Options o;
  o.flush_each_block = true;
  ASSERT_TRUE(w.open(path, o, err)) << err;
  auto fs = frames(kDltEn10mb);
  for (std::size_t i = 0; i < 3; ++i) ASSERT_TRUE(w.write(kDltEn10mb, 100.0 + i, fs[i]));
  // Still open (as a recorder killed now would leave it): every frame so far reads back, cleanly.
  std::vector<std::vector<uint8_t>> bytes;
  auto got = read_back(path, bytes, err);
  EXPECT_EQ(err, "");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(bytes[2], fs[2]);
  ASSERT_TRUE(w.close(err)) << err;
  std::remove(path.c_str());
}

TEST(PcapngWriter, ErrorsNameTheFile) {
  PcapngWriter w;
  std::string err;
  EXPECT_FALSE(w.open("/nonexistent-dir/x.pcapng", err));
  EXPECT_NE(err.find("'/nonexistent-dir/x.pcapng'"), std::string::npos) << err;
  EXPECT_NE(err.find("No such file"), std::string::npos) << err;
  EXPECT_FALSE(w.write(kDltEn10mb, 1.0, frames(kDltEn10mb)[0]));

  // A full device: the write (or the close that flushes it) fails, with the path and the reason.
  if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  PcapngWriter full;
  PcapngWriter::Options o;
  o.flush_each_block = true;
  bool opened = full.open("/dev/full", o, err);
  if (opened) {
    EXPECT_FALSE(full.write(kDltEn10mb, 1.0, frames(kDltEn10mb)[1]));
    EXPECT_FALSE(full.close(err));
  }
  EXPECT_NE(err.find("'/dev/full'"), std::string::npos) << err;
  EXPECT_NE(err.find("No space left"), std::string::npos) << err;
}

}  // namespace
