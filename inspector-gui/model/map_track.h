// Each vehicle's track from the positions its messages carry (location L and the other messages with
// latitude and longitude fields in the catalog). No Qt.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/record_store.h"

namespace inspector {

struct TrackPoint {
  double lat, lon, ts;
  std::size_t row;  // store row
};

// The position a record carries, if it has both a latitude and a longitude that decoded as numbers
// (0,0 is "no fix": skipped).
bool record_position(const ovms::LineRecord& r, double& lat, double& lon);

// Appends the positions of rows [from, size()) to each vehicle's track.
void collect_tracks(const RecordStore& store, std::size_t from, std::map<std::string, std::vector<TrackPoint>>& out);

}  // namespace inspector
