#include "ovms/crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <array>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace ovms {
namespace {

// The private OpenSSL library context with the legacy (RC4) and default (MD5, HMAC) providers.
// Created once, never freed: it must outlive every cipher, and the host may unload us at exit.
struct OpenSsl {
  OSSL_LIB_CTX* lib = nullptr;
  EVP_CIPHER* rc4 = nullptr;
  EVP_MAC* hmac = nullptr;
  std::string error;

  OpenSsl() {
    lib = OSSL_LIB_CTX_new();
    if (!lib) { error = "OSSL_LIB_CTX_new failed"; return; }
    if (!OSSL_PROVIDER_load(lib, "legacy")) {
      error = "OpenSSL legacy provider (RC4) could not be loaded: is libssl3's ossl-modules/legacy.so installed?";
      return;
    }
    if (!OSSL_PROVIDER_load(lib, "default")) { error = "OpenSSL default provider could not be loaded"; return; }
    rc4 = EVP_CIPHER_fetch(lib, "RC4", nullptr);
    hmac = EVP_MAC_fetch(lib, "HMAC", nullptr);
    if (!rc4) error = "RC4 is not available from the OpenSSL legacy provider";
    else if (!hmac) error = "HMAC is not available from OpenSSL";
  }
};

const OpenSsl& openssl() {
  static const OpenSsl* instance = new OpenSsl();
  if (!instance->error.empty()) throw CryptoUnavailable(instance->error);
  return *instance;
}

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_decode_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kDecode = make_decode_table();

}  // namespace

std::string to_hex(const uint8_t* data, std::size_t len) {
  static const char* digits = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (std::size_t i = 0; i < len; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  return out;
}

struct Rc4::Ctx {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  ~Ctx() { EVP_CIPHER_CTX_free(c); }
};

Rc4::Rc4(const uint8_t* key, std::size_t key_len, std::size_t drop) : ctx_(new Ctx) {
  const OpenSsl& ssl = openssl();
  if (!ctx_->c) throw CryptoUnavailable("EVP_CIPHER_CTX_new failed");
  // RC4's key length is variable: set it before the key is installed.
  if (!EVP_EncryptInit_ex2(ctx_->c, ssl.rc4, nullptr, nullptr, nullptr) ||
      !EVP_CIPHER_CTX_set_key_length(ctx_->c, static_cast<int>(key_len)) ||
      !EVP_EncryptInit_ex2(ctx_->c, nullptr, key, nullptr, nullptr)) {
    throw CryptoUnavailable("RC4 key setup failed");
  }
  skip(drop);
  offset_ = 0;
}

Rc4::Rc4(const Rc4& other) : ctx_(new Ctx), offset_(other.offset_) {
  if (!ctx_->c || !EVP_CIPHER_CTX_copy(ctx_->c, other.ctx_->c)) throw CryptoUnavailable("RC4 copy failed");
}
Rc4& Rc4::operator=(const Rc4& other) {
  if (this != &other) {
    Rc4 copy(other);
    *this = std::move(copy);
  }
  return *this;
}
Rc4::Rc4(Rc4&&) noexcept = default;
Rc4& Rc4::operator=(Rc4&&) noexcept = default;
Rc4::~Rc4() = default;

void Rc4::apply(uint8_t* data, std::size_t len) {
  // EVP_EncryptUpdate takes an int length: go in chunks for very long lines.
  while (len > 0) {
    int chunk = static_cast<int>(len > (1u << 30) ? (1u << 30) : len);
    int out_len = 0;
    EVP_EncryptUpdate(ctx_->c, data, &out_len, data, chunk);
    data += chunk;
    len -= static_cast<std::size_t>(chunk);
    offset_ += static_cast<uint64_t>(chunk);
  }
}

void Rc4::skip(std::size_t len) {
  uint8_t zeros[1024];
  while (len > 0) {
    std::size_t n = len < sizeof zeros ? len : sizeof zeros;
    std::memset(zeros, 0, n);
    apply(zeros, n);
    len -= n;
  }
}

Bytes hmac_md5(const uint8_t* key, std::size_t key_len, const uint8_t* msg, std::size_t msg_len) {
  const OpenSsl& ssl = openssl();
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(ssl.hmac);
  if (!ctx) throw CryptoUnavailable("EVP_MAC_CTX_new failed");
  char digest[] = "MD5";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  static const uint8_t kEmpty = 0;  // HMAC with an empty key: OpenSSL wants a non-null pointer
  Bytes out(16);
  std::size_t out_len = 0;
  bool ok = EVP_MAC_init(ctx, key_len ? key : &kEmpty, key_len, params) &&
            EVP_MAC_update(ctx, msg, msg_len) && EVP_MAC_final(ctx, out.data(), &out_len, out.size());
  EVP_MAC_CTX_free(ctx);
  if (!ok || out_len != 16) throw CryptoUnavailable("HMAC-MD5 failed");
  return out;
}

std::string base64_encode(const uint8_t* data, std::size_t len, bool pad) {
  std::string out;
  out.reserve((len + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8) | data[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (len - i == 1) {
    uint32_t v = uint32_t(data[i]) << 16;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    if (pad) out += "==";
  } else if (len - i == 2) {
    uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

namespace {

// Decodes into any byte buffer (Bytes, or the std::string a decrypted line will live in).
template <class Buffer>
void decode_base64(std::string_view text, Buffer& data, Base64Result& r) {
  data.resize(text.size() / 4 * 3 + 3);
  auto* out = reinterpret_cast<uint8_t*>(&data[0]);
  auto* const begin = out;
  const auto* in = reinterpret_cast<const uint8_t*>(text.data());
  std::size_t i = 0;
  // Whole quads first (every line of a capture goes through here), then the careful loop for the tail,
  // padding and anything invalid.
  for (; i + 4 <= text.size(); i += 4) {
    int32_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = kDecode[in[i + 2]], d = kDecode[in[i + 3]];
    if ((a | b | c | d) < 0) break;
    uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    *out++ = static_cast<uint8_t>(v >> 16);
    *out++ = static_cast<uint8_t>(v >> 8);
    *out++ = static_cast<uint8_t>(v);
  }
  uint32_t acc = 0;
  int bits = 0;
  std::size_t symbols = i;
  for (; i < text.size(); ++i) {
    int8_t v = kDecode[static_cast<uint8_t>(text[i])];
    if (v < 0) break;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      *out++ = static_cast<uint8_t>(acc >> bits);
    }
  }
  data.resize(static_cast<std::size_t>(out - begin));
  std::size_t pads = 0;
  std::size_t j = i;
  while (j < text.size() && text[j] == '=' && pads < 2) { ++j; ++pads; }
  if (j < text.size()) r.bad_at = j;                              // junk after the data or padding
  else if (pads && (symbols + pads) % 4 != 0) r.bad_at = i;       // padding that does not complete a quad
  if (!pads && symbols % 4 != 0) r.unpadded = true;
  if (symbols % 4 == 1) r.dangling = true;
}

}  // namespace

Base64Result base64_decode(std::string_view text) {
  Base64Result r;
  decode_base64(text, r.data, r);
  return r;
}

Base64Result base64_decode(std::string_view text, std::string& out) {
  Base64Result r;
  decode_base64(text, out, r);
  return r;
}

std::size_t base64_symbol_run(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && kDecode[static_cast<uint8_t>(text[i])] >= 0) ++i;
  return i;
}

std::optional<Bytes> base64_decode_strict(std::string_view text) {
  Base64Result r = base64_decode(text);
  if (r.bad_at != std::string_view::npos || r.dangling) return std::nullopt;
  return std::move(r.data);
}

}  // namespace ovms
