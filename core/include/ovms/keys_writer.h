// Writing keys files: the YAML that KeyStore::load_file reads (keys/README.md), from a KeyStore or
// entry by entry. Used by the simulator (--keys-out), ovmsdump -w (the keys beside a capture), the
// proxy's --record and the inspector's keys editor. The file holds secrets: mode 0600.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ovms/keys.h"

namespace ovms {

class KeysWriter {
 public:
  KeysWriter() = default;
  // Every vehicle and account of `keys` (keys learned from traffic too: `keys` is then a KeyRing's
  // view), or only the vehicles `select` accepts (accounts are kept: they name no vehicle).
  explicit KeysWriter(const KeyStore& keys, const std::function<bool(const VehicleKey&)>& select = {});

  // An entry with the id of one already added replaces it (the last word wins); entries with no id
  // (auto-provisioning, known by VIN or ICCID) are replaced by the same VIN, else the same ICCID.
  // `comment` is written above it; a learned key with no comment says where it was learned.
  void add_vehicle(const VehicleKey& key, const std::string& comment = {});
  void add_account(const std::string& username, const std::string& password);
  bool empty() const { return vehicles_.empty() && accounts_.empty(); }
  std::size_t vehicles() const { return vehicles_.size(); }

  // The YAML text; `header` (may span lines) is written first, as comments.
  std::string render(const std::string& header = {}) const;
  // Writes the file, mode 0600 (an existing file is narrowed to it). False with `error` naming the
  // path and the reason.
  bool write(const std::string& path, const std::string& header, std::string& error) const;

 private:
  struct Entry {
    VehicleKey key;
    std::string comment;
  };
  std::vector<Entry> vehicles_;
  std::vector<Account> accounts_;
};

}  // namespace ovms
