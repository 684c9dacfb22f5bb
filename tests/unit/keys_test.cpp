// The keys file: the documented shape and any subset of secrets load; every kind of mistake names
// its line and column; a directory is an error and a file others may read is warned about.
#include <gtest/gtest.h>

#include <fstream>

#include "ovms/keys.h"
#include "sample_support.h"

using namespace ovms;

TEST(Keys, DocumentedShapeLoads) {
  std::string error;
  auto k = KeyStore::parse(R"(vehicles:
  - id: DEMO
    server_password: "DEMO"
    module_password: "modpw"
    iccid: "8944500102198304826"
    vin: "WVWZZZ1KZ0W000001"
  - id: car2
    server_password: 1234
accounts:
  - username: demo
    password: demopass
)", "k.yaml", error);
  ASSERT_TRUE(k) << error;
  ASSERT_EQ(k->vehicles().size(), 2u);
  EXPECT_EQ(k->find_vehicle("demo")->module_password, "modpw");
  EXPECT_EQ(k->find_vehicle("CAR2")->server_password, "1234");  // numbers are text to us
  EXPECT_EQ(k->find_vehicle("CAR2")->line, 7);
  EXPECT_EQ(k->find_by_vin("wvwzzz1kz0w000001")->id, "DEMO");
  EXPECT_EQ(k->find_account("demo")->password, "demopass");
  EXPECT_EQ(k->find_vehicle("nope"), nullptr);
}

TEST(Keys, EmptyFileIsNoKeys) {
  std::string error;
  auto k = KeyStore::parse("", "k.yaml", error);
  ASSERT_TRUE(k) << error;
  EXPECT_TRUE(k->empty());
}

struct BadCase {
  const char* yaml;
  const char* expect;  // substring of the error, which starts with file:line:column
};

TEST(Keys, ErrorsNameLineAndColumn) {
  const BadCase cases[] = {
      {"vehicles:\n  - id: A\n    server_pasword: x\n", "k.yaml:3:5: unknown key 'server_pasword'"},
      {"vehicles:\n  - id: A\n", "k.yaml:2:5: vehicle 'A' has none of server_password, module_password, iccid, vin"},
      {"vehicles:\n  - server_password: x\n", "k.yaml:2:5: vehicle without 'id'"},
      {"vehicles: DEMO\n", "k.yaml:1:11: 'vehicles' must be a list"},
      {"vehicles:\n  - id: [1, 2]\n    server_password: x\n", "k.yaml:2:9: 'id' must be a text value"},
      {"vehicles:\n  - id: \"A\n", "k.yaml:2:"},
      {"- just a list\n", "k.yaml:1:1: the keys file must be a mapping"},
      {"cars:\n  - id: A\n", "k.yaml:1:1: unknown key 'cars'"},
      {"accounts:\n  - username: u\n", "k.yaml:2:5: account needs 'username' and 'password'"},
  };
  for (const BadCase& c : cases) {
    std::string error;
    auto k = KeyStore::parse(c.yaml, "k.yaml", error);
    EXPECT_FALSE(k) << c.yaml;
    EXPECT_NE(error.find(c.expect), std::string::npos) << "got: " << error << "\nwanted: " << c.expect;
  }
}

TEST(Keys, MissingFileIsAClearError) {
  std::string error;
  EXPECT_FALSE(KeyStore::load_file("/nonexistent/keys.yaml", error));
  EXPECT_EQ(error, "cannot open keys file '/nonexistent/keys.yaml'");
}

TEST(Keys, ExampleFileLoads) {
  std::string error;
  auto k = KeyStore::load_file(std::string(OVMS_SOURCE_DIR) + "/keys/example.yaml", error);
  ASSERT_TRUE(k) << error;
  EXPECT_EQ(k->vehicles().size(), 3u);
  EXPECT_TRUE(k->find_by_vin("WVWZZZAAZLD000042"));
  EXPECT_EQ(k->accounts().size(), 1u);
}

// Every non-empty subset of the four secrets and identifiers is a vehicle entry of its own.
TEST(Keys, AnySubsetOfSecretsLoads) {
  const char* names[] = {"server_password", "module_password", "iccid", "vin"};
  for (int mask = 1; mask < 16; ++mask) {
    std::string yaml = "vehicles:\n  - id: CAR\n";
    for (int i = 0; i < 4; ++i)
      if (mask & (1 << i)) yaml += std::string("    ") + names[i] + ": \"value" + std::to_string(i) + "\"\n";
    std::string error;
    auto k = KeyStore::parse(yaml, "k.yaml", error);
    ASSERT_TRUE(k) << yaml << error;
    ASSERT_EQ(k->vehicles().size(), 1u);
    const VehicleKey& v = k->vehicles()[0];
    EXPECT_EQ(v.server_password, (mask & 1) ? std::optional<std::string>("value0") : std::nullopt) << yaml;
    EXPECT_EQ(v.module_password, (mask & 2) ? std::optional<std::string>("value1") : std::nullopt) << yaml;
    EXPECT_EQ(v.iccid, (mask & 4) ? std::optional<std::string>("value2") : std::nullopt) << yaml;
    EXPECT_EQ(v.vin, (mask & 8) ? std::optional<std::string>("value3") : std::nullopt) << yaml;
  }
}

// An auto-provisioned car is known by its VIN and ICCID; its AP record will name it.
TEST(Keys, AutoProvisioningEntryNeedsNoId) {
  std::string error;
  auto k = KeyStore::parse("vehicles:\n  - vin: WVWZZZAAZLD000042\n    iccid: \"8944500102198304826\"\n"
                           "  - iccid: \"8944500102198309999\"\n",
                           "k.yaml", error);
  ASSERT_TRUE(k) << error;
  ASSERT_EQ(k->vehicles().size(), 2u);
  EXPECT_EQ(k->find_by_vin("WVWZZZAAZLD000042"), &k->vehicles()[0]);
  EXPECT_EQ(k->vehicles()[0].name(), "VIN WVWZZZAAZLD000042");
  EXPECT_EQ(k->vehicles()[1].name(), "line 4");  // never the ICCID: it is a secret
  EXPECT_EQ(k->find_vehicle(""), nullptr);
  // Without an AP identifier, the id is needed.
  EXPECT_FALSE(KeyStore::parse("vehicles:\n  - server_password: x\n", "k.yaml", error));
  EXPECT_NE(error.find("k.yaml:2:5: vehicle without 'id'"), std::string::npos) << error;
}

TEST(Keys, ADirectoryIsAnError) {
  std::string error;
  std::vector<std::string> warnings;
  EXPECT_FALSE(KeyStore::load_file(testing::TempDir(), error, &warnings));
  EXPECT_NE(error.find("is a directory"), std::string::npos) << error;
  EXPECT_NE(error.find(testing::TempDir()), std::string::npos) << error;
}

// As ssh does for a private key: a keys file group or others may read is worth a warning.
TEST(Keys, AFileOthersMayReadIsWarnedAbout) {
  const std::string yaml = "vehicles:\n  - id: A\n    server_password: x\n";
  struct Case {
    mode_t mode;
    const char* expect;  // nullptr: no warning
  } cases[] = {{0600, nullptr}, {0400, nullptr}, {0644, "mode 0644: group or others may read"},
               {0640, "mode 0640: group or others may read"}, {0620, "mode 0620: group or others may change"}};
  for (const Case& c : cases) {
    std::string path = test::write_keys_file("perm.yaml", yaml, c.mode);
    std::string error;
    std::vector<std::string> warnings;
    auto k = KeyStore::load_file(path, error, &warnings);
    ASSERT_TRUE(k) << error;  // a warning, not an error: the keys still load
    EXPECT_EQ(k->vehicles().size(), 1u);
    if (!c.expect) {
      EXPECT_TRUE(warnings.empty()) << std::oct << c.mode << ": " << warnings.front();
      continue;
    }
    ASSERT_EQ(warnings.size(), 1u) << std::oct << c.mode;
    EXPECT_NE(warnings[0].find(c.expect), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find(path), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find("chmod 600"), std::string::npos) << warnings[0];
  }
}
