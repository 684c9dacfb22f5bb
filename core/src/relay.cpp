// The relay's commands out, login and pass-through, its events, and the public face of Relay (see
// relay_impl.h for how the pieces fit).
#include "relay_impl.h"

namespace ovms {

using namespace relay;
using namespace relay_detail;

const char* leg_name(Leg l) { return l == Leg::Client ? "client" : "server"; }

const char* relay::show_mark_name(const Show& s) {
  if (s.dropped) return "dropped";
  if (s.injected) return "injected";
  if (s.to_proxy) return "to_proxy";
  if (s.changed) return "changed";
  return "";
}

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

MaskKey Relay::Impl::mask() {
  if (reuse_mask) {
    MaskKey k = *reuse_mask;
    reuse_mask.reset();
    return k;
  }
  if (opt.masks) return opt.masks();
  uint32_t v = static_cast<uint32_t>(rng());
  return {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
}

void Relay::Impl::note(Leg leg, DiagId id, std::string message, int64_t pos) {
  out->push_back(Note{Diagnostic{id, 0, pos, std::move(message)}, leg});
}

void Relay::Impl::send_wire(Leg to, std::string bytes) {
  if (bytes.empty()) return;
  out->push_back(Send{to, std::move(bytes)});
  last_sent[static_cast<int>(to)] = now;
}

RecordPtr Relay::Impl::send_line(Leg to, std::string bytes) {
  Records rs;
  decoder(to).feed(sent_by(other_leg(to)), reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 0, now, rs);
  send_wire(to, std::move(bytes));
  return rs.out.empty() ? nullptr : rs.out.back();
}

RecordPtr Relay::Impl::send_unchanged(Leg to, const Item& it, std::string bytes) {
  if (matters_to_receiving_decoder(*it.record)) return send_line(to, std::move(bytes));
  decoder(to).skip_line(sent_by(other_leg(to)), bytes.size(), it.keystream);
  send_wire(to, std::move(bytes));
  return it.record;
}

void Relay::Impl::show(const Item& it, Leg from, RecordPtr sent, bool dropped) {
  out->push_back(Show{it.record, from, it.changed, dropped, false, it.to_proxy, std::move(sent)});
}

void Relay::Impl::close_both(Leg leg, const std::string& reason) {
  note(leg, DiagId::RelayClosing, reason + "; closing both legs");
  out->push_back(Close{Leg::Client, true});
  out->push_back(Close{Leg::Server, true});
  finish();
}

void Relay::Impl::finish() {
  closed = true;
  for (Flow& f : flows) {
    f.queue.clear();
    f.queued_bytes = 0;
  }
}

void Relay::Impl::start_pass_through(Leg leg, const std::string& reason) {
  if (pass_through) return;
  pass_through = true;
  note(leg, DiagId::RelayPassThrough, reason + ": passing bytes through exactly as they come");
  // What the inboxes keep beyond the line being decoded goes on now; from here on bytes go at once.
  for (Flow& f : flows) send_wire(other_leg(f.from), f.inbox.peek());
}

void Relay::Impl::start_session(const LineRecord& server_welcome) {
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

void Relay::Impl::after_record(Flow& f, const LineRecord& r) {
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

void Relay::Impl::on(const Received& e) {
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

void Relay::Impl::on(const Closed& e) {
  // What the close says about the login (a server that closes instead of answering the welcome
  // refused it), from the decoder of the leg it came on; the other leg's decoder learns it too.
  Records said, echo;
  decoder(e.leg).closed(sent_by(e.leg), 0, now, said);
  decoder(other_leg(e.leg)).closed(sent_by(e.leg), 0, now, echo);
  for (const Diagnostic& d : said.orphans) out->push_back(Note{d, e.leg});
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
