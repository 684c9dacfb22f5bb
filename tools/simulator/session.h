// One OVMS v2 connection between a client (car, app, batch client) and the server: the TCP
// connection, the optional WebSocket upgrade, the welcome handshake with random tokens, the two
// session ciphers, and the line framing. Lines are delivered to the other party (the server model,
// or the client's behaviour) after the time it takes them to get there.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "addresses.h"
#include "ovms/line_encoder.h"
#include "rng.h"
#include "sim.h"
#include "tcp_connection.h"

namespace ovms::sim {

class OvmsSession;

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
  HostKind host_kind = HostKind::Car;
  uint32_t host = 0;
  double rtt = 0.1;             // round trip client <-> server
  double think = 0.01;          // the client's reaction time
};

// The client's behaviour.
class SessionClient {
 public:
  virtual ~SessionClient() = default;
  virtual void on_login(OvmsSession& s, double t) = 0;  // the server's MP-S arrived
  virtual void on_line(OvmsSession& s, double t, const std::string& body) = 0;  // "<code><data>"
  virtual void on_raw_line(OvmsSession&, double, const std::string&) {}  // AP-S / AP-X
  virtual void on_closed(OvmsSession&, double) {}
};

class OvmsSession : public Actor {
 public:
  OvmsSession(Sim& sim, SessionParams params, SessionClient* client, Rng rng);

  // Client side: TCP handshake, optional WebSocket upgrade, then the MP- welcome (or `first_line`).
  void open(double t);
  void open_with_line(double t, std::string first_line);

  // Lines after login, as "<code><data>" (scheme 0 adds "MP-0 " and encrypts). A client's lines go
  // out in one write; the server's one write each (it sets TCP_NODELAY). Returns the time the last
  // byte left.
  double send(int side, double t, const std::vector<std::string>& bodies);
  double send(int side, double t, const std::string& body) { return send(side, t, std::vector<std::string>{body}); }
  // Lines whose segments a scenario cuts and times itself.
  using SegmentPlan = std::function<std::vector<TcpConnection::Piece>(std::size_t block_len, double t)>;
  double send_planned(int side, double t, const std::vector<std::string>& bodies, const SegmentPlan& plan);
  // A plain-text line outside the session (MP-S, AP-S, AP-X).
  double send_raw(int side, double t, const std::string& line);

  // Server side: answer the welcome. Scheme 0 picks the server token and derives the server's cipher.
  void accept(double t, const std::string& server_secret);
  void accept_account(double t, const std::string& reply_line);  // "MP-S 1 ..."

  void close(int side, double t);
  // Hides this connection's frames before `t` (the capture starts in its middle).
  void hide_until(double t) { tcp_.set_visible_from(t); }

  const SessionParams& params() const { return params_; }
  TcpConnection& tcp() { return tcp_; }
  bool logged_in() const { return logged_in_; }
  bool closed() const { return closed_; }
  uint32_t id() const { return id_; }
  const std::string& client_token() const { return client_token_; }

 private:
  MaskKey mask_key();
  void send_welcome(double t);
  void send_first_line(double t, const std::string& line);
  void deliver(int from, double t, std::vector<std::string> bodies);
  void client_got_server_welcome(double t, const std::string& line);
  double server_turn();  // the server's processing time for one line

  Sim& sim_;
  SessionParams params_;
  SessionClient* client_;
  Rng rng_;
  TcpConnection& tcp_;
  uint32_t id_;
  std::string client_token_;
  std::string server_token_;
  LineEncoder out_[2];  // per side: what that side sends (its cipher, its line ends or frames)
  bool logged_in_ = false;
  bool closed_ = false;
};

}  // namespace ovms::sim
