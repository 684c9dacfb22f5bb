#include "clock.h"

#include <ctime>

namespace ovms::sim {

std::string utc_time_text(double unix_time) {
  time_t secs = static_cast<time_t>(unix_time);
  struct tm tm_utc;
  gmtime_r(&secs, &tm_utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm_utc);
  return buf;
}

}  // namespace ovms::sim
