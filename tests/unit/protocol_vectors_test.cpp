// Every test vector of PROTOCOL.md §10, through the core's primitives and through the decoder.
#include <gtest/gtest.h>

#include "ovms/connection.h"
#include "ovms/crypto.h"
#include "ovms/protocol.h"
#include "test_support.h"

using namespace ovms;

namespace {

const char kSecret[] = "TestPass123";
const char kCarToken[] = "CarToken0123456789+/ab";
const char kServerToken[] = "SrvToken9876543210/+yz";

std::string hex(const Bytes& b) { return to_hex(b); }

using test::Collect;

KeyStore demo_keys(std::optional<std::string> module_password = std::nullopt) {
  KeyStore k;
  VehicleKey v;
  v.id = "DEMO1";
  v.server_password = kSecret;
  v.module_password = module_password;
  v.iccid = "8944500102198304826";
  v.vin = "WVWZZZ1KZ0W000001";
  k.add_vehicle(v);
  return k;
}

void feed_line(ConnectionDecoder& d, Direction dir, const std::string& line, Collect& sink, uint64_t frame = 1) {
  std::string bytes = line + "\r\n";
  d.feed(dir, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), frame, 0, sink);
}

}  // namespace

TEST(Vectors, V1_Rc4SelfTest) {
  Rc4 rc4(to_bytes("Key"), 0);
  EXPECT_EQ(hex(rc4.apply(to_bytes("Plaintext"))), "bbf316e8d940af0ad3");
}

TEST(Vectors, Rc4Rfc6229At1024) {
  Bytes key;
  for (int i = 1; i <= 16; ++i) key.push_back(static_cast<uint8_t>(i));
  Rc4 rc4(key, 1024);
  EXPECT_EQ(hex(rc4.apply(Bytes(16, 0))), "bdf0324e6083dcc6d3cedd3ca8c53c16");
}

TEST(Vectors, V2_HmacMd5Rfc2202) {
  std::string key(16, '\x0b');
  EXPECT_EQ(hex(hmac_md5(key, "Hi There")), "9294727a3638bb1c13f48ef8158bfc9d");
}

TEST(Vectors, HmacKeyLongerThan64BytesIsHashed) {
  // RFC 2202 test 6: 80 bytes of 0xaa.
  std::string key(80, '\xaa');
  EXPECT_EQ(hex(hmac_md5(key, "Test Using Larger Than Block-Size Key - Hash Key First")),
            "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
}

TEST(Vectors, V3_V4_WelcomeDigests) {
  EXPECT_EQ(welcome_digest(kSecret, kCarToken), "Y1YmOSd32yqAGiDKPtzNgw==");
  EXPECT_EQ(welcome_digest(kSecret, kServerToken), "DtxHZAmAuwDBSXQSodUTyg==");
}

TEST(Vectors, V5_SessionKeyServerTokenFirst) {
  EXPECT_EQ(hex(session_key(kSecret, kServerToken, kCarToken)), "21788365365f0bd0624397fb2861df5d");
  EXPECT_EQ(hex(session_key(kSecret, kCarToken, kServerToken)), "f90370702bc1c8ec0d351ffc450a0951");
  Rc4 rc4(session_key(kSecret, kServerToken, kCarToken));
  EXPECT_EQ(hex(rc4.apply(Bytes(16, 0))), "55de8d219c0556f219284aad0b0eb3f5");
}

TEST(Vectors, V6_V7_LineEncryption) {
  Bytes key = session_key(kSecret, kServerToken, kCarToken);
  LineCipher up(key), down(key);
  EXPECT_EQ(up.encrypt("MP-0 A"), "GI6gEbxE");
  EXPECT_EQ(up.encrypt("MP-0 S80.0,K,0,0.00,stopped,standard,250,230"),
            "G6I0GGr+Mz6dxanrt+UX4hsGpd93TYXbL67WE3xxtcUhS4/XiTY2P0v+tWM=");
  EXPECT_EQ(down.encrypt("MP-0 Z0"), "GI6gEbxfZg==");
  EXPECT_EQ(down.encrypt("MP-0 a"), "v0kFeo1q");
  // Line 2 needs the state left by line 1: a fresh cipher fails.
  LineCipher fresh(key);
  EXPECT_NE(fresh.encrypt("MP-0 S80.0,K,0,0.00,stopped,standard,250,230"),
            "G6I0GGr+Mz6dxanrt+UX4hsGpd93TYXbL67WE3xxtcUhS4/XiTY2P0v+tWM=");
}

TEST(Vectors, V8_AppSession) {
  EXPECT_EQ(welcome_digest(kSecret, "AppToken5555555555abcd"), "Qwa+lpDUeNakRcLBav3vfg==");
  EXPECT_EQ(welcome_digest(kSecret, "Srv2Tokenzzzzzzzzzz0+/"), "UBsy/HFW9/2C6lqUlR0XQQ==");
  Bytes key = session_key(kSecret, "Srv2Tokenzzzzzzzzzz0+/", "AppToken5555555555abcd");
  EXPECT_EQ(hex(key), "59713c6babb3cbb9a359a961828b320e");
  EXPECT_EQ(LineCipher(key).encrypt("MP-0 C3"), "AThiqkz1uA==");
  EXPECT_EQ(LineCipher(key).encrypt("MP-0 Z1"), "AThiqkzsug==");
}

TEST(Vectors, V9_ParanoidAsPic) {
  Bytes pkey = paranoid_key("ModulePw42", "ParanoidTok00000000+/Q");
  EXPECT_EQ(hex(pkey), "e910873a1a3c3969c294409839dc6286");
  EXPECT_EQ(paranoid_wrap(pkey, 'S', "80.0,K,0,0.00,stopped"), "MP-0 EMSHIoOTuVOQC1BW8V+0Fmc36rJkNBj");
  LineCipher up(session_key(kSecret, kServerToken, kCarToken));
  EXPECT_EQ(up.encrypt("MP-0 ETParanoidTok00000000+/Q"), "GI6gEbxAAqJ4WivDZGfXoerLq+UL4gUGpcMvFrs=");
  EXPECT_EQ(up.encrypt("MP-0 EMSHIoOTuVOQC1BW8V+0Fmc36rJkNBj"), "5g/mgh9KSIfjDEWy59BSTF4k/cQEw+9I6EuxReG7G0dFko72");
}

TEST(Vectors, V10_ParanoidAsV3Truncates) {
  Bytes pkey = paranoid_key("ModulePw42", "ParanoidTok00000000+/Q");
  EXPECT_EQ(paranoid_wrap(pkey, 'S', "80.0,K,0,0.00,stopped", true), "MP-0 EMSHIoOTuVOQC1BW8V+0Fm");
  LineCipher up(session_key(kSecret, kServerToken, kCarToken));
  up.encrypt("MP-0 ETParanoidTok00000000+/Q");
  EXPECT_EQ(up.encrypt("MP-0 EMSHIoOTuVOQC1BW8V+0Fm"), "5g/mgh9KSIfjDEWy59BSTF4k/cQEw+9I6Eux");
}

TEST(Vectors, V11_AutoProvisioningRecord) {
  const std::string plain = "- - - - ovms.example.com internet.apn - - DEMO1 TestPass123";
  EXPECT_EQ(welcome_digest("8944500102198304826", "APtoken1234567890abcdE", false), "QmKLyJKwt7dr0Ju2LF1R+g");
  EXPECT_EQ(ap_encrypt_record("8944500102198304826", "APtoken1234567890abcdE", plain),
            "TZA2lXWvejqLLgc1LZggmLaHaERyD58FaxhhlYV9tRgD8hq0V/Lyj+IeCeJgORUH1tkeRiVQX6xAOAQ=");
}

TEST(Vectors, Base64PaddedAndUnpadded) {
  EXPECT_EQ(*base64_decode_strict("TWFu"), to_bytes("Man"));
  EXPECT_EQ(*base64_decode_strict("TWE="), to_bytes("Ma"));
  EXPECT_EQ(*base64_decode_strict("TWE"), to_bytes("Ma"));
  EXPECT_EQ(*base64_decode_strict("TQ=="), to_bytes("M"));
  EXPECT_EQ(*base64_decode_strict("TQ"), to_bytes("M"));
  EXPECT_FALSE(base64_decode_strict("TW!u"));
  Base64Result r = base64_decode("TWFu*abc");
  EXPECT_EQ(r.bad_at, 4u);
  EXPECT_EQ(r.data, to_bytes("Man"));  // what came before the bad character is kept
}

// The vectors as a conversation through the decoder.
TEST(VectorsDecoded, V3toV7CarSession) {
  KeyStore keys = demo_keys();
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed_line(d, Direction::ClientToServer, "MP-C 0 CarToken0123456789+/ab Y1YmOSd32yqAGiDKPtzNgw== DEMO1", sink);
  feed_line(d, Direction::ServerToClient, "MP-S 0 SrvToken9876543210/+yz DtxHZAmAuwDBSXQSodUTyg==", sink);
  feed_line(d, Direction::ClientToServer, "GI6gEbxE", sink);
  feed_line(d, Direction::ClientToServer, "G6I0GGr+Mz6dxanrt+UX4hsGpd93TYXbL67WE3xxtcUhS4/XiTY2P0v+tWM=", sink);
  feed_line(d, Direction::ServerToClient, "GI6gEbxfZg==", sink);
  feed_line(d, Direction::ServerToClient, "v0kFeo1q", sink);
  ASSERT_EQ(sink.records.size(), 6u);
  EXPECT_EQ(sink.records[0].kind, LineKind::Welcome);
  EXPECT_TRUE(sink.records[0].handshake->ok);
  EXPECT_EQ(sink.records[0].handshake->key_source, KeySource::VehicleId);
  EXPECT_TRUE(sink.records[1].handshake->ok);
  EXPECT_EQ(sink.records[2].plain.value_or("<not decrypted>"), "MP-0 A");
  EXPECT_EQ(sink.records[3].plain.value_or("<not decrypted>"), "MP-0 S80.0,K,0,0.00,stopped,standard,250,230");
  EXPECT_EQ(sink.records[3].msg.field("soc")->text, "80.0");
  EXPECT_EQ(sink.records[3].msg.field("est_range")->i, 230);
  EXPECT_EQ(sink.records[4].plain.value_or("<not decrypted>"), "MP-0 Z0");
  EXPECT_EQ(sink.records[5].plain.value_or("<not decrypted>"), "MP-0 a");
  EXPECT_EQ(sink.records[3].role, Role::Car);
  EXPECT_EQ(sink.records[4].role, Role::Server);
  EXPECT_EQ(sink.records[3].vehicle, "DEMO1");
}

TEST(VectorsDecoded, V9ParanoidAndV10Truncated) {
  for (bool truncated : {false, true}) {
    KeyStore keys = demo_keys("ModulePw42");
    Collect sink;
    ConnectionDecoder d(0, &keys, nullptr);
    feed_line(d, Direction::ClientToServer, "MP-C 0 CarToken0123456789+/ab Y1YmOSd32yqAGiDKPtzNgw== DEMO1", sink);
    feed_line(d, Direction::ServerToClient, "MP-S 0 SrvToken9876543210/+yz DtxHZAmAuwDBSXQSodUTyg==", sink);
    feed_line(d, Direction::ClientToServer, "GI6gEbxAAqJ4WivDZGfXoerLq+UL4gUGpcMvFrs=", sink);
    feed_line(d, Direction::ClientToServer,
              truncated ? "5g/mgh9KSIfjDEWy59BSTF4k/cQEw+9I6Eux" : "5g/mgh9KSIfjDEWy59BSTF4k/cQEw+9I6EuxReG7G0dFko72", sink);
    ASSERT_EQ(sink.records.size(), 4u);
    const LineRecord& em = sink.records[3];
    ASSERT_TRUE(em.inner) << "truncated=" << truncated;
    EXPECT_EQ(em.inner->msg.code, 'S');
    if (truncated) {
      EXPECT_TRUE(em.inner->truncated);
      EXPECT_EQ(em.inner->plain, "MP-0 S80.0,K,0,0.00,");  // 14 bytes survive with the 3-character tail
      bool flagged = false;
      for (const auto& diag : em.diags) flagged |= diag.id == DiagId::ParanoidTruncated;
      EXPECT_TRUE(flagged);
    } else {
      EXPECT_EQ(em.inner->plain, "MP-0 S80.0,K,0,0.00,stopped");
      EXPECT_EQ(em.inner->msg.field("charge_state")->text, "stopped");
    }
  }
}

TEST(VectorsDecoded, V8AppSessionPairsCommandWithResponseCode) {
  KeyStore keys = demo_keys();
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed_line(d, Direction::ClientToServer, "MP-A 0 AppToken5555555555abcd Qwa+lpDUeNakRcLBav3vfg== DEMO1", sink);
  feed_line(d, Direction::ServerToClient, "MP-S 0 Srv2Tokenzzzzzzzzzz0+/ UBsy/HFW9/2C6lqUlR0XQQ==", sink);
  feed_line(d, Direction::ClientToServer, "AThiqkz1uA==", sink);
  feed_line(d, Direction::ServerToClient, "AThiqkzsug==", sink);
  ASSERT_EQ(sink.records.size(), 4u);
  EXPECT_EQ(sink.records[0].role, Role::App);
  EXPECT_EQ(sink.records[2].plain.value_or("<not decrypted>"), "MP-0 C3");
  EXPECT_EQ(sink.records[2].msg.command->number, 3);
  EXPECT_EQ(sink.records[3].plain.value_or("<not decrypted>"), "MP-0 Z1");
}

TEST(VectorsDecoded, V11AutoProvisioning) {
  KeyStore keys = demo_keys();
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed_line(d, Direction::ClientToServer, "AP-C 0 WVWZZZ1KZ0W000001", sink);
  feed_line(d, Direction::ServerToClient,
            "AP-S 0 APtoken1234567890abcdE QmKLyJKwt7dr0Ju2LF1R+g "
            "TZA2lXWvejqLLgc1LZggmLaHaERyD58FaxhhlYV9tRgD8hq0V/Lyj+IeCeJgORUH1tkeRiVQX6xAOAQ=",
            sink);
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.records[0].role, Role::AutoProvision);
  const LineRecord& ap = sink.records[1];
  EXPECT_EQ(ap.kind, LineKind::ApReply);
  ASSERT_TRUE(ap.plain);
  EXPECT_EQ(*ap.plain, "- - - - ovms.example.com internet.apn - - DEMO1 TestPass123");
  EXPECT_EQ(ap.msg.field("server")->text, "ovms.example.com");
  EXPECT_EQ(ap.msg.field("vehicle_id")->text, "DEMO1");
  EXPECT_EQ(ap.msg.field("server_password")->text, "TestPass123");
  EXPECT_EQ(ap.msg.field("registered_phone")->kind, FieldValue::Kind::Empty);
}

TEST(VectorsDecoded, V12SchemeOnePlaintext) {
  KeyStore keys;
  keys.add_account(Account{"alice", "s3cret", 0});
  Collect sink;
  ConnectionDecoder d(0, &keys, nullptr);
  feed_line(d, Direction::ClientToServer, "MP-A 1 alice s3cret DEMO1", sink);
  feed_line(d, Direction::ServerToClient, "MP-S 1 alice DEMO1 DEMO1 DEMO2", sink);
  feed_line(d, Direction::ServerToClient, "Z1", sink);
  feed_line(d, Direction::ServerToClient, "T42", sink);
  feed_line(d, Direction::ClientToServer, "C1", sink);
  feed_line(d, Direction::ServerToClient, "c1,0,0,32,0", sink);
  ASSERT_EQ(sink.records.size(), 6u);
  EXPECT_TRUE(sink.records[0].handshake->ok);
  EXPECT_EQ(sink.records[2].plain.value_or("<not decrypted>"), "Z1");
  EXPECT_EQ(sink.records[2].msg.code, 'Z');
  EXPECT_EQ(sink.records[3].msg.code, 'T');
  EXPECT_EQ(sink.records[5].msg.field("index")->i, 0);
  EXPECT_EQ(sink.records[5].response_to, sink.records[4].id);
}
