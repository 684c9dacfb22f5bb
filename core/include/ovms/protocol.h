// OVMS v2 protocol constructions (PROTOCOL.md §2, §3, §5), shared by the decoder, the simulator and the
// proxy, so each fact (key order, drop length, padding) lives in exactly one place.
#pragma once

#include <string>
#include <string_view>

#include "ovms/crypto.h"

namespace ovms {

constexpr std::string_view kMsgPrefix = "MP-0 ";  // every scheme-0 plaintext line starts with this

// Does a client's first bytes look like the start of an OVMS conversation: a welcome ("MP-"), an
// auto-provisioning request ("AP-C") or the WebSocket upgrade ("GET /apiv2")? Used to recognise OVMS
// on any port (ovmsdump, the Wireshark heuristic) and to tell a welcome from session traffic.
bool looks_like_ovms_opening(std::string_view first_bytes);

// base64(HMAC-MD5(secret, token)); welcome digests are padded (24 chars), AP digests are not (22).
std::string welcome_digest(std::string_view secret, std::string_view token, bool pad = true);

// Compares a received digest with the expected raw bytes, as the server does: decoded, so padding
// does not matter. False for undecodable input.
bool digest_matches(std::string_view received_b64, const Bytes& expected_raw);

// HMAC-MD5(secret, server token || client token): the server token comes first (PROTOCOL.md §2.4).
Bytes session_key(std::string_view secret, std::string_view server_token, std::string_view client_token);

// HMAC-MD5(password, ptoken): the paranoid-mode key (§5.1).
Bytes paranoid_key(std::string_view password, std::string_view ptoken);

// One direction's session cipher: RC4(session key), 1024 bytes dropped, continuous for the session.
// Encrypts/decrypts whole lines; the base64 layer is included.
class LineCipher {
 public:
  explicit LineCipher(const Bytes& key) : rc4_(key) {}
  std::string encrypt(std::string_view plain);  // -> base64 wire text (padded)
  Bytes decrypt_raw(const Bytes& cipher);       // the keystream advances by cipher.size()
  Rc4& rc4() { return rc4_; }
  const Rc4& rc4() const { return rc4_; }

 private:
  Rc4 rc4_;
};

// Paranoid wrapping of `MP-0 <code><data>` (§5.2). With `v3_truncate`, the output is cut to the
// length of the original message, as v3 firmware does (§5.3).
std::string paranoid_wrap(const Bytes& pkey, char code, std::string_view data, bool v3_truncate = false);
// A fresh RC4 per paranoid message.
Bytes paranoid_crypt(const Bytes& pkey, const uint8_t* data, std::size_t len);

// Auto-provisioning record (§3): RC4 keyed by the raw digest HMAC-MD5(iccid, stoken), drop 1024.
std::string ap_encrypt_record(std::string_view iccid, std::string_view stoken, std::string_view plaintext);
Bytes ap_decrypt_record(const Bytes& digest_raw, const Bytes& record);

// Is this text plausibly an OVMS plaintext (printable ASCII/UTF-8, CR allowed)? Used to tell which
// password decrypted a paranoid payload, and to check a resynchronised keystream.
bool looks_like_text(const uint8_t* data, std::size_t len);

}  // namespace ovms
