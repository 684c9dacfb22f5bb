// Header fields, subtrees and expert infos, generated at registration time from the core's field names
// (ovms/field_names.h: built from the catalog and the diagnostic table, and shared with the display
// filter, so a name means the same in Wireshark and in ovmsdump -Y). No field name is written down here.
#pragma once

#include <epan/expert.h>
#include <epan/proto.h>

#include <vector>

#include "ovms/catalog.h"
#include "ovms/diagnostic.h"

namespace ovms_ws {

// How a catalog field is represented in Wireshark.
enum class Rep : uint8_t {
  Int64,   // Int, numeric Enum, Bool, Hex: FT_INT64
  Time,    // Timestamp (epoch seconds): FT_ABSOLUTE_TIME, so Wireshark shows, sorts and filters it as a date
  Double,  // Float: FT_DOUBLE
  String,  // Text and keyword Enum: FT_STRING
  Flags,   // Flags: FT_UINT8/16/32 (as wide as its bits) with one FT_BOOLEAN per FlagBit
};

struct FieldHf {
  int* id = nullptr;                 // points at the registered hf index
  Rep rep = Rep::String;
  const ovms::FieldDef* def = nullptr;
  std::vector<int*> flag_ids;        // Rep::Flags: one per def->flags[i]
  int* ett = nullptr;                // Rep::Flags: the subtree of the bits
  uint32_t max = 0;                  // Rep::Flags: the largest value the field's width holds
  const char* unit = nullptr;        // Rep::Double: appended to the item (4.0 shows no unit strings on doubles)
};

// The fixed fields of every line (not from the catalog).
struct Hf {
  int line = -1, plaintext = -1, code = -1, name = -1, vehicle_id = -1, role = -1, direction = -1, kind = -1;
  int client_token = -1, server_token = -1, handshake_ok = -1, key_source = -1, key_id = -1, scheme = -1;
  int key_learned_in = -1;
  int paranoid = -1, paranoid_plaintext = -1, paranoid_code = -1, paranoid_name = -1, paranoid_truncated = -1;
  int response_to = -1, response_in = -1, command_name = -1, diag = -1;
  int malformed_value = -1, extra_field = -1, empty_field = -1;
  int reassembled_in = -1, retransmitted = -1, held = -1, summary = -1, stream_pos = -1;
};

struct Ett {
  int proto = -1, line = -1, handshake = -1, message = -1, paranoid = -1, diags = -1;
};

extern Hf hf;
extern Ett ett;

// Registers everything for protocol `proto`. Call once, from the protocol registration routine.
void register_fields(int proto);

// The Wireshark field of a catalog field; nullptr if the pointer is not one of the catalog's.
const FieldHf* field_hf(const ovms::FieldDef* def);
// The per-message subtree (falls back to ett.message).
int message_ett(const ovms::MessageDef* def);
// The expert info of a diagnostic kind.
expert_field* diag_ei(ovms::DiagId id);

}  // namespace ovms_ws
