// Turns one direction's byte stream into lines: CRLF or bare LF line ends (a CR inside a line is data),
// or, after a WebSocket upgrade, one line per text/binary frame. Sans-io.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ovms {

struct FramedLine {
  std::string_view text;  // without the line end (valid only during the callback)
  uint64_t begin = 0;     // stream position of the first byte
  uint64_t end = 0;       // stream position after the line end / frame
  bool bare_lf = false;   // ended with LF alone
  bool unterminated = false;  // the stream ended (or a gap came) before the line end
  bool after_gap = false;     // bytes of this line were lost to a capture gap
  bool websocket = false;     // a WebSocket frame payload
  bool masked = false;        // the frame was masked (client frames)
  std::string error;          // WebSocket frame problem, if any
  // A line (or a fragmented WebSocket message) longer than Framer::kMaxLine: `text` is its first
  // kMaxLine bytes, and this many bytes after them were not kept (the line end excluded). `cut_end`
  // holds the line's last two bytes, which say how a base64 line ends (its padding).
  uint64_t cut_bytes = 0;
  char cut_end[2] = {0, 0};
};

// The header of one WebSocket frame (RFC 6455 §5.2): what the Framer reads, and what a relay needs to
// find a frame's end and its masking key before the frame is complete.
struct WebSocketFrameHeader {
  bool fin = false;
  uint8_t opcode = 0;          // 0 continuation, 1 text, 2 binary, 8+ control
  bool masked = false;
  uint8_t mask_key[4] = {};    // when masked
  uint64_t payload_len = 0;
  std::size_t header_len = 0;  // 2..14 bytes: the payload starts here
  // Header and payload; a length no frame can have (a 64-bit length near 2^64) saturates instead of
  // wrapping round to a small one.
  uint64_t frame_len() const { return payload_len > UINT64_MAX - header_len ? UINT64_MAX : header_len + payload_len; }
  bool carries_data() const { return opcode <= 2; }  // continuation, text or binary
};
// Reads the header at the start of `data`; nullopt while fewer bytes than the header needs are there.
std::optional<WebSocketFrameHeader> parse_websocket_frame_header(const uint8_t* data, std::size_t len);

class Framer {
 public:
  using Callback = std::function<void(const FramedLine&)>;

  // Largest line kept whole; longer lines (and fragmented WebSocket messages) are cut there, and the
  // rest of them counted (FramedLine::cut_bytes), so that the line after one is framed as it came.
  static constexpr std::size_t kMaxLine = 64 * 1024 * 1024;

  void feed(const uint8_t* data, std::size_t len, const Callback& cb);
  // `missing` bytes were lost: the current partial line is marked after_gap.
  void gap(uint64_t missing);
  // End of stream: emit any partial line as unterminated.
  void finish(const Callback& cb);
  // `len` bytes of one whole line (or WebSocket message) that the caller kept from the framer (a
  // relay does not buffer a line over its bound): positions move on as if it had been fed, and no
  // line is emitted. Only between lines; with a partial line buffered it is std::logic_error.
  void skip(uint64_t len);
  bool between_lines() const { return partial_.empty() && !partial_gap_ && big_.left == 0; }

  // Switch to WebSocket frames from the next byte on (after the HTTP upgrade's blank line).
  void start_websocket(bool strip_trailing_lf) {
    websocket_ = true;
    strip_lf_ = strip_trailing_lf;
  }
  bool websocket() const { return websocket_; }
  uint64_t position() const { return pos_; }

 private:
  void feed_lines(const uint8_t* data, std::size_t len, const Callback& cb);
  void feed_frames(const uint8_t* data, std::size_t len, const Callback& cb);
  void emit(std::string_view text, uint64_t begin, uint64_t end, bool bare_lf, const Callback& cb);
  // A data frame's payload joins the message being assembled, up to kMaxLine (the rest counted).
  void add_payload(const char* p, std::size_t n);
  // A data frame ended: emit the message if it was the final fragment.
  void end_frame(bool fin, bool masked, uint64_t begin, uint64_t end, const Callback& cb);
  // A frame longer than kMaxLine is streamed, not buffered: consume up to `n` of its payload bytes.
  std::size_t feed_big(const uint8_t* p, std::size_t n, const Callback& cb);
  struct BigFrame {
    uint64_t left = 0;  // payload bytes still to come
    uint64_t begin = 0, end = 0;
    uint8_t mask[4] = {};
    uint64_t mask_at = 0;
    bool masked = false, fin = false, data = false;
  } big_;

  std::string partial_;        // bytes of an incomplete line / frame
  uint64_t partial_begin_ = 0;
  uint64_t pos_ = 0;           // stream position after the last byte fed
  bool partial_gap_ = false;
  bool websocket_ = false;
  bool strip_lf_ = false;
  std::string fragments_;      // a fragmented WebSocket message being assembled
  bool in_fragments_ = false;
  // What a line past kMaxLine lost: bytes not kept, and the last three of them (a CR, two of padding).
  void drop(const char* p, std::size_t n);
  void set_cut(FramedLine& line, std::string_view kept);
  uint64_t cut_ = 0;
  char tail_[3] = {0, 0, 0};
  std::size_t tail_len_ = 0;
};

}  // namespace ovms
