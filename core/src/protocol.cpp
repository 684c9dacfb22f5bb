#include "ovms/protocol.h"

namespace ovms {

bool looks_like_ovms_opening(std::string_view b) {
  for (std::string_view start : {std::string_view("MP-"), std::string_view("AP-C"), std::string_view("GET /apiv2")})
    if (b.substr(0, start.size()) == start) return true;
  return false;
}

std::string welcome_digest(std::string_view secret, std::string_view token, bool pad) {
  return base64_encode(hmac_md5(secret, token), pad);
}

bool digest_matches(std::string_view received_b64, const Bytes& expected_raw) {
  auto raw = base64_decode_strict(received_b64);
  return raw && *raw == expected_raw;
}

Bytes session_key(std::string_view secret, std::string_view server_token, std::string_view client_token) {
  std::string material;
  material.reserve(server_token.size() + client_token.size());
  material.append(server_token).append(client_token);
  return hmac_md5(secret, material);
}

Bytes paranoid_key(std::string_view password, std::string_view ptoken) { return hmac_md5(password, ptoken); }

std::string LineCipher::encrypt(std::string_view plain) {
  Bytes buf(plain.begin(), plain.end());
  rc4_.apply(buf.data(), buf.size());
  return base64_encode(buf);
}

Bytes LineCipher::decrypt_raw(const Bytes& cipher) { return rc4_.apply(cipher); }

Bytes paranoid_crypt(const Bytes& pkey, const uint8_t* data, std::size_t len) {
  Rc4 rc4(pkey);
  Bytes out(data, data + len);
  rc4.apply(out.data(), out.size());
  return out;
}

std::string paranoid_wrap(const Bytes& pkey, char code, std::string_view data, bool v3_truncate) {
  Bytes enc = paranoid_crypt(pkey, reinterpret_cast<const uint8_t*>(data.data()), data.size());
  std::string inner = std::string(kMsgPrefix) + "EM" + code + base64_encode(enc);
  if (v3_truncate) inner.resize(kMsgPrefix.size() + 1 + data.size());  // len("MP-0 <code><data>")
  return inner;
}

std::string ap_encrypt_record(std::string_view iccid, std::string_view stoken, std::string_view plaintext) {
  Bytes key = hmac_md5(iccid, stoken);
  Rc4 rc4(key);
  Bytes buf(plaintext.begin(), plaintext.end());
  rc4.apply(buf.data(), buf.size());
  return base64_encode(buf);
}

Bytes ap_decrypt_record(const Bytes& digest_raw, const Bytes& record) {
  Rc4 rc4(digest_raw);
  return rc4.apply(record);
}

bool looks_like_text(const uint8_t* data, std::size_t len) {
  std::size_t i = 0;
  while (i < len) {
    uint8_t c = data[i];
    if (c >= 0x20 && c < 0x7f) { ++i; continue; }
    if (c == '\r' || c == '\t') { ++i; continue; }
    // A UTF-8 sequence: lead byte then continuation bytes (a cut-off tail at the end is accepted).
    int extra = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
    if (extra < 0) return false;
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= len) return true;
      if ((data[i + k] & 0xc0) != 0x80) return false;
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

}  // namespace ovms
