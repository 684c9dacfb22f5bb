// The table of diagnostics: one entry per id, in the enum's order, with unique keys; and the group
// each kind goes to in Wireshark.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "ovms/diagnostic.h"

using namespace ovms;

TEST(Diagnostics, TableIsInTheEnumsOrderWithUniqueKeys) {
  std::size_t n = 0;
  const DiagDef* defs = diag_defs(&n);
  ASSERT_EQ(n, static_cast<std::size_t>(DiagId::kCount));
  std::set<std::string> keys;
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(static_cast<std::size_t>(defs[i].id), i) << defs[i].key;
    EXPECT_TRUE(keys.insert(defs[i].key).second) << "duplicate key " << defs[i].key;
    EXPECT_EQ(&diag_def(defs[i].id), &defs[i]);
  }
}

// Differences from the 2013 guides are notes on the protocol: Wireshark's Protocol group, not its
// Comment group (which is for packet comments).
TEST(Diagnostics, GuideDifferencesAreProtocolNotes) {
  const DiagDef& d = diag_def(DiagId::DiffersFromGuide);
  EXPECT_STREQ(d.key, "protocol.differs_from_guide");
  EXPECT_EQ(d.group, DiagGroup::Protocol);
  EXPECT_EQ(d.severity, Severity::Note);
}

TEST(Diagnostics, KeyAndLoginFaultsHaveTheirOwnIds) {
  EXPECT_STREQ(diag_def(DiagId::ServerRefused).key, "handshake.server_refused");
  EXPECT_STREQ(diag_def(DiagId::KeyWrongSecret).key, "key.wrong_secret");
  EXPECT_STREQ(diag_def(DiagId::KeyLearned).key, "key.learned");
  EXPECT_STREQ(diag_def(DiagId::KeyFromTraffic).key, "key.from_traffic");
  EXPECT_STREQ(diag_def(DiagId::KeyUnused).key, "key.unused");
}
