#include "fields.h"

#include <epan/unit_strings.h>
#include <epan/value_string.h>
#include <wsutil/wslog.h>

#include <deque>
#include <string>
#include <unordered_map>

namespace ovms_ws {

Hf hf;
Ett ett;

namespace {

// Everything Wireshark keeps pointers to lives here until the program ends: strings, hf/ett indices,
// the hf_register_info and ei_register_info arrays (never resized after registration), value strings.
std::deque<std::string> g_strings;
std::deque<int> g_ids;
std::vector<hf_register_info> g_hf;
std::vector<int*> g_etts;
std::deque<std::vector<val64_string>> g_val64;
std::deque<unit_name_string> g_units;
std::unordered_map<const ovms::FieldDef*, FieldHf> g_fields;
std::unordered_map<std::string, const FieldHf*> g_by_abbrev;
std::unordered_map<const ovms::MessageDef*, int*> g_message_ett;
expert_field g_ei[static_cast<std::size_t>(ovms::DiagId::kCount)];
std::vector<ei_register_info> g_ei_reg;

const val64_string kBoolValues[] = {
    {0, "False"},
    {1, "True"},
    {static_cast<guint64>(-1), "Unknown (stale)"},
    {0, nullptr},
};

const char* keep(std::string s) {
  g_strings.push_back(std::move(s));
  return g_strings.back().c_str();
}

int* new_index() {
  g_ids.push_back(-1);
  return &g_ids.back();
}

int* add_hf(const char* name, const char* abbrev, enum ftenum type, int display, const void* strings = nullptr,
            guint64 bitmask = 0, const char* blurb = nullptr, int* target = nullptr) {
  int* id = target ? target : new_index();
  hf_register_info r{id, {name, abbrev, type, display, strings, bitmask, blurb, HFILL}};
  g_hf.push_back(r);
  return id;
}

int* add_ett() {
  int* id = new_index();
  g_etts.push_back(id);
  return id;
}

const char* type_name(ovms::FieldType t) {
  switch (t) {
    case ovms::FieldType::Int: return "integer";
    case ovms::FieldType::Float: return "number";
    case ovms::FieldType::Text: return "text";
    case ovms::FieldType::Enum: return "enumeration";
    case ovms::FieldType::Flags: return "bit flags";
    case ovms::FieldType::Bool: return "boolean (0/1, -1 stale)";
    case ovms::FieldType::Timestamp: return "absolute time, sent as epoch seconds (-1: none)";
    case ovms::FieldType::Hex: return "hexadecimal integer";
  }
  return "?";
}

bool keyword_enum(const ovms::FieldDef& f) {
  for (uint8_t i = 0; i < f.n_enums; ++i)
    if (f.enums[i].keyword) return true;
  return false;
}

// The narrowest integer width holding every flag bit of the field (the D door bytes are 8 bits).
int flag_bits(const ovms::FieldDef& f) {
  uint32_t all = 0;
  for (uint8_t i = 0; i < f.n_flags; ++i) all |= f.flags[i].mask;
  return all <= 0xff ? 8 : all <= 0xffff ? 16 : 32;
}

const unit_name_string* unit_for(const ovms::FieldDef& f) {
  if (!f.unit || !*f.unit) return nullptr;
  std::string u = f.unit;
  if (u != "%") u = " " + u;
  g_units.push_back(unit_name_string{const_cast<char*>(keep(u)), nullptr});
  return &g_units.back();
}

// One Wireshark field for a catalog field, named `<prefix>.<field name>`. A name seen before (commands
// share parameter names) reuses the first registration; the catalog guarantees one type per name.
void add_catalog_field(const std::string& prefix, const std::string& label_prefix, const ovms::FieldDef& f) {
  if (g_fields.count(&f)) return;
  std::string abbrev = prefix + "." + f.name;
  Rep rep = Rep::String;
  enum ftenum ft = FT_STRING;
  int display = BASE_NONE;
  const void* strings = nullptr;
  switch (f.type) {
    case ovms::FieldType::Text:
      break;
    case ovms::FieldType::Float:
      rep = Rep::Double;
      ft = FT_DOUBLE;
      break;
    case ovms::FieldType::Flags:
      rep = Rep::Flags;
      ft = flag_bits(f) == 8 ? FT_UINT8 : flag_bits(f) == 16 ? FT_UINT16 : FT_UINT32;
      display = BASE_HEX;
      break;
    case ovms::FieldType::Enum:
      if (keyword_enum(f)) break;  // text values ("charging"): FT_STRING, the label is appended
      rep = Rep::Int64;
      ft = FT_INT64;
      display = BASE_DEC | BASE_VAL64_STRING;
      {
        std::vector<val64_string> vals;
        for (uint8_t i = 0; i < f.n_enums; ++i)
          vals.push_back(val64_string{static_cast<guint64>(f.enums[i].value), f.enums[i].label});
        vals.push_back(val64_string{0, nullptr});
        g_val64.push_back(std::move(vals));
        strings = g_val64.back().data();
      }
      break;
    case ovms::FieldType::Bool:
      rep = Rep::Int64;
      ft = FT_INT64;
      display = BASE_DEC | BASE_VAL64_STRING;
      strings = kBoolValues;
      break;
    case ovms::FieldType::Timestamp:
      rep = Rep::Time;
      ft = FT_ABSOLUTE_TIME;
      display = ABSOLUTE_TIME_UTC;
      break;
    case ovms::FieldType::Int:
    case ovms::FieldType::Hex:
      rep = Rep::Int64;
      ft = FT_INT64;
      display = BASE_DEC;
      break;
  }
  const unit_name_string* unit = (f.type == ovms::FieldType::Int || rep == Rep::Double) ? unit_for(f) : nullptr;
  if (unit && rep == Rep::Int64) {
    display |= BASE_UNIT_STRING;
    strings = unit;
  }

  auto seen = g_by_abbrev.find(abbrev);
  if (seen != g_by_abbrev.end()) {
    if (seen->second->rep == rep) {
      g_fields[&f] = *seen->second;
      return;
    }
    // Two catalog fields with one name but different types: keep both, the second with its type in the
    // name (the catalog promises this does not happen; say so if it does).
    ws_warning("ovms: catalog field %s has two types; the second is registered as %s_%d", abbrev.c_str(),
               abbrev.c_str(), static_cast<int>(f.type));
    abbrev += "_" + std::to_string(static_cast<int>(f.type));
  }

  FieldHf fh;
  fh.rep = rep;
  if (rep == Rep::Flags) fh.max = flag_bits(f) == 32 ? 0xffffffffu : (1u << flag_bits(f)) - 1;
  if (unit && rep == Rep::Double) fh.unit = unit->singular;
  fh.def = &f;
  std::string blurb = label_prefix + ": " + type_name(f.type);
  if (f.unit && *f.unit) blurb += std::string(", ") + f.unit;
  if (f.doc_diff) blurb += std::string(". Differs from the 2013 guides: ") + f.doc_diff;
  const char* abbrev_c = keep(abbrev);
  fh.id = add_hf(keep(f.label), abbrev_c, ft, display, strings, 0, keep(blurb));
  if (rep == Rep::Flags) {
    fh.ett = add_ett();
    for (uint8_t i = 0; i < f.n_flags; ++i) {
      const ovms::FlagBit& b = f.flags[i];
      fh.flag_ids.push_back(add_hf(keep(b.label), keep(abbrev + "." + b.name), FT_BOOLEAN, flag_bits(f), nullptr,
                                   b.mask, nullptr));
    }
  }
  FieldHf& stored = g_fields[&f] = std::move(fh);
  g_by_abbrev.emplace(abbrev, &stored);
}

int group_of(ovms::DiagGroup g) {
  switch (g) {
    case ovms::DiagGroup::Decryption: return PI_DECRYPTION;
    case ovms::DiagGroup::Malformed: return PI_MALFORMED;
    case ovms::DiagGroup::Protocol: return PI_PROTOCOL;
    case ovms::DiagGroup::Sequence: return PI_SEQUENCE;
  }
  return PI_PROTOCOL;
}

int severity_of(ovms::Severity s) {
  switch (s) {
    case ovms::Severity::Note: return PI_NOTE;
    case ovms::Severity::Warning: return PI_WARN;
    case ovms::Severity::Error: return PI_ERROR;
  }
  return PI_NOTE;
}

// A fixed field: its index goes straight into the global Hf struct.
void fixed(int& id, const char* name, const char* abbrev, enum ftenum type, int display = BASE_NONE,
           const void* strings = nullptr, const char* blurb = nullptr) {
  add_hf(name, abbrev, type, display, strings, 0, blurb, &id);
}

void register_fixed_fields() {
  fixed(hf.line, "Line", "ovms.line", FT_STRING, BASE_NONE, nullptr,
        "The line as sent, without its line end (WebSocket: the frame payload)");
  fixed(hf.plaintext, "Plaintext", "ovms.plaintext", FT_STRING, BASE_NONE, nullptr,
        "The message text as the sender built it (decrypted for scheme 0)");
  fixed(hf.code, "Message code", "ovms.code", FT_STRING);
  fixed(hf.name, "Message name", "ovms.name", FT_STRING);
  fixed(hf.command_name, "Command", "ovms.command_name", FT_STRING, BASE_NONE, nullptr,
        "C and c: the command's catalog name");
  fixed(hf.vehicle_id, "Vehicle ID", "ovms.vehicle_id", FT_STRING);
  fixed(hf.role, "Sender role", "ovms.role", FT_STRING, BASE_NONE, nullptr,
        "car, app, batch, server, autoprovision or unknown");
  fixed(hf.direction, "Direction", "ovms.direction", FT_STRING, BASE_NONE, nullptr,
        "c2s (client to server) or s2c");
  fixed(hf.kind, "Line kind", "ovms.kind", FT_STRING, BASE_NONE, nullptr,
        "welcome, server_welcome, ap_request, ap_reply, websocket_upgrade, message, unrecognised");
  fixed(hf.scheme, "Scheme", "ovms.scheme", FT_INT32, BASE_DEC);
  fixed(hf.client_token, "Client token", "ovms.client_token", FT_STRING);
  fixed(hf.server_token, "Server token", "ovms.server_token", FT_STRING);
  fixed(hf.handshake_ok, "Handshake verified", "ovms.handshake_ok", FT_BOOLEAN, BASE_NONE, nullptr,
        "The digest was checked against a known secret (or account password) and matched");
  fixed(hf.key_source, "Key source", "ovms.key_source", FT_STRING, BASE_NONE, nullptr,
        "none, vehicle_id, digest_search, account, iccid");
  fixed(hf.key_id, "Key entry", "ovms.key_id", FT_STRING, BASE_NONE, nullptr,
        "Which keys entry (vehicle id or username) was used");
  fixed(hf.key_learned_in, "Key learned in", "ovms.key_learned_in", FT_FRAMENUM, BASE_NONE, nullptr,
        "The key was not configured but learned from this capture, in this frame (an AP-S record)");
  fixed(hf.paranoid_plaintext, "Paranoid plaintext", "ovms.paranoid.plaintext", FT_STRING);
  fixed(hf.paranoid_code, "Paranoid message code", "ovms.paranoid.code", FT_STRING);
  fixed(hf.paranoid_name, "Paranoid message name", "ovms.paranoid.name", FT_STRING);
  fixed(hf.paranoid_truncated, "Paranoid payload truncated", "ovms.paranoid.truncated", FT_BOOLEAN);
  fixed(hf.response_to, "Response to", "ovms.response_to", FT_FRAMENUM, BASE_NONE,
        FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), "The frame of the command this response answers");
  fixed(hf.response_in, "Response in", "ovms.response_in", FT_FRAMENUM, BASE_NONE,
        FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), "A frame with a response to this command");
  fixed(hf.diag, "Diagnostic", "ovms.diag", FT_STRING, BASE_NONE, nullptr,
        "The stable key of a diagnostic of the decoder (also an expert info ovms.expert.<key>)");
  fixed(hf.malformed_value, "Malformed value", "ovms.malformed_value", FT_STRING, BASE_NONE, nullptr,
        "A field whose text does not have the catalog's type");
  fixed(hf.extra_field, "Extra field", "ovms.extra_field", FT_STRING, BASE_NONE, nullptr,
        "A field the catalog does not describe (kept as text)");
  fixed(hf.empty_field, "Empty field", "ovms.empty_field", FT_STRING, BASE_NONE, nullptr,
        "The name of a field sent empty");
  fixed(hf.reassembled_in, "Line completed in", "ovms.reassembled_in", FT_FRAMENUM, BASE_NONE, nullptr,
        "The frame where the line holding this segment's last bytes is complete");
  fixed(hf.retransmitted, "Bytes already seen", "ovms.retransmitted", FT_UINT32, BASE_DEC, nullptr,
        "Retransmitted or overlapping bytes, not given to the decoder again");
  fixed(hf.held, "Out of order", "ovms.out_of_order", FT_BOOLEAN, BASE_NONE, nullptr,
        "Bytes held until the missing ones before them arrive");
  fixed(hf.summary, "Summary", "ovms.summary", FT_STRING);
  fixed(hf.stream_pos, "Stream offset", "ovms.stream_offset", FT_UINT64, BASE_DEC, nullptr,
        "Position of the line's first byte in its direction's TCP stream");
}

}  // namespace

void register_fields(int proto) {
  register_fixed_fields();

  std::size_t n = 0;
  const ovms::MessageDef* messages = ovms::message_defs(&n);
  for (std::size_t m = 0; m < n; ++m) {
    const ovms::MessageDef& def = messages[m];
    const std::string prefix = std::string("ovms.") + def.name;
    const std::string label = std::string(1, def.code) + " " + def.label;
    for (uint8_t i = 0; i < def.n_fields; ++i) add_catalog_field(prefix, label, def.fields[i]);
    g_message_ett[&def] = add_ett();
  }
  // Command parameters and response fields live under the C and c messages' names.
  std::size_t nc = 0;
  const ovms::CommandDef* commands = ovms::command_defs(&nc);
  for (std::size_t m = 0; m < n; ++m) {
    const ovms::MessageDef& def = messages[m];
    if (def.layout != ovms::Layout::Command && def.layout != ovms::Layout::CommandResponse) continue;
    const bool request = def.layout == ovms::Layout::Command;
    const std::string prefix = std::string("ovms.") + def.name;
    for (std::size_t c = 0; c < nc; ++c) {
      const ovms::CommandDef& cmd = commands[c];
      const std::string label = std::string(1, def.code) + std::to_string(cmd.number) + " " + cmd.label;
      const ovms::FieldDef* fields = request ? cmd.params : cmd.response;
      const uint8_t count = request ? cmd.n_params : cmd.n_response;
      for (uint8_t i = 0; i < count; ++i) add_catalog_field(prefix, label, fields[i]);
    }
  }
  // The auto-provisioning record: the module's numbered parameters.
  std::size_t np = 0;
  const ovms::FieldDef* params = ovms::module_params(&np);
  for (std::size_t i = 0; i < np; ++i)
    add_catalog_field("ovms.ap_record", "Auto-provisioning parameter #" + std::to_string(i), params[i]);

  for (int* e : {&ett.proto, &ett.line, &ett.handshake, &ett.message, &ett.paranoid, &ett.diags}) g_etts.push_back(e);

  proto_register_field_array(proto, g_hf.data(), static_cast<int>(g_hf.size()));
  proto_register_subtree_array(g_etts.data(), static_cast<int>(g_etts.size()));

  // One expert info per diagnostic kind.
  std::size_t nd = 0;
  const ovms::DiagDef* diags = ovms::diag_defs(&nd);
  for (expert_field& e : g_ei) e = EI_INIT;
  for (std::size_t i = 0; i < nd; ++i) {
    const ovms::DiagDef& d = diags[i];
    auto idx = static_cast<std::size_t>(d.id);
    if (idx >= static_cast<std::size_t>(ovms::DiagId::kCount)) continue;
    ei_register_info r{&g_ei[idx], {keep(std::string("ovms.expert.") + d.key), group_of(d.group),
                                    severity_of(d.severity), d.summary, EXPFILL}};
    g_ei_reg.push_back(r);
  }
  expert_module_t* module = expert_register_protocol(proto);
  expert_register_field_array(module, g_ei_reg.data(), static_cast<int>(g_ei_reg.size()));
}

const FieldHf* field_hf(const ovms::FieldDef* def) {
  auto it = g_fields.find(def);
  return it == g_fields.end() ? nullptr : &it->second;
}

int message_ett(const ovms::MessageDef* def) {
  auto it = g_message_ett.find(def);
  return it == g_message_ett.end() ? ett.message : *it->second;
}

expert_field* diag_ei(ovms::DiagId id) {
  auto idx = static_cast<std::size_t>(id);
  return idx < static_cast<std::size_t>(ovms::DiagId::kCount) ? &g_ei[idx] : nullptr;
}

}  // namespace ovms_ws
