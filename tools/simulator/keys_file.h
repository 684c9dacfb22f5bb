// The keys file (YAML) for the vehicles a scenario simulates, in the format ovmsdump -k reads.
// It holds secrets: written with mode 0600.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ovms::sim {

struct KeyEntry {
  std::string id;
  std::string server_password;
  std::optional<std::string> module_password;
  std::optional<std::string> iccid;
  std::optional<std::string> vin;
  std::string comment;  // written above the entry
};

class KeysFile {
 public:
  // A vehicle id already present is replaced (the last word wins).
  void add_vehicle(KeyEntry entry);
  void add_account(const std::string& username, const std::string& password);
  bool empty() const { return vehicles_.empty() && accounts_.empty(); }

  std::string render(const std::string& header) const;
  bool write(const std::string& path, const std::string& header, std::string& error) const;

 private:
  std::vector<KeyEntry> vehicles_;
  std::vector<std::pair<std::string, std::string>> accounts_;
};

}  // namespace ovms::sim
