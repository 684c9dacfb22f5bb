// The relay's state machine. Each sending leg is a Flow: an Inbox cuts what arrives into units fed to
// that leg's decoder; each record becomes an Item queued in arrival order; an Item leaves when no held
// line is before it, as it came while the outgoing keystream is in step with the sender's, re-encoded
// by the Flow's LineEncoder once it is not. What goes out is fed to the other leg's decoder, so both
// legs are decoded in both directions (the injected-command pairing comes from there).
#include "ovms/relay.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <random>
#include <unordered_set>

#include "relay_inbox.h"
#include "relay_timers.h"

namespace ovms {

const char* leg_name(Leg l) { return l == Leg::Client ? "client" : "server"; }

const char* relay_state_name(Relay::State s) {
  switch (s) {
    case Relay::State::Welcome: return "welcome";
    case Relay::State::LoggedIn: return "logged_in";
    case Relay::State::Encrypted: return "encrypted";
    case Relay::State::PassThrough: return "pass_through";
    case Relay::State::Closed: return "closed";
  }
  return "?";
}

namespace {

using namespace relay;
using relay_detail::Inbox;
using relay_detail::OversizeLine;
using relay_detail::ReceiverTimer;

constexpr double kNever = std::numeric_limits<double>::infinity();

// The direction of the bytes a leg's peer sends. The relay passes them on in the same direction on the
// other leg (a car's line is client-to-server on both).
Direction sent_by(Leg l) { return l == Leg::Client ? Direction::ClientToServer : Direction::ServerToClient; }

// What a decoder emits for one feed.
struct Records : RecordSink {
  std::vector<RecordPtr> out;
  void on_record(const RecordPtr& r) override { out.push_back(r); }
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
  std::optional<Verdict> verdict;  // an Edit's body is final (re-wrapped when inner)
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
bool matters_to_receiving_decoder(const LineRecord& r) {
  const char code = r.msg.code;
  return code == 'C' || code == 'c' || code == 'E' || code == 0;
}

std::string body_of(const LineRecord& r) { return r.plain->substr(static_cast<std::size_t>(r.body_offset)); }

bool has_diag(const LineRecord& r, DiagId id) {
  for (const Diagnostic& d : r.diags)
    if (d.id == id) return true;
  return false;
}

// Why a welcome leaves the relay unable to decrypt: the decoder's own words for it.
std::string undecryptable_reason(const LineRecord& r) {
  for (DiagId id : {DiagId::KeyMissing, DiagId::DigestMismatch, DiagId::SchemeUnsupported, DiagId::HandshakeMalformed})
    for (const Diagnostic& d : r.diags)
      if (d.id == id) return d.message;
  return "the welcome was not verified";
}

}  // namespace

struct Relay::Impl {
  explicit Impl(RelayOptions o)
      : opt(std::move(o)),
        dec_client(opt.conn, opt.keys.get(), &next_id),
        dec_server(opt.conn, opt.keys.get(), &next_id),
        flows{Flow(Leg::Client, [this] { return mask(); }), Flow(Leg::Server, [this] { return mask(); })},
        rng(std::random_device{}()) {}

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

  MaskKey mask() {
    if (reuse_mask) {
      MaskKey k = *reuse_mask;
      reuse_mask.reset();
      return k;
    }
    if (opt.masks) return opt.masks();
    uint32_t v = static_cast<uint32_t>(rng());
    return {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  }

  // ---- commands out ----
  void note(Leg leg, DiagId id, std::string message, int64_t pos = -1) {
    out->push_back(Note{Diagnostic{id, 0, pos, std::move(message)}, leg});
  }
  void send_wire(Leg to, std::string bytes) {
    if (bytes.empty()) return;
    out->push_back(Send{to, std::move(bytes)});
    last_sent[static_cast<int>(to)] = now;
  }
  void send_wire(Leg to, std::string_view bytes) { send_wire(to, std::string(bytes)); }
  // Sends one whole line and decodes it as that leg's receiver will: the record of what was sent.
  RecordPtr send_line(Leg to, std::string bytes) {
    Records rs;
    decoder(to).feed(sent_by(other_leg(to)), reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 0, now, rs);
    send_wire(to, std::move(bytes));
    return rs.out.empty() ? nullptr : rs.out.back();
  }
  // Sends a line whose message the relay did not change (as it came, or re-encoded). The other leg's
  // decoder decodes it again only when it needs it (see matters_to_receiving_decoder); otherwise it
  // moves past it, and what the receiver decodes is the record it arrived as.
  RecordPtr send_unchanged(Leg to, const Item& it, std::string bytes) {
    if (matters_to_receiving_decoder(*it.record)) return send_line(to, std::move(bytes));
    decoder(to).skip_line(sent_by(other_leg(to)), bytes.size(), it.keystream);
    send_wire(to, std::move(bytes));
    return it.record;
  }
  void show(const Item& it, Leg from, RecordPtr sent, bool dropped = false) {
    out->push_back(Show{it.record, from, it.changed, dropped, false, it.to_proxy, std::move(sent)});
  }

  // ---- state ----
  int scheme() const { return flows[0].out.scheme(); }  // both encoders start together
  bool in_step(const Flow& f, uint64_t sender_offset) const {
    return f.out.scheme() != 0 || f.out.cipher()->rc4().offset() == sender_offset;
  }

  void close_both(Leg leg, const std::string& reason) {
    note(leg, DiagId::RelayClosing, reason + "; closing both legs");
    out->push_back(Close{Leg::Client, true});
    out->push_back(Close{Leg::Server, true});
    finish();
  }
  void finish() {
    closed = true;
    for (Flow& f : flows) {
      f.queue.clear();
      f.queued_bytes = 0;
    }
  }

  void start_pass_through(Leg leg, const std::string& reason) {
    if (pass_through) return;
    pass_through = true;
    note(leg, DiagId::RelayPassThrough, reason + ": passing bytes through exactly as they come");
    // What the inboxes keep beyond the line being decoded goes on now; from here on bytes go at once.
    for (Flow& f : flows) send_wire(other_leg(f.from), f.inbox.peek());
  }

  void start_session(const LineRecord& server_welcome) {
    if (!dec_server.session_established() || !dec_client.session_established()) {
      start_pass_through(Leg::Server, "the server welcome does not open a session (" +
                                          undecryptable_reason(server_welcome) + ")");
      return;
    }
    if (dec_server.scheme() == 1) {
      for (Flow& f : flows) f.out.start_scheme1();
      return;
    }
    const Bytes& key = dec_client.session_key();
    if (key.empty() || key != dec_server.session_key()) {
      start_pass_through(Leg::Server, "no session key from the welcomes");
      return;
    }
    for (Flow& f : flows) f.out.start_scheme0(key);
  }

  // What a record before or at login changes: pass-through, WebSocket frames, the session's ciphers.
  void after_record(Flow& f, const LineRecord& r) {
    if (r.kind == LineKind::WebSocketUpgrade) {
      f.inbox.start_websocket();
      if (f.from == Leg::Server && has_diag(r, DiagId::WebSocketMalformed))
        start_pass_through(f.from, "the server refused the WebSocket upgrade");
      return;
    }
    if (pass_through) return;
    switch (r.kind) {
      case LineKind::Welcome:
        if (r.handshake && r.handshake->scheme == 0 && !r.handshake->ok)
          start_pass_through(f.from, "cannot decrypt: " + undecryptable_reason(r));
        else if (!r.handshake || (r.handshake->scheme != 0 && r.handshake->scheme != 1))
          start_pass_through(f.from, "the server refuses this welcome (" + undecryptable_reason(r) + ")");
        break;
      case LineKind::Unrecognised:
        start_pass_through(f.from, "the first line is not an OVMS welcome");
        break;
      case LineKind::ApReply:
        start_pass_through(f.from, "after auto-provisioning the server ignores the lines of this connection");
        break;
      case LineKind::ServerWelcome:
        start_session(r);
        break;
      default:
        break;
    }
  }

  // ---- lines in ----
  void process(Flow& f) {
    while (!closed) {
      if (f.oversize) {
        if (!continue_oversize(f)) return;
        continue;
      }
      if (f.undecoded) return;
      std::size_t len = 0;
      Inbox::Next next = f.inbox.next(opt.max_line, len);
      if (next == Inbox::Next::NeedMore) return;
      if (next == Inbox::Next::Oversize) begin_oversize(f);
      else feed_unit(f, len);
    }
  }

  void feed_unit(Flow& f, std::size_t len) {
    const Leg from = f.from, to = other_leg(from);
    const Direction dir = sent_by(from);
    std::string_view unit = f.inbox.unfed().substr(0, len);
    const bool alone = f.inbox.nothing_fed_pending();
    Records in, copy;
    decoder(from).feed(dir, reinterpret_cast<const uint8_t*>(unit.data()), unit.size(), 0, now, in);
    if (pass_through)  // the bytes already went on: the other leg's decoder sees the same units
      decoder(to).feed(dir, reinterpret_cast<const uint8_t*>(unit.data()), unit.size(), 0, now, copy);
    const bool websocket = f.inbox.websocket();
    f.inbox.mark_fed(len);
    if (in.out.empty()) {
      // A control frame on its own (ping, close) passes on as it is, in order; a unit that is part of a
      // record still to come (HTTP header lines, fragments) waits for it.
      if (websocket && alone && !f.inbox.last_frame().carries_data()) {
        Item it;
        it.raw = f.inbox.take_fed();
        if (!pass_through) enqueue(f, std::move(it));
      }
      return;
    }
    Item it;
    it.record = in.out.back();
    it.raw = f.inbox.take_fed();
    if (websocket) {
      it.framing = LineFraming{true, f.inbox.last_frame().masked, false};
      std::copy(f.inbox.last_frame().mask_key, f.inbox.last_frame().mask_key + 4, it.mask.begin());
    } else {
      it.framing.bare_lf = !(it.raw.size() >= 2 && it.raw[it.raw.size() - 2] == '\r');
    }
    f.sender_framing = it.framing;
    if (pass_through) {
      show(it, from, copy.out.empty() ? nullptr : copy.out.back());
      after_record(f, *it.record);
      return;
    }
    RecordPtr record = it.record;
    arrive(f, it);
    enqueue(f, std::move(it));
    if (!closed) after_record(f, *record);
  }

  // A session line's place in the sender's keystream, whether its reply belongs to the proxy, and
  // whether the front end holds it.
  void arrive(Flow& f, Item& it) {
    const LineRecord& r = *it.record;
    it.session = r.kind == LineKind::Message && f.out.scheme() >= 0;
    if (!it.session) return;
    if (f.out.scheme() == 0)
      it.keystream = r.plain ? r.plain->size() : base64_decoded_size(base64_symbol_run(r.wire));
    it.rx_before = f.rx_offset;
    f.rx_offset += it.keystream;
    it.to_proxy = r.response_to && injected.count(*r.response_to);
    if (it.to_proxy || !opt.intercept || !opt.intercept(r, f.from)) return;
    const Leg to = other_leg(f.from);
    it.hold_id = next_hold++;
    it.timer = relay_detail::receiver_timer(to, dec_client.client_role(), opt.timeouts);
    out->push_back(Hold{it.hold_id, it.record, f.from, last_sent[static_cast<int>(to)] + it.timer.seconds, it.timer.who});
  }

  void enqueue(Flow& f, Item it) {
    f.queued_bytes += it.raw.size();
    f.queue.push_back(std::move(it));
    drain(f);
  }

  // ---- lines out ----
  void drain(Flow& f) {
    while (!closed && !f.queue.empty()) {
      Item& head = f.queue.front();
      if (head.hold_id && !head.verdict) break;
      Item it = std::move(head);
      f.queue.pop_front();
      f.queued_bytes -= it.raw.size();
      pass_on(f, it);
    }
    if (!closed) close_after(f);
  }

  void pass_on(Flow& f, Item& it) {
    const Leg to = other_leg(f.from);
    if (!it.record) {
      send_line(to, std::move(it.raw));
      return;
    }
    if (!it.session) {
      show(it, f.from, send_line(to, std::move(it.raw)));
      return;
    }
    if (it.to_proxy) {
      show(it, f.from, nullptr);
      return;
    }
    const Verdict::Action action = it.verdict ? it.verdict->action : Verdict::Action::Forward;
    if (action == Verdict::Action::Drop) {
      show(it, f.from, nullptr, true);
      return;
    }
    if (action == Verdict::Action::Edit) {
      show(it, f.from, send_line(to, encode(f, it.framing, it.mask, it.verdict->body)));
      return;
    }
    if (in_step(f, it.rx_before)) {  // the receiver decrypts the bytes as they came
      f.out.skip(it.keystream);
      show(it, f.from, send_unchanged(to, it, std::move(it.raw)));
    } else if (it.record->plain && it.record->body_offset >= 0) {
      show(it, f.from, send_unchanged(to, it, encode(f, it.framing, it.mask, body_of(*it.record))));
    } else {
      RecordPtr sent = send_line(to, std::move(it.raw));
      f.out.skip(it.keystream);
      note(f.from, DiagId::RelayNotReencoded,
           "a line that did not decrypt was passed on as it came, but this direction is out of step since the proxy "
           "changed it: the " + std::string(leg_name(to)) + " leg's receiver cannot decrypt it either",
           static_cast<int64_t>(it.record->stream_pos));
      show(it, f.from, std::move(sent));
    }
  }

  std::string encode(Flow& f, const LineFraming& framing, const MaskKey& mask, std::string_view body) {
    f.out.set_framing(framing);
    if (framing.masked) reuse_mask = mask;
    return f.out.encode(body);
  }

  // After the sender's FIN: once everything it sent has gone on, the other leg is half-closed.
  void close_after(Flow& f) {
    if (!f.peer_closed || f.close_sent || !f.queue.empty()) return;
    out->push_back(Close{other_leg(f.from), false});
    f.close_sent = true;
    if (flows[0].close_sent && flows[1].close_sent) finish();
  }

  // ---- lines over the bound ----
  void begin_oversize(Flow& f) {
    const Leg to = other_leg(f.from);
    std::optional<WebSocketFrameHeader> frame;
    if (f.inbox.websocket())
      frame = parse_websocket_frame_header(reinterpret_cast<const uint8_t*>(f.inbox.unfed().data()), f.inbox.unfed().size());
    OversizeLine line(frame ? &*frame : nullptr);
    const int64_t pos = static_cast<int64_t>(f.inbox.position());
    note(f.from, DiagId::RelayLineTooLong, "a line of more than " + std::to_string(opt.max_line) +
                                              " bytes (max_line): not decoded, nor kept", pos);
    if (!pass_through && scheme() < 0)
      start_pass_through(f.from, "a line over max_line before login: the relay cannot follow the handshake");
    const bool whole_line = line.skippable() && f.inbox.nothing_fed_pending();
    if (pass_through) {
      if (whole_line) f.oversize = line;
      else f.undecoded = true;  // the decoders lose this direction; the bytes still pass at once
      f.oversize_forwarded = false;
      return;
    }
    const bool untouched = f.queue.empty() && in_step(f, f.rx_offset);
    if (!untouched) {
      close_both(f.from, "a line over max_line (" + std::to_string(opt.max_line) +
                             " bytes) came after the proxy changed or held lines in this direction: it cannot be "
                             "re-encoded without keeping it whole");
      return;
    }
    if (!whole_line) {
      note(f.from, DiagId::RelayPassThrough, "a WebSocket message over max_line that is not one whole frame: the " +
                                                 std::string(leg_name(f.from)) + " leg's bytes pass through undecoded "
                                                 "from here on");
      f.undecoded = true;
      send_wire(to, f.inbox.peek());
      f.inbox.consume(f.inbox.size());
      return;
    }
    f.oversize = line;
    f.oversize_forwarded = true;
  }

  // Passes on what has come of the line; false while more is to come.
  bool continue_oversize(Flow& f) {
    std::string_view bytes = f.inbox.peek();
    std::size_t n = f.oversize->take(bytes);
    if (f.oversize_forwarded) send_wire(other_leg(f.from), bytes.substr(0, n));
    f.inbox.consume(n);
    if (!f.oversize->done()) return false;
    const uint64_t wire = f.oversize->wire_bytes(), keystream = f.oversize->keystream_bytes();
    const Direction dir = sent_by(f.from);
    decoder(f.from).skip_line(dir, wire, keystream);
    decoder(other_leg(f.from)).skip_line(dir, wire, keystream);
    if (f.oversize_forwarded && f.out.scheme() == 0) {
      f.out.skip(keystream);
      f.rx_offset += keystream;
    }
    f.oversize.reset();
    return true;
  }

  // ---- events ----
  void on(const Received& e) {
    Flow& f = flow(e.leg);
    if (f.peer_closed) {
      note(e.leg, DiagId::RelayRefused, std::string("bytes from the ") + leg_name(e.leg) + " leg after it closed: ignored");
      return;
    }
    if (pass_through || f.undecoded) send_wire(other_leg(e.leg), e.bytes);
    if (f.undecoded) return;
    f.inbox.append(e.bytes);
    process(f);
    if (!closed && f.inbox.size() + f.queued_bytes > opt.max_buffered)
      close_both(e.leg, "the relay keeps more than max_buffered (" + std::to_string(opt.max_buffered) + " bytes) from the " +
                            leg_name(e.leg) + " leg");
  }

  void on(const Closed& e) {
    if (e.reset) {
      std::size_t dropped = flows[0].queue.size() + flows[1].queue.size();
      if (dropped)
        note(e.leg, DiagId::RelayClosing, std::to_string(dropped) + " line(s) still waiting were not passed on: the " +
                                              leg_name(e.leg) + " leg was reset");
      out->push_back(Close{other_leg(e.leg), true});
      finish();
      return;
    }
    Flow& f = flow(e.leg);
    if (f.peer_closed) return;
    f.peer_closed = true;
    std::string_view rest = f.inbox.peek();
    if (!rest.empty() && !pass_through && !f.undecoded) {
      const int64_t pos = static_cast<int64_t>(f.inbox.position());
      if (f.queue.empty() && in_step(f, f.rx_offset)) {
        send_wire(other_leg(e.leg), rest);
        note(e.leg, DiagId::TcpLineUnterminated, "the stream ended inside a line: its " + std::to_string(rest.size()) +
                                                    " bytes were passed on as they came", pos);
      } else {
        note(e.leg, DiagId::TcpLineUnterminated, "the stream ended inside a line: its " + std::to_string(rest.size()) +
                                                    " bytes were not passed on (this direction was changed or held, so "
                                                    "the receiver could not decrypt them)", pos);
      }
    }
    f.inbox.consume(f.inbox.size());
    drain(f);
  }

  void on(const Verdict& v) {
    Item* it = nullptr;
    Flow* in = nullptr;
    for (Flow& f : flows)
      for (Item& i : f.queue)
        if (i.hold_id == v.hold_id && v.hold_id) it = &i, in = &f;
    if (!it || it->verdict) {
      note(Leg::Client, DiagId::RelayRefused, "a verdict for line #" + std::to_string(v.hold_id) +
                                                  (it ? ", which already has one" : ", which is not held") + ": ignored");
      return;
    }
    Verdict final = v;
    if (v.action == Verdict::Action::Edit) {
      std::string why = edited_body(*in, *it, v, final.body);
      if (!why.empty()) {
        note(in->from, DiagId::RelayRefused, "edit of held line #" + std::to_string(v.hold_id) + " refused: " + why +
                                                 "; the line stays held");
        return;
      }
      it->changed = final.body != body_of_or_empty(*it->record);
    }
    it->verdict = std::move(final);
    drain(*in);
  }

  static std::string body_of_or_empty(const LineRecord& r) {
    return r.plain && r.body_offset >= 0 ? body_of(r) : std::string();
  }

  // The outer message an edit sends, or why it cannot be sent.
  std::string edited_body(const Flow& f, const Item& it, const Verdict& v, std::string& body) {
    body = v.body;
    if (v.inner) {
      const LineRecord& r = *it.record;
      if (r.msg.code != 'E' || !r.inner) return "an inner edit needs a paranoid EM line whose payload decrypted";
      const VehicleKey* key = dec_client.key();
      const std::string ptoken = decoder(f.from).paranoid_token();
      // The password that decrypted the original: the module password, or the server password (Android).
      const std::string* password = has_diag(r, DiagId::ParanoidServerPassword) ? &key->server_password
                                    : key->module_password                     ? &*key->module_password
                                                                               : nullptr;
      if (!password || ptoken.empty()) return "no module password or paranoid token to re-wrap it with";
      if (v.body.empty()) return "the inner message is empty";
      body = paranoid_envelope(paranoid_key(*password, ptoken), v.body);
    }
    return check_body(f, body);
  }

  // Whether a message can go out on the flow's leg as one line.
  std::string check_body(const Flow& f, std::string_view body) const {
    if (body.empty()) return "an empty message (after login an empty line makes both peers drop the connection)";
    if (body.size() > opt.max_line) return "longer than max_line";
    if (f.out.scheme() == 1 && !f.sender_framing.websocket &&
        (body.find('\n') != std::string_view::npos || body.back() == '\r'))
      return "a line end inside a scheme-1 line would split it";
    return {};
  }

  void on(const Inject& e) {
    Flow& f = flow(other_leg(e.toward));  // the flow whose encoder sends on `toward`
    std::string why = pass_through           ? "the relay passes bytes through (it cannot encrypt)"
                      : f.out.scheme() < 0   ? "the session has not started (welcomes pass unchanged)"
                      : f.undecoded          ? "that direction passes through undecoded"
                      : f.oversize           ? "a line over max_line is passing through on that leg"
                      : f.close_sent         ? "that leg is closed"
                                             : check_body(f, e.body);
    if (!why.empty()) {
      note(e.toward, DiagId::RelayRefused, "injection toward the " + std::string(leg_name(e.toward)) + " refused: " + why);
      return;
    }
    LineFraming framing = f.sender_framing;
    reuse_mask.reset();  // a fresh key for a frame of the proxy's own
    f.out.set_framing(framing);
    RecordPtr sent = send_line(e.toward, f.out.encode(e.body));
    if (sent) injected.insert(sent->id);
    out->push_back(Show{sent, f.from, false, false, true, false, sent});
  }

  void on(const Tick&) {}

  // Warns (once per deadline) while the held line at the head of a direction keeps its receiver waiting.
  void check_timers() {
    for (Flow& f : flows) {
      if (f.queue.empty()) continue;
      Item& head = f.queue.front();
      if (!head.hold_id || head.verdict || !std::isfinite(head.timer.seconds)) continue;
      const double deadline = last_sent[static_cast<int>(other_leg(f.from))] + head.timer.seconds;
      double& done = now >= deadline ? head.expired_for : head.warned_for;
      if (now < deadline - opt.warn_before || done == deadline) continue;
      done = deadline;
      out->push_back(Warn{head.hold_id, deadline,
                          relay_detail::hold_warning(head.hold_id, *head.record, f.from, head.timer, deadline, now)});
    }
  }
};

Relay::Relay(RelayOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Relay::~Relay() = default;
Relay::Relay(Relay&&) noexcept = default;
Relay& Relay::operator=(Relay&&) noexcept = default;

std::vector<Command> Relay::handle(const Event& event) {
  std::vector<Command> commands;
  commands.reserve(16);
  Impl& m = *impl_;
  if (m.closed) return commands;
  m.out = &commands;
  m.now = std::visit([](const auto& e) { return e.now; }, event);
  if (!m.clock_started) {
    m.last_sent[0] = m.last_sent[1] = m.now;
    m.clock_started = true;
  }
  std::visit([&](const auto& e) { m.on(e); }, event);
  if (!m.closed) m.check_timers();
  m.out = nullptr;
  return commands;
}

Relay::State Relay::state() const {
  if (impl_->closed) return State::Closed;
  if (impl_->pass_through) return State::PassThrough;
  switch (impl_->scheme()) {
    case 0: return State::Encrypted;
    case 1: return State::LoggedIn;
    default: return State::Welcome;
  }
}

std::string Relay::vehicle() const {
  const std::string& v = impl_->dec_client.vehicle();
  return v.empty() ? impl_->dec_server.vehicle() : v;
}

Role Relay::client_role() const { return impl_->dec_client.client_role(); }

std::size_t Relay::held() const {
  std::size_t n = 0;
  for (const Flow& f : impl_->flows)
    for (const Item& it : f.queue) n += it.hold_id && !it.verdict;
  return n;
}

std::size_t Relay::buffered(Leg from) const {
  const Flow& f = impl_->flows[static_cast<int>(from)];
  return f.inbox.size() + f.queued_bytes;
}

const ConnectionDecoder& Relay::decoder(Leg leg) const { return impl_->decoder(leg); }

}  // namespace ovms
