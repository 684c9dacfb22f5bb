// Private to the relay: one direction's bytes on their way in, cut into the units the decoder is fed
// whole (a text line with its line end, or one WebSocket frame). The decoder never holds a partial
// line, so nothing is buffered twice, a line over the bound is never kept whole, and each record the
// decoder makes comes with the exact bytes it came as.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ovms/framer.h"

namespace ovms::relay_detail {

class Inbox {
 public:
  enum class Next { NeedMore, Unit, Oversize };

  void append(std::string_view bytes);
  // Where the next whole unit after the bytes already fed ends (`len`), or that it is (or, still
  // incomplete, already is) longer than `max_line`: its first `len` bytes are here.
  Next next(std::size_t max_line, std::size_t& len);
  std::string_view unfed() const { return std::string_view(buf_).substr(fed_); }
  // The next `len` bytes went to the decoder; for a WebSocket frame its header is kept (the mask).
  void mark_fed(std::size_t len);
  // The bytes fed since the last record: the record's raw bytes (removed from the inbox).
  std::string take_fed();
  // Every byte not yet fed or taken, removed (the stream ended; or a line over the bound passes).
  std::string_view peek() const { return std::string_view(buf_).substr(start_); }
  void consume(std::size_t len);
  std::size_t size() const { return buf_.size() - start_; }
  uint64_t position() const { return taken_; }  // stream position of the first byte not yet taken
  bool nothing_fed_pending() const { return fed_ == start_; }

  void start_websocket() { websocket_ = true; }
  bool websocket() const { return websocket_; }
  const WebSocketFrameHeader& last_frame() const { return last_frame_; }

 private:
  void compact();

  std::string buf_;
  std::size_t start_ = 0;    // first byte not yet taken
  std::size_t fed_ = 0;      // first byte not yet fed to the decoder
  std::size_t scanned_ = 0;  // text: no line end before this offset
  uint64_t taken_ = 0;
  bool websocket_ = false;
  WebSocketFrameHeader last_frame_;
};

// A line over the bound, passing through as it comes: its length and what its base64 decodes to, so
// the decoders and the encoder skip it in step with the peers.
class OversizeLine {
 public:
  // A text line (up to its LF), or the WebSocket frame with this header (its length, its mask).
  explicit OversizeLine(const WebSocketFrameHeader* frame = nullptr);
  // The part of `bytes` that still belongs to the line; counted.
  std::size_t take(std::string_view bytes);
  bool done() const { return done_; }
  uint64_t wire_bytes() const { return wire_; }
  uint64_t keystream_bytes() const;
  // A WebSocket frame that is not one whole text/binary message cannot be skipped as one line.
  bool skippable() const { return skippable_; }

 private:
  void count(std::string_view text);

  bool websocket_;
  WebSocketFrameHeader header_;
  uint64_t wire_ = 0;
  uint64_t symbols_ = 0;
  bool symbols_ended_ = false;
  bool done_ = false;
  bool skippable_ = true;
};

}  // namespace ovms::relay_detail
