// Relay tests as transcripts, in the style of mitmproxy's Playbook: `pb >> event` hands the relay an
// event, `pb << expectation` takes the next command it gave and checks it. Every command must be
// expected, in order; what is left unexpected when the Playbook ends fails the test.
//
//   pb >> from_car(w) << to_server(w) << show(LineKind::Welcome)
//      >> from_server(s) << to_car(s) << show(LineKind::ServerWelcome);
//
// The conversations are what a real car and server send: welcome lines from welcome_lines.h and
// session lines from the core's LineEncoder (Peers below). Independent ConnectionDecoders fed the
// bytes each side received (Views) check that both still decode every line after a change.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "ovms/connection.h"
#include "ovms/line_encoder.h"
#include "ovms/relay.h"
#include "ovms/welcome_lines.h"
#include "test_support.h"

namespace ovms::test {

using relay::Command;
using relay::Event;

inline std::string code_of(const LineRecord& r) {
  if (r.kind != LineKind::Message) return line_kind_name(r.kind);
  const DecodedMessage& m = r.effective();
  return m.code ? std::string(1, m.code) : std::string("undecrypted");
}

inline std::string describe(const Command& c) {
  std::ostringstream s;
  if (auto* x = std::get_if<relay::Send>(&c))
    s << "Send(to " << leg_name(x->leg) << ", " << x->bytes.size() << " bytes: " << printable_text(x->bytes.substr(0, 60)) << ")";
  else if (auto* x = std::get_if<relay::Close>(&c))
    s << "Close(" << leg_name(x->leg) << (x->reset ? ", reset" : ", half") << ")";
  else if (auto* x = std::get_if<relay::Show>(&c))
    s << "Show(" << (x->record ? code_of(*x->record) : "null") << " from " << leg_name(x->from)
      << (x->changed ? " changed" : "") << (x->dropped ? " dropped" : "") << (x->injected ? " injected" : "")
      << (x->to_proxy ? " to_proxy" : "") << ")";
  else if (auto* x = std::get_if<relay::Hold>(&c))
    s << "Hold(#" << x->hold_id << " " << code_of(*x->record) << " from " << leg_name(x->from) << ", " << x->who << ")";
  else if (auto* x = std::get_if<relay::Warn>(&c))
    s << "Warn(#" << x->hold_id << ": " << x->message << ")";
  else if (auto* x = std::get_if<relay::Note>(&c))
    s << "Note(" << x->diag.def().key << " on " << leg_name(x->leg) << ": " << x->diag.message << ")";
  return s.str();
}

class Playbook;

// An event, made when it is handed over (so it can use the Playbook's clock and last hold id).
struct Step {
  std::function<Event(Playbook&)> make;
};
// A check of one command: "" when it matches, else what is wrong.
struct Expect {
  std::string what;
  std::function<std::string(const Command&, Playbook&)> check;
};

class Playbook {
 public:
  explicit Playbook(RelayOptions options) : relay(std::move(options)) {}
  ~Playbook() {
    for (const Command& c : pending) ADD_FAILURE() << "unexpected command left at the end: " << describe(c);
  }

  Playbook& operator>>(const Step& step) {
    Event e = step.make(*this);
    if (auto* r = std::get_if<relay::Received>(&e)) wire.push_back({r->leg, true, r->bytes});
    for (Command& c : relay.handle(e)) {
      if (auto* s = std::get_if<relay::Send>(&c)) {
        received[static_cast<int>(s->leg)] += s->bytes;
        wire.push_back({s->leg, false, s->bytes});
      }
      pending.push_back(std::move(c));
    }
    return *this;
  }
  Playbook& operator<<(const Expect& e) {
    if (pending.empty()) {
      ADD_FAILURE() << "expected " << e.what << ", but the relay gave nothing more";
      return *this;
    }
    Command c = std::move(pending.front());
    pending.pop_front();
    std::string why = e.check(c, *this);
    if (!why.empty()) ADD_FAILURE() << "expected " << e.what << ", got " << describe(c) << ": " << why;
    return *this;
  }
  // Takes every pending command without checking it (for long runs checked by their bytes).
  std::vector<Command> take_all() {
    std::vector<Command> all(pending.begin(), pending.end());
    pending.clear();
    return all;
  }

  Relay relay;
  double now = 0;
  uint64_t last_hold = 0;
  std::deque<Command> pending;
  std::string received[2];  // every byte the relay sent on each leg: what that leg's peer received
  struct Wire {
    Leg leg;
    bool to_relay;  // the peer sent it (else the relay sent it to the peer)
    std::string bytes;
  };
  std::vector<Wire> wire;   // both legs' bytes in the order they moved
  RecordPtr last_shown, last_sent;
};

// ---- events ----
inline Step from_car(std::string bytes) {
  return {[b = std::move(bytes)](Playbook& pb) -> Event { return relay::Received{Leg::Client, b, pb.now}; }};
}
inline Step from_server(std::string bytes) {
  return {[b = std::move(bytes)](Playbook& pb) -> Event { return relay::Received{Leg::Server, b, pb.now}; }};
}
inline Step closed_by(Leg leg, bool reset = false) {
  return {[=](Playbook& pb) -> Event { return relay::Closed{leg, reset, pb.now}; }};
}
inline Step verdict(relay::Verdict::Action action, std::string body = {}, bool inner = false,
                    std::optional<uint64_t> id = std::nullopt) {
  return {[=](Playbook& pb) -> Event { return relay::Verdict{id ? *id : pb.last_hold, action, body, inner, pb.now}; }};
}
inline Step forward(std::optional<uint64_t> id = std::nullopt) { return verdict(relay::Verdict::Action::Forward, {}, false, id); }
inline Step drop(std::optional<uint64_t> id = std::nullopt) { return verdict(relay::Verdict::Action::Drop, {}, false, id); }
inline Step edit(std::string body) { return verdict(relay::Verdict::Action::Edit, std::move(body)); }
inline Step edit_inner(std::string body) { return verdict(relay::Verdict::Action::Edit, std::move(body), true); }
inline Step inject_to(Leg toward, std::string body) {
  return {[=](Playbook& pb) -> Event { return relay::Inject{toward, body, pb.now}; }};
}
inline Step tick(double t) {
  return {[=](Playbook& pb) -> Event {
    pb.now = t;
    return relay::Tick{t};
  }};
}

// ---- expectations ----
inline Expect sent_to(Leg leg, std::optional<std::string> bytes) {
  std::string what = std::string("Send(to ") + leg_name(leg) + (bytes ? ", " + std::to_string(bytes->size()) + " bytes)" : ")");
  return {what, [=](const Command& c, Playbook&) -> std::string {
            auto* s = std::get_if<relay::Send>(&c);
            if (!s || s->leg != leg) return "not a Send to that leg";
            if (bytes && s->bytes != *bytes) return "other bytes: \"" + printable_text(s->bytes.substr(0, 80)) + "\"";
            return {};
          }};
}
inline Expect to_car(std::string bytes) { return sent_to(Leg::Client, std::move(bytes)); }
inline Expect to_server(std::string bytes) { return sent_to(Leg::Server, std::move(bytes)); }
inline Expect to_car_any() { return sent_to(Leg::Client, std::nullopt); }
inline Expect to_server_any() { return sent_to(Leg::Server, std::nullopt); }

inline Expect close_of(Leg leg, bool reset) {
  return {std::string("Close(") + leg_name(leg) + (reset ? ", reset)" : ", half)"),
          [=](const Command& c, Playbook&) -> std::string {
            auto* x = std::get_if<relay::Close>(&c);
            if (!x || x->leg != leg || x->reset != reset) return "another command";
            return {};
          }};
}

// A Show of a line with this code (or kind, for lines before login), every flag as given.
struct ShowExpect {
  explicit ShowExpect(std::string c) : code(std::move(c)) {}
  std::string code;
  bool changed_ = false, dropped_ = false, injected_ = false, to_proxy_ = false;
  std::optional<std::string> sent_body_;  // the message the receiver decodes ("" when nothing was sent)
  ShowExpect changed() const { auto s = *this; s.changed_ = true; return s; }
  ShowExpect dropped() const { auto s = *this; s.dropped_ = true; return s; }
  ShowExpect injected() const { auto s = *this; s.injected_ = true; return s; }
  ShowExpect to_proxy() const { auto s = *this; s.to_proxy_ = true; return s; }
  ShowExpect received_as(std::string body) const { auto s = *this; s.sent_body_ = std::move(body); return s; }
  operator Expect() const {  // NOLINT: reads as a transcript
    ShowExpect x = *this;
    return {"Show(" + code + ")", [x](const Command& c, Playbook& pb) -> std::string {
              auto* s = std::get_if<relay::Show>(&c);
              if (!s || !s->record) return "not a Show";
              if (code_of(*s->record) != x.code) return "a Show of " + code_of(*s->record);
              if (s->changed != x.changed_ || s->dropped != x.dropped_ || s->injected != x.injected_ ||
                  s->to_proxy != x.to_proxy_)
                return "other flags";
              if (x.sent_body_) {
                const LineRecord* r = s->sent.get();
                std::string got = r && r->plain && r->body_offset >= 0 ? r->plain->substr(r->body_offset) : "";
                if (r && r->inner) got = r->inner->plain.substr(kMsgPrefix.size());
                if (got != *x.sent_body_) return "the receiver decodes \"" + printable_text(got) + "\"";
              }
              pb.last_shown = s->record;
              pb.last_sent = s->sent;
              return {};
            }};
  }
};
inline ShowExpect show(char code) { return ShowExpect(std::string(1, code)); }
inline ShowExpect show(LineKind kind) { return ShowExpect(line_kind_name(kind)); }
inline ShowExpect show_undecrypted() { return ShowExpect("undecrypted"); }

inline Expect hold(char code) {
  return {std::string("Hold(") + code + ")", [=](const Command& c, Playbook& pb) -> std::string {
            auto* h = std::get_if<relay::Hold>(&c);
            if (!h || code_of(*h->record) != std::string(1, code)) return "not a Hold of that line";
            pb.last_hold = h->hold_id;
            return {};
          }};
}
inline Expect warn(std::string contains) {
  return {"Warn(" + contains + ")", [=](const Command& c, Playbook&) -> std::string {
            auto* w = std::get_if<relay::Warn>(&c);
            if (!w) return "not a Warn";
            if (w->message.find(contains) == std::string::npos) return "another message";
            return {};
          }};
}
inline Expect note(DiagId id, std::string contains = {}) {
  return {std::string("Note(") + diag_def(id).key + ")", [=](const Command& c, Playbook&) -> std::string {
            auto* n = std::get_if<relay::Note>(&c);
            if (!n || n->diag.id != id) return "not that Note";
            if (n->diag.message.find(contains) == std::string::npos) return "another message";
            return {};
          }};
}

// ---- the peers ----

// A real car (or app) and server talking through the relay: each side's lines come from its own
// LineEncoder, which keeps its keystream whatever the relay does in between.
struct Peers {
  std::string secret = "relay-s3cret", module_password = "module-pw", vehicle = "RELAY1";
  std::string ctoken = "CarTok0123456789abcdef", stoken = "SrvTok9876543210ZYXWvu";
  std::string username = "alice", account_password = "alice-pw";
  char type = 'C';
  LineEncoder car, server;
  std::string car_sent, server_sent;  // every byte each side sent

  explicit Peers(LineFraming car_framing = LineFraming::crlf(), LineFraming server_framing = LineFraming::crlf())
      : car(car_framing, masks()), server(server_framing) {}

  static LineEncoder::MaskSource masks() {
    return [n = uint8_t(0)]() mutable { ++n; return MaskKey{n, uint8_t(n * 3), uint8_t(n * 7), uint8_t(0xa5 ^ n)}; };
  }
  std::shared_ptr<const KeyStore> keys() const {
    auto k = std::make_shared<KeyStore>();
    VehicleKey v;
    v.id = vehicle;
    v.server_password = secret;
    v.module_password = module_password;
    k->add_vehicle(v);
    k->add_account(Account{username, account_password, 0});
    return k;
  }
  // Bytes outside the line protocol (the WebSocket upgrade's HTTP heads), as they are.
  std::string car_raw(std::string bytes) { return said(car_sent, std::move(bytes)); }
  std::string server_raw(std::string bytes) { return said(server_sent, std::move(bytes)); }
  std::string welcome() { return said(car_sent, car.encode_plain(client_welcome_line(type, ctoken, secret, vehicle))); }
  // The server's welcome: from here on both sides encrypt.
  std::string server_welcome() {
    std::string w = said(server_sent, server.encode_plain(server_welcome_line(stoken, secret)));
    Bytes key = session_key(secret, stoken, ctoken);
    car.start_scheme0(key);
    server.start_scheme0(key);
    return w;
  }
  // Scheme 1 (an account, plain text after login).
  std::string account_welcome() {
    return said(car_sent, car.encode_plain(client_account_welcome_line(type, username, account_password, vehicle)));
  }
  std::string account_server_welcome() {
    std::string w = said(server_sent, server.encode_plain(server_account_welcome_line(username, vehicle, {vehicle})));
    car.start_scheme1();
    server.start_scheme1();
    return w;
  }
  std::string car_says(std::string_view body) { return said(car_sent, car.encode(body)); }
  std::string server_says(std::string_view body) { return said(server_sent, server.encode(body)); }

 private:
  static std::string said(std::string& log, std::string bytes) {
    log += bytes;
    return bytes;
  }
};

// What each side decodes of what it received: an independent decoder per side, fed what that side
// sent and what the relay sent it.
struct Views {
  Views(const Peers& p, const Playbook& pb) : keys(p.keys()) {
    for (const Playbook::Wire& w : pb.wire) {
      // On the client leg the peer (car) sends client-to-server; on the server leg the peer sends server-to-client.
      const bool c2s = (w.leg == Leg::Client) == w.to_relay;
      ConnectionDecoder& d = w.leg == Leg::Client ? car : server;
      feed(d, c2s ? Direction::ClientToServer : Direction::ServerToClient, w.bytes,
           w.leg == Leg::Client ? car_sink : server_sink);
    }
  }
  // The message bodies one side decoded in one direction, in order ("?" for a line it could not decrypt).
  static std::vector<std::string> bodies(const Collect& sink, Direction dir) {
    std::vector<std::string> out;
    for (const LineRecord& r : sink.records) {
      if (r.dir != dir || r.kind != LineKind::Message) continue;
      bool ok = r.plain && r.body_offset >= 0 && !has_diag(r, DiagId::BadPrefix);
      out.push_back(ok ? r.plain->substr(r.body_offset) : "?");
    }
    return out;
  }
  std::vector<std::string> car_received() const { return bodies(car_sink, Direction::ServerToClient); }
  std::vector<std::string> server_received() const { return bodies(server_sink, Direction::ClientToServer); }

  std::shared_ptr<const KeyStore> keys;
  ConnectionDecoder car{0, keys.get(), nullptr}, server{1, keys.get(), nullptr};
  Collect car_sink, server_sink;
};

inline RelayOptions options_for(const Peers& p) {
  RelayOptions o;
  o.keys = p.keys();
  return o;
}

// Logs a car in through the relay: the welcome exchange with its transcript, and the server's Z.
inline void log_in(Playbook& pb, Peers& p) {
  std::string w = p.welcome();
  pb >> from_car(w) << to_server(w) << show(LineKind::Welcome);
  std::string s = p.server_welcome(), z = p.server_says("Z0");
  pb >> from_server(s + z) << to_car(s) << show(LineKind::ServerWelcome) << to_car(z) << show('Z');
}

}  // namespace ovms::test
