#include "ovms/framer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace ovms {

void Framer::emit(std::string_view text, uint64_t begin, uint64_t end, bool bare_lf, const Callback& cb) {
  FramedLine line;
  line.text = text;
  line.begin = begin;
  line.end = end;
  line.bare_lf = bare_lf;
  line.after_gap = partial_gap_;
  partial_gap_ = false;
  set_cut(line, text);
  cb(line);
}

void Framer::drop(const char* p, std::size_t n) {
  cut_ += n;
  for (std::size_t k = n > 3 ? n - 3 : 0; k < n; ++k) {
    if (tail_len_ == 3) { tail_[0] = tail_[1]; tail_[1] = tail_[2]; tail_len_ = 2; }
    tail_[tail_len_++] = p[k];
  }
}

// Moves what drop() counted into `line` (whose kept text is `kept`), and starts counting anew.
void Framer::set_cut(FramedLine& line, std::string_view kept) {
  if (cut_ == 0) return;
  std::string last(kept.substr(kept.size() < 2 ? 0 : kept.size() - 2));
  last.append(tail_, tail_len_);
  line.cut_bytes = cut_;
  line.cut_end[0] = last.size() >= 2 ? last[last.size() - 2] : 0;
  line.cut_end[1] = last.empty() ? 0 : last.back();
  cut_ = 0;
  tail_len_ = 0;
}

std::optional<WebSocketFrameHeader> parse_websocket_frame_header(const uint8_t* f, std::size_t avail) {
  if (avail < 2) return std::nullopt;
  WebSocketFrameHeader h;
  h.fin = f[0] & 0x80;
  h.opcode = f[0] & 0x0f;
  h.masked = f[1] & 0x80;
  h.payload_len = f[1] & 0x7f;
  h.header_len = 2;
  if (h.payload_len == 126) {  // a 16-bit length follows
    if (avail < 4) return std::nullopt;
    h.payload_len = (uint64_t(f[2]) << 8) | f[3];
    h.header_len = 4;
  } else if (h.payload_len == 127) {  // a 64-bit length follows
    if (avail < 10) return std::nullopt;
    h.payload_len = 0;
    for (int k = 0; k < 8; ++k) h.payload_len = (h.payload_len << 8) | f[2 + k];
    h.header_len = 10;
  }
  if (h.masked) {
    if (avail < h.header_len + 4) return std::nullopt;
    std::memcpy(h.mask_key, f + h.header_len, 4);
    h.header_len += 4;
  }
  return h;
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
      drop(p + i + take, len - i - take);
      pos_ += len - i;
      return;
    }
    std::size_t lf_at = static_cast<std::size_t>(static_cast<const char*>(lf) - p);
    std::size_t line_len = lf_at - i;
    uint64_t begin = partial_.empty() ? pos_ : partial_begin_;
    std::string_view text;
    if (partial_.empty()) {
      text = std::string_view(p + i, std::min(line_len, kMaxLine));  // the common case: no copy
      if (line_len > kMaxLine) drop(p + i + kMaxLine, line_len - kMaxLine);
    } else {
      std::size_t take = line_len;
      if (partial_.size() + take > kMaxLine) take = partial_.size() < kMaxLine ? kMaxLine - partial_.size() : 0;
      partial_.append(p + i, take);
      drop(p + i + take, line_len - take);
      text = partial_;
    }
    bool bare_lf;
    if (cut_ > 0) {  // the line end's CR, if any, is the last byte dropped
      bare_lf = tail_[tail_len_ - 1] != '\r';
      if (!bare_lf) { --cut_; --tail_len_; }
    } else {
      bare_lf = text.empty() || text.back() != '\r';
      if (!bare_lf) text.remove_suffix(1);
    }
    pos_ += line_len + 1;
    emit(text, begin, pos_, bare_lf, cb);
    partial_.clear();
    i = lf_at + 1;
  }
}

void Framer::add_payload(const char* p, std::size_t n) {
  std::size_t take = std::min(n, kMaxLine - std::min(kMaxLine, fragments_.size()));
  fragments_.append(p, take);
  drop(p + take, n - take);
}

void Framer::end_frame(bool fin, bool masked, uint64_t begin, uint64_t end, const Callback& cb) {
  if (!fin) { in_fragments_ = true; return; }
  in_fragments_ = false;
  std::string text = std::move(fragments_);
  fragments_.clear();
  // The server strips one trailing LF from inbound frames (a CR stays).
  if (cut_ > 0) {
    if (strip_lf_ && tail_len_ > 0 && tail_[tail_len_ - 1] == '\n') { --cut_; --tail_len_; }
  } else if (strip_lf_ && !text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  FramedLine line;
  line.text = text;
  line.begin = begin;
  line.end = end;
  line.websocket = true;
  line.masked = masked;
  line.after_gap = partial_gap_;
  partial_gap_ = false;
  set_cut(line, text);
  cb(line);
}

// Unmasks a chunk of a big frame in a small buffer, so that a frame of any length costs at most the
// line cap (what add_payload keeps) and no copy of the whole payload.
std::size_t Framer::feed_big(const uint8_t* p, std::size_t n, const Callback& cb) {
  n = static_cast<std::size_t>(std::min<uint64_t>(n, big_.left));
  if (big_.data) {
    char buf[4096];
    for (std::size_t i = 0; i < n;) {
      std::size_t k = std::min(n - i, sizeof buf);
      for (std::size_t j = 0; j < k; ++j)
        buf[j] = static_cast<char>(big_.masked ? p[i + j] ^ big_.mask[(big_.mask_at + j) & 3] : p[i + j]);
      big_.mask_at += k;
      add_payload(buf, k);
      i += k;
    }
  }
  big_.left -= n;
  if (big_.left == 0 && big_.data) end_frame(big_.fin, big_.masked, big_.begin, big_.end, cb);
  return n;
}

void Framer::feed_frames(const uint8_t* data, std::size_t len, const Callback& cb) {
  if (big_.left > 0) {  // inside a frame past the line cap: its bytes are not buffered
    std::size_t n = feed_big(data, len, cb);
    data += n;
    len -= n;
    pos_ += n;
    if (len == 0) return;
  }
  if (partial_.empty()) partial_begin_ = pos_;
  partial_.append(reinterpret_cast<const char*>(data), len);
  pos_ += len;
  std::size_t off = 0;
  while (true) {
    const uint8_t* f = reinterpret_cast<const uint8_t*>(partial_.data()) + off;
    std::size_t avail = partial_.size() - off;
    std::optional<WebSocketFrameHeader> h = parse_websocket_frame_header(f, avail);
    if (!h) break;
    const bool fin = h->fin, masked = h->masked;
    const uint8_t opcode = h->opcode;
    const uint64_t plen = h->payload_len;
    const std::size_t hdr = h->header_len;
    uint64_t begin = partial_begin_ + off;
    if (h->carries_data() && opcode != 0) {  // a new message: any unfinished one before it is dropped
      fragments_.clear();
      cut_ = 0;
      tail_len_ = 0;
    }
    if (plen > kMaxLine) {
      // Too long to buffer: streamed through feed_big (a data frame is kept up to the cap and the rest
      // counted, so the decoder reports line.too_long and keeps the keystream in step; a control
      // frame, which RFC 6455 bounds at 125 bytes, is reported and skipped).
      big_ = BigFrame{};
      big_.left = plen;
      big_.begin = begin;
      big_.end = h->frame_len() > UINT64_MAX - begin ? UINT64_MAX : begin + h->frame_len();
      big_.masked = masked;
      std::memcpy(big_.mask, h->mask_key, 4);
      big_.fin = fin;
      big_.data = h->carries_data();
      if (!big_.data) {
        FramedLine bad;
        bad.begin = begin;
        bad.end = pos_;  // what has arrived: the frame's end may be far off
        bad.websocket = true;
        bad.error = "WebSocket control frame (opcode " + std::to_string(opcode) + ") of " + std::to_string(plen) +
                    " bytes (RFC 6455 allows 125); skipped";
        cb(bad);
      }
      off += hdr;
      off += feed_big(f + hdr, avail - hdr, cb);
      if (big_.left > 0) break;
      continue;
    }
    if (avail < hdr + plen) break;
    off += hdr + static_cast<std::size_t>(plen);
    uint64_t end = partial_begin_ + off;
    if (!h->carries_data()) continue;  // ping, pong, close: ignored, as the server does
    std::string payload(reinterpret_cast<const char*>(f + hdr), static_cast<std::size_t>(plen));
    if (masked) {
      const uint8_t* key = h->mask_key;
      for (std::size_t k = 0; k < payload.size(); ++k) payload[k] = static_cast<char>(payload[k] ^ key[k & 3]);
    }
    add_payload(payload.data(), payload.size());
    end_frame(fin, masked, begin, end, cb);
  }
  partial_.erase(0, off);
  partial_begin_ += off;
}

void Framer::gap(uint64_t missing) {
  if (websocket_ && big_.left >= missing && missing > 0) {
    // Lost inside a frame past the cap: its boundary is still known; the lost bytes count as cut.
    big_.left -= missing;
    big_.mask_at += missing;
    cut_ += missing;
    pos_ += missing;
    partial_gap_ = true;
    return;
  }
  if (websocket_) {
    // Frame boundaries are lost with the bytes; drop what is buffered and hope the next byte starts a
    // frame (the decoder reports the gap either way).
    partial_.clear();
    big_ = BigFrame{};
  }
  if (partial_.empty()) partial_begin_ = pos_;
  pos_ += missing;
  partial_gap_ = true;
}

void Framer::skip(uint64_t len) {
  if (!between_lines())
    throw std::logic_error("Framer::skip inside a partial line: only whole lines can be skipped");
  pos_ += len;
  partial_begin_ = pos_;
  fragments_.clear();  // a whole data message, like a fed one, ends any fragments before it
  in_fragments_ = false;
}

void Framer::finish(const Callback& cb) {
  if (websocket_ && big_.left > 0) {
    FramedLine bad;
    bad.begin = big_.begin;
    bad.end = pos_;
    bad.websocket = true;
    bad.unterminated = true;
    bad.error = "stream ended inside a WebSocket frame of " + std::to_string(big_.end - big_.begin) +
                " bytes, " + std::to_string(big_.left) + " of its payload missing";
    big_ = BigFrame{};
    fragments_.clear();
    cut_ = 0;
    tail_len_ = 0;
    partial_.clear();
    cb(bad);
    return;
  }
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
  set_cut(line, partial_);
  cb(line);
  partial_.clear();
  partial_gap_ = false;
}

}  // namespace ovms
