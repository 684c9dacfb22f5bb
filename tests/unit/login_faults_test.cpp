// What decoding real peers showed (issue 6, item 8), each on a capture that shows it: a car known only
// by its VIN and ICCID decrypts with the secrets its AP record teaches; a server that closes after a
// welcome refused the login, and the diagnostic says which secret to suspect; a key that matched a
// vehicle with a wrong secret is not "unused".
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sample_support.h"
#include "test_support.h"

using namespace ovms;
using namespace ovms::test;

namespace {

constexpr auto C2S = Direction::ClientToServer;
constexpr auto S2C = Direction::ServerToClient;

// Records, and the orphan diagnostics with the connection they belong to.
struct Sink : Collect {
  std::vector<std::pair<uint32_t, Diagnostic>> conn_orphans;
  void on_orphan_diagnostic(uint32_t conn, const Diagnostic& d) override {
    Collect::on_orphan_diagnostic(conn, d);
    conn_orphans.emplace_back(conn, d);
  }
  std::vector<Diagnostic> orphans_of(uint32_t conn, DiagId id) const {
    std::vector<Diagnostic> out;
    for (const auto& [c, d] : conn_orphans)
      if (c == conn && d.id == id) out.push_back(d);
    return out;
  }
};

const Diagnostic* find_diag(const LineRecord& r, DiagId id) {
  for (const Diagnostic& d : r.diags)
    if (d.id == id) return &d;
  return nullptr;
}

std::optional<KeyStore> load(const std::string& path) {
  std::string error;
  auto k = KeyStore::load_file(path, error);
  EXPECT_TRUE(k) << error;
  return k;
}

std::string sample(const std::string& name) { return samples_dir() + "/" + name + ".pcap"; }

// APDEMO of samples/keys.yaml as the car knows itself before it is provisioned: VIN and ICCID.
std::string ap_only_keys(bool with_id) {
  auto all = load(samples_dir() + "/keys.yaml");
  const VehicleKey* ap = all ? all->find_vehicle("APDEMO") : nullptr;
  EXPECT_TRUE(ap && ap->vin && ap->iccid);
  if (!ap || !ap->vin || !ap->iccid) return "";
  std::string yaml = "vehicles:\n";
  yaml += with_id ? "  - id: APDEMO\n    vin: \"" : "  - vin: \"";
  yaml += *ap->vin + "\"\n    iccid: \"" + *ap->iccid + "\"\n";
  return yaml;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Secrets learned from an AP record (samples/autoprovision.pcap)

class LearnedFromApRecord : public testing::TestWithParam<bool> {};

TEST_P(LearnedFromApRecord, LaterSessionDecryptsAndSaysWhereItsSecretCameFrom) {
  auto keys = load(write_keys_file("ap-only.yaml", ap_only_keys(GetParam())));
  ASSERT_TRUE(keys);
  Sink sink;
  decode_capture(sample("autoprovision"), &*keys, sink);

  // Connection #0: the AP-S record decrypts with the ICCID and teaches the server password.
  const LineRecord* ap = nullptr;
  for (const LineRecord& r : sink.records)
    if (r.conn == 0 && r.kind == LineKind::ApReply) ap = &r;
  ASSERT_NE(ap, nullptr);
  ASSERT_TRUE(ap->plain);
  const Diagnostic* learned = find_diag(*ap, DiagId::KeyLearned);
  ASSERT_NE(learned, nullptr) << "the AP record taught nothing";
  EXPECT_NE(learned->message.find("vehicle APDEMO's server password (parameter 9)"), std::string::npos)
      << learned->message;
  EXPECT_EQ(ap->vehicle, "APDEMO");  // named by the record (parameter 8), also without an id in the keys

  // Connection #1: the provisioned car's login verifies with it, and every line decrypts.
  std::size_t messages = 0;
  for (const LineRecord& r : sink.records) {
    if (r.conn != 1) continue;
    if (r.kind == LineKind::Welcome) {
      ASSERT_TRUE(r.handshake);
      EXPECT_TRUE(r.handshake->ok);
      EXPECT_EQ(r.handshake->key_id, "APDEMO");
      EXPECT_EQ(r.handshake->key_learned_frame, ap->frame);
      const Diagnostic* from = find_diag(r, DiagId::KeyFromTraffic);
      ASSERT_NE(from, nullptr);
      EXPECT_EQ(from->message, "the server password of vehicle APDEMO was learned from the AP-S record in frame " +
                                   std::to_string(ap->frame) + " (connection #0)");
    }
    if (r.kind == LineKind::Message) {
      ++messages;
      EXPECT_TRUE(r.plain) << "frame " << r.frame << " not decrypted";
    }
  }
  EXPECT_GT(messages, 3u);
  // The AP entry matched (by VIN and ICCID): it is not reported unused.
  for (const Diagnostic& d : sink.orphans) EXPECT_NE(d.id, DiagId::KeyUnused) << d.message;
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutId, LearnedFromApRecord, testing::Bool());

TEST(LearnedKeys, WithoutTheIccidTheLaterSessionStaysEncrypted) {
  // The same capture, with a VIN but no ICCID: the record cannot be read, so nothing is learned.
  auto keys = load(write_keys_file("vin-only.yaml", "vehicles:\n  - vin: \"WVWZZZAAZLD000042\"\n"));
  ASSERT_TRUE(keys);
  Sink sink;
  decode_capture(sample("autoprovision"), &*keys, sink);
  std::size_t undecrypted = 0;
  for (const LineRecord& r : sink.records) {
    EXPECT_FALSE(find_diag(r, DiagId::KeyLearned));
    if (r.conn == 1 && r.kind == LineKind::Message && !r.plain) ++undecrypted;
  }
  EXPECT_GT(undecrypted, 3u);
}

TEST(LearnedKeys, SecretsTheKeysFileHasAreNotNews) {
  Sink sink;
  decode_sample("autoprovision", sink);  // samples/keys.yaml has APDEMO's server password already
  for (const LineRecord& r : sink.records) {
    EXPECT_FALSE(find_diag(r, DiagId::KeyLearned)) << "frame " << r.frame;
    EXPECT_FALSE(find_diag(r, DiagId::KeyFromTraffic)) << "frame " << r.frame;
  }
}

// ---------------------------------------------------------------------------------------------------
// A refused login (samples/wrong-secret.pcap: the car first logs in with an outdated password, and the
// server closes without a word; the secrets are those of tools/simulator/scenarios_session.cpp)

namespace {

constexpr uint64_t kServerFinFrame = 5;  // connection #0: the server's FIN right after the welcome

Diagnostic refusal_with(const std::optional<std::string>& wrongpw_secret) {
  std::optional<KeyStore> keys;
  if (wrongpw_secret)
    keys = load(write_keys_file("wrongpw.yaml", "vehicles:\n  - id: WRONGPW\n    server_password: \"" +
                                                    *wrongpw_secret + "\"\n"));
  Sink sink;
  decode_capture(sample("wrong-secret"), keys ? &*keys : nullptr, sink);
  auto refused = sink.orphans_of(0, DiagId::ServerRefused);
  EXPECT_EQ(refused.size(), 1u);
  // Only connection #0 was refused: #1 and #2 were answered.
  for (const auto& [conn, d] : sink.conn_orphans) {
    if (d.id != DiagId::ServerRefused) continue;
    EXPECT_EQ(conn, 0u) << d.message;
  }
  return refused.empty() ? Diagnostic{DiagId::kCount, 0, -1, "no refusal"} : refused[0];
}

}  // namespace

TEST(ServerRefused, OurKeyVerifiesTheClient_TheServerHoldsAnotherSecret) {
  Diagnostic d = refusal_with("wrongpw-old-secret");  // the one the car used
  EXPECT_EQ(d.frame, kServerFinFrame);
  EXPECT_EQ(d.pos, 0);
  EXPECT_EQ(d.message, "the server closed the connection without answering the welcome of vehicle WRONGPW: login "
                       "refused. The client's digest verifies with our key (keys file line 2): the server holds "
                       "another secret for WRONGPW, or does not know WRONGPW");
}

TEST(ServerRefused, OurKeyDoesNotVerifyTheClient_TheClientsSecretIsWrong) {
  Diagnostic d = refusal_with("wrongpw-real-secret");  // the one the server holds
  EXPECT_EQ(d.frame, kServerFinFrame);
  EXPECT_NE(d.message.find("The client's digest does not verify with our key (keys file line 2) either: the "
                           "client's secret is wrong"),
            std::string::npos)
      << d.message;
}

TEST(ServerRefused, WithoutAKeyNeitherIsBlamed) {
  Diagnostic d = refusal_with(std::nullopt);
  EXPECT_NE(d.message.find("No key for WRONGPW: the client's secret may be wrong, or the server does not know WRONGPW"),
            std::string::npos)
      << d.message;
}

// With the sample keys, WRONGPW matched two connections with a wrong secret: key.wrong_secret, not
// key.unused; the keys of vehicles not in this capture are unused.
TEST(KeyReport, AKeyThatMatchedWithAWrongSecretIsNotUnused) {
  Sink sink;
  decode_sample("wrong-secret", sink);
  std::vector<std::string> wrong, unused;
  for (const Diagnostic& d : sink.orphans) {
    if (d.id == DiagId::KeyWrongSecret) wrong.push_back(d.message);
    if (d.id == DiagId::KeyUnused) unused.push_back(d.message);
  }
  ASSERT_EQ(wrong.size(), 1u);
  EXPECT_NE(wrong[0].find("keys-file vehicle 'WRONGPW' (line 34) matched connection #0 and 1 more"), std::string::npos)
      << wrong[0];
  EXPECT_FALSE(unused.empty());
  for (const std::string& m : unused) EXPECT_EQ(m.find("WRONGPW"), std::string::npos) << m;
}

// ---------------------------------------------------------------------------------------------------
// The close hook on scripted conversations: only a server that closes first, before answering.

TEST(ServerRefused, OnlyWhenTheServerClosesFirstWithoutAnswering) {
  Conversation c;
  KeyStore keys = keys_for("DEMO", c.secret);
  auto count = [](const Collect& s) {
    std::size_t n = 0;
    for (const Diagnostic& d : s.orphans) n += d.id == DiagId::ServerRefused;
    return n;
  };
  {  // refused; a retransmitted FIN or a RST after it says nothing more
    Collect sink;
    ConnectionDecoder d(0, &keys, nullptr);
    feed(d, C2S, c.welcome() + "\r\n", sink);
    d.closed(S2C, 7, 0, sink);
    d.closed(S2C, 8, 0, sink);
    ASSERT_EQ(count(sink), 1u);
    EXPECT_EQ(sink.orphans.back().frame, 7u);
  }
  {  // answered, then closed: not a refusal
    Collect sink;
    ConnectionDecoder d(0, &keys, nullptr);
    feed(d, C2S, c.welcome() + "\r\n", sink);
    feed(d, S2C, c.server_welcome() + "\r\n", sink);
    d.closed(S2C, 7, 0, sink);
    EXPECT_EQ(count(sink), 0u);
  }
  {  // the client gave up first
    Collect sink;
    ConnectionDecoder d(0, &keys, nullptr);
    feed(d, C2S, c.welcome() + "\r\n", sink);
    d.closed(C2S, 6, 0, sink);
    d.closed(S2C, 7, 0, sink);
    EXPECT_EQ(count(sink), 0u);
  }
  {  // no welcome yet
    Collect sink;
    ConnectionDecoder d(0, &keys, nullptr);
    d.closed(S2C, 7, 0, sink);
    EXPECT_EQ(count(sink), 0u);
  }
}

TEST(ServerRefused, SchemeOneNamesTheAccountsPassword) {
  std::string error;
  auto keys = KeyStore::parse("accounts:\n  - {username: alice, password: s3cret}\n", "k.yaml", error);
  ASSERT_TRUE(keys) << error;
  auto refusal = [&](const std::string& password) {
    Collect sink;
    ConnectionDecoder d(0, &*keys, nullptr);
    feed(d, C2S, "MP-A 1 alice " + password + " DEMO2\r\n", sink);
    d.closed(S2C, 3, 0, sink);
    return sink.orphans.empty() ? std::string() : sink.orphans.back().message;
  };
  EXPECT_NE(refusal("s3cret").find("The password is the keys-file account's: the server holds another password"),
            std::string::npos);
  EXPECT_NE(refusal("wrong").find("the client's password is wrong"), std::string::npos);
}

// Two connections sharing one ring: the first one's AP record teaches a vehicle id, its server password
// and its module password; the second decrypts its session with the one and its paranoid payloads with
// the other, and the ring reports the AP entry as used.
TEST(LearnedKeys, ModulePasswordDecryptsParanoidPayloadsOfALaterConnection) {
  const std::string iccid = "8944500102198300042", vin = "WVWZZZAAZLD000099", stoken = "ApServerTok0123456789A";
  std::string error;
  auto keys = KeyStore::parse("vehicles:\n  - vin: " + vin + "\n    iccid: \"" + iccid + "\"\n", "k.yaml", error);
  ASSERT_TRUE(keys) << error;
  KeyRing ring(&*keys);

  Collect ap_sink;
  ConnectionDecoder ap(0, ring, nullptr);
  feed(ap, C2S, "AP-C 0 " + vin + "\r\n", ap_sink, 3);
  const std::string record = "- learned-module-pw K - ovms.example.com - - - LEARNT learned-server-pw";
  feed(ap, S2C, "AP-S 0 " + stoken + " " + welcome_digest(iccid, stoken, false) + " " +
                    ap_encrypt_record(iccid, stoken, record) + "\r\n",
       ap_sink, 4);
  ASSERT_EQ(ap_sink.records.size(), 2u);
  const Diagnostic* learned = find_diag(ap_sink.records[1], DiagId::KeyLearned);
  ASSERT_NE(learned, nullptr);
  EXPECT_EQ(learned->message, "learned from this record: vehicle LEARNT's server password (parameter 9) and module "
                              "password (parameter 1); later connections of LEARNT in this capture use them");

  Conversation c("learned-server-pw");
  c.vehicle = "LEARNT";
  Collect sink;
  ConnectionDecoder d(1, ring, nullptr);
  feed(d, C2S, c.welcome() + "\r\n", sink, 10);
  feed(d, S2C, c.server_welcome() + "\r\n", sink, 11);
  const Bytes pkey = paranoid_key("learned-module-pw", "ParanoidToken123");
  feed(d, C2S, c.up.encrypt("MP-0 ETParanoidToken123") + "\r\n", sink, 12);
  feed(d, C2S, c.up.encrypt(paranoid_wrap(pkey, 'S', "80.0,K,0,0.00,stopped")) + "\r\n", sink, 13);
  ASSERT_EQ(sink.records.size(), 4u);
  EXPECT_TRUE(sink.records[0].handshake->ok);
  EXPECT_EQ(sink.records[0].handshake->key_learned_frame, 4u);
  EXPECT_TRUE(find_diag(sink.records[0], DiagId::KeyFromTraffic));
  const LineRecord& em = sink.records[3];
  ASSERT_TRUE(em.inner) << (em.diags.empty() ? "" : em.diags.back().message);
  EXPECT_EQ(em.inner->plain, "MP-0 S80.0,K,0,0.00,stopped");
  EXPECT_FALSE(find_diag(em, DiagId::ParanoidServerPassword));  // the learned module password did it
  EXPECT_TRUE(ring.report_unused().empty());
}
