// Numeric fields over time, per vehicle: what the charts draw. No Qt. A series is named by the field's
// filter name (field_names.h: "status.soc"), so the chart's choices are exactly the catalog's numeric
// fields that occur in the capture.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/record_store.h"

namespace inspector {

struct SeriesPoint {
  double ts;
  double value;
  std::size_t row;  // store row of the record it came from
};

// The numeric catalog fields that occur in rows [from, size()), added to `names` (filter names).
void collect_numeric_fields(const RecordStore& store, std::size_t from, std::map<std::string, std::string>& names);

// The values of field `name` ("status.soc") per vehicle ("-" when not known), in time order, from
// rows [from, size()) appended to `out`. Only values of the field's type (not empty, not malformed).
void collect_series(const RecordStore& store, const std::string& name, std::size_t from,
                    std::map<std::string, std::vector<SeriesPoint>>& out);

}  // namespace inspector
