#include "model/statistics.h"

#include <algorithm>

namespace inspector {

double RoundTrips::min() const { return seconds.empty() ? 0 : *std::min_element(seconds.begin(), seconds.end()); }
double RoundTrips::max() const { return seconds.empty() ? 0 : *std::max_element(seconds.begin(), seconds.end()); }
double RoundTrips::median() const {
  if (seconds.empty()) return 0;
  std::vector<double> s = seconds;
  std::sort(s.begin(), s.end());
  std::size_t n = s.size();
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

void Statistics::add(const RecordStore& store, std::size_t from) {
  for (std::size_t i = from; i < store.size(); ++i) {
    const ovms::LineRecord& r = *store.at(i);
    auto v = ovms::present::view_of(r);
    ++lines_;
    for (int t = 0; t < static_cast<int>(ovms::present::StatTable::kCount); ++t)
      ++tables_[t][ovms::present::stat_key(static_cast<ovms::present::StatTable>(t), v)];
    for (const auto& d : r.diags) ++diags_[d.def().key];
    if (r.inner)
      for (const auto& d : r.inner->diags) ++diags_[d.def().key];
    if (auto req = store.request_row(i)) {
      const ovms::LineRecord& c = *store.at(*req);
      trips_[ovms::present::title(ovms::present::view_of(c))].seconds.push_back(r.ts - c.ts);
    }
    Conversation& cv = convs_[r.conn];
    if (cv.lines == 0) {
      cv.conn = r.conn;
      cv.first = r.ts;
    }
    if (cv.vehicle.empty()) cv.vehicle = r.vehicle;
    ++cv.lines;
    ++(r.dir == ovms::Direction::ClientToServer ? cv.c2s : cv.s2c);
    cv.last = r.ts;
  }
}

void Statistics::clear() { *this = Statistics(); }

}  // namespace inspector
