// The plugin's per-capture state, in plain C++ (no Wireshark types): the ConnectionDecoder and the
// core's TcpConnectionStreams of every conversation that is still open, and the cache of what each TCP
// segment produced on the first pass. The Wireshark side (dissect.cpp) owns one Capture per file scope
// and builds every tree, on every pass, from the cached Segments only.
//
// Nothing here knows the OVMS protocol or TCP: lines, plaintexts, fields and diagnostics come from
// ovms_core, and so do sequence numbers, duplicates and the rule for bytes the capture lost.
//
// Exceptions: every entry point that runs the core is noexcept and catches everything, because the
// callers sit between Wireshark C frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ovms/connection.h"
#include "ovms/keys.h"
#include "ovms/present.h"
#include "ovms/record.h"
#include "ovms/tcp_stream.h"

namespace ovms_ws {

struct Segment;

// A field of a decoded message whose fields cannot be reproduced by decode_message() from the plaintext
// (the auto-provisioning record): kept as the core produced it.
struct StoredField {
  const ovms::FieldDef* def = nullptr;
  std::string text;
  ovms::FieldValue::Kind kind = ovms::FieldValue::Kind::Empty;
  int64_t i = 0;
  double f = 0;
  uint16_t index = 0;
  uint32_t offset = 0, length = 0;  // in the plaintext (ovms::FieldValue)
};

struct InnerCopy {
  std::string plain;  // "MP-0 <code><data>"
  std::vector<ovms::Diagnostic> diags;
  bool truncated = false;
  char code = 0;
};

// A compact copy of one LineRecord. The decoded fields are not kept: decode_message() is a pure function
// of the plaintext, so they are decoded again when a tree is built (see `body_off`). This keeps the cache
// at roughly the size of the wire text plus the plaintext.
struct Line {
  uint64_t id = 0;
  uint64_t stream_pos = 0, stream_end = 0;
  uint32_t frame = 0;
  uint32_t response_to_frame = 0;        // c: the frame of the C it answers (0: none)
  std::vector<uint32_t> response_in;     // C: the frames of its responses (filled in later frames)
  ovms::Direction dir = ovms::Direction::ClientToServer;
  ovms::Role role = ovms::Role::Unknown;
  ovms::LineKind kind = ovms::LineKind::Message;
  char code = 0;                         // outer message code (0: none)
  int16_t body_off = -1;                 // plain.substr(body_off) is what decode_message() decoded; -1: none
  bool has_plain = false;
  const std::string* vehicle = nullptr;  // interned by the Capture
  const ovms::CommandDef* command = nullptr;
  std::string wire;                      // empty when wire_in_segment (then read it from the segment)
  uint32_t wire_len = 0;
  bool wire_in_segment = false;          // the wire text lies in the completing segment's own bytes
  std::string plain;
  std::vector<StoredField> stored;       // only when body_off < 0 and the record had fields
  std::vector<ovms::Diagnostic> diags;
  std::unique_ptr<InnerCopy> inner;
  std::unique_ptr<ovms::HandshakeInfo> handshake;
};

// What one call of the dissector (one TCP segment of an OVMS conversation) produced on the first pass.
struct Segment {
  uint32_t conv = 0;           // conversation index in the Capture
  ovms::Direction dir = ovms::Direction::ClientToServer;
  bool seq_known = false;      // the segment came with TCP sequence numbers (deduplicated)
  int64_t begin = 0;           // stream offset of the segment's first byte (< 0: before the stream's start)
  uint32_t len = 0;            // payload length
  uint32_t duplicate = 0;      // bytes already seen (retransmission, overlap)
  bool held = false;           // out of order: kept until the missing bytes before it arrive
  uint32_t reassembled_in = 0; // frame where a line holding this segment's last bytes completes
  uint64_t gap_bytes = 0;      // bytes declared lost while handling this segment
  std::vector<Line> lines;     // lines completed by this segment, in stream order
  std::vector<ovms::Diagnostic> orphans;
};

// One TCP conversation. While it is open: the decoder, the core's reassembly of both directions, and
// what the cache needs to link lines back to earlier segments. All of it goes once the core says the
// connection is over; the cached Segments stay (Wireshark dissects them again on every pass).
struct Conv {
  Conv(uint32_t index, ovms::KeyRing& keys, uint64_t* next_id);

  struct LineRef {
    Segment* seg;
    std::size_t index;
  };
  struct Live {
    Live(uint32_t index, ovms::KeyRing& keys, uint64_t* next_id) : decoder(index, keys, next_id) {}
    ovms::ConnectionDecoder decoder;
    ovms::TcpConnectionStreams tcp;  // indexed by ovms::Direction
    struct Dir {
      bool started = false;
      uint64_t lines_end = 0;    // stream offset after the last completed line
      uint64_t direct_pos = 0;   // stream offset when fed without sequence numbers
      std::deque<Segment*> open; // segments holding bytes of a line not yet complete
      bool close_told = false;   // the decoder was told of this direction's FIN or RST
    } dirs[2];
    std::unordered_map<uint64_t, LineRef> requests;  // C lines by record id, for response_in
  };

  uint32_t index;
  std::unique_ptr<Live> live;  // null once the connection is over
};

// The input of one segment, as the Wireshark side found it.
struct SegmentInput {
  ovms::Direction dir = ovms::Direction::ClientToServer;
  bool have_seq = false;       // false: no TCP info (bytes are fed as they come)
  bool relative_seq = true;    // Wireshark's relative sequence numbers are on (the stream starts at 1)
  uint32_t seq = 0;
  uint8_t tcp_flags = 0;       // ovms::TcpFlag bits
  bool ack_valid = false;
  uint32_t ack = 0;            // the segment's acknowledgement number (in the peer's sequence space)
  bool mid_stream = false;     // this direction's SYN is not in the capture
  const uint8_t* data = nullptr;
  std::size_t len = 0;         // 0: a segment without payload (its flags and ACK still count)
  uint32_t frame = 0;
  double ts = 0;
};

class Capture {
 public:
  explicit Capture(std::shared_ptr<const ovms::KeyStore> keys) : keys_(std::move(keys)), ring_(keys_.get()) {}
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  Conv* new_conv() noexcept;  // nullptr on allocation failure
  // Runs one segment through the conversation's reassembly and decoder. Returns the cached Segment
  // (owned by the Capture); nullptr with `error` empty for a segment without payload that produced
  // nothing (nothing is cached for it), nullptr with `error` set if the core failed.
  Segment* process(Conv& conv, const SegmentInput& in, std::string& error) noexcept;

  const ovms::KeyStore* keys() const { return keys_.get(); }
  const ovms::KeyRing& ring() const { return ring_; }
  std::size_t segments() const { return segments_.size(); }
  std::size_t live_conversations() const { return live_; }

 private:
  friend struct Feeder;
  const std::string* intern(const std::string& s);
  void feed_tcp(Conv::Live& live, const SegmentInput& in, Segment& seg);
  void close(Conv& conv, const SegmentInput& in, Segment& seg);

  std::shared_ptr<const ovms::KeyStore> keys_;
  ovms::KeyRing ring_;  // the configured keys and what this file's traffic taught (an AP record), for every conversation
  uint64_t next_id_ = 0;
  std::size_t live_ = 0;
  std::deque<std::unique_ptr<Conv>> convs_;
  std::deque<Segment> segments_;
  std::unordered_set<std::string> vehicles_;
};

// ---------------------------------------------------------------------------------------------------
// Views for building a tree: everything decoded again from a cached Line, in memory supplied by the caller
// (Wireshark's packet scope), as plain structs without destructors, so that a Wireshark exception thrown
// while the tree is built leaks nothing.

using Allocator = void* (*)(void* ctx, std::size_t size);

struct FieldView {
  const ovms::FieldDef* def;  // nullptr: a field the catalog does not describe ("extra")
  const char* text;           // NUL-terminated
  uint32_t text_len;
  uint32_t offset, length;    // its bytes in the message's plaintext (ovms::FieldValue::offset/length)
  ovms::FieldValue::Kind kind;
  uint16_t index;
  int64_t i;
  double f;
};

struct MessageView {
  char code;                  // 0: no message
  const ovms::MessageDef* def;
  const ovms::CommandDef* command;
  const FieldView* fields;
  uint32_t n_fields;
  int32_t code_offset;        // position of the code byte in the plaintext (-1: none)
  const char* summary;        // ovms::summarize()
  const char* title;          // ovms::present::fields_title(): "Car status (S)"
};

struct LineView {
  MessageView outer;
  MessageView inner;          // code 0 when there is no inner message
  const char* info;           // ovms::present::info(): "car DEMO S status soc=80.0 ..." (Info column, subtree)
};

// Fills `out` for `line`, whose wire text is `wire` (the line's own copy, or its bytes in the segment).
// Returns false only if the core failed; `out` is then empty but for `info`, which says what went wrong.
bool make_view(const Line& line, std::string_view wire, Allocator alloc, void* ctx, LineView& out) noexcept;

// The core's wording reads a cached Line through this view; `outer` and `inner` are its messages (decoded
// again, or for the names alone just their codes).
ovms::present::RecordView record_view(const Line& line, std::string_view wire, const ovms::DecodedMessage* outer,
                                      const ovms::DecodedMessage* inner);

// The keys a line is counted under in each of ovms::present's statistics tables (the tap's record), from
// the cache alone, in memory from `alloc`. Returns false only if the core failed.
constexpr std::size_t kStatTables = static_cast<std::size_t>(ovms::present::StatTable::kCount);
bool stat_keys(const Line& line, std::string_view wire, Allocator alloc, void* ctx,
               const char* keys[kStatTables]) noexcept;

}  // namespace ovms_ws
