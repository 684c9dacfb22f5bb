#include "prefs.h"

#include <epan/uat.h>
#include <wsutil/report_message.h>
#include <wsutil/wslog.h>

#include <exception>
#include <string>
#include <vector>

namespace ovms_ws {
namespace {

// One row of the keys table. The UAT owns these (GLib strings).
struct KeyRow {
  char* vehicle_id;
  char* server_password;
  char* module_password;
};

KeyRow* g_rows = nullptr;
guint g_n_rows = 0;
const char* g_keys_file = "";  // owned by the preferences module
std::shared_ptr<const ovms::KeyStore> g_keys = std::make_shared<ovms::KeyStore>();
std::string g_last_error;      // so that one bad file is reported once, not at every apply
std::string g_last_warnings;   // likewise for a keys file that others may read

UAT_CSTRING_CB_DEF(ovms_keys, vehicle_id, KeyRow)
UAT_CSTRING_CB_DEF(ovms_keys, server_password, KeyRow)
UAT_CSTRING_CB_DEF(ovms_keys, module_password, KeyRow)

void* row_copy(void* dest, const void* source, size_t /*len*/) {
  auto* d = static_cast<KeyRow*>(dest);
  const auto* s = static_cast<const KeyRow*>(source);
  d->vehicle_id = g_strdup(s->vehicle_id);
  d->server_password = g_strdup(s->server_password);
  d->module_password = g_strdup(s->module_password);
  return d;
}

gboolean row_update(void* record, char** error) {
  const auto* r = static_cast<const KeyRow*>(record);
  if (!r->vehicle_id || !*r->vehicle_id) {
    *error = g_strdup("The vehicle id must not be empty");
    return FALSE;
  }
  if (!r->server_password || !*r->server_password) {
    *error = g_strdup("The server password must not be empty");
    return FALSE;
  }
  return TRUE;
}

void row_free(void* record) {
  auto* r = static_cast<KeyRow*>(record);
  g_free(r->vehicle_id);
  g_free(r->server_password);
  g_free(r->module_password);
}

void rebuild() noexcept {
  try {
    auto keys = std::make_shared<ovms::KeyStore>();
    // Table rows first: for the same vehicle id they win over the file.
    for (guint i = 0; i < g_n_rows; ++i) {
      const KeyRow& r = g_rows[i];
      if (!r.vehicle_id || !*r.vehicle_id || !r.server_password) continue;
      ovms::VehicleKey k;
      k.id = r.vehicle_id;
      k.server_password = r.server_password;
      if (r.module_password && *r.module_password) k.module_password = std::string(r.module_password);
      keys->add_vehicle(std::move(k));
    }
    if (g_keys_file && *g_keys_file) {
      std::string error;
      std::vector<std::string> warnings;
      std::optional<ovms::KeyStore> file = ovms::KeyStore::load_file(g_keys_file, error, &warnings);
      std::string said;
      for (const std::string& w : warnings) said += (said.empty() ? "" : "\n") + w;
      if (!said.empty() && said != g_last_warnings) report_warning("OVMS keys file: %s", said.c_str());
      g_last_warnings = said;
      if (!file) {
        if (error != g_last_error) report_failure("OVMS keys file: %s", error.c_str());
        g_last_error = error;
      } else {
        g_last_error.clear();
        for (const ovms::VehicleKey& v : file->vehicles()) keys->add_vehicle(v);
        for (const ovms::Account& a : file->accounts()) keys->add_account(a);
      }
    } else {
      g_last_error.clear();
      g_last_warnings.clear();
    }
    g_keys = std::move(keys);
  } catch (const std::exception& e) {
    ws_warning("ovms: cannot build the key store: %s", e.what());
  } catch (...) {
    ws_warning("ovms: cannot build the key store");
  }
}

void uat_changed() { rebuild(); }

}  // namespace

void register_key_prefs(module_t* module) {
  prefs_register_filename_preference(
      module, "keys_file", "Keys file",
      "A YAML keys file, the one ovmsdump -k reads. For example:\n"
      "vehicles:\n"
      "  - id: DEMO\n"
      "    server_password: demo-secret-1\n"
      "    module_password: paranoid-pass   # optional (paranoid mode)\n"
      "    iccid: \"8944500102198304826\"   # optional (auto-provisioning)\n"
      "    vin: WVWZZZAAZLD000042            # optional (auto-provisioning)\n"
      "accounts:                           # scheme 1 (plain-text logins)\n"
      "  - username: alice\n"
      "    password: s3cret\n"
      "The whole format: " OVMS_KEYS_DOC " (installed with the plugin), or keys/README.md of OVMS Inspector.",
      &g_keys_file, FALSE);

  static uat_field_t fields[] = {
      UAT_FLD_CSTRING(ovms_keys, vehicle_id, "Vehicle ID", "The vehicle id (matched case-insensitively)"),
      UAT_FLD_CSTRING(ovms_keys, server_password, "Server password",
                      "The shared secret of the session layer (the car's server.v2 password)"),
      UAT_FLD_CSTRING(ovms_keys, module_password, "Module password",
                      "The paranoid-mode password (optional; the server password is tried too)"),
      UAT_END_FIELDS};
  uat_t* table = uat_new("OVMS keys", sizeof(KeyRow), "ovms_keys", TRUE, &g_rows, &g_n_rows,
                         UAT_AFFECTS_DISSECTION, nullptr, row_copy, row_update, row_free, uat_changed, nullptr,
                         fields);
  prefs_register_uat_preference(module, "keys_table", "Keys table",
                                "Vehicles and their passwords (added to the keys file's)", table);
}

void apply_key_prefs() { rebuild(); }

std::shared_ptr<const ovms::KeyStore> current_keys() { return g_keys; }

}  // namespace ovms_ws
