// Private to the relay: its state (Relay::Impl) and the pieces it is made of, shared by relay.cpp
// (commands out, login, pass-through, events), relay_flow.cpp (lines in and out, lines over the
// bound) and relay_verdict.cpp (verdicts, injections, timers).
//
// Each sending leg is a Flow: an Inbox cuts what arrives into units fed to that leg's decoder; each
// record becomes an Item queued in arrival order; an Item leaves when no held line is before it, as it
// came while the outgoing keystream is in step with the sender's, re-encoded by the Flow's LineEncoder
// once it is not. What goes out is fed to the other leg's decoder when it needs it, so both legs are
// decoded in both directions (the injected-command pairing comes from there).
#pragma once

#include <algorithm>
#include <deque>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "ovms/relay.h"
#include "relay_inbox.h"
#include "relay_timers.h"

namespace ovms {
namespace relay_detail {

inline constexpr double kNever = std::numeric_limits<double>::infinity();

// The direction of the bytes a leg's peer sends. The relay passes them on in the same direction on the
// other leg (a car's line is client-to-server on both).
inline Direction sent_by(Leg l) { return l == Leg::Client ? Direction::ClientToServer : Direction::ServerToClient; }

// What a decoder emits for one feed.
struct Records : RecordSink {
  std::vector<RecordPtr> out;
  std::vector<Diagnostic> orphans;
  void on_record(const RecordPtr& r) override { out.push_back(r); }
  void on_orphan_diagnostic(uint32_t, const Diagnostic& d) override { orphans.push_back(d); }
};

// One line (or a WebSocket control frame) on its way through, in arrival order per direction.
struct Item {
  RecordPtr record;          // null: bytes outside any line (a control frame), passed on as they came
  std::string raw;           // the bytes it came as, line end or frames included
  LineFraming framing;
  MaskKey mask{};            // the incoming frame's masking key
  bool session = false;      // a message after login: the relay re-encodes it, may hold and change it
  uint64_t rx_before = 0;    // the sender's keystream position before this line
  uint64_t keystream = 0;    // what its base64 decodes to
  bool to_proxy = false;     // a reply to a command the proxy injected
  uint64_t hold_id = 0;      // 0: not held
  std::optional<relay::Verdict> verdict;  // an Edit's body is final (re-wrapped when inner)
  bool changed = false;
  ReceiverTimer timer{kNever, {}};
  double warned_for = -1;    // the deadline already warned about
  double expired_for = -1;
};

struct Flow {
  explicit Flow(Leg l, LineEncoder::MaskSource masks) : from(l), out(LineFraming::crlf(), std::move(masks)) {}
  Leg from;
  Inbox inbox;
  std::optional<OversizeLine> oversize;
  bool oversize_forwarded = false;  // its bytes go on here (in pass-through they already went)
  std::deque<Item> queue;
  std::size_t queued_bytes = 0;
  uint64_t rx_offset = 0;           // keystream bytes the sender has used
  LineEncoder out;                  // encodes on the other leg
  LineFraming sender_framing;       // how the sender frames its lines: lines the proxy injects get the same
  bool undecoded = false;           // bytes pass at once and are no longer decoded
  bool peer_closed = false;         // the sender sent FIN
  bool close_sent = false;          // and the other leg was half-closed after it
};

// A line that went on as it came is decoded again on the other leg only when that leg's decoder needs
// it: commands and their replies (pairing a reply with a command the proxy injected) and paranoid
// lines (the token). Any other line's record there would be the one it arrived as.
inline bool matters_to_receiving_decoder(const LineRecord& r) {
  const char code = r.msg.code;
  return code == 'C' || code == 'c' || code == 'E' || code == 0;
}

inline std::string body_of(const LineRecord& r) { return r.plain->substr(static_cast<std::size_t>(r.body_offset)); }

inline bool has_diag(const LineRecord& r, DiagId id) {
  for (const Diagnostic& d : r.diags)
    if (d.id == id) return true;
  return false;
}

// Why a welcome leaves the relay unable to decrypt: the decoder's own words for it.
inline std::string undecryptable_reason(const LineRecord& r) {
  for (DiagId id : {DiagId::KeyMissing, DiagId::DigestMismatch, DiagId::SchemeUnsupported, DiagId::HandshakeMalformed})
    for (const Diagnostic& d : r.diags)
      if (d.id == id) return d.message;
  return "the welcome was not verified";
}

}  // namespace relay_detail

struct Relay::Impl {
  using Item = relay_detail::Item;
  using Flow = relay_detail::Flow;
  using Inbox = relay_detail::Inbox;
  using Records = relay_detail::Records;
  using Received = relay::Received;
  using Closed = relay::Closed;
  using Verdict = relay::Verdict;
  using Inject = relay::Inject;
  using Tick = relay::Tick;
  using Command = relay::Command;

  explicit Impl(RelayOptions o)
      : opt(std::move(o)),
        dec_client(opt.conn, opt.keys.get(), &next_id),
        dec_server(opt.conn, opt.keys.get(), &next_id),
        flows{Flow(Leg::Client, [this] { return mask(); }), Flow(Leg::Server, [this] { return mask(); })},
        rng(std::random_device{}()) {
    // The decoders' framers keep no longer line (they give up on a longer WebSocket frame).
    opt.max_line = std::min(opt.max_line, Framer::kMaxLine);
  }

  RelayOptions opt;
  uint64_t next_id = 0;  // record ids, unique over both legs
  ConnectionDecoder dec_client, dec_server;
  Flow flows[2];
  std::mt19937 rng;
  std::optional<MaskKey> reuse_mask;
  std::unordered_set<uint64_t> injected;  // ids of the records of lines the proxy injected
  bool pass_through = false;
  bool closed = false;
  uint64_t next_hold = 1;
  double last_sent[2] = {0, 0};  // when the relay last sent on each leg: that receiver's timer runs from here
  bool clock_started = false;
  double now = 0;
  std::vector<Command>* out = nullptr;

  ConnectionDecoder& decoder(Leg l) { return l == Leg::Client ? dec_client : dec_server; }
  Flow& flow(Leg from) { return flows[static_cast<int>(from)]; }
  MaskKey mask();  // the key for the next masked frame the relay writes

  // ---- commands out (relay.cpp) ----
  void note(Leg leg, DiagId id, std::string message, int64_t pos = -1);
  void send_wire(Leg to, std::string bytes);
  void send_wire(Leg to, std::string_view bytes) { send_wire(to, std::string(bytes)); }
  // Sends one whole line and decodes it as that leg's receiver will: the record of what was sent.
  RecordPtr send_line(Leg to, std::string bytes);
  // Sends a line whose message the relay did not change (as it came, or re-encoded). The other leg's
  // decoder decodes it again only when it needs it (see matters_to_receiving_decoder); otherwise it
  // moves past it, and what the receiver decodes is the record it arrived as.
  RecordPtr send_unchanged(Leg to, const Item& it, std::string bytes);
  void show(const Item& it, Leg from, RecordPtr sent, bool dropped = false);

  // ---- state, login, pass-through (relay.cpp) ----
  int scheme() const { return flows[0].out.scheme(); }  // both encoders start together
  bool in_step(const Flow& f, uint64_t sender_offset) const {
    return f.out.scheme() != 0 || f.out.cipher()->rc4().offset() == sender_offset;
  }
  void close_both(Leg leg, const std::string& reason);
  void finish();
  void start_pass_through(Leg leg, const std::string& reason);
  void start_session(const LineRecord& server_welcome);
  // What a record before or at login changes: pass-through, WebSocket frames, the session's ciphers.
  void after_record(Flow& f, const LineRecord& r);

  // ---- lines in (relay_flow.cpp) ----
  void process(Flow& f);
  void feed_unit(Flow& f, std::size_t len);
  // A session line's place in the sender's keystream, whether its reply belongs to the proxy, and
  // whether the front end holds it.
  void arrive(Flow& f, Item& it);
  void enqueue(Flow& f, Item it);

  // ---- lines out (relay_flow.cpp) ----
  void drain(Flow& f);
  void pass_on(Flow& f, Item& it);
  std::string encode(Flow& f, const LineFraming& framing, const MaskKey& mask, std::string_view body);
  // After the sender's FIN: once everything it sent has gone on, the other leg is half-closed.
  void close_after(Flow& f);

  // ---- lines over the bound (relay_flow.cpp) ----
  void begin_oversize(Flow& f);
  // Passes on what has come of the line; false while more is to come.
  bool continue_oversize(Flow& f);

  // ---- events: bytes and closes (relay.cpp), verdicts, injections, timers (relay_verdict.cpp) ----
  void on(const Received& e);
  void on(const Closed& e);
  void on(const Tick&) {}
  void on(const Verdict& v);
  static std::string body_of_or_empty(const LineRecord& r);
  // The outer message an edit sends, or why it cannot be sent.
  std::string edited_body(const Flow& f, const Item& it, const Verdict& v, std::string& body);
  // Whether a message can go out on the flow's leg as one line.
  std::string check_body(const Flow& f, std::string_view body) const;
  void on(const Inject& e);
  // Warns (once per deadline) while the held line at the head of a direction keeps its receiver waiting.
  void check_timers();
};

}  // namespace ovms
