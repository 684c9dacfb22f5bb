// Decoding one message (`<code><data>`, the plaintext after "MP-0 ") into catalog fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ovms/catalog.h"
#include "ovms/diagnostic.h"

namespace ovms {

// A decoded field. Its text is not a copy: it is a view into the plaintext the message was decoded
// from (a record's `plain`, an inner message's `plain`), which the record keeps for as long as the
// record lives. A record holds millions of these (the inspector keeps every one), so a field is
// 56 bytes and allocates nothing. Whoever copies a message together with its plaintext points the
// copy's views at the new plaintext with DecodedMessage::rebase() (InnerMessage does so itself).
struct FieldValue {
  const FieldDef* def = nullptr;  // catalog entry; nullptr for an extra trailing field
  std::string_view text;          // the field's text as sent (a view into the message's plaintext)
  int64_t i = 0;   // Int (also Enum/Flags/Bool/Timestamp/Hex)
  double f = 0;    // Float
  // Where the field's bytes are in the decrypted text of its message, so that a front end highlights
  // them without searching: plaintext.substr(offset, length). The plaintext is the one the record
  // keeps for that message: LineRecord::plain for the record's own message (scheme 0 includes
  // "MP-0 ", so the first field of "MP-0 S80.0,K" is at 6; scheme 1 has no prefix), InnerMessage::plain
  // ("MP-0 <code>...") for a paranoid inner message, LineRecord::plain (the decrypted record) for the
  // AP-S parameters. `length` is text.size(), except for an AP parameter sent as "-" (empty text, 1 byte).
  uint32_t offset = 0;
  uint32_t length = 0;
  uint16_t index = 0;  // position in the comma-separated data (0-based)
  enum class Kind : uint8_t { Empty, Int, Float, Text } kind = Kind::Empty;

  const char* name() const { return def ? def->name : "extra"; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
};

struct DecodedMessage {
  char code = 0;                    // 0: no message (handshake lines, undecrypted lines)
  const MessageDef* def = nullptr;  // nullptr for an unknown code
  const CommandDef* command = nullptr;  // C and c: the command's catalog entry, if known
  std::vector<FieldValue> fields;       // in wire order; List fields repeat their FieldDef
  const char* name() const { return def ? def->name : (code ? "unknown" : nullptr); }
  const FieldValue* field(std::string_view name) const;  // first field with that name
  // Points every field's text at the same bytes of `plain`, a copy of the plaintext this message was
  // decoded from (offsets count from its start): after copying a record's plaintext and message.
  void rebase(std::string_view plain);
};

// Decodes the `<code><data>` that starts at `body_offset` of `plain` ("MP-0 S80.0,..." with 5, a scheme-1
// line with 0); field offsets are positions in `plain`. Diagnostics (unknown code, malformed numbers,
// extra fields) are appended to `diags` with `frame`/`pos` as given (pos is the stream position of the
// line, -1 if unknown), and those about one field name it by its index in the message's `fields`.
// The field texts are views into `plain`: keep it, unmoved, as long as the message is read.
DecodedMessage decode_message(std::string_view plain, std::size_t body_offset, std::vector<Diagnostic>& diags,
                              uint64_t frame = 0, int64_t pos = -1);
// Decodes `<code><data>` alone: field offsets are positions in `body`.
DecodedMessage decode_message(std::string_view body, std::vector<Diagnostic>& diags, uint64_t frame = 0,
                              int64_t pos = -1);

// The enum label for a value, or nullptr.
const EnumValue* enum_value(const FieldDef& def, const FieldValue& v);

// A short human summary of a decoded message: "soc=80 charging standard ideal_range=250".
// Secret fields are shown as "***" unless `show_secrets`.
std::string summarize(const DecodedMessage& m, bool show_secrets = false);

// `s` with control characters as escapes ("\r"), for terminals and one-line displays.
std::string printable_text(std::string_view s);

}  // namespace ovms
