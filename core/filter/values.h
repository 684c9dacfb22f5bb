// What a name's values are in one record, exactly as the plugin puts them in its tree (dissect.cpp):
// a catalog field's values come from the outer message and the paranoid inner one, ovms.diag from the
// line's and the inner message's diagnostics, and so on. A name resolved once (FieldRef) is read by
// for_each_value() for every record without looking anything up.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ovms/field_names.h"
#include "ovms/record.h"

namespace ovms::filter {

struct Value {
  enum class Kind : uint8_t { Int, Double, Text } kind = Kind::Int;
  int64_t i = 0;
  double d = 0;
  std::string_view s;
};

// How a name's values compare: None names have no value (present or not), the others by Kind.
enum class ValueClass : uint8_t { None, Int, Double, Text };
ValueClass value_class(NameType t);

struct FieldRef {
  const FieldName* name = nullptr;
  const FieldName* catalog = nullptr;  // CatalogField: the name itself; FlagBit: its Flags name
  std::array<uint64_t, 4> codes{};     // message codes whose fields carry it (a bit per code byte)

  explicit FieldRef(const FieldName& n);
  bool has_code(char code) const {
    const auto c = static_cast<unsigned char>(code);
    return (codes[c >> 6] >> (c & 63)) & 1;
  }
  bool owns(const FieldDef* def) const {
    for (const FieldDef* d : catalog->defs)
      if (d == def) return true;
    return false;
  }
};

// The value a catalog field shows under `catalog` (false: empty, malformed).
bool catalog_value(const FieldName& catalog, const FieldValue& fv, Value& out);

// Calls `f(const Value&)` for each value of `ref` in `r`; `f` returns true to stop. Returns true if it
// stopped. A None name yields one (meaningless) value when present.
template <typename F>
bool for_each_value(const FieldRef& ref, const LineRecord& r, F&& f);

// ---------------------------------------------------------------------------------------------------

namespace detail {

inline Value text(std::string_view s) {
  Value v;
  v.kind = Value::Kind::Text;
  v.s = s;
  return v;
}
inline Value integer(int64_t i) {
  Value v;
  v.i = i;
  return v;
}
inline Value real(double d) {
  Value v;
  v.kind = Value::Kind::Double;
  v.d = d;
  return v;
}

template <typename F>
bool each_catalog(const FieldRef& ref, const DecodedMessage& m, F& f) {
  if (!ref.has_code(m.code)) return false;
  for (const FieldValue& fv : m.fields) {
    if (!fv.def || !ref.owns(fv.def)) continue;
    Value v;
    if (!catalog_value(*ref.catalog, fv, v)) continue;
    if (ref.name->source == NameSource::FlagBit) v.i = (v.i & ref.name->flag->mask) ? 1 : 0;
    if (f(v)) return true;
  }
  return false;
}

// Fields the plugin shows as ovms.malformed_value / extra_field / empty_field.
template <typename F>
bool each_unshown(FieldShown want, const DecodedMessage& m, F& f) {
  for (const FieldValue& fv : m.fields) {
    if (field_shown(fv, field_name_of(fv.def)) != want) continue;
    if (f(text(want == FieldShown::Empty ? std::string_view(fv.def->name) : std::string_view(fv.text)))) return true;
  }
  return false;
}

template <typename F>
bool each_diag(const LineRecord& r, F& f, DiagId only, bool keys) {
  auto one = [&](const std::vector<Diagnostic>& ds) {
    for (const Diagnostic& d : ds) {
      if (!keys && d.id != only) continue;
      if (f(keys ? text(d.def().key) : integer(1))) return true;
    }
    return false;
  };
  return one(r.diags) || (r.inner && one(r.inner->diags));
}

}  // namespace detail

template <typename F>
bool for_each_value(const FieldRef& ref, const LineRecord& r, F&& f) {
  using namespace detail;
  const HandshakeInfo* h = r.handshake.get();
  const InnerMessage* in = r.inner.get();
  const bool outer = r.plain && r.msg.code;
  switch (ref.name->source) {
    case NameSource::Protocol: return f(integer(1));
    case NameSource::Line: return f(text(r.wire));
    case NameSource::Plaintext: return r.plain && f(text(*r.plain));
    case NameSource::Code: return outer && f(text(std::string_view(&r.msg.code, 1)));
    case NameSource::Name: return outer && f(text(r.msg.def ? r.msg.def->name : "unknown"));
    case NameSource::CommandName:
      return (outer && r.msg.command && f(text(r.msg.command->name))) ||
             (in && in->msg.code && in->msg.command && f(text(in->msg.command->name)));
    case NameSource::VehicleId: return !r.vehicle.empty() && f(text(r.vehicle));
    case NameSource::Role: return f(text(role_name(r.role)));
    case NameSource::Direction: return f(text(direction_name(r.dir)));
    case NameSource::Kind: return f(text(line_kind_name(r.kind)));
    case NameSource::Scheme: return h && h->scheme >= 0 && f(integer(h->scheme));
    case NameSource::ClientToken: return h && !h->client_token.empty() && f(text(h->client_token));
    case NameSource::ServerToken: return h && !h->server_token.empty() && f(text(h->server_token));
    case NameSource::HandshakeOk: return h && f(integer(h->ok ? 1 : 0));
    case NameSource::KeySource: return h && f(text(key_source_name(h->key_source)));
    case NameSource::KeyId: return h && !h->key_id.empty() && f(text(h->key_id));
    case NameSource::KeyLearnedIn:
      return h && h->key_learned_frame && f(integer(static_cast<int64_t>(*h->key_learned_frame)));
    case NameSource::Paranoid: return in && f(integer(1));
    case NameSource::ParanoidPlaintext: return in && f(text(in->plain));
    case NameSource::ParanoidCode: return in && in->msg.code && f(text(std::string_view(&in->msg.code, 1)));
    case NameSource::ParanoidName:
      return in && in->msg.code && f(text(in->msg.def ? in->msg.def->name : "unknown"));
    case NameSource::ParanoidTruncated: return in && f(integer(in->truncated ? 1 : 0));
    case NameSource::ResponseTo: return r.response_to_frame && *r.response_to_frame && f(integer(static_cast<int64_t>(*r.response_to_frame)));
    case NameSource::Diag: return each_diag(r, f, DiagId::kCount, true);
    case NameSource::Expert: return each_diag(r, f, ref.name->diag, false);
    case NameSource::MalformedValue:
    case NameSource::ExtraField:
    case NameSource::EmptyField: {
      const FieldShown want = ref.name->source == NameSource::MalformedValue ? FieldShown::Malformed
                              : ref.name->source == NameSource::ExtraField   ? FieldShown::Extra
                                                                             : FieldShown::Empty;
      return each_unshown(want, r.msg, f) || (in && each_unshown(want, in->msg, f));
    }
    case NameSource::Summary: {
      if (!r.plain || (r.body_offset < 0 && r.msg.fields.empty())) return false;
      const std::string s = summarize(r.msg);
      return !s.empty() && f(text(s));
    }
    case NameSource::StreamOffset: return f(integer(static_cast<int64_t>(r.stream_pos)));
    case NameSource::Frame: return f(integer(static_cast<int64_t>(r.frame)));
    case NameSource::Time: return f(real(r.ts));
    case NameSource::Conn: return f(integer(r.conn));
    case NameSource::CatalogField:
    case NameSource::FlagBit: return each_catalog(ref, r.msg, f) || (in && each_catalog(ref, in->msg, f));
    case NameSource::ResponseIn:
    case NameSource::ReassembledIn:
    case NameSource::Retransmitted:
    case NameSource::OutOfOrder: return false;  // not per line: compile() refuses them
  }
  return false;
}

}  // namespace ovms::filter
