// Opening an output file that may hold secrets (captures, keys files): created with mode 0600, an
// existing regular file narrowed to it; a device or a pipe is left as it is. Every writer of
// captures and keys files opens its file here.
#pragma once

#include <string>

namespace ovms {

// Returns a descriptor open for writing (truncated), or -1 with `error` set as
// "cannot write <what> '<path>': <reason>".
int open_private_file(const std::string& path, const std::string& what, std::string& error);

}  // namespace ovms
