// The open-files limit of the proxy: every session holds two sockets, so a proxy for many cars needs
// more than the usual soft limit of 1024. Raised to the hard limit at start; the text names what to
// do when even that is too low.
#pragma once

#include <cstdint>
#include <string>

namespace ovms::proxy {

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force (0: unknown).
uint64_t raise_descriptor_limit();
// Why a client could not be accepted although the proxy listens: `error` is the socket's words.
std::string descriptor_limit_text(const std::string& error, uint64_t limit);

}  // namespace ovms::proxy
