// The decoder of one TCP connection: both directions' bytes in, LineRecords out. It follows the
// handshake, finds the key, decrypts the session and paranoid layers, decodes messages with the
// catalog, pairs command responses with requests, and explains everything it cannot do.
// Sans-io: no sockets, no threads, no capture format. Used by the capture analyzer (ovmsdump, the
// inspector) and by the Wireshark plugin, which feeds it through the core's TCP layer itself.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ovms/framer.h"
#include "ovms/key_ring.h"
#include "ovms/protocol.h"
#include "ovms/record.h"

namespace ovms {

struct DecoderOptions {
  bool resync_after_gap = true;  // search the keystream for "MP-0 " after lost bytes
  std::size_t resync_window = 1 << 20;  // keystream bytes searched at most
};

class ConnectionDecoder {
 public:
  // `keys` is the decode's KeyRing, shared by all its connections, so that a key one connection learns
  // (an AP-S record) decrypts the next. `next_id` numbers records across connections.
  ConnectionDecoder(uint32_t conn, KeyRing& keys, uint64_t* next_id, DecoderOptions options = {});
  // A decoder with a ring of its own over `keys` (may be null: nothing decrypts), for a connection
  // decoded alone.
  ConnectionDecoder(uint32_t conn, const KeyStore* keys, uint64_t* next_id, DecoderOptions options = {});
  ~ConnectionDecoder();

  // Contiguous stream bytes of one direction, in order.
  void feed(Direction dir, const uint8_t* data, std::size_t len, uint64_t frame, double ts, RecordSink& sink);
  // `missing` bytes of `dir` will never arrive.
  void gap(Direction dir, uint64_t missing, uint64_t frame);
  // The capture holds this direction only from its middle (no SYN seen): tells the decoder not to
  // expect a welcome, and to say why nothing decrypts.
  void started_mid_stream(Direction dir, uint64_t frame);
  // The sender of `dir` closed its side (FIN) or reset the connection (RST) in `frame`, after the bytes
  // fed so far. A server that closes before answering a client's welcome refused the login: that is
  // reported (handshake.server_refused, as a diagnostic of the connection) with the secret to suspect.
  void closed(Direction dir, uint64_t frame, double ts, RecordSink& sink);
  // One whole line of `dir` that the caller kept from the decoder (a relay does not buffer a line over
  // its bound): `wire_bytes` (line end or frame included) move the stream position on, and
  // `keystream_bytes` (what its base64 decodes to) the session cipher, so the next line decodes as if
  // this one had been fed. No record is made. Inside a partial line it is a gap() of `wire_bytes`.
  void skip_line(Direction dir, uint64_t wire_bytes, uint64_t keystream_bytes);
  // End of both streams: partial lines are emitted as unterminated.
  void finish(uint64_t frame, double ts, RecordSink& sink);

  const KeyRing& keys() const { return *keys_; }
  Role client_role() const { return client_role_; }
  const std::string& vehicle() const { return vehicle_; }
  const VehicleKey* key() const { return key_; }
  bool session_established() const { return phase_ == Phase::Session; }
  int scheme() const { return scheme_; }
  uint32_t id() const { return conn_; }
  // The scheme-0 session key once both welcomes were seen with a verified secret (empty before).
  // A man-in-the-middle proxy forwards the welcomes unchanged, so both of its legs share this key and
  // it re-encrypts each line with a LineCipher of its own per leg and direction (PROTOCOL.md §11).
  const Bytes& session_key() const { return session_key_; }
  const std::string& paranoid_token() const { return ptoken_; }
  // Keystream bytes generated to resynchronise after gaps so far: a bound the tests check (about the
  // window once per gap, whatever the number of lines that follow it).
  uint64_t resync_keystream_bytes() const { return resync_keystream_bytes_; }

 private:
  enum class Phase { AwaitWelcome, AwaitServerWelcome, Session, AutoProvision, WebSocketHandshake, NotOvms };

  // The keystream after a gap, generated once, and where "MP-0 " could start in it: the offsets
  // grouped by the two cipher bytes that would decrypt to "MP" there. Each line after the gap is then
  // looked up, not searched (a capture of short lines after a gap used to regenerate and scan the
  // whole window for every line).
  struct ResyncIndex {
    Bytes keystream;                  // from the state at the gap: capacity + prefix length bytes
    std::vector<uint32_t> offsets;    // 0..capacity, grouped by key, ascending within a group
    std::vector<uint32_t> group;      // 65537 starts into `offsets`
    std::size_t capacity = 0;         // offsets covered
  };

  struct DirState {
    Framer framer;
    std::unique_ptr<LineCipher> cipher;
    std::unique_ptr<Rc4> at_gap;     // cipher state when bytes were lost (for resynchronising)
    std::unique_ptr<ResyncIndex> resync;  // built at the first line after a gap, freed once in step
    uint64_t gap_wire_bytes = 0;     // wire bytes lost plus the broken line, bounding the search
    bool lost_sync = false;
    bool mid_stream = false;
    bool told_mid_stream = false;
    bool told_bare_lf = false;
    std::vector<Diagnostic> pending;  // connection-level diagnostics waiting for the next line
    std::string http_head;           // WebSocket upgrade: header block being collected
    uint64_t http_begin = 0;
    uint64_t http_frame = 0;
  };

  void on_line(Direction dir, const FramedLine& line, uint64_t frame, double ts, RecordSink& sink);
  void on_http_line(Direction dir, const FramedLine& line, uint64_t frame, double ts, RecordSink& sink);
  void client_welcome(LineRecord& r);
  void server_welcome(LineRecord& r);
  void ap_request(LineRecord& r);
  void ap_reply(LineRecord& r);
  void session_line(Direction dir, LineRecord& r);
  void too_long_line(DirState& st, const FramedLine& line, LineRecord& r);
  bool decrypt_line(DirState& st, LineRecord& r);
  bool resynchronise(DirState& st, const Bytes& cipher, LineRecord& r);
  const ResyncIndex& resync_index(DirState& st, std::size_t window);
  void decode_plain(LineRecord& r, std::string_view body);
  void paranoid(LineRecord& r);
  void pair_command(LineRecord& r, RecordSink& sink);
  void note_guide_differences(LineRecord& r);
  void select_key(LineRecord& r, std::string_view token, std::string_view digest);
  void use_key(LineRecord& r, const VehicleKey* key, KeySource source);
  void learn_from_ap_record(LineRecord& r, const VehicleKey& from);
  std::string refusal_suspect() const;
  void add(LineRecord& r, DiagId id, std::string message, int64_t pos = -1);
  Role sender(Direction dir) const;

  uint32_t conn_;
  std::unique_ptr<KeyRing> own_keys_;  // only when constructed from a KeyStore
  KeyRing* keys_;
  uint64_t* next_id_;
  uint64_t own_next_id_ = 0;
  DecoderOptions options_;
  Phase phase_ = Phase::AwaitWelcome;
  DirState dirs_[2];
  Role client_role_ = Role::Unknown;
  int scheme_ = -1;
  std::string vehicle_;
  std::string client_token_, client_digest_;
  const VehicleKey* key_ = nullptr;
  KeySource key_source_ = KeySource::None;
  bool key_verified_ = false;
  std::optional<bool> account_ok_;       // scheme 1: the login's password against the keys-file account
  uint64_t server_pos_at_welcome_ = 0;   // the server's stream position when the client's welcome came
  bool closed_[2] = {false, false};      // per direction: FIN or RST seen
  Bytes session_key_;
  std::string ptoken_;
  bool truncating_sender_[2] = {false, false};  // per direction: EM payloads seen cut off (v3 firmware)
  // AP exchange
  const VehicleKey* ap_key_ = nullptr;
  // Command pairing: requests waiting for responses, per request direction and command number.
  struct Pending { uint64_t id; uint64_t frame; };
  std::map<std::pair<int, int>, std::deque<Pending>> pending_commands_;
  uint64_t resync_keystream_bytes_ = 0;
  uint32_t guide_notes_done_[8] = {};  // bitset over message codes already explained in this connection
};

}  // namespace ovms
