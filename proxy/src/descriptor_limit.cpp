#include "descriptor_limit.h"

#include <sys/resource.h>

namespace ovms::proxy {

uint64_t raise_descriptor_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 0;
  if (r.rlim_cur < r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  }
  return r.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(r.rlim_cur);
}

bool near_descriptor_limit(std::size_t sessions, uint64_t limit) {
  return limit && limit != UINT64_MAX && sessions * kDescriptorsPerSession + kDescriptorsReserved > limit;
}

std::string near_limit_text(std::size_t sessions, uint64_t limit) {
  return std::to_string(sessions) + " sessions are open and the open-files limit is " + std::to_string(limit) +
         " (already raised to the hard limit; each session needs " + std::to_string(kDescriptorsPerSession) +
         "): more sessions will fail; raise the hard limit (ulimit -Hn, or LimitNOFILE= in a systemd unit)";
}

std::string descriptor_limit_text(const std::string& error, uint64_t limit) {
  std::string s = "cannot accept a client: " + error;
  if (limit && limit != UINT64_MAX)
    s += " (the open-files limit is " + std::to_string(limit) + ", already raised to the hard limit; each session needs four: two sockets, and a duplicate of each for half-closes: about " +
         std::to_string(limit / kDescriptorsPerSession) + " sessions at once); raise the hard limit (ulimit -Hn, or LimitNOFILE= in a systemd unit)";
  return s + "; accepting again when a session ends";
}

}  // namespace ovms::proxy
