// Strict UTF-8 (RFC 3629): the one rule for what is valid text, shared by the JSON writer and the
// field decoder. Overlong forms, surrogates (U+D800..DFFF) and code points past U+10FFFF are invalid.
#pragma once

#include <cstddef>
#include <string_view>

namespace ovms {

// Length (2..4) of the valid multi-byte sequence at s[i], or 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);
// Position of the first byte that is not part of valid UTF-8 (ASCII included), or npos.
std::size_t first_invalid_utf8(std::string_view s);

}  // namespace ovms
