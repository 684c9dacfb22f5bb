#include "values.h"

namespace ovms::filter {

ValueClass value_class(NameType t) {
  switch (t) {
    case NameType::None: return ValueClass::None;
    case NameType::Text: return ValueClass::Text;
    case NameType::Double:
    case NameType::Time: return ValueClass::Double;
    default: return ValueClass::Int;
  }
}

FieldRef::FieldRef(const FieldName& n) : name(&n) {
  if (n.source == NameSource::CatalogField) catalog = &n;
  if (n.source == NameSource::FlagBit) catalog = &field_names()[n.parent];
  if (!catalog) return;
  for (char c : catalog->codes) {
    const auto u = static_cast<unsigned char>(c);
    codes[u >> 6] |= uint64_t{1} << (u & 63);
  }
}

bool catalog_value(const FieldName& catalog, const FieldValue& fv, Value& out) {
  if (field_shown(fv, &catalog) != FieldShown::Value) return false;
  switch (catalog.type) {
    case NameType::Time:  // epoch seconds
    case NameType::Double:
      out = detail::real(fv.kind == FieldValue::Kind::Float ? fv.f : static_cast<double>(fv.i));
      return true;
    case NameType::Int:
    case NameType::Flags:
      out = detail::integer(fv.i);  // an integer sent with decimals ("12.0") shows its integer part
      return true;
    default:
      out = detail::text(fv.text);
      return true;
  }
}

}  // namespace ovms::filter
