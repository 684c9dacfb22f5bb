#include "time_format.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "ovms/packet_source.h"

void append_time(std::string& out, double ts, TimeFormat f, double first) {
  char buf[64];
  // A time stamp no date can show (capture.timestamp says so once) is shown as the seconds it is.
  if (f == TimeFormat::Epoch || f == TimeFormat::Relative || !ovms::timestamp_in_range(ts)) {
    std::snprintf(buf, sizeof buf, "%.6f", f != TimeFormat::Relative ? ts : ts - first);
    out += buf;
    return;
  }
  // Whole seconds and microseconds, rounded once (so .9999996 becomes the next second, not .1000000).
  long long us = std::llround(ts * 1e6);
  std::time_t sec = static_cast<std::time_t>(us / 1000000);
  long frac = static_cast<long>(us % 1000000);
  if (frac < 0) {
    frac += 1000000;
    --sec;
  }
  struct tm tm {};
  const bool utc = f == TimeFormat::Utc || f == TimeFormat::UtcDate;
  if (utc) gmtime_r(&sec, &tm);
  else localtime_r(&sec, &tm);
  const bool date = f == TimeFormat::LocalDate || f == TimeFormat::UtcDate;
  std::size_t n = std::strftime(buf, sizeof buf, date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06ld", frac);
  out += buf;
}
