// The plugin's entry points. Wireshark 4.0 looks up exactly these four symbols; in C++ they must have C
// linkage and default visibility (everything else in the module is hidden).
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/tap.h>
#include <ws_version.h>

#include "plugin.h"

#define OVMS_EXPORT __attribute__((visibility("default")))

extern "C" {
OVMS_EXPORT extern const char plugin_version[];
OVMS_EXPORT extern const int plugin_want_major;
OVMS_EXPORT extern const int plugin_want_minor;
OVMS_EXPORT void plugin_register(void);
}

const char plugin_version[] = OVMS_PLUGIN_VERSION;
const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

void plugin_register(void) {
  static proto_plugin protocol;
  protocol.register_protoinfo = ovms_ws::register_protocol;
  protocol.register_handoff = ovms_ws::register_handoff;
  proto_register_plugin(&protocol);

  static tap_plugin stats;
  stats.register_tap_listener = ovms_ws::register_tap_listeners;
  tap_register_plugin(&stats);
}
