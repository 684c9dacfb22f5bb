// The connection decoder on scripted conversations: keys right, wrong and missing; framing; damage.
#include <gtest/gtest.h>

#include "test_support.h"

using namespace ovms;
using namespace ovms::test;

namespace {
const Direction C2S = Direction::ClientToServer;
const Direction S2C = Direction::ServerToClient;
}  // namespace

TEST(Connection, RightKeyDecryptsBothDirections) {
  Conversation c;
  KeyStore keys = keys_for("demo", c.secret);  // vehicle ids match case-insensitively
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed(d, C2S, c.welcome() + "\r\n", sink);
  feed(d, S2C, c.server_welcome() + "\r\n" + c.down.encrypt("MP-0 Z0") + "\r\n", sink);
  feed(d, C2S, c.up.encrypt("MP-0 S55.5,K,230,16.00,charging,standard,300,280") + "\r\n", sink);
  ASSERT_EQ(sink.records.size(), 4u);
  EXPECT_EQ(sink.records[2].plain.value_or("<not decrypted>"), "MP-0 Z0");
  EXPECT_EQ(sink.records[3].msg.field("charge_state")->text, "charging");
  EXPECT_TRUE(d.keys().report_unused().empty());  // the key verified this connection
}

TEST(Connection, WrongSecretIsFlaggedAndNothingDecrypts) {
  Conversation c;
  KeyStore keys = keys_for("DEMO", "not-the-secret");
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed(d, C2S, c.welcome() + "\r\n", sink);
  feed(d, S2C, c.server_welcome() + "\r\n" + c.down.encrypt("MP-0 Z0") + "\r\n", sink);
  ASSERT_EQ(sink.records.size(), 3u);
  EXPECT_TRUE(has_diag(sink.records[0], DiagId::DigestMismatch));
  EXPECT_FALSE(sink.records[0].handshake->ok);
  EXPECT_FALSE(sink.records[2].plain);
  EXPECT_TRUE(has_diag(sink.records[2], DiagId::NotDecrypted));
  // At the end, the key is not "unused": it matched the vehicle, with a wrong secret.
  auto report = d.keys().report_unused();
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].id, DiagId::KeyWrongSecret);
  EXPECT_NE(report[0].message.find("'DEMO' (line 2) matched connection #0"), std::string::npos) << report[0].message;
}

TEST(Connection, MissingKeyIsFlagged) {
  Conversation c;
  KeyStore keys = keys_for("OTHER", "something-else");
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed(d, C2S, c.welcome() + "\r\n", sink);
  EXPECT_TRUE(has_diag(sink.records[0], DiagId::KeyMissing));
  auto report = d.keys().report_unused();
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].id, DiagId::KeyUnused);
}

TEST(Connection, SecretFoundByDigestUnderAnotherId) {
  Conversation c;
  KeyStore keys = keys_for("RENAMED", c.secret);
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed(d, C2S, c.welcome() + "\r\n", sink);
  feed(d, S2C, c.server_welcome() + "\r\n" + c.down.encrypt("MP-0 Z1") + "\r\n", sink);
  EXPECT_TRUE(has_diag(sink.records[0], DiagId::KeyFoundByDigest));
  EXPECT_EQ(sink.records[0].handshake->key_source, KeySource::DigestSearch);
  EXPECT_EQ(sink.records[2].plain.value_or("<not decrypted>"), "MP-0 Z1");
}

TEST(Connection, LongSecretOver64Bytes) {
  Conversation c(std::string(100, 'k'));
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed(d, C2S, c.welcome() + "\r\n", sink);
  feed(d, S2C, c.server_welcome() + "\r\n" + c.down.encrypt("MP-0 Z0") + "\r\n", sink);
  EXPECT_EQ(sink.records[2].plain.value_or("<not decrypted>"), "MP-0 Z0");
}

TEST(Connection, TokenReplayIsFlagged) {
  Conversation c("s3cret-pass", "ClientTok0123456789abcd");
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed(d, C2S, c.welcome() + "\r\n", sink);
  feed(d, S2C, c.server_welcome() + "\r\n", sink);
  EXPECT_TRUE(has_diag(sink.records[1], DiagId::TokenReplay));
}

TEST(Connection, UnpaddedDigestsAreAccepted) {
  Conversation c;
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  std::string w = "MP-C 0 " + c.ctoken + " " + welcome_digest(c.secret, c.ctoken, false) + " DEMO";
  feed(d, C2S, w + "\r\n", sink);
  EXPECT_TRUE(sink.records[0].handshake->ok);
}

TEST(Connection, BadPrefixAfterWrongLine) {
  LoggedIn s;
  Conversation& c = s.c;
  ConnectionDecoder& d = s.d;
  Collect& sink = s.sink;
  feed(d, C2S, c.up.encrypt("XX-0 hello") + "\r\n", sink);
  EXPECT_TRUE(has_diag(sink.records[2], DiagId::BadPrefix));
  EXPECT_FALSE(sink.records[2].plain);
}

TEST(Connection, FramingBareLfAndCrInsideLine) {
  Conversation c;
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed(d, C2S, c.welcome() + "\n", sink);  // Android: LF only
  feed(d, S2C, c.server_welcome() + "\r\n", sink);
  // A CR inside the plaintext is data (mp_encoded newlines), never a line end.
  feed(d, C2S, c.up.encrypt("MP-0 PIline one\rline two") + "\n", sink);
  ASSERT_EQ(sink.records.size(), 3u);
  EXPECT_TRUE(has_diag(sink.records[0], DiagId::LineBareLf));
  EXPECT_EQ(sink.records[2].msg.field("text")->text, "line one\rline two");
}

TEST(Connection, LinesSplitAcrossFeedsAndSeveralPerFeed) {
  Conversation c;
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  std::string all = c.welcome() + "\r\n";
  for (std::size_t i = 0; i < all.size(); ++i) feed(d, C2S, all.substr(i, 1), sink, i + 1);
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.records[0].frame, all.size());  // attributed to the frame that completed the line
  // Encrypt in order (the operands of + are evaluated in an unspecified order).
  std::string z0 = c.down.encrypt("MP-0 Z0");
  std::string t0 = c.down.encrypt("MP-0 T0");
  feed(d, S2C, c.server_welcome() + "\r\n" + z0 + "\r\n" + t0 + "\r\n", sink);
  ASSERT_EQ(sink.records.size(), 4u);
  ASSERT_TRUE(sink.records[3].plain);
  EXPECT_EQ(sink.records[3].plain.value_or("<not decrypted>"), "MP-0 T0");
}

TEST(Connection, EmptyLineAfterLoginIsFlaggedAndKeystreamUnaffected) {
  LoggedIn s;
  Conversation& c = s.c;
  ConnectionDecoder& d = s.d;
  Collect& sink = s.sink;
  feed(d, C2S, "\r\n" + c.up.encrypt("MP-0 A") + "\r\n", sink);
  EXPECT_TRUE(has_diag(sink.records[2], DiagId::LineEmpty));
  EXPECT_EQ(sink.records[3].plain.value_or("<not decrypted>"), "MP-0 A");
}

TEST(Connection, InvalidBase64NamesThePosition) {
  LoggedIn s;
  Conversation& c = s.c;
  ConnectionDecoder& d = s.d;
  Collect& sink = s.sink;
  std::string line = c.up.encrypt("MP-0 S80.0,K");
  line.insert(8, "!");
  feed(d, C2S, line + "\r\n", sink);
  ASSERT_EQ(sink.records.size(), 3u);
  ASSERT_TRUE(has_diag(sink.records[2], DiagId::Base64Invalid));
  for (const auto& diag : sink.records[2].diags) {
    if (diag.id == DiagId::Base64Invalid) {
      EXPECT_NE(diag.message.find("at byte 8"), std::string::npos) << diag.message;
    }
  }
}

TEST(Connection, BinaryJunkNeverCrashes) {
  LoggedIn s;
  ConnectionDecoder& d = s.d;
  Collect& sink = s.sink;
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 100000; ++i) {
    x = x * 1103515245 + 12345;
    junk += static_cast<char>(x >> 16);
  }
  feed(d, C2S, junk, sink);
  feed(d, S2C, junk, sink);
  d.finish(2, 0, sink);
  EXPECT_GT(sink.records.size(), 100u);
}

TEST(Connection, TenMegabyteLineDecodes) {
  LoggedIn s;
  Conversation& c = s.c;
  ConnectionDecoder& d = s.d;
  Collect& sink = s.sink;
  std::string big = "MP-0 c7,0," + std::string(10 * 1024 * 1024, 'x');
  std::string wire = c.down.encrypt(big) + "\r\n";
  for (std::size_t i = 0; i < wire.size(); i += 1460) feed(d, S2C, wire.substr(i, 1460), sink);
  feed(d, S2C, c.down.encrypt("MP-0 T0") + "\r\n", sink);
  ASSERT_EQ(sink.records.size(), 4u);
  EXPECT_EQ(sink.records[2].plain.value_or("").size(), big.size());
  EXPECT_EQ(sink.records[3].plain.value_or("<not decrypted>"), "MP-0 T0");
}

TEST(Connection, ResynchronisesAfterAGap) {
  LoggedIn s;
  Conversation& c = s.c;
  ConnectionDecoder& d = s.d;
  Collect& sink = s.sink;
  feed(d, C2S, c.up.encrypt("MP-0 S1") + "\r\n", sink);
  std::string lost = c.up.encrypt("MP-0 S2,lost,line") + "\r\n";
  lost += c.up.encrypt("MP-0 D3,also,lost") + "\r\n";
  std::string partial = c.up.encrypt("MP-0 L4,partly,seen") + "\r\n";
  d.gap(C2S, lost.size() + 5, 3);
  feed(d, C2S, partial.substr(5), sink, 4);
  feed(d, C2S, c.up.encrypt("MP-0 F5,after,the,gap") + "\r\n", sink, 5);
  feed(d, C2S, c.up.encrypt("MP-0 A") + "\r\n", sink, 6);
  ASSERT_EQ(sink.records.size(), 6u);
  EXPECT_TRUE(has_diag(sink.records[3], DiagId::TcpGap));
  EXPECT_FALSE(sink.records[3].plain);
  EXPECT_TRUE(has_diag(sink.records[4], DiagId::Resynchronised));
  EXPECT_EQ(sink.records[4].plain.value_or("<not decrypted>"), "MP-0 F5,after,the,gap");
  EXPECT_EQ(sink.records[5].plain.value_or("<not decrypted>"), "MP-0 A");
}

TEST(Connection, MidStreamStartSaysWhatIsMissing) {
  Conversation c;
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  d.started_mid_stream(C2S, 1);
  feed(d, C2S, c.up.encrypt("MP-0 S1") + "\r\n", sink);
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_TRUE(has_diag(sink.records[0], DiagId::TcpMissingStart));
  EXPECT_TRUE(has_diag(sink.records[0], DiagId::HandshakeMissing));
  EXPECT_FALSE(sink.records[0].plain);
}

TEST(Connection, WebSocketVariant) {
  Conversation c;
  c.type = 'A';
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  auto frame = [](const std::string& payload, bool mask) {
    std::string f;
    f += '\x81';
    f += static_cast<char>((mask ? 0x80 : 0) | static_cast<int>(payload.size() < 126 ? payload.size() : 126));
    if (payload.size() >= 126) {
      f += static_cast<char>(payload.size() >> 8);
      f += static_cast<char>(payload.size() & 255);
    }
    const char key[4] = {0x12, 0x34, 0x56, 0x78};
    if (mask) f.append(key, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) f += mask ? static_cast<char>(payload[i] ^ key[i & 3]) : payload[i];
    return f;
  };
  feed(d, C2S, "GET /apiv2 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", sink);
  feed(d, S2C, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", sink);
  feed(d, C2S, frame(c.welcome() + "\n", true), sink);
  feed(d, S2C, frame(c.server_welcome(), false) + frame(c.down.encrypt("MP-0 Z1"), false), sink);
  feed(d, C2S, frame(c.up.encrypt("MP-0 C1"), true), sink);
  ASSERT_EQ(sink.records.size(), 6u);
  EXPECT_EQ(sink.records[0].kind, LineKind::WebSocketUpgrade);
  EXPECT_EQ(sink.records[1].kind, LineKind::WebSocketUpgrade);
  EXPECT_EQ(sink.records[2].kind, LineKind::Welcome);
  EXPECT_TRUE(sink.records[2].handshake->ok);
  EXPECT_EQ(sink.records[4].plain.value_or("<not decrypted>"), "MP-0 Z1");
  EXPECT_EQ(sink.records[5].plain.value_or("<not decrypted>"), "MP-0 C1");
}

TEST(Connection, UnknownCodeKeptRaw) {
  LoggedIn s;
  Conversation& c = s.c;
  ConnectionDecoder& d = s.d;
  Collect& sink = s.sink;
  feed(d, C2S, c.up.encrypt("MP-0 Qsomething,new") + "\r\n", sink);
  EXPECT_TRUE(has_diag(sink.records[2], DiagId::UnknownCode));
  EXPECT_EQ(sink.records[2].msg.code, 'Q');
  EXPECT_EQ(sink.records[2].msg.fields.at(0).text, "something,new");
}

TEST(Connection, MultiLineResponsesPairWithOneRequest) {
  Conversation c;
  c.type = 'A';
  KeyStore keys = keys_for("DEMO", c.secret);
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed(d, C2S, c.welcome() + "\r\n", sink);
  feed(d, S2C, c.server_welcome() + "\r\n", sink);
  feed(d, C2S, c.up.encrypt("MP-0 C1") + "\r\n", sink, 3);
  for (int k = 0; k < 32; ++k) feed(d, S2C, c.down.encrypt("MP-0 c1,0," + std::to_string(k) + ",32,0") + "\r\n", sink, 4);
  feed(d, S2C, c.down.encrypt("MP-0 c1,0,0,32,0") + "\r\n", sink, 5);  // a 33rd line has no request left
  ASSERT_EQ(sink.records.size(), 36u);
  for (int k = 0; k < 32; ++k) EXPECT_EQ(sink.records[3 + k].response_to_frame, 3u);
  EXPECT_TRUE(has_diag(sink.records[35], DiagId::ResponseUnmatched));
}
