#include "fields.h"

#include <epan/unit_strings.h>
#include <epan/value_string.h>

#include <deque>
#include <string>
#include <unordered_map>

#include "ovms/field_names.h"

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
std::unordered_map<const ovms::MessageDef*, int*> g_message_ett;
expert_field g_ei[static_cast<std::size_t>(ovms::DiagId::kCount)];
std::vector<ei_register_info> g_ei_reg;

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

const unit_name_string* unit_for(const ovms::FieldDef& f) {
  if (!f.unit || !*f.unit) return nullptr;
  std::string u = f.unit;
  if (u != "%") u = " " + u;
  g_units.push_back(unit_name_string{const_cast<char*>(keep(u)), nullptr});
  return &g_units.back();
}

const char* blurb_of(const ovms::FieldName& n) {
  std::string b = n.full_blurb();
  return b.empty() ? nullptr : keep(std::move(b));
}

// The Wireshark field of a catalog field's name (ovms/field_names.h names it and says its type).
void add_catalog_field(const ovms::FieldName& n, const std::vector<ovms::FieldName>& all) {
  const ovms::FieldDef& f = *n.field();
  Rep rep = Rep::String;
  enum ftenum ft = FT_STRING;
  int display = BASE_NONE;
  const void* strings = nullptr;
  switch (n.type) {
    case ovms::NameType::Double:
      rep = Rep::Double;
      ft = FT_DOUBLE;
      break;
    case ovms::NameType::Flags:
      rep = Rep::Flags;
      ft = n.bits == 8 ? FT_UINT8 : n.bits == 16 ? FT_UINT16 : FT_UINT32;
      display = BASE_HEX;
      break;
    case ovms::NameType::Int: {
      rep = Rep::Int64;
      ft = FT_INT64;
      display = BASE_DEC;
      std::size_t n_labels = 0;
      if (const ovms::EnumValue* labels = ovms::value_labels(f, &n_labels)) {
        display |= BASE_VAL64_STRING;
        std::vector<val64_string> vals;
        for (std::size_t i = 0; i < n_labels; ++i)
          vals.push_back(val64_string{static_cast<guint64>(labels[i].value), labels[i].label});
        vals.push_back(val64_string{0, nullptr});
        g_val64.push_back(std::move(vals));
        strings = g_val64.back().data();
      }
      break;
    }
    case ovms::NameType::Time:  // epoch seconds: Wireshark shows, sorts and filters them as dates
      rep = Rep::Time;
      ft = FT_ABSOLUTE_TIME;
      display = ABSOLUTE_TIME_UTC;
      break;
    default:  // Text, and keyword enums (the label is appended)
      break;
  }
  const unit_name_string* unit = (f.type == ovms::FieldType::Int || rep == Rep::Double) ? unit_for(f) : nullptr;
  if (unit && rep == Rep::Int64) {
    display |= BASE_UNIT_STRING;
    strings = unit;
  }

  FieldHf fh;
  fh.rep = rep;
  fh.max = n.max;
  if (unit && rep == Rep::Double) fh.unit = unit->singular;
  fh.def = &f;
  fh.id = add_hf(keep(n.label), keep(n.abbrev), ft, display, strings, 0, blurb_of(n));
  if (rep == Rep::Flags) {
    fh.ett = add_ett();
    for (std::size_t bit : n.bits_of) {
      const ovms::FieldName& b = all[bit];
      fh.flag_ids.push_back(add_hf(keep(b.label), keep(b.abbrev), FT_BOOLEAN, n.bits, nullptr, b.flag->mask,
                                   blurb_of(b)));
    }
  }
  for (const ovms::FieldDef* def : n.defs) g_fields[def] = fh;
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

// The plugin's index of each fixed field (its name, label and type come from ovms/field_names.h).
struct FixedSlot {
  ovms::NameSource source;
  int* id;
  const void* strings;
};

const FixedSlot kFixed[] = {
    {ovms::NameSource::Line, &hf.line, nullptr},
    {ovms::NameSource::Plaintext, &hf.plaintext, nullptr},
    {ovms::NameSource::Code, &hf.code, nullptr},
    {ovms::NameSource::Name, &hf.name, nullptr},
    {ovms::NameSource::CommandName, &hf.command_name, nullptr},
    {ovms::NameSource::VehicleId, &hf.vehicle_id, nullptr},
    {ovms::NameSource::Role, &hf.role, nullptr},
    {ovms::NameSource::Direction, &hf.direction, nullptr},
    {ovms::NameSource::Kind, &hf.kind, nullptr},
    {ovms::NameSource::Scheme, &hf.scheme, nullptr},
    {ovms::NameSource::ClientToken, &hf.client_token, nullptr},
    {ovms::NameSource::ServerToken, &hf.server_token, nullptr},
    {ovms::NameSource::HandshakeOk, &hf.handshake_ok, nullptr},
    {ovms::NameSource::KeySource, &hf.key_source, nullptr},
    {ovms::NameSource::KeyId, &hf.key_id, nullptr},
    {ovms::NameSource::KeyLearnedIn, &hf.key_learned_in, nullptr},
    {ovms::NameSource::Paranoid, &hf.paranoid, nullptr},
    {ovms::NameSource::ParanoidPlaintext, &hf.paranoid_plaintext, nullptr},
    {ovms::NameSource::ParanoidCode, &hf.paranoid_code, nullptr},
    {ovms::NameSource::ParanoidName, &hf.paranoid_name, nullptr},
    {ovms::NameSource::ParanoidTruncated, &hf.paranoid_truncated, nullptr},
    {ovms::NameSource::ResponseTo, &hf.response_to, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST)},
    {ovms::NameSource::ResponseIn, &hf.response_in, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE)},
    {ovms::NameSource::Diag, &hf.diag, nullptr},
    {ovms::NameSource::MalformedValue, &hf.malformed_value, nullptr},
    {ovms::NameSource::ExtraField, &hf.extra_field, nullptr},
    {ovms::NameSource::EmptyField, &hf.empty_field, nullptr},
    {ovms::NameSource::ReassembledIn, &hf.reassembled_in, nullptr},
    {ovms::NameSource::Retransmitted, &hf.retransmitted, nullptr},
    {ovms::NameSource::OutOfOrder, &hf.held, nullptr},
    {ovms::NameSource::Summary, &hf.summary, nullptr},
    {ovms::NameSource::StreamOffset, &hf.stream_pos, nullptr},
};

void add_fixed_field(const ovms::FieldName& n) {
  const FixedSlot* slot = nullptr;
  for (const FixedSlot& s : kFixed)
    if (s.source == n.source) slot = &s;
  if (!slot) return;
  enum ftenum ft = FT_STRING;
  int display = BASE_NONE;
  switch (n.type) {
    case ovms::NameType::None: ft = FT_NONE; break;
    case ovms::NameType::Text: ft = FT_STRING; break;
    case ovms::NameType::Int: ft = n.bits == 32 ? FT_INT32 : FT_INT64; display = BASE_DEC; break;
    case ovms::NameType::UInt: ft = n.bits == 32 ? FT_UINT32 : FT_UINT64; display = BASE_DEC; break;
    case ovms::NameType::Bool: ft = FT_BOOLEAN; break;
    case ovms::NameType::Double: ft = FT_DOUBLE; break;
    case ovms::NameType::FrameNum: ft = FT_FRAMENUM; break;
    case ovms::NameType::Time: ft = FT_ABSOLUTE_TIME; display = ABSOLUTE_TIME_UTC; break;
    case ovms::NameType::Flags: ft = FT_UINT32; display = BASE_HEX; break;
  }
  add_hf(keep(n.label), keep(n.abbrev), ft, display, slot->strings, 0, blurb_of(n), slot->id);
}

}  // namespace

void register_fields(int proto) {
  const std::vector<ovms::FieldName>& names = ovms::field_names();
  for (const ovms::FieldName& n : names) {
    if (!n.in_plugin()) continue;
    if (n.source == ovms::NameSource::CatalogField) add_catalog_field(n, names);
    else if (n.source != ovms::NameSource::FlagBit && n.source != ovms::NameSource::Expert) add_fixed_field(n);
  }
  std::size_t n = 0;
  const ovms::MessageDef* messages = ovms::message_defs(&n);
  for (std::size_t m = 0; m < n; ++m) g_message_ett[&messages[m]] = add_ett();

  for (int* e : {&ett.proto, &ett.line, &ett.handshake, &ett.message, &ett.paranoid, &ett.diags}) g_etts.push_back(e);

  proto_register_field_array(proto, g_hf.data(), static_cast<int>(g_hf.size()));
  proto_register_subtree_array(g_etts.data(), static_cast<int>(g_etts.size()));

  // One expert info per diagnostic kind, named ovms.expert.<key>.
  for (expert_field& e : g_ei) e = EI_INIT;
  for (const ovms::FieldName& name : names) {
    if (name.source != ovms::NameSource::Expert) continue;
    const ovms::DiagDef& d = ovms::diag_def(name.diag);
    auto idx = static_cast<std::size_t>(d.id);
    if (idx >= static_cast<std::size_t>(ovms::DiagId::kCount)) continue;
    ei_register_info r{&g_ei[idx], {keep(name.abbrev), group_of(d.group), severity_of(d.severity), d.summary, EXPFILL}};
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
