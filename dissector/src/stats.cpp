#include "stats.h"

#include <epan/packet.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>

namespace ovms_ws {
namespace {

const char* const kByMessage = "Lines by message";
const char* const kByVehicle = "Lines by vehicle";
const char* const kByDirection = "Lines by direction";
const char* const kByRole = "Lines by sender";

int g_by_message = -1, g_by_vehicle = -1, g_by_direction = -1, g_by_role = -1;

void tree_init(stats_tree* st) {
  g_by_message = stats_tree_create_node(st, kByMessage, 0, STAT_DT_INT, TRUE);
  g_by_vehicle = stats_tree_create_node(st, kByVehicle, 0, STAT_DT_INT, TRUE);
  g_by_direction = stats_tree_create_node(st, kByDirection, 0, STAT_DT_INT, TRUE);
  g_by_role = stats_tree_create_node(st, kByRole, 0, STAT_DT_INT, TRUE);
}

tap_packet_status tree_packet(stats_tree* st, packet_info*, epan_dissect_t*, const void* p, tap_flags_t) {
  const auto* t = static_cast<const TapLine*>(p);
  tick_stat_node(st, kByMessage, 0, FALSE);
  tick_stat_node(st, t->message, g_by_message, FALSE);
  tick_stat_node(st, kByVehicle, 0, FALSE);
  tick_stat_node(st, *t->vehicle ? t->vehicle : "(unknown)", g_by_vehicle, FALSE);
  tick_stat_node(st, kByDirection, 0, FALSE);
  tick_stat_node(st, t->direction, g_by_direction, FALSE);
  tick_stat_node(st, kByRole, 0, FALSE);
  tick_stat_node(st, t->role, g_by_role, FALSE);
  return TAP_PACKET_REDRAW;
}

}  // namespace

int register_ovms_tap() { return register_tap("ovms"); }

void register_ovms_stats_tree() {
  stats_tree_register_plugin("ovms", "ovms", "OVMS/Messages", 0, tree_packet, tree_init, nullptr);
}

}  // namespace ovms_ws
