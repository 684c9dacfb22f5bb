// The keys file (YAML): vehicles with their secrets, and scheme-1 accounts. See keys/README.md.
// A KeyStore is what was configured (the keys file, the plugin's table): a plain value, shared
// read-only by every decode that uses it. What a decode learns from traffic, and which keys it used,
// lives in that decode's KeyRing (key_ring.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ovms {

// A key learned from decrypted traffic: where.
struct LearnedFrom {
  uint64_t frame = 0;  // the capture frame of the record that revealed it
  uint32_t conn = 0;   // its connection
};

// One vehicle's secrets. Any of them may be missing: an auto-provisioned car is known by its VIN and
// ICCID only, until its AP record names its vehicle id and server password.
struct VehicleKey {
  std::string id;  // vehicle id as written (matched case-insensitively); may be empty if vin or iccid is set
  std::optional<std::string> server_password;  // the shared secret of the session layer
  std::optional<std::string> module_password;  // paranoid mode
  std::optional<std::string> iccid;            // auto-provisioning digest and record key
  std::optional<std::string> vin;              // the AP-C key, to find this vehicle from an AP-C line
  int line = 0;                                // where it was defined (1-based), 0 if not from a file
  std::optional<LearnedFrom> learned;          // set when learned from traffic, not configured

  // How to name this entry in a message: its id, else its VIN, else its line.
  std::string name() const;
};

struct Account {
  std::string username;
  std::string password;
  int line = 0;
};

class KeyStore {
 public:
  // Parses YAML text. On error returns nullopt and sets `error` to "<source>:<line>:<column>: <what>".
  // Refused, naming the line: an alias of a list or mapping (alias bombs), and more than kMaxYamlNodes
  // nodes (yaml-cpp's tree costs about 0.6 KB a node; 100,000 vehicles are some 500,000 nodes).
  static constexpr std::size_t kMaxYamlNodes = 1000000;
  static std::optional<KeyStore> parse(std::string_view yaml, const std::string& source, std::string& error);
  // Reads and parses a file. A directory, or a file that cannot be read, is an error. A file that
  // group or others may access gets a warning in `warnings` (as ssh warns about a private key), since
  // it holds secrets.
  static std::optional<KeyStore> load_file(const std::string& path, std::string& error,
                                           std::vector<std::string>* warnings = nullptr);

  void add_vehicle(VehicleKey key);
  void add_account(Account account);

  // Exact (case-insensitive) vehicle id lookup: the first entry with that id.
  const VehicleKey* find_vehicle(std::string_view id) const;
  const VehicleKey* find_by_vin(std::string_view vin) const;
  const Account* find_account(std::string_view username) const;
  const std::vector<VehicleKey>& vehicles() const { return vehicles_; }
  const std::vector<Account>& accounts() const { return accounts_; }
  bool empty() const { return vehicles_.empty() && accounts_.empty(); }

 private:
  std::vector<VehicleKey> vehicles_;
  std::vector<Account> accounts_;
};

bool iequals(std::string_view a, std::string_view b);

}  // namespace ovms
