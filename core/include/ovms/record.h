// What the decoder emits: one LineRecord per line seen on the wire (or per WebSocket frame).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ovms/diagnostic.h"
#include "ovms/message.h"

namespace ovms {

enum class Direction : uint8_t { ClientToServer = 0, ServerToClient = 1 };
inline const char* direction_name(Direction d) { return d == Direction::ClientToServer ? "c2s" : "s2c"; }
inline Direction opposite(Direction d) {
  return d == Direction::ClientToServer ? Direction::ServerToClient : Direction::ClientToServer;
}

// The role of a party. A record's `role` is its sender's.
enum class Role : uint8_t { Unknown, Car, App, Batch, Server, AutoProvision };
const char* role_name(Role r);  // "car", "app", "batch", "server", "autoprovision", "unknown"

enum class LineKind : uint8_t {
  Welcome,            // MP-<type> <scheme> ... from the client
  ServerWelcome,      // MP-S 0 <token> <digest> / MP-S 1 ...
  ApRequest,          // AP-C 0 <apkey>
  ApReply,            // AP-S 0 ... / AP-X
  WebSocketUpgrade,   // GET /apiv2 ... (request) or HTTP/1.1 101 (reply), headers included
  Message,            // a post-login line (decrypted or not)
  Unrecognised,       // a first line that is not OVMS
};
const char* line_kind_name(LineKind k);

// How the session key was found.
enum class KeySource : uint8_t { None, VehicleId, DigestSearch, Account, Iccid };
const char* key_source_name(KeySource k);  // "none", "vehicle_id", "digest_search", "account", "iccid"

struct InnerMessage {            // the decrypted payload of a paranoid EM message
  std::string plain;             // "MP-0 <code><data>"
  DecodedMessage msg;            // its field texts are views into `plain`
  std::vector<Diagnostic> diags;
  bool truncated = false;

  InnerMessage() = default;
  // A copy's (and a moved short string's) field texts point into its own `plain`.
  InnerMessage(const InnerMessage& o) : plain(o.plain), msg(o.msg), diags(o.diags), truncated(o.truncated) {
    msg.rebase(plain);
  }
  InnerMessage& operator=(const InnerMessage& o) {
    if (this != &o) *this = InnerMessage(o);
    return *this;
  }
  InnerMessage(InnerMessage&& o) noexcept
      : plain(std::move(o.plain)), msg(std::move(o.msg)), diags(std::move(o.diags)), truncated(o.truncated) {
    msg.rebase(plain);
  }
  InnerMessage& operator=(InnerMessage&& o) noexcept {
    plain = std::move(o.plain);
    msg = std::move(o.msg);
    diags = std::move(o.diags);
    truncated = o.truncated;
    msg.rebase(plain);
    return *this;
  }
};

struct HandshakeInfo {           // on welcome lines
  std::string client_token, server_token;
  int scheme = -1;
  bool ok = false;               // digest checked against a secret (or account password) and matched
  KeySource key_source = KeySource::None;
  std::string key_id;            // which keys-file entry (vehicle id or username)
  std::optional<uint64_t> key_learned_frame;  // the key was learned from traffic, in this frame (not configured)
};

// Its message's field texts are views into its own `plain` (or `wire`), so a record stays where it was
// made, behind a RecordPtr: copying or moving it would leave the copy's views on the original's bytes
// (a short string moves its characters). Build a new record and rebase() its messages instead.
struct LineRecord {
  LineRecord() = default;
  LineRecord(const LineRecord&) = delete;
  LineRecord& operator=(const LineRecord&) = delete;

  uint64_t id = 0;          // 0-based ordinal in the whole decode (order of emission)
  uint64_t frame = 0;       // capture frame of the packet that completed the line
  double ts = 0;            // its time stamp
  uint32_t conn = 0;
  Direction dir = Direction::ClientToServer;
  Role role = Role::Unknown;
  std::string vehicle;
  std::string wire;         // the line as sent, without its line end (WebSocket: the frame payload)
  std::optional<std::string> plain;  // the message text as the sender built it; nullopt: not decrypted
                                     // (msg's field texts are views into it: see FieldValue)
  int32_t body_offset = -1;  // where `<code><data>` starts in `plain` (5 after "MP-0 ", 0 in scheme 1); -1: no message
  LineKind kind = LineKind::Message;
  DecodedMessage msg;
  std::unique_ptr<InnerMessage> inner;
  std::unique_ptr<HandshakeInfo> handshake;
  std::vector<Diagnostic> diags;
  uint64_t stream_pos = 0;  // position of the line's first byte in its direction's byte stream
  uint64_t stream_end = 0;  // position after its line end (or frame)
  std::optional<uint64_t> response_to;  // for a c: id of the C it answers
  std::optional<uint64_t> response_to_frame;

  // The message decoded for display: the inner one for EM when decrypted, else the outer one.
  const DecodedMessage& effective() const { return inner ? inner->msg : msg; }
};

// Records are shared and read-only once emitted: every sink sees the same record, and a sink that
// keeps one (a writer thread, the inspector's store, a proxy's log) keeps the pointer, never a copy,
// and never takes anything out of it that another sink still reads.
using RecordPtr = std::shared_ptr<const LineRecord>;

// Receives records as they are decoded.
struct RecordSink {
  virtual ~RecordSink() = default;
  virtual void on_record(const RecordPtr& record) = 0;
  // A response was matched to an earlier request (the front end may annotate the request).
  virtual void on_response_link(uint64_t /*request_id*/, uint64_t /*response_id*/, uint64_t /*response_frame*/) {}
  // A diagnostic that belongs to no line (e.g. a gap at the very end of a stream, an unused key).
  virtual void on_orphan_diagnostic(uint32_t /*conn*/, const Diagnostic& /*d*/) {}
};

}  // namespace ovms
