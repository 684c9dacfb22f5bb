// The message catalog: the one place that describes every OVMS v2 message code, its fields, units,
// enum values, bit flags, and every command with its parameters and responses.
//
// Everything else is generated from these tables: the decoder's field names, the Wireshark plugin's
// hf[] array, the inspector's columns, the JSON keys and docs/catalog.md. Do not write a second list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ovms {

// How a field's text is interpreted. The raw text is always kept as well.
enum class FieldType : uint8_t {
  Int,        // signed decimal integer ("-1", "42")
  Float,      // decimal number ("80.0", "-3.25")
  Text,       // free text (mp_encoded on the car: ',' became ';', LF became CR)
  Enum,       // integer or keyword with named values (see FieldDef::enums)
  Flags,      // integer bit field (see FieldDef::flags); bits not listed are undefined
  Bool,       // 0/1 ("-1" is accepted as a stale/unknown marker)
  Timestamp,  // epoch seconds, or -1 for "none"
  Hex,        // hexadecimal integer without prefix (L #8 drive mode, "%x")
};

// How the field consumes the comma-separated data.
enum class FieldShape : uint8_t {
  Scalar,  // one comma-separated item
  Rest,    // the rest of the data, commas included (h data, c32 data, c7 output)
  List,    // as many items as the value of the field named by FieldDef::count_field
};

struct EnumValue {
  int64_t value;        // numeric value; for keyword enums the index is irrelevant
  const char* keyword;  // for text enums ("charging"), nullptr for numeric ones
  const char* label;    // human readable
};

struct FlagBit {
  uint32_t mask;
  const char* name;   // snake_case, used as a boolean subfield: ovms.<msg>.<field>.<name>
  const char* label;  // human readable
};

struct FieldDef {
  const char* name;    // stable snake_case name, unique within its message
  const char* label;   // human readable
  FieldType type;
  const char* unit;    // "%", "V", "A", "km", "s", "kWh", ... or nullptr
  const EnumValue* enums = nullptr;
  uint8_t n_enums = 0;
  const FlagBit* flags = nullptr;
  uint8_t n_flags = 0;
  FieldShape shape = FieldShape::Scalar;
  const char* count_field = nullptr;  // for FieldShape::List: name of the earlier field holding the count
  const char* doc_diff = nullptr;     // how the 2013 protocol guides describe it differently (nullptr: same)
  bool secret = false;                // a password or key: redacted in summaries unless the user asks
};

// Who sends a message code (informational; the decoder accepts any code in any direction).
enum class Sender : uint8_t { Car, Server, App, CarOrServer, AppOrServer, Any };

// How a message's data is split into fields. Csv covers almost everything; the others are the few
// codes whose data has sub-types or a tail that is not plain comma-separated.
enum class Layout : uint8_t {
  Csv,              // fields in order, split on ','
  Command,          // C: <command>[,params per CommandDef::params]
  CommandResponse,  // c: <command>,<result>[,fields per CommandDef::response]
  Paranoid,         // E: ET<token> | EM<code><base64>
  Notification,     // P: PI<text> | PA<text> | PE<vehicletype>,<code>,<data>
  PushSubscription, // p: the netpass may contain commas (taken from the end)
  Opaque,           // the data is one text field
};

struct MessageDef {
  char code;
  const char* name;       // stable snake_case ("status"), used in ovms.<name>.<field>
  const char* label;      // human readable ("Car status")
  Sender sender;
  Layout layout;
  const FieldDef* fields; // Csv and Opaque: the fields; others: the fixed leading fields
  uint8_t n_fields;
  bool sent_by_v3;        // false: only v2 PIC, server-internal, or never implemented
  const char* note;       // what the real code does, where it matters (nullptr: nothing special)
  const char* doc_diff;   // how the 2013 guides describe this message differently (nullptr: same)
};

struct CommandDef {
  int number;
  const char* name;        // snake_case ("set_charge_mode")
  const char* label;
  const FieldDef* params;  // request parameters after the command number
  uint8_t n_params;
  const FieldDef* response;  // response fields after <command>,<result>
  uint8_t n_response;
  bool multi_line;         // one request, several c lines (1, 3, 30, 31, 32; 41 sends a second line)
  bool answered_by_server; // 30, 31, 32
  const char* note;
  const char* doc_diff;
};

struct ResultCode {
  int value;
  const char* name;
  const char* label;
};

// Catalog queries. All returned pointers refer to static tables and stay valid forever.
const MessageDef* find_message(char code);           // nullptr for an unknown code
const MessageDef* message_defs(std::size_t* count);  // every message, in catalog order
const CommandDef* find_command(int number);          // nullptr for an unknown command number
const CommandDef* command_defs(std::size_t* count);
const ResultCode* result_codes(std::size_t* count);
const ResultCode* find_result_code(int value);

// Fields of the P sub-types and the E sub-types, and of the command messages, are described by these
// fixed tables (part of the catalog as well).
const FieldDef* find_field(const MessageDef& msg, std::string_view name);

// The module's numbered parameters (command 3's list, and the auto-provisioning record's items),
// as fields named after what they hold. Index i is parameter #i (catalog_params.cpp).
const FieldDef* module_params(std::size_t* count);

}  // namespace ovms
