// The decrypting man-in-the-middle relay (PROTOCOL.md §11), sans-io in the style of mitmproxy's
// layers: events in (bytes received on a leg, a leg closed, a verdict on a held line, an injection, a
// tick of the clock), commands out (send bytes on a leg, close a leg, a line to show, a line held for
// a verdict, a timer warning, a note). No sockets, threads, clocks or Qt: time comes with each event
// as `now` (seconds, any epoch), and the front end (ovms-proxy, the inspector's proxy mode) carries the
// commands out.
//
// Two legs: Client (the car, app or batch client connected to the proxy: the proxy is its server) and
// Server (the proxy's own connection to the upstream server: the proxy is its client). The welcome
// lines pass unchanged, so both legs derive the same session key. After login each leg has two cipher
// states of its own (four in all): every line is decoded on the leg it arrives on and re-encoded on
// the leg it leaves by. An untouched line goes out byte for byte as it came (same line end, same
// WebSocket mask); an edited, dropped or injected line shifts only the keystream of the leg it went
// out on, and the lines after it are re-encoded for that leg's receiver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "ovms/connection.h"
#include "ovms/diagnostic.h"
#include "ovms/keys.h"
#include "ovms/line_encoder.h"
#include "ovms/record.h"

namespace ovms {

enum class Leg : uint8_t { Client = 0, Server = 1 };
inline Leg other_leg(Leg l) { return l == Leg::Client ? Leg::Server : Leg::Client; }
const char* leg_name(Leg l);  // "client", "server"

// The real peers' receive timers (PROTOCOL.md §1.5; the server's conf defaults, the v3 car's default
// `server.v2 timeout.rx`). A held line holds every line behind it in its direction, so its receiver
// hears nothing; these say when that receiver gives up.
struct PeerTimeouts {
  double server_car = 960;    // the server closes a car's connection after this long without data (timeout_car)
  double server_app = 1200;   // ... an app's (timeout_app)
  double server_batch = 300;  // ... a batch client's (timeout_api)
  double car_rx = 960;        // the v3 car restarts its network after this long without a line (timeout.rx)
};

struct RelayOptions {
  std::shared_ptr<const KeyStore> keys;  // null: nothing decrypts, bytes pass through
  std::size_t max_line = 1 << 20;        // a longer line is not decoded (passed on as it comes, or the legs close);
                                         // at most Framer::kMaxLine (64 MiB)
  std::size_t max_buffered = 64 << 20;   // bytes kept from one leg (partial line and lines behind a hold) before
                                         // the relay gives up and resets both legs; see Relay::buffered()
  double warn_before = 30;               // Warn this many seconds before a held line would time a peer out
  PeerTimeouts timeouts;
  std::function<bool(const LineRecord&, Leg from)> intercept;  // true: hold this line for a verdict
  LineEncoder::MaskSource masks;  // masking keys for frames the relay makes up toward a WebSocket server
                                  // (injected lines); empty: random
  uint32_t conn = 0;              // the connection number in the records
};

namespace relay {

// Events in.
struct Received { Leg leg; std::string bytes; double now = 0; };  // bytes read from that leg's socket
struct Closed { Leg leg; bool reset = false; double now = 0; };    // that peer sent FIN (half-close) or RST
struct Verdict {
  enum class Action { Forward, Edit, Drop };
  uint64_t hold_id = 0;
  Action action = Action::Forward;
  std::string body;    // Edit: the new message "<code><data>" (no "MP-0 ")
  bool inner = false;  // Edit of a paranoid EM line: body is the inner message, re-wrapped
  double now = 0;
};
struct Inject { Leg toward; std::string body; double now = 0; };  // "<code><data>", e.g. "C7,stat"
struct Tick { double now = 0; };
using Event = std::variant<Received, Closed, Verdict, Inject, Tick>;

// Commands out.
struct Send { Leg leg; std::string bytes; };    // write these bytes to that leg
struct Close { Leg leg; bool reset = false; };  // half-close (shutdown write) or reset
struct Show {
  RecordPtr record;  // the line decoded as it arrived on leg `from`; for an injected
                                             // line, decoded as it was sent (from: the leg it seems to come from)
  Leg from = Leg::Client;
  bool changed = false;   // a verdict edited it
  bool dropped = false;   // a verdict dropped it
  bool injected = false;  // the proxy made it up (Inject)
  bool to_proxy = false;  // a reply to a command the proxy injected: kept from the other leg
  // What the other leg's receiver decodes of it: a changed line (or a command, a reply, a paranoid
  // line) decoded again as sent; for any other line passed on unchanged, `record` itself. Null:
  // nothing was sent (dropped, to_proxy).
  RecordPtr sent;
};
struct Hold {
  uint64_t hold_id = 0;
  RecordPtr record;
  Leg from = Leg::Client;
  double deadline = 0;  // when the receiving peer drops the connection if nothing reaches it (inf: no timer)
  std::string who;      // "the server (timeout_car 960 s)", "the car (timeout.rx 960 s)"
};
struct Warn { uint64_t hold_id = 0; double deadline = 0; std::string message; };
struct Note { Diagnostic diag; Leg leg = Leg::Client; };  // e.g. cannot decrypt: passing bytes through
using Command = std::variant<Send, Close, Show, Hold, Warn, Note>;

// What the proxy did to a shown line, named as ovms-proxy --json names its flag: "dropped", "injected",
// "to_proxy", "changed", or "" when it passed as it came (a line has at most one). Front ends that show
// relayed lines (the inspector's proxy column) word it here, so it reads the same everywhere.
const char* show_mark_name(const Show& s);

}  // namespace relay

class Relay {
 public:
  // Welcome: before both welcomes. LoggedIn: a scheme-1 session (plain text, nothing to decrypt).
  // Encrypted: a scheme-0 session the relay decrypts. PassThrough: bytes pass as they come (no key, not
  // OVMS, after auto-provisioning). Closed: both legs are done.
  enum class State { Welcome, LoggedIn, Encrypted, PassThrough, Closed };

  explicit Relay(RelayOptions options);
  ~Relay();
  Relay(Relay&&) noexcept;
  Relay& operator=(Relay&&) noexcept;

  std::vector<relay::Command> handle(const relay::Event& event);

  State state() const;
  std::string vehicle() const;
  Role client_role() const;
  std::size_t held() const;  // lines waiting for a verdict
  // Bytes received from `from` that the relay still keeps (a partial line, lines behind a held one):
  // a front end stops reading that leg while this is above its bound (backpressure).
  std::size_t buffered(Leg from) const;
  // The decoder of each leg's TCP stream, both directions: what arrives on it and what the relay sent
  // on it (what a capture of that leg decodes to).
  const ConnectionDecoder& decoder(Leg leg) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

const char* relay_state_name(Relay::State s);  // "welcome", "logged_in", "encrypted", "pass_through", "closed"

}  // namespace ovms
