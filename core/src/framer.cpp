#include "ovms/framer.h"

#include <cstring>

namespace ovms {

void Framer::emit(std::string_view text, uint64_t begin, uint64_t end, bool bare_lf, const Callback& cb) {
  FramedLine line;
  line.text = text;
  line.begin = begin;
  line.end = end;
  line.bare_lf = bare_lf;
  line.after_gap = partial_gap_;
  partial_gap_ = false;
  cb(line);
}

void Framer::feed(const uint8_t* data, std::size_t len, const Callback& cb) {
  if (websocket_) feed_frames(data, len, cb);
  else feed_lines(data, len, cb);
}

void Framer::feed_lines(const uint8_t* data, std::size_t len, const Callback& cb) {
  const char* p = reinterpret_cast<const char*>(data);
  std::size_t i = 0;
  while (i < len) {
    if (websocket_) {  // the upgrade's blank line switched us mid-buffer
      feed_frames(data + i, len - i, cb);
      return;
    }
    const void* lf = std::memchr(p + i, '\n', len - i);
    if (!lf) {
      if (partial_.empty()) partial_begin_ = pos_;
      std::size_t take = len - i;
      if (partial_.size() + take > kMaxLine) take = partial_.size() < kMaxLine ? kMaxLine - partial_.size() : 0;
      partial_.append(p + i, take);
      pos_ += len - i;
      return;
    }
    std::size_t lf_at = static_cast<std::size_t>(static_cast<const char*>(lf) - p);
    std::size_t line_len = lf_at - i;
    uint64_t begin = partial_.empty() ? pos_ : partial_begin_;
    std::string_view text;
    if (partial_.empty()) {
      text = std::string_view(p + i, line_len);  // the common case: no copy
    } else {
      std::size_t take = line_len;
      if (partial_.size() + take > kMaxLine) take = partial_.size() < kMaxLine ? kMaxLine - partial_.size() : 0;
      partial_.append(p + i, take);
      text = partial_;
    }
    bool bare_lf = text.empty() || text.back() != '\r';
    if (!bare_lf) text.remove_suffix(1);
    pos_ += line_len + 1;
    emit(text, begin, pos_, bare_lf, cb);
    partial_.clear();
    i = lf_at + 1;
  }
}

void Framer::feed_frames(const uint8_t* data, std::size_t len, const Callback& cb) {
  if (partial_.empty()) partial_begin_ = pos_;
  partial_.append(reinterpret_cast<const char*>(data), len);
  pos_ += len;
  std::size_t off = 0;
  while (true) {
    const uint8_t* f = reinterpret_cast<const uint8_t*>(partial_.data()) + off;
    std::size_t avail = partial_.size() - off;
    if (avail < 2) break;
    bool fin = f[0] & 0x80;
    int opcode = f[0] & 0x0f;
    bool masked = f[1] & 0x80;
    uint64_t plen = f[1] & 0x7f;
    std::size_t hdr = 2;
    if (plen == 126) {
      if (avail < 4) break;
      plen = (uint64_t(f[2]) << 8) | f[3];
      hdr = 4;
    } else if (plen == 127) {
      if (avail < 10) break;
      plen = 0;
      for (int k = 0; k < 8; ++k) plen = (plen << 8) | f[2 + k];
      hdr = 10;
    }
    if (masked) hdr += 4;
    if (plen > kMaxLine) {
      FramedLine bad;
      bad.begin = partial_begin_ + off;
      bad.end = pos_;
      bad.websocket = true;
      bad.error = "WebSocket frame length " + std::to_string(plen) + " is implausible; rest of stream skipped";
      cb(bad);
      partial_.clear();
      websocket_ = false;  // give up on frames; further bytes are read as lines
      return;
    }
    if (avail < hdr + plen) break;
    std::string payload(reinterpret_cast<const char*>(f + hdr), static_cast<std::size_t>(plen));
    if (masked) {
      const uint8_t* key = f + hdr - 4;
      for (std::size_t k = 0; k < payload.size(); ++k) payload[k] = static_cast<char>(payload[k] ^ key[k & 3]);
    }
    uint64_t begin = partial_begin_ + off;
    off += hdr + static_cast<std::size_t>(plen);
    uint64_t end = partial_begin_ + off;
    bool data_frame = opcode == 1 || opcode == 2 || opcode == 0;
    if (!data_frame) continue;  // ping, pong, close: ignored, as the server does
    if (opcode != 0) fragments_.clear();
    fragments_ += payload;
    if (!fin) { in_fragments_ = true; continue; }
    in_fragments_ = false;
    std::string text = std::move(fragments_);
    fragments_.clear();
    // The server strips one trailing LF from inbound frames (a CR stays).
    if (strip_lf_ && !text.empty() && text.back() == '\n') text.pop_back();
    FramedLine line;
    line.text = text;
    line.begin = begin;
    line.end = end;
    line.websocket = true;
    line.masked = masked;
    line.after_gap = partial_gap_;
    partial_gap_ = false;
    cb(line);
  }
  partial_.erase(0, off);
  partial_begin_ += off;
}

void Framer::gap(uint64_t missing) {
  if (websocket_) {
    // Frame boundaries are lost with the bytes; drop what is buffered and hope the next byte starts a
    // frame (the decoder reports the gap either way).
    partial_.clear();
  }
  if (partial_.empty()) partial_begin_ = pos_;
  pos_ += missing;
  partial_gap_ = true;
}

void Framer::finish(const Callback& cb) {
  if (partial_.empty() && !partial_gap_) return;
  if (websocket_) {
    if (!partial_.empty()) {
      FramedLine bad;
      bad.begin = partial_begin_;
      bad.end = pos_;
      bad.websocket = true;
      bad.unterminated = true;
      bad.error = "stream ended inside a WebSocket frame (" + std::to_string(partial_.size()) + " bytes)";
      cb(bad);
    }
    partial_.clear();
    return;
  }
  if (partial_.empty()) return;
  FramedLine line;
  line.text = partial_;
  line.begin = partial_begin_;
  line.end = pos_;
  line.unterminated = true;
  line.after_gap = partial_gap_;
  cb(line);
  partial_.clear();
  partial_gap_ = false;
}

}  // namespace ovms
