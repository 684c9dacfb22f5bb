// The OVMS v2 primitives: RC4 (OpenSSL legacy provider), HMAC-MD5, and base64.
// OpenSSL runs in a private library context so that loading the legacy provider never changes the
// global OpenSSL state of a host process (Wireshark, Qt).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ovms {

using Bytes = std::vector<uint8_t>;

inline std::string_view as_text(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
std::string to_hex(const uint8_t* data, std::size_t len);
inline std::string to_hex(const Bytes& b) { return to_hex(b.data(), b.size()); }

// Thrown only when OpenSSL itself is unusable (e.g. the legacy provider is not installed).
struct CryptoUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One RC4 keystream. Copyable: a copy continues the same keystream independently (the proxy and the
// inspector use this to branch a state).
class Rc4 {
 public:
  // OVMS always discards the first 1024 keystream bytes.
  static constexpr std::size_t kOvmsDrop = 1024;

  Rc4(const uint8_t* key, std::size_t key_len, std::size_t drop = kOvmsDrop);
  explicit Rc4(const Bytes& key, std::size_t drop = kOvmsDrop) : Rc4(key.data(), key.size(), drop) {}
  Rc4(const Rc4& other);
  Rc4& operator=(const Rc4& other);
  Rc4(Rc4&&) noexcept;
  Rc4& operator=(Rc4&&) noexcept;
  ~Rc4();

  // XORs `len` bytes in place with the keystream, advancing it.
  void apply(uint8_t* data, std::size_t len);
  Bytes apply(const Bytes& in) {
    Bytes out = in;
    apply(out.data(), out.size());
    return out;
  }
  // Advances the keystream without data (resynchronising after a known number of bytes).
  void skip(std::size_t len);
  uint64_t offset() const { return offset_; }  // keystream bytes used after the drop

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
  uint64_t offset_ = 0;
};

// HMAC-MD5 (16 bytes). Keys longer than 64 bytes are hashed first, as RFC 2104 says.
Bytes hmac_md5(const uint8_t* key, std::size_t key_len, const uint8_t* msg, std::size_t msg_len);
inline Bytes hmac_md5(std::string_view key, std::string_view msg) {
  return hmac_md5(reinterpret_cast<const uint8_t*>(key.data()), key.size(),
                  reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
}

// Standard alphabet; `pad` adds '='.
std::string base64_encode(const uint8_t* data, std::size_t len, bool pad = true);
inline std::string base64_encode(const Bytes& b, bool pad = true) {
  return base64_encode(b.data(), b.size(), pad);
}

struct Base64Result {
  Bytes data;
  // Position of the first byte that is not base64 (or of misplaced padding); npos if none.
  std::size_t bad_at = std::string_view::npos;
  bool unpadded = false;        // input length was not a multiple of 4 (accepted)
  bool dangling = false;        // a single trailing character (6 bits) that carries no whole byte
};
// Accepts padded and unpadded input. Stops at the first invalid character (bad_at), keeping what was
// decoded before it, so a caller can decode "everything that can still be decoded".
Base64Result base64_decode(std::string_view text);
// The same, decoding into `out` (its content replaced) instead of the result's `data`: a decrypted line
// is decoded straight into the string it will be kept in.
Base64Result base64_decode(std::string_view text, std::string& out);
// How many leading characters of `text` are base64 symbols: base64_decode decodes exactly these and
// stops at the first other character (padding included), giving base64_decoded_size(run) bytes. A
// relay counts what a line it does not keep would have decoded to, chunk by chunk.
std::size_t base64_symbol_run(std::string_view text);
constexpr uint64_t base64_decoded_size(uint64_t symbols) { return symbols * 6 / 8; }
// Convenience: the decoded bytes, or nullopt if any character is invalid.
std::optional<Bytes> base64_decode_strict(std::string_view text);

}  // namespace ovms
