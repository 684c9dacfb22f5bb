// The file side of the packet sources: gzip recognised by its magic bytes (not its name), several
// gzip members, truncated and corrupt gzip named by frame and compressed byte, standard input read
// from a real pipe as a stream (frames come out while the writer is still writing), and a stop from
// another thread while a read waits on the pipe.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "ovms/capture_reader.h"
#include "ovms/live_capture.h"

using namespace ovms;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "ovms_src_" + std::to_string(getpid()) + "_" + name;
}

const std::string& basic_pcap() {
  static const std::string data = slurp(std::string(OVMS_SOURCE_DIR) + "/samples/basic.pcap");
  return data;
}

// gzip of `parts`, each ended with a sync flush, so a reader can inflate it before the rest exists.
std::vector<std::string> gzip_parts(const std::vector<std::string>& parts) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string piece;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(parts[i].data()));
    z.avail_in = static_cast<uInt>(parts[i].size());
    int flush = i + 1 == parts.size() ? Z_FINISH : Z_SYNC_FLUSH;
    int rc;
    do {
      char buf[65536];
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = deflate(&z, flush);
      piece.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    out.push_back(piece);
  }
  deflateEnd(&z);
  return out;
}

std::string gzip(const std::string& data) { return gzip_parts({data})[0]; }

// Byte offsets where each pcap record starts (after the 24-byte file header), little-endian file.
std::vector<std::size_t> record_starts(const std::string& pcap) {
  std::vector<std::size_t> starts;
  for (std::size_t at = 24; at + 16 <= pcap.size();) {
    starts.push_back(at);
    uint32_t caplen;
    std::memcpy(&caplen, pcap.data() + at + 8, 4);
    at += 16 + caplen;
  }
  return starts;
}

struct Frame {
  uint64_t number;
  double ts;
  int dlt;
  std::string bytes;
  bool operator==(const Frame& o) const { return number == o.number && ts == o.ts && dlt == o.dlt && bytes == o.bytes; }
};

Frame copy(const CapturedFrame& f) {
  return {f.number, f.ts, f.dlt, std::string(reinterpret_cast<const char*>(f.data), f.caplen)};
}

std::vector<Frame> read_all(PacketSource& s) {
  std::vector<Frame> out;
  s.dispatch([&](const CapturedFrame& f) { out.push_back(copy(f)); }, SIZE_MAX);
  return out;
}

std::vector<Frame> plain_frames() {
  std::string err;
  auto r = CaptureReader::open(std::string(OVMS_SOURCE_DIR) + "/samples/basic.pcap", err);
  EXPECT_TRUE(r) << err;
  return r ? read_all(*r) : std::vector<Frame>{};
}

// Puts the read end of a pipe on fd 0 for the test's duration; the test writes into `in`.
struct StdinPipe {
  int saved = dup(STDIN_FILENO);
  int in = -1;
  StdinPipe() {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    in = fds[1];
  }
  void write_all(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(in, data.data() + done, data.size() - done);
      ASSERT_GT(n, 0);
      done += static_cast<std::size_t>(n);
    }
  }
  void close_writer() {
    if (in >= 0) close(in);
    in = -1;
  }
  ~StdinPipe() {
    close_writer();
    dup2(saved, STDIN_FILENO);
    close(saved);
  }
};

}  // namespace

TEST(PacketSource, GzipIsRecognisedByItsMagicBytesNotItsName) {
  const auto expected = plain_frames();
  ASSERT_GT(expected.size(), 100u);
  // Compressed, under a name that says nothing; and a plain capture under a .gz name.
  std::string compressed = temp_path("compressed.pcap");
  std::string plain = temp_path("plain.pcap.gz");
  spit(compressed, gzip(basic_pcap()));
  spit(plain, basic_pcap());
  for (const auto& [path, is_gzip] : {std::pair{compressed, true}, std::pair{plain, false}}) {
    std::string err;
    auto r = CaptureReader::open(path, err);
    ASSERT_TRUE(r) << err;
    EXPECT_EQ(r->compressed(), is_gzip) << path;
    EXPECT_FALSE(r->streaming());
    EXPECT_EQ(r->file_size(), slurp(path).size());
    EXPECT_EQ(read_all(*r), expected) << path;
    EXPECT_EQ(r->error(), "");
    EXPECT_EQ(r->bytes_read(), r->file_size()) << "progress ends at 100%: " << path;
  }
  std::remove(compressed.c_str());
  std::remove(plain.c_str());
}

TEST(PacketSource, ConcatenatedGzipMembersAndTrailingPaddingReadAsOne) {
  // `cat a.gz b.gz` is one valid gzip file (gzip -d reads every member); zeros after it are ignored.
  const std::string& pcap = basic_pcap();
  std::size_t cut = record_starts(pcap)[40] + 7;  // mid-record: the record spans both members
  std::string path = temp_path("members.pcap.gz");
  spit(path, gzip(pcap.substr(0, cut)) + gzip(pcap.substr(cut)) + std::string(512, '\0'));
  std::string err;
  auto r = CaptureReader::open(path, err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(read_all(*r), plain_frames());
  EXPECT_EQ(r->error(), "");
  std::remove(path.c_str());
}

TEST(PacketSource, TruncatedGzipNamesTheFrameAndTheCompressedByte) {
  const std::string compressed = gzip(basic_pcap());
  const auto expected = plain_frames();
  std::string path = temp_path("cut.pcap.gz");

  // Cut inside the gzip header: nothing to read, and the open says so, naming the file.
  spit(path, compressed.substr(0, 5));
  std::string err;
  EXPECT_FALSE(CaptureReader::open(path, err));
  EXPECT_EQ(err, "cannot read capture '" + path +
                     "': gzip data truncated: the input ends at compressed byte 5 (capture byte 0) before the end "
                     "of its compressed stream");

  // Cut in the middle: the frames before the cut come out intact, then an error naming the frame.
  // Cut in the trailer (CRC and length): every frame, then the error.
  for (std::size_t cut : {compressed.size() / 3, compressed.size() - 4}) {
    SCOPED_TRACE(cut);
    spit(path, compressed.substr(0, cut));
    auto r = CaptureReader::open(path, err);
    ASSERT_TRUE(r) << err;
    EXPECT_EQ(r->name(), "'" + path + "'");
    auto got = read_all(*r);
    ASSERT_LT(got.size(), expected.size() + 1);
    EXPECT_TRUE(std::equal(got.begin(), got.end(), expected.begin()));
    std::string want = "frame " + std::to_string(got.size() + 1) +
                       ": gzip data truncated: the input ends at compressed byte " + std::to_string(cut) + " (capture byte ";
    EXPECT_EQ(r->error().rfind(want, 0), 0u) << r->error();
    if (cut == compressed.size() - 4) EXPECT_EQ(got.size(), expected.size());
    else EXPECT_GT(got.size(), 10u);
    CapturedFrame f;
    EXPECT_EQ(r->read(f), PacketSource::Status::End);  // stays at the error
  }
  std::remove(path.c_str());
}

TEST(PacketSource, CorruptGzipSaysWhatZlibFound) {
  std::string compressed = gzip(basic_pcap());
  compressed[compressed.size() - 8] ^= 0x55;  // the CRC-32 in the trailer: all data inflates, the check fails
  std::string path = temp_path("corrupt.pcap.gz");
  spit(path, compressed);
  std::string err;
  auto r = CaptureReader::open(path, err);
  ASSERT_TRUE(r) << err;
  auto got = read_all(*r);
  EXPECT_EQ(got.size(), plain_frames().size());
  EXPECT_NE(r->error().find("corrupt gzip data near compressed byte"), std::string::npos) << r->error();
  EXPECT_NE(r->error().find("incorrect data check"), std::string::npos) << r->error();

  // gzip data that is not a capture: libpcap's verdict, saying the data was decompressed first.
  spit(path, gzip("just some text, no capture here\n"));
  EXPECT_FALSE(CaptureReader::open(path, err));
  EXPECT_EQ(err, "cannot read capture '" + path + "': unknown file format (after gzip decompression)");
  std::remove(path.c_str());
}

// Frames are delivered while the writer is still writing: the writer sends the header and part of
// the capture, then holds the rest back until the reader has handed out those frames and said it
// waits for more (or 10 s pass, which fails the test). Plain and gzip (sync-flushed) both.
TEST(PacketSource, StandardInputIsReadAsAStreamFromAPipe) {
  const std::string& pcap = basic_pcap();
  const auto expected = plain_frames();
  const std::size_t first = 30;
  const std::size_t split = record_starts(pcap)[first];
  for (bool gz : {false, true}) {
    SCOPED_TRACE(gz ? "gzip" : "plain");
    std::vector<std::string> parts{pcap.substr(0, split), pcap.substr(split)};
    if (gz) parts = gzip_parts(parts);
    StdinPipe stdin_pipe;
    std::atomic<std::size_t> seen{0};
    std::atomic<int> idle_calls{0};
    std::atomic<bool> writer_gave_up{false};
    std::thread writer([&] {
      stdin_pipe.write_all(parts[0]);
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      auto waiting = [&] { return seen.load() < first || idle_calls.load() == 0; };
      while (waiting() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      writer_gave_up = waiting();
      stdin_pipe.write_all(parts[1]);
      stdin_pipe.close_writer();
    });
    std::string err;
    auto r = CaptureReader::open("-", err);
    ASSERT_TRUE(r) << err;
    EXPECT_TRUE(r->streaming());
    EXPECT_EQ(r->compressed(), gz);
    EXPECT_EQ(r->name(), "standard input");
    r->set_idle_hook([&] { ++idle_calls; });
    std::vector<Frame> got;
    r->dispatch([&](const CapturedFrame& f) {
      got.push_back(copy(f));
      seen = got.size();
    }, SIZE_MAX);
    writer.join();
    EXPECT_FALSE(writer_gave_up) << "the first frames were not delivered, or the reader never said it was "
                                    "waiting, before the rest of the input came";
    EXPECT_EQ(got, expected);
    EXPECT_EQ(r->error(), "");
  }
}

TEST(PacketSource, AStopFromAnotherThreadEndsAReadWaitingOnAPipe) {
  const std::string& pcap = basic_pcap();
  StdinPipe stdin_pipe;
  stdin_pipe.write_all(pcap.substr(0, record_starts(pcap)[3]));  // three frames, then silence
  std::string err;
  auto r = CaptureReader::open("-", err);
  ASSERT_TRUE(r) << err;
  CapturedFrame f;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(r->read(f), PacketSource::Status::Frame);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    r->request_stop();
  });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(r->read(f), PacketSource::Status::End);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_TRUE(r->stop_requested());
  EXPECT_EQ(r->error(), "") << "a stop is not an error";
}

TEST(PacketSource, EmptyStandardInputIsAClearError) {
  StdinPipe stdin_pipe;
  stdin_pipe.close_writer();
  std::string err;
  EXPECT_FALSE(CaptureReader::open("-", err));
  EXPECT_EQ(err, "cannot read capture standard input: no data (the input ended before a capture header)");
}

TEST(PacketSource, DefaultCaptureFilter) {
  EXPECT_EQ(default_capture_filter({6867, 6870}, false), "tcp port 6867 or tcp port 6870");
  EXPECT_EQ(default_capture_filter({6870, 7000, 6867}, false), "tcp port 6867 or tcp port 6870 or tcp port 7000");
  EXPECT_EQ(default_capture_filter({6867, 6870}, true), "tcp");
  EXPECT_EQ(default_capture_filter({}, false), "tcp");
}
