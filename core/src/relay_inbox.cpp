#include "relay_inbox.h"

#include <algorithm>
#include <cstring>

#include "ovms/crypto.h"

namespace ovms::relay_detail {

void Inbox::append(std::string_view bytes) {
  compact();
  buf_.append(bytes);
}

// Taken bytes are dropped from the front only now and then, so that many lines in one segment do not
// move the rest of the buffer once each.
void Inbox::compact() {
  if (start_ == 0) return;
  if (start_ < buf_.size() && start_ < (64u << 10)) return;
  buf_.erase(0, start_);
  fed_ -= start_;
  scanned_ -= std::min(scanned_, start_);
  start_ = 0;
}

Inbox::Next Inbox::next(std::size_t max_line, std::size_t& len) {
  std::string_view rest = unfed();
  if (websocket_) {
    auto h = parse_websocket_frame_header(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
    if (!h) return Next::NeedMore;
    if (h->frame_len() > max_line) {
      len = std::min<std::size_t>(rest.size(), h->frame_len());
      return Next::Oversize;
    }
    if (rest.size() < h->frame_len()) return Next::NeedMore;
    len = static_cast<std::size_t>(h->frame_len());
    return Next::Unit;
  }
  std::size_t from = std::max(scanned_, fed_) - fed_;
  const void* lf = std::memchr(rest.data() + from, '\n', rest.size() - from);
  if (!lf) {
    scanned_ = buf_.size();
    len = rest.size();
    return rest.size() > max_line ? Next::Oversize : Next::NeedMore;
  }
  len = static_cast<std::size_t>(static_cast<const char*>(lf) - rest.data()) + 1;
  return len > max_line ? Next::Oversize : Next::Unit;
}

void Inbox::mark_fed(std::size_t len) {
  if (websocket_) {
    std::string_view rest = unfed();
    if (auto h = parse_websocket_frame_header(reinterpret_cast<const uint8_t*>(rest.data()), rest.size()))
      last_frame_ = *h;
  }
  fed_ += len;
}

std::string Inbox::take_fed() {
  std::string raw = buf_.substr(start_, fed_ - start_);
  taken_ += raw.size();
  start_ = fed_;
  return raw;
}

void Inbox::consume(std::size_t len) {
  start_ += len;
  taken_ += len;
  fed_ = std::max(fed_, start_);
}

OversizeLine::OversizeLine(const WebSocketFrameHeader* frame) : websocket_(frame != nullptr) {
  if (frame) {
    header_ = *frame;
    skippable_ = frame->fin && (frame->opcode == 1 || frame->opcode == 2);
  }
}

void OversizeLine::count(std::string_view text) {
  if (symbols_ended_ || text.empty()) return;
  std::size_t run = base64_symbol_run(text);
  symbols_ += run;
  symbols_ended_ = run < text.size();
}

std::size_t OversizeLine::take(std::string_view bytes) {
  if (done_) return 0;
  if (!websocket_) {
    const void* lf = std::memchr(bytes.data(), '\n', bytes.size());
    std::size_t n = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - bytes.data()) + 1 : bytes.size();
    count(bytes.substr(0, n));
    wire_ += n;
    done_ = lf != nullptr;
    return n;
  }
  std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(bytes.size(), header_.frame_len() - wire_));
  // The payload part of these bytes, unmasked, is what the decoder would have decoded.
  std::size_t skip_header = wire_ < header_.header_len ? std::min<std::size_t>(n, header_.header_len - wire_) : 0;
  std::string payload(bytes.substr(skip_header, n - skip_header));
  if (header_.masked) {
    uint64_t at = wire_ + skip_header - header_.header_len;
    for (std::size_t i = 0; i < payload.size(); ++i)
      payload[i] = static_cast<char>(payload[i] ^ header_.mask_key[(at + i) & 3]);
  }
  count(payload);
  wire_ += n;
  done_ = wire_ == header_.frame_len();
  return n;
}

uint64_t OversizeLine::keystream_bytes() const { return base64_decoded_size(symbols_); }

}  // namespace ovms::relay_detail
