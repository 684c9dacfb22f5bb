// The KeyRing: configured keys and keys learned from traffic in one store, learned keys offered only
// after the frame that taught them, and the end-of-capture report on keys that did nothing.
#include <gtest/gtest.h>

#include "ovms/key_ring.h"

using namespace ovms;

namespace {

KeyStore configured() {
  std::string error;
  auto k = KeyStore::parse("vehicles:\n"
                           "  - {id: A, server_password: a-secret}\n"
                           "  - {id: B, server_password: b-secret}\n"
                           "  - {vin: VIN1, iccid: \"1234\"}\n",
                           "k.yaml", error);
  EXPECT_TRUE(k) << error;
  return *k;
}

VehicleKey key(std::string id, std::string server_password) {
  VehicleKey k;
  k.id = std::move(id);
  k.server_password = std::move(server_password);
  return k;
}

}  // namespace

TEST(KeyRing, LearnedKeysJoinTheConfiguredOnesAfterTheirFrame) {
  KeyStore store = configured();
  KeyRing ring(&store);
  const VehicleKey* learned = ring.learn(key("C", "c-secret"), 5, 0);
  ASSERT_NE(learned, nullptr);
  ASSERT_TRUE(learned->learned);
  EXPECT_EQ(learned->learned->frame, 5u);
  EXPECT_EQ(learned->learned->conn, 0u);
  // Not at the frame that taught it (whatever order connections are decoded in), but after it.
  EXPECT_TRUE(ring.by_id("c", 5).empty());
  ASSERT_EQ(ring.by_id("c", 6).size(), 1u);
  EXPECT_EQ(ring.by_id("c", 6)[0], learned);
  EXPECT_EQ(ring.all(5).size(), 3u);
  EXPECT_EQ(ring.all(6).size(), 4u);
  EXPECT_EQ(ring.all(6).back(), learned);  // configured keys first
  EXPECT_EQ(ring.by_vin("vin1"), &store.vehicles()[2]);
}

TEST(KeyRing, LearningWhatIsKnownAddsNothing) {
  KeyStore store = configured();
  KeyRing ring(&store);
  EXPECT_EQ(ring.learn(key("a", "a-secret"), 5, 0), nullptr);  // the keys file has it
  ASSERT_NE(ring.learn(key("A", "another-secret"), 5, 0), nullptr);  // a different secret is news
  EXPECT_EQ(ring.learn(key("A", "another-secret"), 9, 1), nullptr);  // and then known
  EXPECT_EQ(ring.by_id("A", 10).size(), 2u);
}

TEST(KeyRing, ReportSaysUnusedOnlyOfKeysThatMatchedNothing) {
  KeyStore store = configured();
  KeyRing ring(&store);
  ring.note_verified(&store.vehicles()[0]);
  ring.note_wrong_secret(&store.vehicles()[1], 3);
  ring.note_wrong_secret(&store.vehicles()[1], 7);
  ring.learn(key("C", "c-secret"), 5, 0);  // learned keys are never reported
  auto report = ring.report_unused();
  ASSERT_EQ(report.size(), 2u);
  EXPECT_EQ(report[0].id, DiagId::KeyWrongSecret);
  EXPECT_EQ(report[0].message, "keys-file vehicle 'B' (line 3) matched connection #3 and 1 more, but its secret "
                               "verified none of them: it is wrong or outdated");
  EXPECT_EQ(report[1].id, DiagId::KeyUnused);
  EXPECT_EQ(report[1].message, "keys-file vehicle 'VIN VIN1' (line 4) never matched any connection");
  // A key that verified once is not reported, whatever else it did.
  ring.note_verified(&store.vehicles()[1]);
  EXPECT_EQ(ring.report_unused().size(), 1u);
}

TEST(KeyRing, WithoutConfiguredKeys) {
  KeyRing ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_TRUE(ring.report_unused().empty());
  EXPECT_EQ(ring.by_vin("x"), nullptr);
  EXPECT_EQ(ring.find_account("x"), nullptr);
  ring.learn(key("C", "c"), 1, 0);
  EXPECT_FALSE(ring.empty());
}
