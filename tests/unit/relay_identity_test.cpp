// The relay untouched: every byte each side sends reaches the other side exactly as it was sent, over
// a long session in both directions, for every framing a real peer uses (CRLF, Android's LF, the
// WebSocket variant with masked client frames, scheme 1), cut into random segments and into 1-byte
// segments; every line is shown, decoded as it arrived.
#include <random>

#include "relay_playbook.h"

using namespace ovms;
using namespace ovms::test;

namespace {

// What a v3 car and the server say in a session (the shapes of PROTOCOL.md §4.4 and §4.5).
const char* const kCarLines[] = {
    "S55.3,K,0,0.00,stopped,standard,186,172,0,0,0,0,13,0,0,0,0,0,0.00,0,0,0,0,0,0,-1,0,0,0.0,0,0,204,0,0",
    "D4,0,5,22,22,20,4562,0,32,0,12.7,0,0,1,0,0,-1,0,0,0,0",
    "L51.507800,-0.127600,90,31,1,1,0,0,0,0,0,0,0,0,0",
    "F3.4.0/ota_0/main,VF1AGVYA012345678,5,0,RT,,-1,-1,WiFi",
    "W30,1,30,1,30,1,30,1,-1,-1",
    "Y4,5,-1,-1,0.0,3.65,3.70",
    "A",
    "c7,0,OVMS# stat\rNot charging\rSOC: 55.3%",
    "PIVehicle locked",
};
const char* const kServerLines[] = {"Z1", "T0", "a", "C7,stat", "C1", "Z0", "T120"};

// Sends `lines` from one side through the relay in random segments (several lines, or part of one,
// per read), taking the relay's commands without checking them: the test compares the bytes.
template <class Say>
void flood(Playbook& pb, Leg from, Say say, const std::vector<std::string>& bodies, std::mt19937& rng) {
  std::string pending;
  std::uniform_int_distribution<int> lines_per_read(1, 4), cut(1, 97);
  std::size_t i = 0;
  while (i < bodies.size() || !pending.empty()) {
    for (int k = lines_per_read(rng); k > 0 && i < bodies.size(); --k) pending += say(bodies[i++]);
    std::size_t n = std::min<std::size_t>(pending.size(), static_cast<std::size_t>(cut(rng)) * 7);
    if (i == bodies.size()) n = pending.size();
    pb >> (from == Leg::Client ? from_car(pending.substr(0, n)) : from_server(pending.substr(0, n)));
    pending.erase(0, n);
  }
}

std::vector<std::string> cycle(const char* const* table, std::size_t size, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.emplace_back(table[i % size]);
  return out;
}

// Runs 600 lines each way (interleaved in bursts) after the welcomes, then checks identity: both legs
// carry exactly what was sent, every line was shown once as it arrived and decrypted, no note, no hold.
void long_session(Playbook& pb, Peers& p, int expected_shows_before) {
  std::mt19937 rng(42);
  const auto car_bodies = cycle(kCarLines, std::size(kCarLines), 600);
  const auto server_bodies = cycle(kServerLines, std::size(kServerLines), 600);
  auto car = [&](const std::string& b) { return p.car_says(b); };
  auto server = [&](const std::string& b) { return p.server_says(b); };
  for (std::size_t burst = 0; burst < 600; burst += 50) {
    flood(pb, Leg::Client, car, {car_bodies.begin() + burst, car_bodies.begin() + burst + 50}, rng);
    flood(pb, Leg::Server, server, {server_bodies.begin() + burst, server_bodies.begin() + burst + 50}, rng);
  }
  std::vector<std::string> shown[2];
  int shows = 0;
  for (const Command& c : pb.take_all()) {
    ASSERT_FALSE(std::holds_alternative<relay::Note>(c)) << describe(c);
    ASSERT_FALSE(std::holds_alternative<relay::Hold>(c)) << describe(c);
    if (auto* s = std::get_if<relay::Show>(&c)) {
      ++shows;
      ASSERT_FALSE(s->changed || s->dropped || s->injected || s->to_proxy) << describe(c);
      ASSERT_TRUE(s->record->plain) << "a line the relay could not decrypt: " << describe(c);
      shown[static_cast<int>(s->from)].push_back(s->record->plain->substr(s->record->body_offset));
    }
  }
  EXPECT_EQ(shows, 1200 - expected_shows_before);
  EXPECT_EQ(pb.received[static_cast<int>(Leg::Server)], p.car_sent) << "the server did not get the car's bytes";
  EXPECT_EQ(pb.received[static_cast<int>(Leg::Client)], p.server_sent) << "the car did not get the server's bytes";
  EXPECT_EQ(shown[0].size(), 600u);
  EXPECT_EQ(shown[0].back(), car_bodies.back());
  EXPECT_EQ(shown[1].back(), server_bodies.back());
  Views v(p, pb);
  EXPECT_EQ(v.server_received(), car_bodies);
  std::vector<std::string> to_car{"Z0"};
  to_car.insert(to_car.end(), server_bodies.begin(), server_bodies.end());
  EXPECT_EQ(v.car_received(), to_car);
  EXPECT_EQ(pb.relay.state(), Relay::State::Encrypted);
}

}  // namespace

TEST(RelayIdentity, WelcomesPassUnchangedAndTheSessionStarts) {
  Peers p;
  Playbook pb(options_for(p));
  EXPECT_EQ(pb.relay.state(), Relay::State::Welcome);
  std::string w = p.welcome();
  pb >> from_car(w) << to_server(w) << show(LineKind::Welcome);
  EXPECT_EQ(pb.relay.vehicle(), "RELAY1");
  EXPECT_EQ(pb.relay.client_role(), Role::Car);
  // MP-S and the first encrypted line in one segment, as the server sends them (§2.2 step 7).
  std::string s = p.server_welcome(), z = p.server_says("Z0");
  pb >> from_server(s + z) << to_car(s) << show(LineKind::ServerWelcome) << to_car(z) << show('Z');
  EXPECT_EQ(pb.relay.state(), Relay::State::Encrypted);
  std::string line = p.car_says("S80.0,K,220,0,stopped,standard");
  pb >> from_car(line) << to_server(line) << show('S').received_as("S80.0,K,220,0,stopped,standard");
  // Both legs derived the key from the unchanged welcomes.
  EXPECT_EQ(pb.relay.decoder(Leg::Client).session_key(), session_key(p.secret, p.stoken, p.ctoken));
  EXPECT_EQ(pb.relay.decoder(Leg::Server).session_key(), pb.relay.decoder(Leg::Client).session_key());
}

TEST(RelayIdentity, LongSessionCrlfIsByteIdentical) {
  Peers p;
  Playbook pb(options_for(p));
  log_in(pb, p);
  long_session(pb, p, 0);
}

TEST(RelayIdentity, AndroidLfSenderKeepsItsLineEnds) {
  Peers p(LineFraming::lf(), LineFraming::crlf());
  p.type = 'A';
  Playbook pb(options_for(p));
  log_in(pb, p);
  EXPECT_EQ(pb.relay.client_role(), Role::App);
  long_session(pb, p, 0);
  EXPECT_EQ(p.car_sent.find("\r\n"), std::string::npos) << "the app side sends LF only";
}

TEST(RelayIdentity, WebSocketFramesPassUnchangedWithTheirMasks) {
  Peers p;
  Playbook pb(options_for(p));
  const std::string request = p.car_raw(
      "GET /apiv2 HTTP/1.1\r\nHost: ovms.example:6867\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  const std::string response = p.server_raw(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  pb >> from_car(request) << to_server(request) << show(LineKind::WebSocketUpgrade);
  pb >> from_server(response) << to_car(response) << show(LineKind::WebSocketUpgrade);
  p.car.set_framing(LineFraming::websocket_client());
  p.server.set_framing(LineFraming::websocket_server());
  log_in(pb, p);
  long_session(pb, p, 0);
  // The client's frames are masked, each with its own key, and arrive as they were masked.
  EXPECT_EQ(static_cast<uint8_t>(p.car_sent[request.size() + 1]) & 0x80, 0x80);
}

TEST(RelayIdentity, SchemeOnePlainLinesPassUnchanged) {
  Peers p;
  p.type = 'A';
  Playbook pb(options_for(p));
  std::string w = p.account_welcome();
  pb >> from_car(w) << to_server(w) << show(LineKind::Welcome);
  std::string s = p.account_server_welcome(), z = p.server_says("Z1");
  pb >> from_server(s + z) << to_car(s) << show(LineKind::ServerWelcome) << to_car(z) << show('Z');
  EXPECT_EQ(pb.relay.state(), Relay::State::LoggedIn);
  EXPECT_EQ(z, "Z1\r\n") << "scheme 1 has no MP-0 and no cipher";
  std::mt19937 rng(7);
  const auto bodies = cycle(kCarLines, std::size(kCarLines), 300);
  flood(pb, Leg::Client, [&](const std::string& b) { return p.car_says(b); }, bodies, rng);
  int shows = 0;
  for (const Command& c : pb.take_all()) shows += std::holds_alternative<relay::Show>(c);
  EXPECT_EQ(shows, 300);
  EXPECT_EQ(pb.received[static_cast<int>(Leg::Server)], p.car_sent);
  Views v(p, pb);
  EXPECT_EQ(v.server_received(), bodies);
}

TEST(RelayIdentity, OneByteSegmentsMakeTheSameLines) {
  Peers p;
  Playbook pb(options_for(p));
  std::string w = p.welcome();
  for (char c : w) pb >> from_car(std::string(1, c));
  pb << to_server(w) << show(LineKind::Welcome);  // a line goes on once it is whole
  std::string s = p.server_welcome();
  s += p.server_says("Z0");
  s += p.server_says("T0");
  for (char c : s) pb >> from_server(std::string(1, c));
  pb << to_car_any() << show(LineKind::ServerWelcome) << to_car_any() << show('Z') << to_car_any() << show('T');
  std::string lines;
  for (const char* body : kCarLines) lines += p.car_says(body);
  for (char c : lines) pb >> from_car(std::string(1, c));
  for (const char* body : kCarLines) pb << to_server_any() << show(body[0]);
  EXPECT_EQ(pb.received[static_cast<int>(Leg::Server)], p.car_sent);
  EXPECT_EQ(pb.received[static_cast<int>(Leg::Client)], p.server_sent);
  EXPECT_EQ(pb.relay.buffered(Leg::Client), 0u);
}

TEST(RelayIdentity, LineSplitInsideItsLineEnd) {
  Peers p;
  Playbook pb(options_for(p));
  log_in(pb, p);
  std::string line = p.car_says("D4,0,5,22,22,20,4562");
  std::string head = line.substr(0, line.size() - 1);  // everything up to the LF: the CR is not yet a line end
  pb >> from_car(head);
  EXPECT_EQ(pb.relay.buffered(Leg::Client), head.size());
  pb >> from_car("\n") << to_server(line) << show('D');
}

namespace {

// A masked client frame (RFC 6455 §5.2) with a short payload.
std::string masked_frame(uint8_t first_byte, std::string_view payload, MaskKey mask) {
  std::string f;
  f += static_cast<char>(first_byte);
  f += static_cast<char>(0x80 | payload.size());
  f.append(reinterpret_cast<const char*>(mask.data()), 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ mask[i & 3]);
  return f;
}

// The text of a short masked frame.
std::string unmasked_payload(const std::string& frame) {
  std::string text = frame.substr(6);
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(text[i] ^ frame[2 + (i & 3)]);
  return text;
}

}  // namespace

TEST(RelayIdentity, WebSocketPingsAndFragmentsPassAsTheyCame) {
  Peers p;
  Playbook pb(options_for(p));
  const std::string request = p.car_raw("GET /apiv2/ HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
  const std::string response = p.server_raw("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
  pb >> from_car(request) << to_server(request) << show(LineKind::WebSocketUpgrade);
  pb >> from_server(response) << to_car(response) << show(LineKind::WebSocketUpgrade);
  p.car.set_framing(LineFraming::websocket_client());
  p.server.set_framing(LineFraming::websocket_server());
  log_in(pb, p);
  // A ping between lines goes on by itself, as it came, with no line to show.
  const std::string ping = masked_frame(0x89, "hi", {1, 2, 3, 4});
  pb >> from_car(p.car_raw(ping)) << to_server(ping);
  // A line in two fragments is one line, and goes on as its two frames.
  const std::string text = unmasked_payload(p.car.encode(kCarLines[1]));  // the car's keystream moved on
  const std::string fragments = masked_frame(0x01, text.substr(0, 20), {9, 8, 7, 6}) +
                                masked_frame(0x80, text.substr(20), {5, 4, 3, 2});
  pb >> from_car(p.car_raw(fragments)) << to_server(fragments) << show('D').received_as(kCarLines[1]);
  EXPECT_EQ(pb.received[static_cast<int>(Leg::Server)], p.car_sent);
}

TEST(RelayIdentity, LinesGoOnAsTheyCameNotAsTheRelayWouldWriteThem) {
  Peers p;
  Playbook pb(options_for(p));
  log_in(pb, p);
  // Unpadded base64 decodes (the server accepts it); re-encoding would pad it. It goes on as it came.
  std::string line = p.car_says("S80.5,K,220");  // "MP-0 S80.5,K,220" is 16 bytes: one '=' of padding
  ASSERT_EQ(line.substr(line.size() - 3), "=\r\n");
  std::string unpadded = line.substr(0, line.size() - 3) + "\r\n";
  pb >> from_car(unpadded) << to_server(unpadded) << show('S').received_as("S80.5,K,220");
  // A line that does not decrypt at all goes on as it came too (its receiver will say what it is).
  std::string junk = "!!not base64!!\r\n";
  pb >> from_car(junk) << to_server(junk) << show_undecrypted();
}

TEST(RelayIdentity, AnUndecryptableLineAfterAChangeIsPassedOnWithANote) {
  Peers p;
  RelayOptions o = options_for(p);
  o.intercept = [](const LineRecord& r, Leg) { return r.effective().code == 'S'; };
  Playbook pb(o);
  log_in(pb, p);
  pb >> from_car(p.car_says("S1")) << hold('S') >> drop() << show('S').dropped();
  std::string junk = "!!not base64!!\r\n";
  pb >> from_car(junk) << to_server(junk) << note(DiagId::RelayNotReencoded, "out of step") << show_undecrypted();
}
