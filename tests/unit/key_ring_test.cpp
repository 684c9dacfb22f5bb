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

namespace {
// A sync as a front end decoding on several threads would give (cli/parallel_decode.*), without the
// threads: it notes when it was asked, adopts what `from` learned, and says where the decode is.
struct RecordingSync : KeyRingSync {
  KeyRing* ring = nullptr;
  std::vector<VehicleKey> to_adopt;
  std::vector<VehicleKey> published;
  uint64_t now = 0;
  int catch_ups = 0;
  void catch_up() override {
    ++catch_ups;
    for (const VehicleKey& k : to_adopt) ring->adopt(k);
    to_adopt.clear();
  }
  void learned(const VehicleKey& k) override { published.push_back(k); }
  uint64_t position() const override { return now; }
};
}  // namespace

TEST(KeyRing, ASyncIsAskedBeforeLearnedKeysAreReadAndToldWhatWasLearned) {
  KeyStore store = configured();
  KeyRing mine(&store), theirs(&store);
  RecordingSync sync_mine, sync_theirs;
  sync_mine.ring = &mine;
  sync_theirs.ring = &theirs;
  mine.set_sync(&sync_mine);
  theirs.set_sync(&sync_theirs);
  // The other ring learns C in frame 5 (connection #0); ours adopts it at its next lookup, as it was.
  ASSERT_NE(theirs.learn(key("C", "c-secret"), 5, 0), nullptr);
  ASSERT_EQ(sync_theirs.published.size(), 1u);
  sync_mine.to_adopt = sync_theirs.published;
  const int before = sync_mine.catch_ups;
  ASSERT_EQ(mine.by_id("c", 6).size(), 1u);
  EXPECT_GT(sync_mine.catch_ups, before);
  EXPECT_EQ(mine.by_id("c", 6)[0]->learned->conn, 0u);
  EXPECT_TRUE(mine.by_id("c", 5).empty());  // still only after the frame that taught it
  // Then learning the same key here is nothing new, as in one ring.
  EXPECT_EQ(mine.learn(key("C", "c-secret"), 9, 1), nullptr);
  EXPECT_TRUE(sync_mine.published.empty());
}

TEST(KeyRing, ReportOverSeveralRingsIsTheReportOfOne) {
  KeyStore store = configured();
  const VehicleKey* a = &store.vehicles()[0];
  const VehicleKey* b = &store.vehicles()[1];
  // One ring: A wrong on connections 3 then 1 (in that order), B verified.
  KeyRing one(&store);
  one.note_wrong_secret(a, 3);
  one.note_wrong_secret(a, 1);
  one.note_verified(b);
  // Two rings with the same notes spread over them: the first note is the one made earliest.
  KeyRing x(&store), y(&store);
  RecordingSync sx, sy;
  x.set_sync(&sx);
  y.set_sync(&sy);
  sy.now = 10;
  y.note_wrong_secret(a, 3);
  sx.now = 20;
  x.note_wrong_secret(a, 1);
  x.note_verified(b);
  auto text = [](const std::vector<Diagnostic>& ds) {
    std::string s;
    for (const Diagnostic& d : ds) s += d.message + "\n";
    return s;
  };
  EXPECT_EQ(text(KeyRing::report_unused({&x, &y})), text(one.report_unused()));
  EXPECT_NE(text(one.report_unused()).find("connection #3 and 1 more"), std::string::npos) << text(one.report_unused());
}
