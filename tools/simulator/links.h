// The models' view of a connection, whatever carries it. The server model (server.h) talks to a
// ServerLink; the car and app models (car.h, app.h) talk to a ClientLink, which a Dialer opens. The
// simulation implements them over simulated TCP (session.h), the live mode over real sockets
// (live/live_link.h): the protocol behaviour exists once, for the pcaps and the live endpoints alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "addresses.h"
#include "clock.h"
#include "rng.h"

namespace ovms::sim {

class OvmsSession;

// What a client connection is: who logs in, and how.
struct SessionParams {
  char type = 'C';              // C car, A app, B batch client
  int scheme = 0;               // 0 (RC4, shared secret) or 1 (plain text, account)
  std::string vehicle_id;
  std::string secret;           // scheme 0: the client's server password
  std::string username;         // scheme 1
  std::string password;         // scheme 1
  std::string welcome_rest;     // words after the vehicle id (iOS sends an image name)
  bool android = false;         // LF line ends, tokens without '/'
  bool websocket = false;       // GET /apiv2 upgrade, one line per text frame
  // Simulation only: where the client is and how far.
  HostKind host_kind = HostKind::Car;
  uint32_t host = 0;
  double rtt = 0.1;             // round trip client <-> server
  double think = 0.01;          // the client's reaction time
};

// Why a client connection ended, as the v3 car tells the cases apart (PROTOCOL.md §2.5).
enum class LinkEnd : uint8_t {
  Closed,          // the server closed it after login
  AuthRefused,     // closed while authenticating: wrong vehicle id or password
  ServerRejected,  // the server's digest did not match our secret, or it sent our own token back
  InvalidMessage,  // a line that did not decrypt to "MP-0 ", or an empty one
  Silent,          // no line from the server for timeout.rx: the car restarts its connection
  Failed,          // could not connect, TLS failed, reset
};
const char* link_end_text(LinkEnd why);

// One client connection as the server model sees it.
class ServerLink {
 public:
  virtual ~ServerLink() = default;
  virtual bool closed() const = 0;
  // A message `<code><data>` after login (scheme 0 adds "MP-0 " and encrypts).
  virtual void send(double t, const std::string& body) = 0;
  // A plain-text line outside the session (AP-S, AP-X).
  virtual void send_raw(double t, const std::string& line) = 0;
  // Scheme 0: picks the server token (never the client's), derives the session cipher, sends MP-S.
  virtual void accept(double t, const std::string& secret, const std::string& client_token) = 0;
  // Scheme 1: sends the "MP-S 1 ..." reply; plain text from here on.
  virtual void accept_account(double t, const std::string& reply_line) = 0;
  // Closes the connection (after what was sent), without a word.
  virtual void close(double t) = 0;
  // Where the client is, for the server's messages ("127.0.0.1:53211"); empty in the simulation.
  virtual std::string peer() const { return {}; }
};

// One connection as a client (car, app) sees it.
class ClientLink {
 public:
  virtual ~ClientLink() = default;
  virtual bool logged_in() const = 0;
  virtual bool closed() const = 0;
  // Messages `<code><data>` after login, in one write.
  virtual void send(double t, const std::vector<std::string>& bodies) = 0;
  virtual void close(double t) = 0;
  // What the transport said when the connection ended ("cannot connect to ...: Connection refused").
  virtual std::string end_detail() const { return {}; }
  // The simulated session behind this link (scenarios that cut segments or hide frames); null live.
  virtual OvmsSession* simulated() { return nullptr; }
};

// A client's behaviour: what it does with what arrives.
class SessionClient {
 public:
  virtual ~SessionClient() = default;
  virtual void on_login(ClientLink& s, double t) = 0;  // the server's MP-S arrived and checked out
  virtual void on_line(ClientLink& s, double t, const std::string& body) = 0;  // "<code><data>"
  virtual void on_raw_line(ClientLink&, double, const std::string&) {}  // AP-S / AP-X
  virtual void on_closed(ClientLink&, double, LinkEnd) {}
};

// Opens client connections.
class Dialer {
 public:
  virtual ~Dialer() = default;
  // A new connection that sends the welcome for `p` (or `first_line` instead of it: AP-C) once it is
  // up. `rng` picks the client's token and WebSocket masks. The link lives until it closed and
  // `client` was told.
  virtual ClientLink& dial(const SessionParams& p, SessionClient& client, Rng rng, double t,
                           const std::string& first_line = {}) = 0;
};

// Where a client runs: its clock, how it connects, and (simulation only) its host address.
struct ClientEnv {
  Clock& clock;
  Dialer& dialer;
  uint32_t host = 0;
};

// What a v3 car checks in the server's "MP-S 0 <token> <digest>" (§2.3): the token runs to the next
// space and is not the client's own; the rest of the line is the digest, compared as a string with
// the padded base64 of HMAC-MD5(secret, token). The server token, or nullopt when the check fails.
std::optional<std::string> check_server_welcome(const std::string& line, const std::string& secret,
                                                const std::string& client_token);

}  // namespace ovms::sim
