#include "model/time_series.h"

#include "ovms/field_names.h"
#include "ovms/present.h"

namespace inspector {

namespace {
template <typename F>
void each_numeric(const ovms::LineRecord& r, F&& f) {
  for (const ovms::FieldValue& v : r.effective().fields) {
    if (!v.is_number() || !v.def) continue;
    const ovms::FieldName* n = ovms::field_name_of(v.def);
    if (!n || ovms::field_shown(v, n) != ovms::FieldShown::Value) continue;
    if (n->type != ovms::NameType::Double && n->type != ovms::NameType::Int && n->type != ovms::NameType::UInt) continue;
    f(v, *n);
  }
}
}  // namespace

void collect_numeric_fields(const RecordStore& store, std::size_t from, std::map<std::string, std::string>& names) {
  for (std::size_t i = from; i < store.size(); ++i)
    each_numeric(*store.at(i), [&](const ovms::FieldValue&, const ovms::FieldName& n) {
      std::string shown = n.abbrev.rfind("ovms.", 0) == 0 ? n.abbrev.substr(5) : n.abbrev;
      names.emplace(shown, n.label);
    });
}

void collect_series(const RecordStore& store, const std::string& name, std::size_t from,
                    std::map<std::string, std::vector<SeriesPoint>>& out) {
  const ovms::FieldName* want = ovms::find_field_name(name);
  if (!want) return;
  for (std::size_t i = from; i < store.size(); ++i) {
    const ovms::LineRecord& r = *store.at(i);
    each_numeric(r, [&](const ovms::FieldValue& v, const ovms::FieldName& n) {
      if (&n != want) return;
      double value = v.kind == ovms::FieldValue::Kind::Float ? v.f : static_cast<double>(v.i);
      out[r.vehicle.empty() ? "-" : r.vehicle].push_back({r.ts, value, i});
    });
  }
}

}  // namespace inspector
