#include "ovms/line_encoder.h"

#include <stdexcept>

namespace ovms {

LineFraming framing_of(const FramedLine& line) {
  LineFraming f;
  f.websocket = line.websocket;
  f.masked = line.websocket && line.masked;
  f.bare_lf = !line.websocket && line.bare_lf;
  return f;
}

void append_websocket_text_frame(std::string& out, std::string_view payload, const MaskKey* mask) {
  constexpr uint8_t kFinText = 0x81;
  const uint8_t mask_bit = mask ? 0x80 : 0x00;
  const uint64_t n = payload.size();
  out += static_cast<char>(kFinText);
  if (n < 126) {
    out += static_cast<char>(mask_bit | n);
  } else if (n <= 0xffff) {  // 126: a 16-bit length follows, network order
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {  // 127: a 64-bit length follows
    out += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  }
  if (!mask) {
    out.append(payload);
    return;
  }
  out.append(reinterpret_cast<const char*>(mask->data()), mask->size());
  const std::size_t start = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < payload.size(); ++i) out[start + i] = static_cast<char>(out[start + i] ^ (*mask)[i & 3]);
}

std::string websocket_text_frame(std::string_view payload, const MaskKey* mask) {
  std::string out;
  append_websocket_text_frame(out, payload, mask);
  return out;
}

std::size_t message_text_length(int scheme, std::size_t body_len) {
  if (scheme == 1) return body_len;
  return 4 * ((kMsgPrefix.size() + body_len + 2) / 3);
}

LineEncoder::LineEncoder(LineFraming framing, MaskSource masks) : masks_(std::move(masks)) { set_framing(framing); }

void LineEncoder::set_framing(LineFraming framing) {
  if (framing.websocket && framing.masked && !masks_)
    throw std::invalid_argument("LineEncoder: masked WebSocket framing needs a source of masking keys");
  framing_ = framing;
}

void LineEncoder::start_scheme0(LineCipher cipher) {
  cipher_.emplace(std::move(cipher));
  scheme_ = 0;
}

void LineEncoder::start_scheme1() {
  cipher_.reset();
  scheme_ = 1;
}

void LineEncoder::skip(std::size_t keystream_bytes) {
  if (cipher_) cipher_->rc4().skip(keystream_bytes);
}

void LineEncoder::frame_to(std::string& out, std::string_view line) {
  if (framing_.websocket) {
    if (!framing_.masked) {
      append_websocket_text_frame(out, line);
      return;
    }
    const MaskKey key = masks_();
    append_websocket_text_frame(out, line, &key);
    return;
  }
  out.append(line);
  out += framing_.bare_lf ? "\n" : "\r\n";
}

void LineEncoder::encode_to(std::string& out, std::string_view body) {
  if (scheme_ == 1) {
    frame_to(out, body);  // no "MP-0 " in scheme 1, in either direction (§2.6)
    return;
  }
  if (!cipher_)
    throw std::logic_error("LineEncoder: a message to encode before the session started (welcome lines go "
                           "through encode_plain)");
  scratch_.assign(kMsgPrefix);
  scratch_.append(body);
  frame_to(out, cipher_->encrypt(scratch_));
}

std::string LineEncoder::encode(std::string_view body) {
  std::string out;
  encode_to(out, body);
  return out;
}

void LineEncoder::encode_plain_to(std::string& out, std::string_view line) { frame_to(out, line); }

std::string LineEncoder::encode_plain(std::string_view line) {
  std::string out;
  encode_plain_to(out, line);
  return out;
}

bool paranoid_wraps(char code) {
  for (char never : {'E', 'A', 'a', 'g', 'P'})
    if (code == never) return false;
  return true;
}

std::string paranoid_envelope(const Bytes& paranoid_key, std::string_view inner, bool v3_truncate) {
  if (inner.empty()) throw std::invalid_argument("paranoid_envelope: the inner message is empty (needs <code><data>)");
  return paranoid_wrap(paranoid_key, inner[0], inner.substr(1), v3_truncate).substr(kMsgPrefix.size());
}

}  // namespace ovms
