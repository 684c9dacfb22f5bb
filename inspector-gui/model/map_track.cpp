#include "model/map_track.h"

#include <cstring>

namespace inspector {

bool record_position(const ovms::LineRecord& r, double& lat, double& lon) {
  const ovms::FieldValue* la = r.effective().field("latitude");
  const ovms::FieldValue* lo = r.effective().field("longitude");
  if (!la || !lo || !la->is_number() || !lo->is_number()) return false;
  lat = la->kind == ovms::FieldValue::Kind::Float ? la->f : static_cast<double>(la->i);
  lon = lo->kind == ovms::FieldValue::Kind::Float ? lo->f : static_cast<double>(lo->i);
  if (lat == 0 && lon == 0) return false;
  return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
}

void collect_tracks(const RecordStore& store, std::size_t from, std::map<std::string, std::vector<TrackPoint>>& out) {
  for (std::size_t i = from; i < store.size(); ++i) {
    const ovms::LineRecord& r = *store.at(i);
    double lat, lon;
    if (record_position(r, lat, lon)) out[r.vehicle.empty() ? "-" : r.vehicle].push_back({lat, lon, r.ts, i});
  }
}

}  // namespace inspector
