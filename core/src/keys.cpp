#include "ovms/keys.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
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

// One entry of 'vehicles'. Any subset of the four secrets and identifiers will do, but not none; the
// id may be left out only by an auto-provisioning entry, whose AP record names the vehicle.
VehicleKey vehicle(const YAML::Node& v) {
  if (!v.IsMap()) throw KeysError{v.Mark(), "each vehicle must be a mapping with 'id' and its secrets"};
  check_keys(v, {"id", "server_password", "module_password", "iccid", "vin"}, "a vehicle");
  VehicleKey k;
  k.line = v.Mark().line + 1;
  k.server_password = optional_scalar(v, "server_password");
  k.module_password = optional_scalar(v, "module_password");
  k.iccid = optional_scalar(v, "iccid");
  k.vin = optional_scalar(v, "vin");
  if (YAML::Node id = v["id"]; id && !id.IsNull()) {
    k.id = scalar(id, "id");
    if (k.id.empty()) throw KeysError{id.Mark(), "empty vehicle id"};
  } else if (!k.vin && !k.iccid) {
    throw KeysError{v.Mark(), "vehicle without 'id' (only an auto-provisioning entry, with 'vin' or 'iccid', may "
                              "leave it out)"};
  }
  if (!k.server_password && !k.module_password && !k.iccid && !k.vin)
    throw KeysError{v.Mark(), "vehicle '" + k.id + "' has none of server_password, module_password, iccid, vin"};
  return k;
}

// Before the node tree is built: yaml-cpp shares an aliased node, but every walk over the tree (ours,
// and any copy or dump) expands it, so aliases of lists or mappings (nine levels of nine make a
// "billion laughs") are refused; aliases of plain values cannot multiply and stay allowed. The node
// count is capped too: yaml-cpp's tree costs about 0.6 KB per node, so the cap bounds memory.
class BoundsCheck : public YAML::EventHandler {
 public:
  static constexpr std::size_t kMaxNodes = KeyStore::kMaxYamlNodes;
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { node(m, a, false); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
    if (a < collection_.size() && collection_[a])
      throw KeysError{m, "an alias of a list or mapping (a YAML alias bomb can make millions of nodes from a few "
                         "lines): write the entries out instead"};
    node(m, 0, false);
  }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string&) override {
    node(m, a, false);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    node(m, a, true);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    node(m, a, true);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& m, YAML::anchor_t anchor, bool collection) {
    if (++nodes_ > kMaxNodes)
      throw KeysError{m, "more than " + std::to_string(kMaxNodes) + " YAML nodes: too large for a keys file"};
    if (anchor == YAML::NullAnchor) return;
    if (collection_.size() <= anchor) collection_.resize(anchor + 1, false);
    collection_[anchor] = collection;
  }
  std::size_t nodes_ = 0;
  std::vector<bool> collection_;  // by anchor number: does it name a list or mapping?
};

void check_bounds(const std::string& yaml) {
  std::istringstream in(yaml);
  YAML::Parser parser(in);
  BoundsCheck check;
  parser.HandleNextDocument(check);  // YAML::Load reads the first document only, as here
}

void load_into(KeyStore& store, const YAML::Node& root) {
  if (root.IsNull()) return;  // an empty file: no keys
  if (!root.IsMap()) throw KeysError{root.Mark(), "the keys file must be a mapping with 'vehicles' and/or 'accounts'"};
  check_keys(root, {"vehicles", "accounts"}, "the keys file");
  if (YAML::Node vs = root["vehicles"]; vs && !vs.IsNull()) {
    if (!vs.IsSequence()) throw KeysError{vs.Mark(), "'vehicles' must be a list"};
    for (const YAML::Node& v : vs) store.add_vehicle(vehicle(v));
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
    std::string text(yaml);
    check_bounds(text);
    load_into(store, YAML::Load(text));
  } catch (const KeysError& e) {
    error = where(source, e.mark) + ": " + e.what;
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    error = where(source, e.mark) + ": " + e.msg;
    return std::nullopt;
  }
  return store;
}

std::optional<KeyStore> KeyStore::load_file(const std::string& path, std::string& error,
                                            std::vector<std::string>* warnings) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) {
    error = "keys file '" + path + "' is a directory, not a file";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open keys file '" + path + "'";
    return std::nullopt;
  }
  // Like ssh with a private key: secrets that group or others may read deserve a word.
  const fs::perms open_to = st.permissions() & (fs::perms::group_all | fs::perms::others_all);
  if (warnings && !ec && open_to != fs::perms::none) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.permissions() & fs::perms::mask));
    const bool readable = (open_to & (fs::perms::group_read | fs::perms::others_read)) != fs::perms::none;
    warnings->push_back("keys file '" + path + "' has mode " + mode + ": group or others may " +
                        (readable ? "read" : "change") + " the secrets in it (chmod 600 it)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    error = "cannot read keys file '" + path + "'";
    return std::nullopt;
  }
  return parse(text.str(), path, error);
}

void KeyStore::add_vehicle(VehicleKey key) { vehicles_.push_back(std::move(key)); }

void KeyStore::add_account(Account account) { accounts_.push_back(std::move(account)); }

const VehicleKey* KeyStore::find_vehicle(std::string_view id) const {
  for (const auto& v : vehicles_)
    if (!v.id.empty() && iequals(v.id, id)) return &v;
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

std::string VehicleKey::name() const {
  if (!id.empty()) return id;
  if (vin) return "VIN " + *vin;
  return "line " + std::to_string(line);  // an ICCID is a secret: never a name
}

}  // namespace ovms
