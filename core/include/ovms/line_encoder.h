// Encoding for the wire, the reverse of Framer + ConnectionDecoder: a message `<code><data>` into the
// bytes one direction of a connection sends. Scheme 0 sends "MP-0 " + the message, RC4 under that
// direction's LineCipher, base64 (PROTOCOL.md §1.2, §2.4); scheme 1 the message as it is (§2.6).
// Every line then gets its line end (CRLF, or LF as Android sends it) or becomes one WebSocket text
// frame (§1.4; masked from a client, RFC 6455 §5.3). Also the paranoid `EM` envelope (§5.2).
// Sans-io. The simulator writes its captures with it; the decrypting proxy keeps one encoder per leg
// and direction and re-encodes every relayed line on the leg it leaves by (§11).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ovms/crypto.h"
#include "ovms/framer.h"
#include "ovms/protocol.h"

namespace ovms {

// A WebSocket masking key (RFC 6455 §5.3): four bytes, fresh for every frame a client sends.
using MaskKey = std::array<uint8_t, 4>;

// How a line is delimited on the wire.
struct LineFraming {
  bool websocket = false;  // one text frame per line, without a line end (the line end fields are unused)
  bool masked = false;     // WebSocket: the frame carries a masking key (a client's frames must)
  bool bare_lf = false;    // TCP: LF alone (Android's println) instead of CRLF

  static LineFraming crlf() { return {}; }
  static LineFraming lf() { return {false, false, true}; }
  static LineFraming websocket_client() { return {true, true, false}; }
  static LineFraming websocket_server() { return {true, false, false}; }
  bool operator==(const LineFraming& o) const {
    return websocket == o.websocket && masked == o.masked && bare_lf == o.bare_lf;
  }
  bool operator!=(const LineFraming& o) const { return !(*this == o); }
};

// The framing a decoded line came with, so that a relay sends it on as its sender did.
LineFraming framing_of(const FramedLine& line);

// One final text frame (opcode 1, FIN): a 7-, 16- or 64-bit payload length, masked with `mask` when
// it is given. Fragmented frames are never needed for sending.
std::string websocket_text_frame(std::string_view payload, const MaskKey* mask = nullptr);
void append_websocket_text_frame(std::string& out, std::string_view payload, const MaskKey* mask = nullptr);

// The length of a message's wire text without its line end or frame: base64 of "MP-0 " + body in
// scheme 0 (4 characters per 3 bytes, padded), the body itself in scheme 1.
std::size_t message_text_length(int scheme, std::size_t body_len);

// One direction of one connection: its framing, its session cipher once logged in, and where masking
// keys come from. Copyable: a copy continues the same keystream independently.
class LineEncoder {
 public:
  using MaskSource = std::function<MaskKey()>;

  // `masks` gives the key of every masked frame; masked framing without it is std::invalid_argument.
  explicit LineEncoder(LineFraming framing = {}, MaskSource masks = {});

  // After login. Scheme 0: messages are encrypted with RC4(session key), 1024 bytes dropped, one
  // keystream from here on; or with a cipher the caller already advanced. Scheme 1: plain text.
  void start_scheme0(const Bytes& session_key) { start_scheme0(LineCipher(session_key)); }
  void start_scheme0(LineCipher cipher);
  void start_scheme1();
  int scheme() const { return scheme_; }  // -1 before the session started
  const LineCipher* cipher() const { return cipher_ ? &*cipher_ : nullptr; }  // scheme 0 only

  // A message `<code><data>` (for paranoid traffic, a body from paranoid_envelope): the bytes to send.
  // Before the session started it is std::logic_error: nothing may leave unencrypted by mistake.
  std::string encode(std::string_view body);
  void encode_to(std::string& out, std::string_view body);  // appends to `out`
  // A line outside the session (welcome, MP-S, AP-C/AP-S/AP-X; see welcome_lines.h): framed as it is.
  std::string encode_plain(std::string_view line);
  void encode_plain_to(std::string& out, std::string_view line);

  // A line that went out past the encoder, as it came (a relay passing on a line it did not keep):
  // the keystream advances by that line's decoded length, so the next encoded line follows it.
  // Scheme 1 and before the session: nothing to advance.
  void skip(std::size_t keystream_bytes);

  // Changes the framing from the next line on: after the WebSocket upgrade, or per relayed line.
  void set_framing(LineFraming framing);
  const LineFraming& framing() const { return framing_; }

 private:
  void frame_to(std::string& out, std::string_view line);

  LineFraming framing_;
  MaskSource masks_;
  std::optional<LineCipher> cipher_;
  int scheme_ = -1;
  std::string scratch_;  // "MP-0 " + body, reused between lines
};

// Does the paranoid layer wrap messages with this code? Never E, A, a, g or P (PROTOCOL.md §5.2).
bool paranoid_wraps(char code);

// The EM message that carries `inner` (`<code><data>`) under `paranoid_key` (paranoid_key() of the
// module password and the ptoken): "EM<code>" + base64(RC4(data)), a fresh cipher per message. With
// `v3_truncate`, cut to the inner message's length as v3 firmware does (§5.3). A body for
// LineEncoder::encode; a proxy re-wraps an edited inner message with it. An empty `inner` is
// std::invalid_argument.
std::string paranoid_envelope(const Bytes& paranoid_key, std::string_view inner, bool v3_truncate = false);

}  // namespace ovms
