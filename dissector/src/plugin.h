// Registration routines called by the plugin entry points (plugin.cpp).
#pragma once

namespace ovms_ws {

void register_protocol();       // fields, expert infos, preferences, tap (proto_register_plugin)
void register_handoff();        // TCP ports, heuristic, TLS (proto_register_plugin)
void register_tap_listeners();  // the statistics tree (tap_register_plugin)

}  // namespace ovms_ws
