#include "ovms/message.h"

#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "ovms/crypto.h"
#include "ovms/utf8.h"

namespace ovms {
namespace {

// Splits on ',' into views over `data` (no copies; the caller copies what it keeps). The vector is
// reused between messages of a thread: this runs for every line of a capture.
const std::vector<std::string_view>& split_commas(std::string_view data) {
  thread_local std::vector<std::string_view> out;
  out.clear();
  if (data.empty()) return out;
  // A plain loop: fields are a few bytes long, too short for memchr's call to pay off.
  const char* p = data.data();
  const char* end = p + data.size();
  const char* start = p;
  for (; p != end; ++p) {
    if (*p != ',') continue;
    out.emplace_back(start, static_cast<std::size_t>(p - start));
    start = p + 1;
  }
  out.emplace_back(start, static_cast<std::size_t>(end - start));
  return out;
}

bool parse_int(std::string_view s, int base, int64_t& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;  // from_chars takes no '+', strtoll did
  auto res = std::from_chars(b, e, out, base);
  return res.ec == std::errc() && res.ptr == e;
}

// An integer in decimal syntax that int64 cannot hold.
bool int_out_of_range(std::string_view s) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;
  int64_t v;
  auto res = std::from_chars(b, e, v, 10);
  return res.ec == std::errc::result_out_of_range && res.ptr == e;
}

bool parse_float(std::string_view s, double& out) {
  if (s.empty()) return false;
  // Fast path for what cars send ("-12.345"): up to 15 digits and a decimal point. The digits form an
  // integer below 2^53 and 10^k (k <= 15) is exact, so one division gives the correctly rounded
  // value, the same double as from_chars (Clinger's fast path).
  {
    std::size_t i = s[0] == '-' ? 1 : 0;
    uint64_t mantissa = 0;
    int digits = 0, frac = -1;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c >= '0' && c <= '9') {
        mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
        ++digits;
        if (frac >= 0) ++frac;
      } else if (c == '.' && frac < 0) {
        frac = 0;
      } else {
        break;
      }
    }
    if (i == s.size() && digits > 0 && digits <= 15 && frac != 0) {
      static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                          1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
      double v = static_cast<double>(mantissa) / kPow10[frac < 0 ? 0 : frac];
      out = s[0] == '-' ? -v : v;
      return true;
    }
  }
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;
  auto res = std::from_chars(b, e, out, std::chars_format::general);
  return res.ec == std::errc() && res.ptr == e;
}

class Decoder {
 public:
  // `data` is the message after its code, at `data_offset` in the caller's plaintext; every field text
  // is a view into it, which gives the field's offset.
  Decoder(DecodedMessage& m, std::vector<Diagnostic>& diags, uint64_t frame, int64_t pos, std::string_view data,
          std::size_t data_offset)
      : m_(m), diags_(diags), frame_(frame), pos_(pos), data_(data.data()), data_offset_(data_offset) {}

  // Appends one field value (a view into the message's data), parsing it according to its type.
  FieldValue& add(const FieldDef* def, std::string_view text, std::size_t index) {
    FieldValue v;
    v.def = def;
    v.text = text;  // a view: the caller keeps the plaintext
    v.index = static_cast<uint16_t>(index > 0xffff ? 0xffff : index);
    v.offset = static_cast<uint32_t>(data_offset_ + static_cast<std::size_t>(text.data() - data_));
    v.length = static_cast<uint32_t>(text.size());
    if (text.empty()) {
      v.kind = FieldValue::Kind::Empty;
    } else if (!def) {
      v.kind = FieldValue::Kind::Text;
    } else {
      parse_value(*def, text, v);
    }
    m_.fields.push_back(std::move(v));
    return m_.fields.back();
  }

  // Lays `items` out over `defs` (Scalar, Rest and List shapes). Returns the index of the first item
  // not consumed. `rest` is the raw data from which Rest fields take their text.
  std::size_t lay_out(const FieldDef* defs, std::size_t n_defs, const std::vector<std::string_view>& items,
                      std::size_t first, std::string_view raw) {
    std::size_t i = first;
    for (std::size_t d = 0; d < n_defs && i < items.size(); ++d) {
      const FieldDef& def = defs[d];
      switch (def.shape) {
        case FieldShape::Scalar:
          add(&def, items[i], i);
          ++i;
          break;
        case FieldShape::Rest: {
          std::size_t offset = static_cast<std::size_t>(items[i].data() - raw.data());
          add(&def, raw.substr(offset), i);
          i = items.size();
          break;
        }
        case FieldShape::List: {
          int64_t count = list_count(def);
          if (count < 0) count = 0;
          std::size_t available = items.size() - i;
          if (static_cast<uint64_t>(count) > available) {
            note(DiagId::MissingField, std::string(def.name) + ": count says " + std::to_string(count) +
                                           " values, only " + std::to_string(available) + " present",
                 count_field_index(def));
            count = static_cast<int64_t>(available);
          }
          for (int64_t k = 0; k < count; ++k, ++i) add(&def, items[i], i);
          break;
        }
      }
    }
    return i;
  }

  void extras(const std::vector<std::string_view>& items, std::size_t from) {
    if (from >= items.size()) return;
    const auto first_extra = static_cast<int32_t>(m_.fields.size());
    for (std::size_t i = from; i < items.size(); ++i) add(nullptr, items[i], i);
    note(DiagId::ExtraFields, std::to_string(items.size() - from) + " trailing field(s) after the " +
                                  std::to_string(from) + " the catalog describes",
         first_extra);
  }

  // `field`: the index in m.fields of the field the diagnostic is about (-1: none).
  void note(DiagId id, std::string message, int32_t field = -1) {
    diags_.push_back(Diagnostic{id, frame_, pos_, std::move(message), field});
  }
  int32_t next_field() const { return static_cast<int32_t>(m_.fields.size()); }

 private:
  // The latest field named `def.count_field`: the count a List field's length comes from.
  int32_t count_field_index(const FieldDef& def) const {
    if (!def.count_field) return -1;
    for (std::size_t k = m_.fields.size(); k-- > 0;)
      if (m_.fields[k].def && std::strcmp(m_.fields[k].def->name, def.count_field) == 0) return static_cast<int32_t>(k);
    return -1;
  }

  int64_t list_count(const FieldDef& def) {
    int32_t k = count_field_index(def);
    if (k < 0) return 0;
    const FieldValue& count = m_.fields[static_cast<std::size_t>(k)];
    return count.kind == FieldValue::Kind::Int ? count.i : 0;
  }

  void parse_value(const FieldDef& def, std::string_view text, FieldValue& v) {
    switch (def.type) {
      case FieldType::Text:
        v.kind = FieldValue::Kind::Text;
        not_utf8(def, text);
        return;
      case FieldType::Float:
        if (parse_float(text, v.f)) {
          v.kind = FieldValue::Kind::Float;
          // from_chars reads "nan" and "inf", which a car can send; JSON writes them as null.
          if (!std::isfinite(v.f))
            malformed(def, text, "is not a finite number");
          return;
        }
        break;
      case FieldType::Hex:
        if (parse_int(text, 16, v.i)) { v.kind = FieldValue::Kind::Int; return; }
        break;
      case FieldType::Enum:
        if (parse_int(text, 10, v.i)) { v.kind = FieldValue::Kind::Int; return; }
        // A keyword enum ("charging"): text, with the keyword's value when it is known.
        v.kind = FieldValue::Kind::Text;
        for (uint8_t k = 0; k < def.n_enums; ++k)
          if (def.enums[k].keyword && text == def.enums[k].keyword) v.i = def.enums[k].value;
        return;
      case FieldType::Int:
      case FieldType::Flags:
      case FieldType::Bool:
      case FieldType::Timestamp:
        if (parse_int(text, 10, v.i)) { v.kind = FieldValue::Kind::Int; return; }
        if (int_out_of_range(text)) {  // 20 digits: no float detour, whose rounding could bring it in range
          v.kind = FieldValue::Kind::Text;
          malformed(def, text, "is out of the range of a 64-bit integer");
          return;
        }
        // Firmware prints some integer fields with decimals ("12.0"): keep the number, when it is one
        // an int64 holds. Anything else ("1e300", "nan", 20 digits) would be an undefined cast.
        if (parse_float(text, v.f)) {
          if (v.f >= -9223372036854775808.0 && v.f < 9223372036854775808.0) {
            v.kind = FieldValue::Kind::Float;
            v.i = static_cast<int64_t>(v.f);
            return;
          }
          v.f = 0;
          v.kind = FieldValue::Kind::Text;
          malformed(def, text, "is out of the range of a 64-bit integer");
          return;
        }
        break;
    }
    v.kind = FieldValue::Kind::Text;
    malformed(def, text, "is not a number");
  }

  // `v` is not in m.fields yet when these run: it is about to be the next one.
  void malformed(const FieldDef& def, std::string_view text, const char* what) {
    std::string shown(text.substr(0, 40));
    note(DiagId::MalformedField, std::string(def.name) + " " + what + ": \"" + shown + "\"", next_field());
  }
  // Text that is not UTF-8 is kept as sent; JSON writes its stray bytes as \u00XX (Latin-1).
  void not_utf8(const FieldDef& def, std::string_view text) {
    std::size_t bad = first_invalid_utf8(text);
    if (bad == std::string_view::npos) return;
    auto byte = static_cast<uint8_t>(text[bad]);
    note(DiagId::MalformedField, std::string(def.name) + " is not UTF-8: byte 0x" + to_hex(&byte, 1) + " at " +
                                     std::to_string(bad) + " (kept as sent; JSON shows it as U+00" +
                                     to_hex(&byte, 1) + ")", next_field());
  }

  DecodedMessage& m_;
  std::vector<Diagnostic>& diags_;
  uint64_t frame_;
  int64_t pos_;
  const char* data_;
  std::size_t data_offset_;
};

// C and c both start with the command number, which selects the command's catalog entry.
// Returns false when there is no number at all.
bool leading_command(Decoder& d, DecodedMessage& m, const std::vector<std::string_view>& items) {
  if (items.empty()) {
    d.note(DiagId::MissingField, "command number missing");
    return false;
  }
  FieldValue& num = d.add(&m.def->fields[0], items[0], 0);
  if (num.kind == FieldValue::Kind::Int && num.i >= INT32_MIN && num.i <= INT32_MAX)
    m.command = find_command(static_cast<int>(num.i));
  return true;
}

void decode_command(Decoder& d, DecodedMessage& m, std::string_view data) {
  const auto& items = split_commas(data);
  m.fields.reserve(items.size());  // one field per item (a Rest field takes the others): no slack kept
  if (!leading_command(d, m, items)) return;
  std::size_t next = 1;
  if (m.command) next = d.lay_out(m.command->params, m.command->n_params, items, 1, data);
  d.extras(items, next);
}

void decode_command_response(Decoder& d, DecodedMessage& m, std::string_view data) {
  const auto& items = split_commas(data);
  m.fields.reserve(items.size());
  const MessageDef& def = *m.def;
  if (!leading_command(d, m, items)) return;
  if (items.size() < 2) return;  // c5's "no reply" and older firmware: a bare command number
  FieldValue& result = d.add(&def.fields[1], items[1], 1);
  std::size_t next = 2;
  if (result.kind == FieldValue::Kind::Int && result.i == 0) {
    if (m.command) next = d.lay_out(m.command->response, m.command->n_response, items, 2, data);
  } else if (items.size() > 2 && def.n_fields > 2) {
    // A failure carries a reason text, which may itself contain commas.
    next = d.lay_out(&def.fields[2], 1, items, 2, data);
  }
  d.extras(items, next);
}

void decode_paranoid(Decoder& d, DecodedMessage& m, std::string_view data) {
  const MessageDef& def = *m.def;
  const FieldDef* subtype = find_field(def, "subtype");
  if (data.empty()) {
    d.note(DiagId::MissingField, "paranoid sub-type missing");
    return;
  }
  d.add(subtype, data.substr(0, 1), 0);
  if (data[0] == 'T') {
    d.add(find_field(def, "token"), data.substr(1), 1);
  } else if (data[0] == 'M') {
    if (data.size() < 2) {
      d.note(DiagId::MissingField, "paranoid message without an inner code");
      return;
    }
    d.add(find_field(def, "inner_code"), data.substr(1, 1), 1);
    d.add(find_field(def, "payload"), data.substr(2), 2);
  } else {
    d.note(DiagId::UnknownCode, std::string("unknown paranoid sub-type '") + data[0] + "' (the server drops it)", 0);
    d.add(nullptr, data.substr(1), 1);
  }
}

void decode_notification(Decoder& d, DecodedMessage& m, std::string_view data) {
  const MessageDef& def = *m.def;
  if (data.empty()) {
    d.note(DiagId::MissingField, "notification kind missing");
    return;
  }
  d.add(find_field(def, "kind"), data.substr(0, 1), 0);
  std::string_view rest = data.substr(1);
  if (data[0] == 'E') {
    // PE<vehicletype>,<code>,<data>: not mp_encoded, the data keeps its commas.
    std::size_t c1 = rest.find(',');
    std::size_t c2 = c1 == std::string_view::npos ? c1 : rest.find(',', c1 + 1);
    d.add(find_field(def, "vehicle_type"), rest.substr(0, c1), 1);
    if (c1 != std::string_view::npos) d.add(find_field(def, "error_code"), rest.substr(c1 + 1, c2 - c1 - 1), 2);
    if (c2 != std::string_view::npos) d.add(find_field(def, "error_data"), rest.substr(c2 + 1), 3);
  } else {
    d.add(find_field(def, "text"), rest, 1);
  }
}

void decode_push_subscription(Decoder& d, DecodedMessage& m, std::string_view data) {
  const MessageDef& def = *m.def;
  const auto& items = split_commas(data);
  static const char* const kLead[] = {"app_id", "push_type", "push_key_type", "vehicle_id"};
  if (items.size() == 4 && items[2] == "simple") {
    // p<appid>,<pushtype>,simple,<key> (Expo, 2025): no vehicle, no password.
    for (std::size_t i = 0; i < 3; ++i) d.add(find_field(def, kLead[i]), items[i], i);
    d.add(find_field(def, "push_key"), items[3], 3);
    return;
  }
  if (items.size() < 6) {
    for (std::size_t i = 0; i < items.size() && i < 4; ++i) d.add(find_field(def, kLead[i]), items[i], i);
    d.note(DiagId::MissingField, "push subscription has " + std::to_string(items.size()) + " fields, needs 6");
    return;
  }
  for (std::size_t i = 0; i < 4; ++i) d.add(find_field(def, kLead[i]), items[i], i);
  // The netpass may contain commas: the server takes the key from the end.
  std::size_t pass_begin = static_cast<std::size_t>(items[4].data() - data.data());
  std::size_t key_begin = static_cast<std::size_t>(items.back().data() - data.data());
  d.add(find_field(def, "netpass"), data.substr(pass_begin, key_begin - 1 - pass_begin), 4);
  d.add(find_field(def, "push_key"), items.back(), items.size() - 1);
}

}  // namespace

const FieldValue* DecodedMessage::field(std::string_view name) const {
  for (const auto& f : fields)
    if (f.def && name == f.def->name) return &f;
  return nullptr;
}

void DecodedMessage::rebase(std::string_view plain) {
  for (auto& f : fields) {
    if (f.text.empty()) continue;  // nothing to point at (an AP "-" has length 1 and no text)
    f.text = f.offset < plain.size() ? plain.substr(f.offset, f.text.size()) : std::string_view();
  }
}

DecodedMessage decode_message(std::string_view body, std::vector<Diagnostic>& diags, uint64_t frame, int64_t pos) {
  return decode_message(body, 0, diags, frame, pos);
}

DecodedMessage decode_message(std::string_view plain, std::size_t body_offset, std::vector<Diagnostic>& diags,
                              uint64_t frame, int64_t pos) {
  DecodedMessage m;
  if (body_offset >= plain.size()) return m;
  std::string_view body = plain.substr(body_offset);
  m.code = body[0];
  m.def = find_message(m.code);
  std::string_view data = body.substr(1);
  Decoder d(m, diags, frame, pos, data, body_offset + 1);
  if (!m.def) {
    std::string shown = (m.code >= 0x20 && m.code < 0x7f) ? std::string(1, m.code) : "0x" + to_hex(reinterpret_cast<const uint8_t*>(&m.code), 1);
    d.note(DiagId::UnknownCode, "unknown message code '" + shown + "' (kept raw)");
    if (!data.empty()) d.add(nullptr, data, 0);
    return m;
  }
  switch (m.def->layout) {
    case Layout::Csv: {
      const auto& items = split_commas(data);
      m.fields.reserve(items.size());
      d.extras(items, d.lay_out(m.def->fields, m.def->n_fields, items, 0, data));
      break;
    }
    case Layout::Opaque:
      if (!data.empty() && m.def->n_fields) d.add(&m.def->fields[0], data, 0);
      break;
    case Layout::Command: decode_command(d, m, data); break;
    case Layout::CommandResponse: decode_command_response(d, m, data); break;
    case Layout::Paranoid: decode_paranoid(d, m, data); break;
    case Layout::Notification: decode_notification(d, m, data); break;
    case Layout::PushSubscription: decode_push_subscription(d, m, data); break;
  }
  return m;
}

const EnumValue* enum_value(const FieldDef& def, const FieldValue& v) {
  for (uint8_t k = 0; k < def.n_enums; ++k) {
    const EnumValue& e = def.enums[k];
    if (e.keyword ? v.text == e.keyword : (v.kind == FieldValue::Kind::Int && v.i == e.value)) return &e;
  }
  return nullptr;
}

// Text for a terminal or an Info column: the car's mp_encoded newlines (CR) and other control
// characters are shown as escapes, never sent raw (a raw CR would overwrite the line on a terminal).
std::string printable_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out += c;
    else if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += "\\x" + to_hex(&u, 1);
  }
  return out;
}

std::string summarize(const DecodedMessage& m, bool show_secrets) {
  std::string out;
  int shown = 0;
  for (const auto& f : m.fields) {
    if (f.kind == FieldValue::Kind::Empty) continue;
    if (shown == 6) { out += " …"; break; }
    if (!out.empty()) out += ' ';
    bool secret = f.def && f.def->secret;
    std::string value = secret && !show_secrets ? "***" : printable_text(f.text);
    if (value.size() > 48) value = value.substr(0, 45) + "...";
    const EnumValue* e = f.def ? enum_value(*f.def, f) : nullptr;
    if (e && e->keyword) {
      out += value;  // keyword enums read well alone: "charging"
    } else {
      out += f.name();
      out += '=';
      out += value;
      if (e) { out += " ("; out += e->label; out += ')'; }
    }
    ++shown;
  }
  return out;
}

}  // namespace ovms
