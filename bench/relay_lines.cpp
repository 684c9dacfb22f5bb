// Lines per second through one Relay (the core's MITM state machine, no sockets): a car session of
// typical v3 messages, cut into 1460-byte reads, measured four ways in one run so the numbers are
// ratios against a reference on the same machine:
//   decode      one ConnectionDecoder over the same bytes (what ovmsdump does per line): the reference
//   untouched   the relay with nothing changed: every line goes on as it came (and is decoded on both legs)
//   re-encoded  the relay after one injected line: every line is re-encrypted for the server's keystream
//   no key      the relay passing bytes through (it cannot decrypt), still showing every line
// Usage: ovms-bench-relay [LINES [decode|untouched|re-encoded|no-key]]   (default 300000, all four;
// one of them alone, for a profiler)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ovms/line_encoder.h"
#include "ovms/relay.h"
#include "ovms/welcome_lines.h"

using namespace ovms;

namespace {

const char* const kLines[] = {
    "S55.3,K,0,0.00,stopped,standard,186,172,0,0,0,0,13,0,0,0,0,0,0.00,0,0,0,0,0,0,-1,0,0,0.0,0,0,204,0,0",
    "D4,0,5,22,22,20,4562,0,32,0,12.7,0,0,1,0,0,-1,0,0,0,0",
    "L51.507800,-0.127600,90,31,1,1,0,0,0,0,0,0,0,0,0",
    "F3.4.0/ota_0/main,VF1AGVYA012345678,5,0,RT,,-1,-1,WiFi",
    "W30,1,30,1,30,1,30,1,-1,-1",
    "Y4,5,-1,-1,0.0,3.65,3.70",
};
const char kSecret[] = "bench-secret", kVehicle[] = "BENCH1";
const char kCarToken[] = "CarTok0123456789abcdef", kServerToken[] = "SrvTok9876543210ZYXWvu";

struct Session {
  std::string welcome, server_welcome;
  std::vector<std::string> reads;  // the car's session lines, as 1460-byte reads
  std::size_t lines = 0, bytes = 0;
};

Session make_session(std::size_t lines) {
  Session s;
  LineEncoder car(LineFraming::crlf()), server(LineFraming::crlf());
  s.welcome = car.encode_plain(client_welcome_line('C', kCarToken, kSecret, kVehicle));
  s.server_welcome = server.encode_plain(server_welcome_line(kServerToken, kSecret));
  car.start_scheme0(session_key(kSecret, kServerToken, kCarToken));
  std::string all;
  for (std::size_t i = 0; i < lines; ++i) car.encode_to(all, kLines[i % std::size(kLines)]);
  for (std::size_t at = 0; at < all.size(); at += 1460) s.reads.push_back(all.substr(at, 1460));
  s.lines = lines;
  s.bytes = all.size();
  return s;
}

std::shared_ptr<const KeyStore> keys(bool with_vehicle) {
  auto k = std::make_shared<KeyStore>();
  if (with_vehicle) {
    VehicleKey v;
    v.id = kVehicle;
    v.server_password = kSecret;
    k->add_vehicle(v);
  }
  return k;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Count : RecordSink {
  std::size_t n = 0;
  void on_record(const RecordPtr&) override { ++n; }
};

double decode_only(const Session& s) {
  auto k = keys(true);
  Count sink;
  ConnectionDecoder d(0, k.get(), nullptr);
  auto feed = [&](Direction dir, const std::string& b) {
    d.feed(dir, reinterpret_cast<const uint8_t*>(b.data()), b.size(), 0, 0, sink);
  };
  feed(Direction::ClientToServer, s.welcome);
  feed(Direction::ServerToClient, s.server_welcome);
  auto t0 = std::chrono::steady_clock::now();
  for (const std::string& r : s.reads) feed(Direction::ClientToServer, r);
  double t = since(t0);
  if (sink.n != s.lines + 2) std::fprintf(stderr, "decode: %zu records\n", sink.n);
  return t;
}

enum class Mode { Untouched, Reencoded, NoKey };

double through_relay(const Session& s, Mode mode) {
  RelayOptions o;
  o.keys = keys(mode != Mode::NoKey);
  Relay relay(o);
  relay.handle(relay::Received{Leg::Client, s.welcome, 0});
  relay.handle(relay::Received{Leg::Server, s.server_welcome, 0});
  if (mode == Mode::Reencoded) relay.handle(relay::Inject{Leg::Server, "A", 0});
  std::size_t shows = 0, sent = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (const std::string& r : s.reads)
    for (const relay::Command& c : relay.handle(relay::Received{Leg::Client, r, 0})) {
      if (auto* x = std::get_if<relay::Send>(&c)) sent += x->bytes.size();
      shows += std::holds_alternative<relay::Show>(c);
    }
  double t = since(t0);
  if (shows != s.lines || sent < s.bytes) std::fprintf(stderr, "relay: %zu shows, %zu bytes sent\n", shows, sent);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t lines = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 300000;
  const Session s = make_session(lines);
  if (argc > 2) {
    const std::string only = argv[2];
    double t = only == "decode"       ? decode_only(s)
               : only == "untouched"  ? through_relay(s, Mode::Untouched)
               : only == "re-encoded" ? through_relay(s, Mode::Reencoded)
               : only == "no-key"     ? through_relay(s, Mode::NoKey)
                                      : -1;
    if (t < 0) {
      std::fprintf(stderr, "ovms-bench-relay: unknown mode '%s' (decode, untouched, re-encoded, no-key)\n", argv[2]);
      return 2;
    }
    std::printf("%s: %.3f s, %.0f lines/s\n", argv[2], t, s.lines / t);
    return 0;
  }
  std::printf("%zu car lines, %.1f MB, in %zu reads of 1460 bytes (best of 3)\n", s.lines, s.bytes / 1e6, s.reads.size());
  struct Row { const char* name; double seconds; } rows[] = {
      {"decode (one ConnectionDecoder)", 1e9}, {"relay, untouched", 1e9}, {"relay, re-encoded", 1e9}, {"relay, no key", 1e9}};
  for (int round = 0; round < 3; ++round) {
    rows[0].seconds = std::min(rows[0].seconds, decode_only(s));
    rows[1].seconds = std::min(rows[1].seconds, through_relay(s, Mode::Untouched));
    rows[2].seconds = std::min(rows[2].seconds, through_relay(s, Mode::Reencoded));
    rows[3].seconds = std::min(rows[3].seconds, through_relay(s, Mode::NoKey));
  }
  std::printf("%-32s %10s %12s %8s %10s\n", "", "seconds", "lines/s", "MB/s", "× decode");
  for (const Row& r : rows)
    std::printf("%-32s %10.3f %12.0f %8.1f %10.2f\n", r.name, r.seconds, s.lines / r.seconds, s.bytes / 1e6 / r.seconds,
                r.seconds / rows[0].seconds);
  return 0;
}
