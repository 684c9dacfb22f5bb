// The line encoder: the PROTOCOL.md §10 vectors encoded (what protocol_vectors_test decodes), line
// ends, scheme 1, WebSocket frames read back by the core's Framer, the paranoid EM envelope through
// the decoder, and many lines through encoder -> Framer -> decoder.
#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

#include "ovms/framer.h"
#include "ovms/line_encoder.h"
#include "ovms/welcome_lines.h"
#include "test_support.h"

using namespace ovms;
using namespace ovms::test;

namespace {

const char kSecret[] = "TestPass123";
const char kVehicle[] = "DEMO1";
const char kCarToken[] = "CarToken0123456789+/ab";
const char kServerToken[] = "SrvToken9876543210/+yz";
const char kModulePassword[] = "ModulePw42";
const char kPtoken[] = "ParanoidTok00000000+/Q";

Bytes v5_session_key() { return session_key(kSecret, kServerToken, kCarToken); }

LineEncoder session_encoder(LineFraming framing = LineFraming::crlf(), LineEncoder::MaskSource masks = {}) {
  LineEncoder e(framing, std::move(masks));
  e.start_scheme0(v5_session_key());
  return e;
}

// Masking keys handed out in turn, counting how many were asked for.
struct Masks {
  std::vector<MaskKey> keys{{0x12, 0x34, 0x56, 0x78}, {0xde, 0xad, 0xbe, 0xef}, {0x00, 0xff, 0x00, 0xff}};
  std::size_t drawn = 0;
  LineEncoder::MaskSource source() {
    return [this] { return keys[drawn++ % keys.size()]; };
  }
};

struct Reframed {
  std::string text;
  LineFraming framing;
  bool unterminated = false;
  std::string error;
};

// Reads bytes back with the core's Framer (from a WebSocket upgrade on, when `websocket`).
std::vector<Reframed> reframe(const std::string& bytes, bool websocket) {
  Framer f;
  if (websocket) f.start_websocket(false);
  std::vector<Reframed> out;
  auto cb = [&](const FramedLine& l) { out.push_back({std::string(l.text), framing_of(l), l.unterminated, l.error}); };
  f.feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), cb);
  f.finish(cb);
  return out;
}

KeyStore demo_keys() {
  KeyStore k;
  VehicleKey v;
  v.id = kVehicle;
  v.server_password = kSecret;
  v.module_password = kModulePassword;
  k.add_vehicle(v);
  k.add_account(Account{"alice", "s3cret", 0});
  return k;
}

}  // namespace

TEST(LineEncoderVectors, V3V4V8WelcomeLines) {
  EXPECT_EQ(client_welcome_line('C', kCarToken, kSecret, kVehicle),
            "MP-C 0 CarToken0123456789+/ab Y1YmOSd32yqAGiDKPtzNgw== DEMO1");
  EXPECT_EQ(server_welcome_line(kServerToken, kSecret), "MP-S 0 SrvToken9876543210/+yz DtxHZAmAuwDBSXQSodUTyg==");
  EXPECT_EQ(client_welcome_line('A', "AppToken5555555555abcd", kSecret, kVehicle),
            "MP-A 0 AppToken5555555555abcd Qwa+lpDUeNakRcLBav3vfg== DEMO1");
  EXPECT_EQ(server_welcome_line("Srv2Tokenzzzzzzzzzz0+/", kSecret),
            "MP-S 0 Srv2Tokenzzzzzzzzzz0+/ UBsy/HFW9/2C6lqUlR0XQQ==");
  // iOS adds its car image name after the vehicle id.
  EXPECT_EQ(client_welcome_line('A', "AppToken5555555555abcd", kSecret, kVehicle, "car.png"),
            "MP-A 0 AppToken5555555555abcd Qwa+lpDUeNakRcLBav3vfg== DEMO1 car.png");
  LineEncoder plain;
  EXPECT_EQ(plain.encode_plain(server_welcome_line(kServerToken, kSecret)),
            "MP-S 0 SrvToken9876543210/+yz DtxHZAmAuwDBSXQSodUTyg==\r\n");
}

TEST(LineEncoderVectors, V6V7EachDirectionIsOneKeystream) {
  LineEncoder up = session_encoder(), down = session_encoder();
  EXPECT_EQ(up.encode("A"), "GI6gEbxE\r\n");
  EXPECT_EQ(up.encode("S80.0,K,0,0.00,stopped,standard,250,230"),
            "G6I0GGr+Mz6dxanrt+UX4hsGpd93TYXbL67WE3xxtcUhS4/XiTY2P0v+tWM=\r\n");
  EXPECT_EQ(down.encode("Z0"), "GI6gEbxfZg==\r\n");
  EXPECT_EQ(down.encode("a"), "v0kFeo1q\r\n");
  // The second line only comes out right from the state the first one left.
  EXPECT_NE(session_encoder().encode("S80.0,K,0,0.00,stopped,standard,250,230"),
            "G6I0GGr+Mz6dxanrt+UX4hsGpd93TYXbL67WE3xxtcUhS4/XiTY2P0v+tWM=\r\n");
  EXPECT_EQ(up.cipher()->rc4().offset(), 6u + 44u);
}

TEST(LineEncoderVectors, V8AppSession) {
  const Bytes key = session_key(kSecret, "Srv2Tokenzzzzzzzzzz0+/", "AppToken5555555555abcd");
  LineEncoder app, server;
  app.start_scheme0(key);
  server.start_scheme0(key);
  EXPECT_EQ(app.encode("C3"), "AThiqkz1uA==\r\n");
  EXPECT_EQ(server.encode("Z1"), "AThiqkzsug==\r\n");
}

TEST(LineEncoderVectors, V9ParanoidAndV10Truncated) {
  const Bytes pkey = paranoid_key(kModulePassword, kPtoken);
  EXPECT_EQ(paranoid_envelope(pkey, "S80.0,K,0,0.00,stopped"), "EMSHIoOTuVOQC1BW8V+0Fmc36rJkNBj");
  EXPECT_EQ(paranoid_envelope(pkey, "S80.0,K,0,0.00,stopped", true), "EMSHIoOTuVOQC1BW8V+0Fm");
  for (bool truncated : {false, true}) {
    LineEncoder car = session_encoder();
    EXPECT_EQ(car.encode(std::string("ET") + kPtoken), "GI6gEbxAAqJ4WivDZGfXoerLq+UL4gUGpcMvFrs=\r\n");
    EXPECT_EQ(car.encode(paranoid_envelope(pkey, "S80.0,K,0,0.00,stopped", truncated)),
              truncated ? "5g/mgh9KSIfjDEWy59BSTF4k/cQEw+9I6Eux\r\n"
                        : "5g/mgh9KSIfjDEWy59BSTF4k/cQEw+9I6EuxReG7G0dFko72\r\n");
  }
}

TEST(LineEncoderVectors, V11AutoProvisioningLines) {
  const char iccid[] = "8944500102198304826", stoken[] = "APtoken1234567890abcdE";
  const char plain[] = "- - - - ovms.example.com internet.apn - - DEMO1 TestPass123";
  EXPECT_EQ(ap_request_line("WVWZZZ1KZ0W000001"), "AP-C 0 WVWZZZ1KZ0W000001");
  EXPECT_EQ(ap_reply_line(stoken, welcome_digest(iccid, stoken, false), ap_encrypt_record(iccid, stoken, plain)),
            "AP-S 0 APtoken1234567890abcdE QmKLyJKwt7dr0Ju2LF1R+g "
            "TZA2lXWvejqLLgc1LZggmLaHaERyD58FaxhhlYV9tRgD8hq0V/Lyj+IeCeJgORUH1tkeRiVQX6xAOAQ=");
  EXPECT_EQ(ap_refusal_line(), "AP-X");
}

TEST(LineEncoderVectors, V12SchemeOneIsPlainTextWithoutPrefix) {
  EXPECT_EQ(client_account_welcome_line('A', "alice", "s3cret", kVehicle), "MP-A 1 alice s3cret DEMO1");
  EXPECT_EQ(client_account_welcome_line('B', "alice", "s3cret", "*"), "MP-B 1 alice s3cret *");
  EXPECT_EQ(server_account_welcome_line("alice", kVehicle, {"DEMO1", "DEMO2"}), "MP-S 1 alice DEMO1 DEMO1 DEMO2");
  LineEncoder server, app;
  server.start_scheme1();
  app.start_scheme1();
  EXPECT_EQ(server.scheme(), 1);
  EXPECT_EQ(server.cipher(), nullptr);
  EXPECT_EQ(server.encode("Z1"), "Z1\r\n");
  EXPECT_EQ(server.encode("T42"), "T42\r\n");
  EXPECT_EQ(app.encode("C1"), "C1\r\n");
  EXPECT_EQ(server.encode("c1,0,31,32,0"), "c1,0,31,32,0\r\n");
}

TEST(LineEncoder, LineEndsCrlfOrLfChangeFromTheNextLineOn) {
  LineEncoder android = session_encoder(LineFraming::lf());
  EXPECT_EQ(android.encode("A"), "GI6gEbxE\n");
  android.set_framing(LineFraming::crlf());  // the keystream goes on; only the line end changes
  EXPECT_EQ(android.encode("S80.0,K,0,0.00,stopped,standard,250,230"),
            "G6I0GGr+Mz6dxanrt+UX4hsGpd93TYXbL67WE3xxtcUhS4/XiTY2P0v+tWM=\r\n");
  LineEncoder plain(LineFraming::lf());
  EXPECT_EQ(plain.encode_plain("MP-A 0 t d DEMO1"), "MP-A 0 t d DEMO1\n");
  std::vector<Reframed> back = reframe("GI6gEbxE\n" + session_encoder().encode("A"), false);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].framing, LineFraming::lf());
  EXPECT_EQ(back[1].framing, LineFraming::crlf());
  EXPECT_EQ(back[1].text, "GI6gEbxE");
}

TEST(LineEncoder, MessageBeforeTheSessionIsAnErrorAndWelcomesArePlain) {
  LineEncoder e;
  EXPECT_EQ(e.scheme(), -1);
  EXPECT_THROW(e.encode("A"), std::logic_error);
  EXPECT_EQ(e.encode_plain("AP-X"), "AP-X\r\n");
  e.start_scheme0(v5_session_key());
  EXPECT_EQ(e.encode("A"), "GI6gEbxE\r\n");  // the failed call used no keystream
}

TEST(LineEncoder, ContinuesACipherItIsGiven) {
  // A proxy leg whose state is already past some lines (or branched off a decoder's) goes on from it.
  LineCipher advanced(v5_session_key());
  advanced.encrypt("MP-0 A");
  LineEncoder e;
  e.start_scheme0(advanced);
  EXPECT_EQ(e.encode("S80.0,K,0,0.00,stopped,standard,250,230"),
            "G6I0GGr+Mz6dxanrt+UX4hsGpd93TYXbL67WE3xxtcUhS4/XiTY2P0v+tWM=\r\n");
  LineEncoder copy = e;  // a copy continues the same keystream independently
  EXPECT_EQ(copy.encode("Z0"), e.encode("Z0"));
}

TEST(LineEncoder, MessageTextLengthIsTheEncodedLength) {
  for (std::size_t n = 0; n < 200; ++n) {
    LineEncoder s0 = session_encoder(), s1;
    s1.start_scheme1();
    std::string body(n, 'x');
    EXPECT_EQ(s0.encode(body).size(), message_text_length(0, n) + 2) << n;
    EXPECT_EQ(s1.encode(body).size(), message_text_length(1, n) + 2) << n;
  }
}

TEST(LineEncoderWebSocket, ServerFramesAreUnmasked) {
  LineEncoder server = session_encoder(LineFraming::websocket_server());
  std::string f = server.encode("Z0");
  ASSERT_EQ(f.size(), 2u + 12u);
  EXPECT_EQ(static_cast<uint8_t>(f[0]), 0x81);  // FIN, text
  EXPECT_EQ(static_cast<uint8_t>(f[1]), 12);    // no mask bit, 7-bit length
  EXPECT_EQ(f.substr(2), "GI6gEbxfZg==");       // no line end inside the frame
  std::vector<Reframed> back = reframe(f + server.encode_plain("AP-X"), true);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].text, "GI6gEbxfZg==");
  EXPECT_EQ(back[0].framing, LineFraming::websocket_server());
  EXPECT_EQ(back[1].text, "AP-X");
}

TEST(LineEncoderWebSocket, ClientFramesAreMaskedWithAFreshCallerKeyEach) {
  Masks masks;
  LineEncoder client(LineFraming::websocket_client(), masks.source());
  const std::string welcome = client_welcome_line('A', kCarToken, kSecret, kVehicle);
  std::string stream = client.encode_plain(welcome);
  client.start_scheme0(v5_session_key());
  const std::string first = client.encode("A");
  stream += first;
  EXPECT_EQ(masks.drawn, 2u);
  EXPECT_EQ(static_cast<uint8_t>(first[1]), 0x80 | 8);  // mask bit, "GI6gEbxE"
  EXPECT_EQ(first.substr(2, 4), std::string("\xde\xad\xbe\xef", 4));
  for (std::size_t i = 0; i < 8; ++i)
    EXPECT_EQ(static_cast<uint8_t>(first[6 + i]), static_cast<uint8_t>("GI6gEbxE"[i]) ^ masks.keys[1][i & 3]);
  std::vector<Reframed> back = reframe(stream, true);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].text, welcome);
  EXPECT_EQ(back[0].framing, LineFraming::websocket_client());
  EXPECT_EQ(back[1].text, "GI6gEbxE");
}

TEST(LineEncoderWebSocket, SevenSixteenAndSixtyFourBitLengths) {
  const MaskKey key{9, 8, 7, 6};
  struct Case { std::size_t len; std::size_t header; };
  for (Case c : {Case{0, 2}, Case{125, 2}, Case{126, 4}, Case{65535, 4}, Case{65536, 10}, Case{70001, 10}}) {
    std::string payload;
    for (std::size_t i = 0; i < c.len; ++i) payload += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64];
    for (bool masked : {false, true}) {
      std::string f = websocket_text_frame(payload, masked ? &key : nullptr);
      ASSERT_EQ(f.size(), c.header + (masked ? 4 : 0) + c.len) << c.len;
      uint64_t len = static_cast<uint8_t>(f[1]) & 0x7f;
      if (c.header == 4) {
        EXPECT_EQ(len, 126u);
        len = (uint64_t(uint8_t(f[2])) << 8) | uint8_t(f[3]);
      } else if (c.header == 10) {
        EXPECT_EQ(len, 127u);
        len = 0;
        for (int k = 0; k < 8; ++k) len = (len << 8) | uint8_t(f[2 + k]);
      }
      EXPECT_EQ(len, c.len);
      EXPECT_EQ((static_cast<uint8_t>(f[1]) & 0x80) != 0, masked);
      std::vector<Reframed> back = reframe(f, true);
      ASSERT_EQ(back.size(), 1u) << c.len;
      EXPECT_TRUE(back[0].error.empty()) << back[0].error;
      EXPECT_EQ(back[0].text, payload) << c.len << " masked=" << masked;
      EXPECT_EQ(back[0].framing.masked, masked);
    }
  }
}

TEST(LineEncoderWebSocket, MaskedFramingNeedsAMaskSource) {
  EXPECT_THROW(LineEncoder{LineFraming::websocket_client()}, std::invalid_argument);
  LineEncoder e;
  EXPECT_THROW(e.set_framing(LineFraming::websocket_client()), std::invalid_argument);
  EXPECT_EQ(e.framing(), LineFraming::crlf());  // unchanged by the refused call
}

TEST(LineEncoder, FramingOfADecodedLineSendsItOnAsItCame) {
  // What a relay does with lines it does not change: the same bytes out as came in.
  const std::string tcp = "MP-A 0 tok dig DEMO1\r\nGI6gEbxE\nthr\ree\r\n\nlast\r\n";
  std::string again;
  Framer f;
  LineEncoder out;
  f.feed(reinterpret_cast<const uint8_t*>(tcp.data()), tcp.size(), [&](const FramedLine& l) {
    out.set_framing(framing_of(l));
    out.encode_plain_to(again, l.text);
  });
  EXPECT_EQ(again, tcp);

  Masks masks;
  const MaskKey key{1, 2, 3, 4};
  const std::string ws = websocket_text_frame("from the client", &key) + websocket_text_frame("from the server");
  std::vector<LineFraming> seen;
  for (const Reframed& r : reframe(ws, true)) seen.push_back(r.framing);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], LineFraming::websocket_client());
  EXPECT_EQ(seen[1], LineFraming::websocket_server());
  LineEncoder relay(seen[0], masks.source());  // masked again, with the relay's own key
  EXPECT_EQ(reframe(relay.encode_plain("from the client"), true)[0].framing, seen[0]);
}

TEST(LineEncoderParanoid, CodesThatAreNeverWrapped) {
  for (char c : {'E', 'A', 'a', 'g', 'P'}) EXPECT_FALSE(paranoid_wraps(c)) << c;
  for (char c : {'S', 'D', 'L', 'F', 'W', 'Y', 'X', 'h', 'c', 'C'}) EXPECT_TRUE(paranoid_wraps(c)) << c;
  EXPECT_THROW(paranoid_envelope(paranoid_key(kModulePassword, kPtoken), ""), std::invalid_argument);
}

// A paranoid car's lines through the decoder, then an edited inner message re-wrapped with a fresh
// paranoid cipher and re-encoded on a second leg, as the proxy does (PROTOCOL.md §11).
TEST(LineEncoderParanoid, EnvelopeRoundTripAndReWrapOnAnotherLeg) {
  const Bytes pkey = paranoid_key(kModulePassword, kPtoken);
  KeyStore keys = demo_keys();
  auto login = [&](ConnectionDecoder& d, Collect& sink) {
    LineEncoder plain;
    feed(d, Direction::ClientToServer, plain.encode_plain(client_welcome_line('C', kCarToken, kSecret, kVehicle)), sink);
    feed(d, Direction::ServerToClient, plain.encode_plain(server_welcome_line(kServerToken, kSecret)), sink);
  };
  Collect from_car;
  ConnectionDecoder car_leg(0, &keys, nullptr);
  login(car_leg, from_car);
  LineEncoder car = session_encoder();
  feed(car_leg, Direction::ClientToServer, car.encode(std::string("ET") + kPtoken), from_car);
  feed(car_leg, Direction::ClientToServer, car.encode(paranoid_envelope(pkey, "S80.0,K,0,0.00,stopped")), from_car);
  feed(car_leg, Direction::ClientToServer, car.encode(paranoid_envelope(pkey, "D95,0,5,3,14,0", true)), from_car);
  ASSERT_EQ(from_car.records.size(), 5u);
  const LineRecord& em = from_car.records[3];
  ASSERT_TRUE(em.inner);
  EXPECT_EQ(em.inner->plain, "MP-0 S80.0,K,0,0.00,stopped");
  EXPECT_FALSE(em.inner->truncated);
  ASSERT_TRUE(from_car.records[4].inner);
  EXPECT_TRUE(from_car.records[4].inner->truncated);
  EXPECT_EQ(from_car.records[4].inner->msg.code, 'D');

  // The relay edits the inner message and sends it on with its own state on the server leg.
  std::string edited = em.inner->plain.substr(kMsgPrefix.size());
  edited.replace(1, 4, "12.5");
  Collect at_server;
  ConnectionDecoder server_leg(1, &keys, nullptr);
  login(server_leg, at_server);
  LineEncoder toward_server = session_encoder();
  feed(server_leg, Direction::ClientToServer, toward_server.encode(std::string("ET") + kPtoken), at_server);
  feed(server_leg, Direction::ClientToServer, toward_server.encode(paranoid_envelope(pkey, edited)), at_server);
  ASSERT_EQ(at_server.records.size(), 4u);
  ASSERT_TRUE(at_server.records[3].inner);
  EXPECT_EQ(at_server.records[3].inner->plain, "MP-0 S12.5,K,0,0.00,stopped");
  EXPECT_DOUBLE_EQ(at_server.records[3].inner->msg.field("soc")->f, 12.5);
}

// Many lines of both directions through encoder -> Framer -> decoder, fed in random pieces: every
// line comes back as it was sent, for CRLF, LF, WebSocket (7-, 16- and 64-bit lengths) and scheme 1.
TEST(LineEncoderRoundTrip, ManyLinesThroughFramerAndDecoder) {
  enum class Variant { Crlf, AndroidLf, WebSocket, SchemeOne };
  for (Variant v : {Variant::Crlf, Variant::AndroidLf, Variant::WebSocket, Variant::SchemeOne}) {
    SCOPED_TRACE(static_cast<int>(v));
    std::mt19937 rng(42);
    KeyStore keys = demo_keys();
    Masks masks;
    const bool ws = v == Variant::WebSocket;
    LineEncoder up(ws ? LineFraming::crlf() : v == Variant::AndroidLf ? LineFraming::lf() : LineFraming::crlf(),
                   masks.source());
    LineEncoder down;
    // The opening goes in the order the peers send it; the messages after it in random pieces.
    std::vector<std::pair<Direction, std::string>> opening;
    if (ws) {
      opening.push_back({Direction::ClientToServer,
                         "GET /apiv2 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"});
      opening.push_back({Direction::ServerToClient,
                         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"});
      up.set_framing(LineFraming::websocket_client());
      down.set_framing(LineFraming::websocket_server());
    }
    if (v == Variant::SchemeOne) {
      opening.push_back({Direction::ClientToServer,
                         up.encode_plain(client_account_welcome_line('A', "alice", "s3cret", kVehicle))});
      opening.push_back({Direction::ServerToClient,
                         down.encode_plain(server_account_welcome_line("alice", kVehicle, {kVehicle}))});
      up.start_scheme1();
      down.start_scheme1();
    } else {
      opening.push_back({Direction::ClientToServer, up.encode_plain(client_welcome_line('A', kCarToken, kSecret, kVehicle))});
      opening.push_back({Direction::ServerToClient, down.encode_plain(server_welcome_line(kServerToken, kSecret))});
      up.start_scheme0(v5_session_key());
      down.start_scheme0(v5_session_key());
    }
    std::string stream[2];
    std::vector<std::string> sent[2];
    const std::string codes = "SDLFWYXZTAahPp";
    for (int i = 0; i < 600; ++i) {
      int dir = static_cast<int>(rng() % 2);
      std::size_t len = rng() % 8 == 0 ? 100 + rng() % 400 : rng() % 60;  // some beyond a 7-bit frame length
      if (ws && i == 300) len = 70000;                                   // one beyond a 16-bit frame length
      std::string body(1, codes[rng() % codes.size()]);
      for (std::size_t k = 0; k < len; ++k) body += static_cast<char>(' ' + rng() % 95);
      if (v != Variant::SchemeOne && i % 7 == 3) body += "\rmore";  // the car's mp_encoded CR is data
      (dir == 0 ? up : down).encode_to(stream[dir], body);
      sent[dir].push_back(body);
    }
    Collect sink;
    ConnectionDecoder d(0, &keys, nullptr);
    for (const auto& [dir, bytes] : opening) feed(d, dir, bytes, sink);
    std::size_t at[2] = {0, 0};
    while (at[0] < stream[0].size() || at[1] < stream[1].size()) {
      int dir = at[0] >= stream[0].size() ? 1 : at[1] >= stream[1].size() ? 0 : static_cast<int>(rng() % 2);
      std::size_t n = std::min<std::size_t>(1 + rng() % 1500, stream[dir].size() - at[dir]);
      d.feed(static_cast<Direction>(dir), reinterpret_cast<const uint8_t*>(stream[dir].data()) + at[dir], n, 1, 0, sink);
      at[dir] += n;
    }
    d.finish(2, 0, sink);
    std::vector<std::string> got[2];
    for (const LineRecord& r : sink.records) {
      if (r.kind != LineKind::Message) continue;
      ASSERT_TRUE(r.plain) << r.wire.substr(0, 40);
      got[static_cast<int>(r.dir)].push_back(r.plain->substr(static_cast<std::size_t>(r.body_offset)));
    }
    for (int dir : {0, 1}) {
      ASSERT_EQ(got[dir].size(), sent[dir].size()) << "direction " << dir;
      for (std::size_t i = 0; i < sent[dir].size(); ++i) ASSERT_EQ(got[dir][i], sent[dir][i]) << dir << " line " << i;
    }
  }
}
