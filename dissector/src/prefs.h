// Preferences of the plugin: the keys file (ovms.keys_file) and the keys table (UAT "ovms_keys"), merged
// into one ovms::KeyStore. A change re-dissects the capture (Wireshark frees the file scope, and with it the
// decoders that used the old keys).
#pragma once

#include <epan/prefs.h>

#include <memory>

#include "ovms/keys.h"

namespace ovms_ws {

// Registers the preferences on the protocol's module. `module` comes from prefs_register_protocol().
void register_key_prefs(module_t* module);
// Re-reads the keys file and the table (the module's apply callback).
void apply_key_prefs();
// The keys in force; never null (empty when nothing is configured).
std::shared_ptr<const ovms::KeyStore> current_keys();

}  // namespace ovms_ws
