// Writes the malformed corpus into a directory: captures (and keys files) of each hostile kind of
// issue 11, made with the core's own encoders, and `expect.txt`: one line per input with the exit
// status ovmsdump must give and the diagnostics it must report. malformed_test.py runs ovmsdump over
// them (also under the sanitizers: scripts/sanitize.sh). Made at test time, not stored: some are large.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "ovms/capture_writer.h"
#include "ovms/line_encoder.h"
#include "ovms/protocol.h"
#include "ovms/welcome_lines.h"

using namespace ovms;

namespace {

const char* kSecret = "demo-secret-1";  // samples/keys.yaml's DEMO
const std::string kCtoken = "ClientTok0123456789abcd", kStoken = "ServerTok0123456789wxyz";

// One TCP connection written into a pcap: handshake, then segments of at most 60000 bytes.
class Conn {
 public:
  Conn(PcapWriter& w, uint16_t client_port, double ts) : w_(w), ts_(ts) {
    client_.addr = {10, 0, 0, 2};
    client_.port = client_port;
    server_.addr = {10, 0, 0, 1};
    server_.port = 6867;
    frame(true, 0x02, nullptr, 0);
    frame(false, 0x12, nullptr, 0);
    ++seq_[1];
    ++seq_[0];
  }
  void send(bool up, const std::string& bytes) {
    for (std::size_t i = 0; i < bytes.size(); i += 60000) {
      std::size_t n = std::min<std::size_t>(60000, bytes.size() - i);
      frame(up, 0x18, reinterpret_cast<const uint8_t*>(bytes.data() + i), n);
      seq_[up ? 0 : 1] += static_cast<uint32_t>(n);
    }
  }
  void skip(bool up, std::size_t n) { seq_[up ? 0 : 1] += static_cast<uint32_t>(n); }  // bytes not captured
  void fin() {
    frame(true, 0x11, nullptr, 0);
    frame(false, 0x11, nullptr, 0);
  }

 private:
  void frame(bool up, uint8_t flags, const uint8_t* p, std::size_t n) {
    int i = up ? 0 : 1;
    auto f = build_tcp_frame(kDltEn10mb, up ? client_ : server_, up ? server_ : client_, seq_[i], seq_[1 - i], flags, p, n);
    w_.write(ts_ += 0.001, f);
  }
  PcapWriter& w_;
  double ts_;
  Endpoint client_, server_;
  uint32_t seq_[2] = {1000, 5000};
};

struct Session {
  LineEncoder up, down;
  Session(Conn& c) {
    c.send(true, up.encode_plain(client_welcome_line('C', kCtoken, kSecret, "DEMO")));
    c.send(false, down.encode_plain(server_welcome_line(kStoken, kSecret)));
    Bytes key = session_key(kSecret, kStoken, kCtoken);
    up.start_scheme0(key);
    down.start_scheme0(key);
  }
};

std::ofstream expect;

bool open(PcapWriter& w, const std::string& dir, const std::string& name) {
  std::string error;
  if (w.open(dir + "/" + name, kDltEn10mb, error)) return true;
  std::fprintf(stderr, "%s\n", error.c_str());
  return false;
}
void close(PcapWriter& w) {
  std::string error;
  if (!w.close(error)) std::fprintf(stderr, "%s\n", error.c_str());
}

void fields_out_of_range(const std::string& dir) {
  PcapWriter w;
  if (!open(w, dir, "fields.pcap")) return;
  Conn c(w, 40001, 1.7e9);
  Session s(c);
  for (const char* m : {"Snan,K,inf,-inf", "Z1e300", "Z99999999999999999999", "PIbad \xed\xa0\x80 \xc0\xaf text",
                        "Dnan,1e999", "S80.0,K"})
    c.send(true, s.up.encode(m));
  c.send(false, s.down.encode("C1"));
  c.send(true, s.up.encode("c1,0,0,-9223372036854775808,x"));
  c.fin();
  close(w);
  expect << "fields.pcap 0 message.malformed_field\n";
}

void huge_line(const std::string& dir) {
  PcapWriter w;
  if (!open(w, dir, "huge-line.pcap")) return;
  Conn c(w, 40002, 1.7e9);
  Session s(c);
  c.send(true, s.up.encode("F" + std::string(52u << 20, 'x')));  // 70 MiB of base64, ending in CRLF
  c.send(true, s.up.encode("S82.0,K"));
  c.fin();
  close(w);
  expect << "huge-line.pcap 0 line.too_long plain=MP-0_S82.0,K\n";
}

// The WebSocket variant (PROTOCOL.md §1.4) with one client frame of 70 MB (a 64-bit length, past the
// 64 MiB cap): reported as too long, and the frames after it still decrypt.
void websocket_huge_frame(const std::string& dir) {
  PcapWriter w;
  if (!open(w, dir, "ws-huge-frame.pcap")) return;
  Conn c(w, 40005, 1.7e9);
  LineEncoder up(LineFraming::websocket_client(), [] { return MaskKey{0x5a, 0x01, 0xa5, 0x10}; });
  LineEncoder down(LineFraming::websocket_server());
  c.send(true, "GET /apiv2 HTTP/1.1\r\nHost: ovms\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  c.send(false, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  c.send(true, up.encode_plain(client_welcome_line('C', kCtoken, kSecret, "DEMO")));
  c.send(false, down.encode_plain(server_welcome_line(kStoken, kSecret)));
  Bytes key = session_key(kSecret, kStoken, kCtoken);
  up.start_scheme0(key);
  down.start_scheme0(key);
  c.send(true, up.encode("F" + std::string(52u << 20, 'x')));
  c.send(true, up.encode("S83.0,K"));
  c.send(false, down.encode("Z1"));
  c.fin();
  close(w);
  expect << "ws-huge-frame.pcap 0 line.too_long plain=MP-0_S83.0,K plain=MP-0_Z1\n";
}

void gap_then_short_lines(const std::string& dir) {
  PcapWriter w;
  if (!open(w, dir, "gap-short-lines.pcap")) return;
  Conn c(w, 40003, 1.7e9);
  Session s(c);
  c.send(true, s.up.encode("S80.0,K"));
  std::string lost;
  while (lost.size() < 500000) lost += s.up.encode("F5,a line lost in the gap");
  c.skip(true, lost.size());
  std::string junk;
  for (int i = 0; i < 100000; ++i) junk += "QUJD\r\n";  // base64 that decrypts to no "MP-0 "
  c.send(true, junk);
  // The sender's keystream moved past the junk too: encode it through the encoder to stay in step.
  for (int i = 0; i < 100000; ++i) s.up.skip(3);
  c.send(true, s.up.encode("S81.0,K"));
  c.fin();
  close(w);
  expect << "gap-short-lines.pcap 0 tcp.gap session.resynchronised plain=MP-0_S81.0,K\n";
}

void many_connections(const std::string& dir) {
  PcapWriter w;
  if (!open(w, dir, "many-connections.pcap")) return;
  for (int i = 0; i < 20000; ++i) {
    Conn c(w, static_cast<uint16_t>(1024 + i % 60000), 1.7e9 + i);
    Session s(c);
    c.send(true, s.up.encode("S80.0,K"));
    c.fin();
  }
  close(w);
  expect << "many-connections.pcap 0 -\n";
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string le32(uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }
std::string le16(uint16_t v) { return std::string{char(v), char(v >> 8)}; }

// A pcapng file with one Ethernet frame whose time stamp is near 2^64 microseconds.
void pcapng_far_timestamp(const std::string& dir) {
  std::string shb = le32(0x0a0d0d0a) + le32(28) + le32(0x1a2b3c4d) + le16(1) + le16(0) + std::string(8, '\xff') + le32(28);
  std::string idb = le32(1) + le32(20) + le16(1) + le16(0) + le32(0) + le32(20);
  Endpoint a, b;
  a.addr = {10, 0, 0, 2}; a.port = 40004; b.addr = {10, 0, 0, 1}; b.port = 6867;
  std::string welcome = client_welcome_line('C', kCtoken, kSecret, "DEMO") + "\r\n";
  auto f = build_tcp_frame(kDltEn10mb, a, b, 1, 0, 0x18, reinterpret_cast<const uint8_t*>(welcome.data()), welcome.size());
  std::string data(f.begin(), f.end());
  while (data.size() % 4) data += '\0';
  uint32_t len = 32 + static_cast<uint32_t>(data.size());
  std::string epb = le32(6) + le32(len) + le32(0) + le32(0xffffffff) + le32(0xfffffff0) + le32(f.size()) + le32(f.size()) + data + le32(len);
  write_file(dir + "/far-timestamp.pcapng", shb + idb + epb);
  expect << "far-timestamp.pcapng 0 capture.timestamp\n";
}

void headers(const std::string& dir) {
  std::string sample;
  {
    std::ifstream in(std::string(OVMS_SOURCE_DIR) + "/samples/basic.pcap", std::ios::binary);
    sample.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::string zero = sample, huge = sample;
  zero.replace(16, 4, le32(0));
  huge.replace(16, 4, le32(0xffffffff));
  write_file(dir + "/snaplen-zero.pcap", zero);
  write_file(dir + "/snaplen-huge.pcap", huge);
  // libpcap reads them with its own maximum: reported, and every frame still decodes.
  expect << "snaplen-zero.pcap 0 capture.snaplen same=basic.pcap\nsnaplen-huge.pcap 0 capture.snaplen same=basic.pcap\n";
  write_file(dir + "/truncated.pcap", sample.substr(0, sample.size() - 7));
  expect << "truncated.pcap 1 -\n";
  write_file(dir + "/junk.pcap", std::string(100, 'j'));
  expect << "junk.pcap 1 -\n";
  std::string rec_huge = sample.substr(0, 24) + le32(0) + le32(0) + le32(0x7fffffff) + le32(0x7fffffff) + "abc";
  write_file(dir + "/record-length-huge.pcap", rec_huge);
  expect << "record-length-huge.pcap 1 -\n";
}

void keys_files(const std::string& dir) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char p = 'a'; p < 'i'; ++p) {
    bomb += std::string(1, char(p + 1)) + ": &" + char(p + 1) + " [";
    for (int k = 0; k < 9; ++k) bomb += std::string(k ? ", *" : "*") + p;
    bomb += "]\n";
  }
  bomb += "vehicles: *i\n";
  write_file(dir + "/alias-bomb.yaml", bomb);
  expect << "keys:alias-bomb.yaml 2 alias-bomb.yaml:2: alias\n";  // refused, naming the file and line
  std::string many = "vehicles:\n";
  for (int i = 0; i < 100000; ++i) many += "  - id: CAR" + std::to_string(i) + "\n    server_password: \"s" + std::to_string(i) + "\"\n";
  write_file(dir + "/100k-vehicles.yaml", many);
  expect << "keys:100k-vehicles.yaml 0 once=key.unused\n";  // one note for 100,000 unused
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  expect.open(dir + "/expect.txt");
  fields_out_of_range(dir);
  huge_line(dir);
  websocket_huge_frame(dir);
  gap_then_short_lines(dir);
  many_connections(dir);
  pcapng_far_timestamp(dir);
  headers(dir);
  keys_files(dir);
  return expect ? 0 : 1;
}
