// The names of every field a front end shows or filters on: the one naming rule. The Wireshark plugin
// registers exactly these (ovms.<message>.<field>, ovms.code, ovms.expert.<diagnostic>, ...), the display
// filter (ovms/filter.h) resolves names against them, and the inspector's filter bar completes from them.
// Built once from the catalog (catalog.h) and the diagnostic table (diagnostic.h); no name is written
// down twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ovms/catalog.h"
#include "ovms/diagnostic.h"
#include "ovms/message.h"

namespace ovms {

// What a name's values are. The plugin maps each to a Wireshark field type; the filter compares by it.
enum class NameType : uint8_t {
  None,      // no value: present or not (the protocol, a subtree, an expert info)
  Text,      // a string
  Int,       // signed integer, `bits` wide (32 or 64)
  UInt,      // unsigned integer, `bits` wide
  Flags,     // unsigned bit field `bits` (8, 16 or 32) wide; each bit is a Bool name of its own
  Bool,      // true/false (a flag bit: `flag` says which)
  Double,    // a floating-point number
  Time,      // an absolute time: epoch seconds, shown and filtered as a date (Wireshark FT_ABSOLUTE_TIME)
  FrameNum,  // a capture frame number
};

// Where a name's values come from.
enum class NameSource : uint8_t {
  Protocol,           // "ovms": every line
  Line,               // ovms.line: the wire text
  Plaintext,
  Code,               // the outer message code
  Name,               // the outer message name
  CommandName,        // C and c, outer or paranoid inner
  VehicleId,
  Role,
  Direction,
  Kind,
  Scheme,
  ClientToken,
  ServerToken,
  HandshakeOk,
  KeySource,
  KeyId,
  KeyLearnedIn,       // the frame whose AP-S record taught the key (not configured)
  Paranoid,           // the paranoid inner message (present when it decrypted)
  ParanoidPlaintext,
  ParanoidCode,
  ParanoidName,
  ParanoidTruncated,
  ResponseTo,
  ResponseIn,
  Diag,               // every diagnostic's key, the line's and its inner message's
  MalformedValue,     // fields whose text does not have the catalog's type
  ExtraField,         // fields the catalog does not describe
  EmptyField,         // names of fields sent empty
  ReassembledIn,
  Retransmitted,
  OutOfOrder,
  Summary,
  StreamOffset,
  Frame,              // not plugin fields: what our records know beyond the plugin's tree
  Time,
  Conn,
  CatalogField,       // a field of the catalog (`defs`), outer or paranoid inner message
  FlagBit,            // one bit of a Flags catalog field (`parent`, `flag`)
  Expert,             // ovms.expert.<key>: a diagnostic of kind `diag`
};

// Who knows a name's values.
enum class NameScope : uint8_t {
  Line,       // every line record and the plugin's tree: filters work everywhere
  Segment,    // the plugin's TCP segments only (retransmitted bytes, reassembly): Wireshark only
  TwoPass,    // known only once the whole capture is read (response_in): Wireshark with two passes
  Record,     // our records only, not the plugin's tree (frame, time, conn: Wireshark has its own)
};

struct FieldName {
  std::string abbrev;          // "ovms.status.soc", "ovms.code", "frame"
  std::string label;           // "State of charge"
  std::string blurb;           // what it is, one line ("S Car status: number, %"); may be empty
  const char* doc_diff = nullptr;  // catalog fields: how the 2013 guides differ (catalog.h)
  NameType type = NameType::None;
  uint8_t bits = 0;            // Int, UInt, Flags: width; Bool of a flag bit: the parent's width
  NameSource source = NameSource::Protocol;
  NameScope scope = NameScope::Line;
  std::vector<const FieldDef*> defs;  // CatalogField: every catalog definition shown under this name
  std::string codes;           // CatalogField: the message codes whose fields these are ('\0': AP record)
  const FlagBit* flag = nullptr;      // FlagBit: its bit
  std::size_t parent = 0;             // FlagBit: index of its Flags name
  std::vector<std::size_t> bits_of;   // Flags: indices of its FlagBit names, in catalog order
  DiagId diag = DiagId::kCount;       // Expert
  uint32_t max = 0;                   // Flags: the largest value `bits` hold

  const FieldDef* field() const { return defs.empty() ? nullptr : defs.front(); }
  // The plugin's field description: the blurb and the difference from the 2013 guides.
  std::string full_blurb() const;
  bool in_plugin() const { return scope != NameScope::Record && source != NameSource::Protocol; }
};

// Every name, in the plugin's registration order.
const std::vector<FieldName>& field_names();

// The name `text` refers to: the full name ("ovms.status.soc"), the same without "ovms." ("status.soc"),
// or a short name of a line field ("dir", "vehicle", "plain", "inner.code"). nullptr if none.
const FieldName* find_field_name(std::string_view text);

// The name a catalog field is shown under; nullptr for a pointer that is not the catalog's.
const FieldName* field_name_of(const FieldDef* def);

// The named values of an integer catalog field, as the plugin labels them and filters accept them
// (`lock_state == "Locked"`): its enum values, or for a boolean False, True and Unknown (stale).
// nullptr (and 0) for a field without named values.
const EnumValue* value_labels(const FieldDef& f, std::size_t* count);

// How the plugin shows a decoded field (FieldValue) under its name: as a value of the name, or as
// ovms.empty_field (sent empty), ovms.malformed_value (its text is not of the name's type: "abc" for a
// number, a flag value wider than the field, a time past the year 9999) or ovms.extra_field (no catalog
// definition). A time of 0 or -1 ("none") is no date: the plugin shows it as ovms.empty_field.
enum class FieldShown : uint8_t { Value, Empty, Malformed, Extra };
constexpr double kLastEpochSecond = 253402300799.0;  // 9999-12-31 23:59:59 UTC: past it, not a time
FieldShown field_shown(const FieldValue& v, const FieldName* name);

// A name to offer for a typed prefix, with a one-line description.
struct NameCompletion {
  std::string name;         // as the user would write it: with "ovms." if the prefix has it, else without
  std::string description;  // "State of charge (S Car status: number, %)"
};

// Names starting with `prefix` (with or without "ovms.", short names included), sorted, at most `limit`.
std::vector<NameCompletion> complete_field_names(std::string_view prefix, std::size_t limit = 100);

// The one-line description of a name: its label and blurb.
std::string describe(const FieldName& n);

// A name near `text` (by edit distance), to suggest when `text` names nothing; empty if none is close.
std::string nearest_field_name(std::string_view text);

}  // namespace ovms
