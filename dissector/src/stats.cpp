#include "stats.h"

#include <epan/packet.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>

namespace ovms_ws {
namespace {

int g_table_node[kTapTables];

const char* table_title(std::size_t t) { return ovms::present::stat_table_title(static_cast<ovms::present::StatTable>(t)); }

void tree_init(stats_tree* st) {
  for (std::size_t t = 0; t < kTapTables; ++t)
    g_table_node[t] = stats_tree_create_node(st, table_title(t), 0, STAT_DT_INT, TRUE);
}

tap_packet_status tree_packet(stats_tree* st, packet_info*, epan_dissect_t*, const void* p, tap_flags_t) {
  const auto* line = static_cast<const TapLine*>(p);
  for (std::size_t t = 0; t < kTapTables; ++t) {
    tick_stat_node(st, table_title(t), 0, FALSE);
    tick_stat_node(st, line->keys[t], g_table_node[t], FALSE);
  }
  return TAP_PACKET_REDRAW;
}

}  // namespace

int register_ovms_tap() { return register_tap("ovms"); }

void register_ovms_stats_tree() {
  stats_tree_register_plugin("ovms", "ovms", "OVMS/Messages", 0, tree_packet, tree_init, nullptr);
}

}  // namespace ovms_ws
