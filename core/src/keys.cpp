#include "ovms/keys.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace ovms {
namespace {

struct KeysError {
  YAML::Mark mark;
  std::string what;
};

std::string where(const std::string& source, const YAML::Mark& m) {
  return source + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

// A scalar value as a string; passwords like 1234 are numbers to YAML, so accept any scalar.
std::string scalar(const YAML::Node& node, const char* key) {
  if (!node.IsScalar()) throw KeysError{node.Mark(), std::string("'") + key + "' must be a text value"};
  return node.Scalar();
}

std::optional<std::string> optional_scalar(const YAML::Node& map, const char* key) {
  YAML::Node n = map[key];
  if (!n || n.IsNull()) return std::nullopt;
  return scalar(n, key);
}

void check_keys(const YAML::Node& map, std::initializer_list<const char*> allowed, const char* what) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string k = it->first.IsScalar() ? it->first.Scalar() : "?";
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      throw KeysError{it->first.Mark(), "unknown key '" + k + "' in " + what + " (expected one of: " + list + ")"};
    }
  }
}

void load_into(KeyStore& store, const YAML::Node& root) {
  if (root.IsNull()) return;  // an empty file: no keys
  if (!root.IsMap()) throw KeysError{root.Mark(), "the keys file must be a mapping with 'vehicles' and/or 'accounts'"};
  check_keys(root, {"vehicles", "accounts"}, "the keys file");
  if (YAML::Node vs = root["vehicles"]; vs && !vs.IsNull()) {
    if (!vs.IsSequence()) throw KeysError{vs.Mark(), "'vehicles' must be a list"};
    for (const YAML::Node& v : vs) {
      if (!v.IsMap()) throw KeysError{v.Mark(), "each vehicle must be a mapping with 'id' and 'server_password'"};
      check_keys(v, {"id", "server_password", "module_password", "iccid", "vin"}, "a vehicle");
      if (!v["id"]) throw KeysError{v.Mark(), "vehicle without 'id'"};
      if (!v["server_password"]) throw KeysError{v.Mark(), "vehicle '" + scalar(v["id"], "id") + "' has no 'server_password'"};
      VehicleKey k;
      k.id = scalar(v["id"], "id");
      if (k.id.empty()) throw KeysError{v["id"].Mark(), "empty vehicle id"};
      k.server_password = scalar(v["server_password"], "server_password");
      k.module_password = optional_scalar(v, "module_password");
      k.iccid = optional_scalar(v, "iccid");
      k.vin = optional_scalar(v, "vin");
      k.line = v.Mark().line + 1;
      store.add_vehicle(std::move(k));
    }
  }
  if (YAML::Node as = root["accounts"]; as && !as.IsNull()) {
    if (!as.IsSequence()) throw KeysError{as.Mark(), "'accounts' must be a list"};
    for (const YAML::Node& a : as) {
      if (!a.IsMap()) throw KeysError{a.Mark(), "each account must be a mapping with 'username' and 'password'"};
      check_keys(a, {"username", "password"}, "an account");
      if (!a["username"] || !a["password"]) throw KeysError{a.Mark(), "account needs 'username' and 'password'"};
      store.add_account(Account{scalar(a["username"], "username"), scalar(a["password"], "password"), a.Mark().line + 1});
    }
  }
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::optional<KeyStore> KeyStore::parse(std::string_view yaml, const std::string& source, std::string& error) {
  KeyStore store;
  try {
    load_into(store, YAML::Load(std::string(yaml)));
  } catch (const KeysError& e) {
    error = where(source, e.mark) + ": " + e.what;
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    error = where(source, e.mark) + ": " + e.msg;
    return std::nullopt;
  }
  return store;
}

std::optional<KeyStore> KeyStore::load_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open keys file '" + path + "'";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path, error);
}

void KeyStore::add_vehicle(VehicleKey key) {
  vehicles_.push_back(std::move(key));
  reset_usage();
}

void KeyStore::add_account(Account account) { accounts_.push_back(std::move(account)); }

const VehicleKey* KeyStore::find_vehicle(std::string_view id) const {
  for (const auto& v : vehicles_)
    if (iequals(v.id, id)) return &v;
  return nullptr;
}

const VehicleKey* KeyStore::find_by_vin(std::string_view vin) const {
  for (const auto& v : vehicles_)
    if (v.vin && iequals(*v.vin, vin)) return &v;
  return nullptr;
}

const Account* KeyStore::find_account(std::string_view username) const {
  for (const auto& a : accounts_)
    if (a.username == username) return &a;
  return nullptr;
}

void KeyStore::mark_used(const VehicleKey* key) const {
  if (key >= vehicles_.data() && key < vehicles_.data() + vehicles_.size()) used_[key - vehicles_.data()] = true;
}

bool KeyStore::was_used(const VehicleKey& key) const {
  const VehicleKey* p = &key;
  return p >= vehicles_.data() && p < vehicles_.data() + vehicles_.size() && used_[p - vehicles_.data()];
}

}  // namespace ovms
