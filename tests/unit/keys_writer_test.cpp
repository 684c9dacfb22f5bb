// KeysWriter: what it writes loads back through KeyStore::load_file unchanged (every secret, odd
// characters included, AP-only entries, accounts, a subset), with mode 0600, and errors name the path.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "ovms/keys.h"
#include "ovms/keys_writer.h"

using namespace ovms;

namespace {

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "ovms_keyswriter_" + std::to_string(getpid()) + "_" + name;
}

KeyStore sample_store() {
  KeyStore ks;
  VehicleKey demo;
  demo.id = "DEMO";
  demo.server_password = "demo-secret";
  demo.module_password = "mod \"quoted\" \\ back\tslash\nnewline #hash: colon";
  demo.iccid = "8944500102198304826";
  demo.vin = "WVWZZZ1KZ0W000001";
  ks.add_vehicle(demo);
  VehicleKey ap;  // auto-provisioning only: no id
  ap.vin = "WVWZZZAAZLD000042";
  ap.iccid = "8944500102198300042";
  ks.add_vehicle(ap);
  VehicleKey odd;  // ids YAML would read as something else
  odd.id = "123";
  odd.server_password = "";
  ks.add_vehicle(odd);
  VehicleKey yes;
  yes.id = "yes";
  yes.server_password = "\x01\x7f caf\xc3\xa9";
  ks.add_vehicle(yes);
  ks.add_account(Account{"alice", "s3cret: \"x\"", 0});
  return ks;
}

void expect_same_vehicle(const VehicleKey& a, const VehicleKey& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.server_password, b.server_password);
  EXPECT_EQ(a.module_password, b.module_password);
  EXPECT_EQ(a.iccid, b.iccid);
  EXPECT_EQ(a.vin, b.vin);
}

TEST(KeysWriter, RoundTripThroughTheLoader) {
  const KeyStore ks = sample_store();
  const std::string path = temp_path("all.yaml");
  std::string err;
  ASSERT_TRUE(KeysWriter(ks).write(path, "written by a test\nsecond line", err)) << err;
  auto back = KeyStore::load_file(path, err);
  ASSERT_TRUE(back) << err;
  ASSERT_EQ(back->vehicles().size(), ks.vehicles().size());
  for (std::size_t i = 0; i < ks.vehicles().size(); ++i) expect_same_vehicle(back->vehicles()[i], ks.vehicles()[i]);
  ASSERT_EQ(back->accounts().size(), 1u);
  EXPECT_EQ(back->accounts()[0].username, "alice");
  EXPECT_EQ(back->accounts()[0].password, "s3cret: \"x\"");
  std::remove(path.c_str());
}

TEST(KeysWriter, SubsetOfVehicles) {
  const KeyStore ks = sample_store();
  KeysWriter w(ks, [](const VehicleKey& v) { return v.id == "DEMO"; });
  EXPECT_EQ(w.vehicles(), 1u);
  std::string err;
  auto back = KeyStore::parse(w.render(), "subset", err);
  ASSERT_TRUE(back) << err;
  ASSERT_EQ(back->vehicles().size(), 1u);
  expect_same_vehicle(back->vehicles()[0], ks.vehicles()[0]);
  EXPECT_EQ(back->accounts().size(), 1u);

  auto empty = KeyStore::parse(KeysWriter().render("nothing"), "empty", err);
  ASSERT_TRUE(empty) << err;
  EXPECT_TRUE(empty->empty());
}

TEST(KeysWriter, LastWordWinsAndLearnedKeysSayWhere) {
  KeysWriter w;
  VehicleKey a;
  a.id = "CAR";
  a.server_password = "old";
  w.add_vehicle(a, "first");
  a.id = "car";  // ids match case-insensitively, as the loader does
  a.server_password = "new";
  a.learned = LearnedFrom{42, 3};
  w.add_vehicle(a);
  EXPECT_EQ(w.vehicles(), 1u);
  const std::string y = w.render();
  EXPECT_NE(y.find("  # learned from traffic: frame 42, connection #3\n"), std::string::npos) << y;
  EXPECT_EQ(y.find("first"), std::string::npos) << y;
  std::string err;
  auto back = KeyStore::parse(y, "x", err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->vehicles().at(0).server_password, "new");
}

TEST(KeysWriter, WrittenPrivateAndNarrowed) {
  const std::string path = temp_path("mode.yaml");
  std::remove(path.c_str());
  std::string err;
  ASSERT_TRUE(KeysWriter(sample_store()).write(path, "", err)) << err;
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  chmod(path.c_str(), 0644);
  ASSERT_TRUE(KeysWriter(sample_store()).write(path, "", err)) << err;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // And the loader has nothing to warn about.
  std::vector<std::string> warnings;
  ASSERT_TRUE(KeyStore::load_file(path, err, &warnings)) << err;
  EXPECT_TRUE(warnings.empty());
  std::remove(path.c_str());
}

TEST(KeysWriter, ErrorsNameThePath) {
  std::string err;
  EXPECT_FALSE(KeysWriter(sample_store()).write("/nonexistent-dir/k.yaml", "", err));
  EXPECT_NE(err.find("keys file '/nonexistent-dir/k.yaml'"), std::string::npos) << err;
  EXPECT_NE(err.find("No such file"), std::string::npos) << err;
  if (access("/dev/full", W_OK) == 0) {
    EXPECT_FALSE(KeysWriter(sample_store()).write("/dev/full", "", err));
    EXPECT_NE(err.find("'/dev/full'"), std::string::npos) << err;
  }
}

}  // namespace
