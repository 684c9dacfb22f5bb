#include "ovms/field_names.h"

#include <algorithm>
#include <iterator>
#include <unordered_map>

namespace ovms {
namespace {

using T = NameType;
using Src = NameSource;
using Sc = NameScope;

// The fields of every line that do not come from the catalog, in the plugin's registration order.
struct LineFieldRow {
  Src source;
  const char* abbrev;
  const char* label;
  T type;
  uint8_t bits;
  Sc scope;
  const char* blurb;
};

constexpr LineFieldRow kLineFields[] = {
    {Src::Protocol, "ovms", "OVMS v2", T::None, 0, Sc::Line, "Every OVMS line"},
    {Src::Line, "ovms.line", "Line", T::Text, 0, Sc::Line,
     "The line as sent, without its line end (WebSocket: the frame payload)"},
    {Src::Plaintext, "ovms.plaintext", "Plaintext", T::Text, 0, Sc::Line,
     "The message text as the sender built it (decrypted for scheme 0)"},
    {Src::Code, "ovms.code", "Message code", T::Text, 0, Sc::Line, nullptr},
    {Src::Name, "ovms.name", "Message name", T::Text, 0, Sc::Line, nullptr},
    {Src::CommandName, "ovms.command_name", "Command", T::Text, 0, Sc::Line, "C and c: the command's catalog name"},
    {Src::VehicleId, "ovms.vehicle_id", "Vehicle ID", T::Text, 0, Sc::Line, nullptr},
    {Src::Role, "ovms.role", "Sender role", T::Text, 0, Sc::Line, "car, app, batch, server, autoprovision or unknown"},
    {Src::Direction, "ovms.direction", "Direction", T::Text, 0, Sc::Line, "c2s (client to server) or s2c"},
    {Src::Kind, "ovms.kind", "Line kind", T::Text, 0, Sc::Line,
     "welcome, server_welcome, ap_request, ap_reply, websocket_upgrade, message, unrecognised"},
    {Src::Scheme, "ovms.scheme", "Scheme", T::Int, 32, Sc::Line, nullptr},
    {Src::ClientToken, "ovms.client_token", "Client token", T::Text, 0, Sc::Line, nullptr},
    {Src::ServerToken, "ovms.server_token", "Server token", T::Text, 0, Sc::Line, nullptr},
    {Src::HandshakeOk, "ovms.handshake_ok", "Handshake verified", T::Bool, 0, Sc::Line,
     "The digest was checked against a known secret (or account password) and matched"},
    {Src::KeySource, "ovms.key_source", "Key source", T::Text, 0, Sc::Line,
     "none, vehicle_id, digest_search, account, iccid"},
    {Src::KeyId, "ovms.key_id", "Key entry", T::Text, 0, Sc::Line, "Which keys entry (vehicle id or username) was used"},
    {Src::KeyLearnedIn, "ovms.key_learned_in", "Key learned in", T::FrameNum, 0, Sc::Line,
     "The key was not configured but learned from this capture, in this frame (an AP-S record)"},
    {Src::Paranoid, "ovms.paranoid", "Paranoid message", T::None, 0, Sc::Line,
     "The decrypted inner message of a paranoid EM line"},
    {Src::ParanoidPlaintext, "ovms.paranoid.plaintext", "Paranoid plaintext", T::Text, 0, Sc::Line, nullptr},
    {Src::ParanoidCode, "ovms.paranoid.code", "Paranoid message code", T::Text, 0, Sc::Line, nullptr},
    {Src::ParanoidName, "ovms.paranoid.name", "Paranoid message name", T::Text, 0, Sc::Line, nullptr},
    {Src::ParanoidTruncated, "ovms.paranoid.truncated", "Paranoid payload truncated", T::Bool, 0, Sc::Line, nullptr},
    {Src::ResponseTo, "ovms.response_to", "Response to", T::FrameNum, 0, Sc::Line,
     "The frame of the command this response answers"},
    {Src::ResponseIn, "ovms.response_in", "Response in", T::FrameNum, 0, Sc::TwoPass,
     "A frame with a response to this command"},
    {Src::Diag, "ovms.diag", "Diagnostic", T::Text, 0, Sc::Line,
     "The stable key of a diagnostic of the decoder (also an expert info ovms.expert.<key>)"},
    {Src::MalformedValue, "ovms.malformed_value", "Malformed value", T::Text, 0, Sc::Line,
     "A field whose text does not have the catalog's type"},
    {Src::ExtraField, "ovms.extra_field", "Extra field", T::Text, 0, Sc::Line,
     "A field the catalog does not describe (kept as text)"},
    {Src::EmptyField, "ovms.empty_field", "Empty field", T::Text, 0, Sc::Line, "The name of a field sent empty"},
    {Src::ReassembledIn, "ovms.reassembled_in", "Line completed in", T::FrameNum, 0, Sc::Segment,
     "The frame where the line holding this segment's last bytes is complete"},
    {Src::Retransmitted, "ovms.retransmitted", "Bytes already seen", T::UInt, 32, Sc::Segment,
     "Retransmitted or overlapping bytes, not given to the decoder again"},
    {Src::OutOfOrder, "ovms.out_of_order", "Out of order", T::Bool, 0, Sc::Segment,
     "Bytes held until the missing ones before them arrive"},
    {Src::Summary, "ovms.summary", "Summary", T::Text, 0, Sc::Line, nullptr},
    {Src::StreamOffset, "ovms.stream_offset", "Stream offset", T::UInt, 64, Sc::Line,
     "Position of the line's first byte in its direction's TCP stream"},
    // Our records' own: Wireshark has frame.number, frame.time_epoch and tcp.stream for these.
    {Src::Frame, "frame", "Frame", T::FrameNum, 0, Sc::Record, "The capture frame that completed the line"},
    {Src::Time, "time", "Time", T::Time, 0, Sc::Record, "Its time stamp (seconds since 1970, or a date)"},
    {Src::Conn, "conn", "Connection", T::UInt, 32, Sc::Record, "The connection's number in the capture (#0, #1, ...)"},
};

// Short names for line fields, besides the full names without "ovms.".
struct Alias {
  const char* alias;
  const char* abbrev;
};
constexpr Alias kAliases[] = {
    {"dir", "ovms.direction"},
    {"vehicle", "ovms.vehicle_id"},
    {"wire", "ovms.line"},
    {"plain", "ovms.plaintext"},
    {"inner", "ovms.paranoid"},
    {"inner.plain", "ovms.paranoid.plaintext"},
    {"inner.code", "ovms.paranoid.code"},
    {"inner.name", "ovms.paranoid.name"},
    {"inner.truncated", "ovms.paranoid.truncated"},
    {"frame.number", "frame"},
};

constexpr std::string_view kPrefix = "ovms.";

// Booleans are 0/1, and -1 where the car marks a value stale.
constexpr EnumValue kBoolValues[] = {
    {0, nullptr, "False"},
    {1, nullptr, "True"},
    {-1, nullptr, "Unknown (stale)"},
};

const char* type_words(FieldType t) {
  switch (t) {
    case FieldType::Int: return "integer";
    case FieldType::Float: return "number";
    case FieldType::Text: return "text";
    case FieldType::Enum: return "enumeration";
    case FieldType::Flags: return "bit flags";
    case FieldType::Bool: return "boolean (0/1, -1 stale)";
    case FieldType::Timestamp: return "absolute time, sent as epoch seconds (-1: none)";
    case FieldType::Hex: return "hexadecimal integer";
  }
  return "?";
}

bool keyword_enum(const FieldDef& f) {
  for (uint8_t i = 0; i < f.n_enums; ++i)
    if (f.enums[i].keyword) return true;
  return false;
}

// The narrowest width holding every flag bit of the field (the D door bytes are 8 bits).
uint8_t flag_width(const FieldDef& f) {
  uint32_t all = 0;
  for (uint8_t i = 0; i < f.n_flags; ++i) all |= f.flags[i].mask;
  return all <= 0xff ? 8 : all <= 0xffff ? 16 : 32;
}

// How a catalog field's text is shown: keyword enums are text (the label is appended), every other
// integer-like type is a 64-bit integer.
NameType type_of(const FieldDef& f) {
  switch (f.type) {
    case FieldType::Text: return T::Text;
    case FieldType::Float: return T::Double;
    case FieldType::Flags: return T::Flags;
    case FieldType::Enum: return keyword_enum(f) ? T::Text : T::Int;
    case FieldType::Timestamp: return T::Time;
    case FieldType::Bool:
    case FieldType::Int:
    case FieldType::Hex: return T::Int;
  }
  return T::Text;
}

class Builder {
 public:
  std::vector<FieldName> names;
  std::unordered_map<const FieldDef*, std::size_t> by_def;

  void build() {
    names.reserve(1024);
    for (const LineFieldRow& r : kLineFields) {
      FieldName n;
      n.abbrev = r.abbrev;
      n.label = r.label;
      n.blurb = r.blurb ? r.blurb : "";
      n.type = r.type;
      n.bits = r.bits;
      n.source = r.source;
      n.scope = r.scope;
      add(std::move(n));
    }
    std::size_t nm = 0;
    const MessageDef* messages = message_defs(&nm);
    for (std::size_t m = 0; m < nm; ++m) {
      const MessageDef& def = messages[m];
      const std::string context = std::string(1, def.code) + " " + def.label;
      for (uint8_t i = 0; i < def.n_fields; ++i) catalog_field(def.name, context, def.code, def.fields[i]);
    }
    // Command parameters and response fields live under the C and c messages' names.
    std::size_t nc = 0;
    const CommandDef* commands = command_defs(&nc);
    for (std::size_t m = 0; m < nm; ++m) {
      const MessageDef& def = messages[m];
      if (def.layout != Layout::Command && def.layout != Layout::CommandResponse) continue;
      const bool request = def.layout == Layout::Command;
      for (std::size_t c = 0; c < nc; ++c) {
        const CommandDef& cmd = commands[c];
        const std::string context = std::string(1, def.code) + std::to_string(cmd.number) + " " + cmd.label;
        const FieldDef* fields = request ? cmd.params : cmd.response;
        const uint8_t count = request ? cmd.n_params : cmd.n_response;
        for (uint8_t i = 0; i < count; ++i) catalog_field(def.name, context, def.code, fields[i]);
      }
    }
    // The auto-provisioning record: the module's numbered parameters (a line without a message code).
    std::size_t np = 0;
    const FieldDef* params = module_params(&np);
    for (std::size_t i = 0; i < np; ++i)
      catalog_field("ap_record", "Auto-provisioning parameter #" + std::to_string(i), '\0', params[i]);

    std::size_t nd = 0;
    const DiagDef* diags = diag_defs(&nd);
    for (std::size_t i = 0; i < nd; ++i) {
      FieldName n;
      n.abbrev = std::string("ovms.expert.") + diags[i].key;
      n.label = diags[i].summary;
      n.blurb = std::string("a diagnostic (") + severity_name(diags[i].severity) + ")";
      n.source = Src::Expert;
      n.diag = diags[i].id;
      add(std::move(n));
    }
  }

 private:
  std::unordered_map<std::string, std::size_t> index_;

  std::size_t add(FieldName n) {
    index_.emplace(n.abbrev, names.size());
    names.push_back(std::move(n));
    return names.size() - 1;
  }

  // One name per catalog field, `ovms.<message>.<field>`. A definition seen before keeps its name; a name
  // seen before (commands share parameter names) takes the definition in; a name seen before with
  // another type gets the type's number appended (the catalog promises this does not happen; a unit
  // test checks it).
  void catalog_field(const std::string& message, const std::string& context, char code, const FieldDef& f) {
    if (auto seen = by_def.find(&f); seen != by_def.end()) {
      add_code(names[seen->second], code);
      return;
    }
    std::string abbrev = std::string(kPrefix) + message + "." + f.name;
    const NameType type = type_of(f);
    auto at = index_.find(abbrev);
    if (at != index_.end() && names[at->second].type != type) {
      abbrev += "_" + std::to_string(static_cast<int>(f.type));
      at = index_.find(abbrev);
    }
    if (at != index_.end()) {
      names[at->second].defs.push_back(&f);
      add_code(names[at->second], code);
      by_def.emplace(&f, at->second);
      return;
    }
    FieldName n;
    n.abbrev = abbrev;
    n.label = f.label;
    n.blurb = context + ": " + type_words(f.type);
    if (f.unit && *f.unit) n.blurb += std::string(", ") + f.unit;
    n.doc_diff = f.doc_diff;
    n.type = type;
    n.source = Src::CatalogField;
    n.defs.push_back(&f);
    add_code(n, code);
    if (type == T::Int) n.bits = 64;
    if (type == T::Flags) {
      n.bits = flag_width(f);
      n.max = n.bits == 32 ? 0xffffffffu : (1u << n.bits) - 1;
    }
    const std::size_t parent = add(std::move(n));
    by_def.emplace(&f, parent);
    if (type != T::Flags) return;
    for (uint8_t i = 0; i < f.n_flags; ++i) {
      FieldName b;
      b.abbrev = abbrev + "." + f.flags[i].name;
      b.label = f.flags[i].label;
      b.blurb = names[parent].label + ": bit 0x" + hex(f.flags[i].mask);
      b.type = T::Bool;
      b.bits = names[parent].bits;
      b.source = Src::FlagBit;
      b.flag = &f.flags[i];
      b.parent = parent;
      const std::size_t bit = add(std::move(b));
      names[parent].bits_of.push_back(bit);
    }
  }

  static void add_code(FieldName& n, char code) {
    if (n.codes.find(code) == std::string::npos) n.codes.push_back(code);
  }

  static std::string hex(uint32_t v) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    do {
      s.insert(s.begin(), digits[v & 0xf]);
      v >>= 4;
    } while (v);
    if (s.size() % 2) s.insert(s.begin(), '0');
    return s;
  }
};

struct Table {
  std::vector<FieldName> names;
  std::unordered_map<std::string_view, std::size_t> by_abbrev;  // views into names[i].abbrev
  std::unordered_map<std::string_view, std::size_t> by_alias;
  std::unordered_map<const FieldDef*, std::size_t> by_def;

  Table() {
    Builder b;
    b.build();
    names = std::move(b.names);
    by_def = std::move(b.by_def);
    for (std::size_t i = 0; i < names.size(); ++i) by_abbrev.emplace(names[i].abbrev, i);
    for (const Alias& a : kAliases) {
      auto it = by_abbrev.find(a.abbrev);
      if (it != by_abbrev.end()) by_alias.emplace(a.alias, it->second);
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

bool starts_with(std::string_view s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }

// Every spelling a user may type for name `i`: the full name, without "ovms.", and its aliases.
template <typename F>
void for_each_spelling(const Table& t, F&& f) {
  for (std::size_t i = 0; i < t.names.size(); ++i) {
    const std::string& a = t.names[i].abbrev;
    f(std::string_view(a), i);
    if (a.size() > kPrefix.size() && starts_with(a, kPrefix))
      f(std::string_view(a).substr(kPrefix.size()), i);
  }
  for (const auto& [alias, i] : t.by_alias) f(alias, i);
}

}  // namespace

std::string FieldName::full_blurb() const {
  if (!doc_diff) return blurb;
  return blurb + ". Differs from the 2013 guides: " + doc_diff;
}

const std::vector<FieldName>& field_names() { return table().names; }

const FieldName* find_field_name(std::string_view text) {
  const Table& t = table();
  if (auto it = t.by_abbrev.find(text); it != t.by_abbrev.end()) return &t.names[it->second];
  if (auto it = t.by_alias.find(text); it != t.by_alias.end()) return &t.names[it->second];
  if (starts_with(text, kPrefix)) return nullptr;  // "ovms.x": the full name or nothing
  std::string full = std::string(kPrefix) + std::string(text);
  if (auto it = t.by_abbrev.find(full); it != t.by_abbrev.end()) return &t.names[it->second];
  return nullptr;
}

const FieldName* field_name_of(const FieldDef* def) {
  const Table& t = table();
  auto it = t.by_def.find(def);
  return it == t.by_def.end() ? nullptr : &t.names[it->second];
}

const EnumValue* value_labels(const FieldDef& f, std::size_t* count) {
  *count = 0;
  if (f.type == FieldType::Bool) {
    *count = std::size(kBoolValues);
    return kBoolValues;
  }
  if (f.type != FieldType::Enum || keyword_enum(f)) return nullptr;
  *count = f.n_enums;
  return f.enums;
}

FieldShown field_shown(const FieldValue& v, const FieldName* n) {
  if (!v.def || !n) return FieldShown::Extra;
  if (v.kind == FieldValue::Kind::Empty) return FieldShown::Empty;
  switch (n->type) {
    case T::Double:
    case T::Int: return v.is_number() ? FieldShown::Value : FieldShown::Malformed;
    case T::Flags:
      return v.kind == FieldValue::Kind::Int && v.i >= 0 && v.i <= static_cast<int64_t>(n->max) ? FieldShown::Value
                                                                                                  : FieldShown::Malformed;
    case T::Time: {
      if (!v.is_number()) return FieldShown::Malformed;
      const double secs = v.kind == FieldValue::Kind::Int ? static_cast<double>(v.i) : v.f;
      if (!(secs > 0)) return FieldShown::Empty;
      return secs > kLastEpochSecond ? FieldShown::Malformed : FieldShown::Value;
    }
    default: return FieldShown::Value;
  }
}

std::string describe(const FieldName& n) {
  if (n.blurb.empty()) return n.label;
  return n.label + " (" + n.blurb + ")";
}

std::vector<NameCompletion> complete_field_names(std::string_view prefix, std::size_t limit) {
  const Table& t = table();
  // Full names ("ovms.status.soc") once the user types towards "ovms."; the short spellings otherwise.
  const bool wants_full = !prefix.empty() && (starts_with(prefix, kPrefix) || starts_with(kPrefix, prefix));
  const bool wants_short = !starts_with(prefix, kPrefix);
  std::vector<std::pair<std::string_view, std::size_t>> hits;
  for_each_spelling(t, [&](std::string_view spelling, std::size_t i) {
    if (!starts_with(spelling, prefix)) return;
    if (starts_with(spelling, kPrefix) ? wants_full : wants_short) hits.emplace_back(spelling, i);
  });
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  std::vector<NameCompletion> out;
  for (const auto& [spelling, i] : hits) {
    if (out.size() >= limit) break;
    out.push_back(NameCompletion{std::string(spelling), describe(t.names[i])});
  }
  return out;
}

std::string nearest_field_name(std::string_view text) {
  const Table& t = table();
  std::string best;
  std::size_t best_d = text.size() / 3 + 1;  // closer than a third of the text: a typo, not another name
  for_each_spelling(t, [&](std::string_view spelling, std::size_t) {
    std::size_t d = edit_distance(text, spelling);
    if (d < best_d || (d == best_d && !best.empty() && spelling.size() < best.size())) {
      best_d = d;
      best = std::string(spelling);
    }
  });
  return best;
}

}  // namespace ovms
