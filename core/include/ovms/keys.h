// The keys file (YAML): vehicles with their secrets, and scheme-1 accounts. See keys/README.md.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ovms {

struct VehicleKey {
  std::string id;               // vehicle id as written (matched case-insensitively)
  std::string server_password;  // the shared secret of the session layer
  std::optional<std::string> module_password;  // paranoid mode
  std::optional<std::string> iccid;            // auto-provisioning digest and record key
  std::optional<std::string> vin;              // the AP-C key
  int line = 0;                                // where it was defined (1-based), 0 if not from a file
};

struct Account {
  std::string username;
  std::string password;
  int line = 0;
};

class KeyStore {
 public:
  // Parses YAML text. On error returns nullopt and sets `error` to "<source>:<line>:<column>: <what>".
  static std::optional<KeyStore> parse(std::string_view yaml, const std::string& source, std::string& error);
  static std::optional<KeyStore> load_file(const std::string& path, std::string& error);

  KeyStore() = default;
  KeyStore(const KeyStore& o) : vehicles_(o.vehicles_), accounts_(o.accounts_) { reset_usage(); }
  KeyStore& operator=(const KeyStore& o) {
    vehicles_ = o.vehicles_;
    accounts_ = o.accounts_;
    reset_usage();
    return *this;
  }
  KeyStore(KeyStore&&) = default;
  KeyStore& operator=(KeyStore&&) = default;

  void add_vehicle(VehicleKey key);
  void add_account(Account account);

  // Exact (case-insensitive) vehicle id lookup.
  const VehicleKey* find_vehicle(std::string_view id) const;
  const VehicleKey* find_by_vin(std::string_view vin) const;
  const Account* find_account(std::string_view username) const;
  const std::vector<VehicleKey>& vehicles() const { return vehicles_; }
  const std::vector<Account>& accounts() const { return accounts_; }
  bool empty() const { return vehicles_.empty() && accounts_.empty(); }

  // Usage tracking, so that keys that never matched can be reported at the end.
  void mark_used(const VehicleKey* key) const;
  bool was_used(const VehicleKey& key) const;

 private:
  void reset_usage() { used_.reset(new std::atomic<bool>[vehicles_.size() + 1]()); }
  std::vector<VehicleKey> vehicles_;
  std::vector<Account> accounts_;
  std::unique_ptr<std::atomic<bool>[]> used_{new std::atomic<bool>[1]()};
};

bool iequals(std::string_view a, std::string_view b);

}  // namespace ovms
