// The open-files limit of the proxy: every session holds two sockets (and a duplicate of each), so a proxy for many cars needs
// more than the usual soft limit of 1024. Raised to the hard limit at start; the text names what to
// do when even that is too low.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ovms::proxy {

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force (0: unknown).
uint64_t raise_descriptor_limit();
// Why a client could not be accepted although the proxy listens: `error` is the socket's words.
std::string descriptor_limit_text(const std::string& error, uint64_t limit);
// Each session holds four descriptors (two sockets, a duplicate of each for half-closes), and the
// proxy a few of its own.
constexpr uint64_t kDescriptorsPerSession = 4;
constexpr uint64_t kDescriptorsReserved = 64;
// True when `sessions` open sessions come near the limit (so that the next ones may fail).
bool near_descriptor_limit(std::size_t sessions, uint64_t limit);
// The words for it.
std::string near_limit_text(std::size_t sessions, uint64_t limit);

}  // namespace ovms::proxy
