// The keys file: the documented shape loads; every kind of mistake names its line and column.
#include <gtest/gtest.h>

#include <fstream>

#include "ovms/keys.h"

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
      {"vehicles:\n  - id: A\n", "k.yaml:2:5: vehicle 'A' has no 'server_password'"},
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

TEST(Keys, UsageIsTracked) {
  std::string error;
  auto k = KeyStore::parse("vehicles:\n  - {id: A, server_password: x}\n  - {id: B, server_password: y}\n", "k", error);
  ASSERT_TRUE(k);
  k->mark_used(k->find_vehicle("B"));
  EXPECT_FALSE(k->was_used(k->vehicles()[0]));
  EXPECT_TRUE(k->was_used(k->vehicles()[1]));
}

TEST(Keys, ExampleFileLoads) {
  std::string error;
  auto k = KeyStore::load_file(std::string(OVMS_SOURCE_DIR) + "/keys/example.yaml", error);
  ASSERT_TRUE(k) << error;
  EXPECT_EQ(k->vehicles().size(), 2u);
  EXPECT_EQ(k->accounts().size(), 1u);
}
