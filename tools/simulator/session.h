// One simulated OVMS v2 connection between a client (car, app, batch client) and the server: the TCP
// connection, the optional WebSocket upgrade, the welcome handshake with random tokens, the two
// session ciphers, and the line framing. Lines are delivered to the other party (the server model,
// or the client's behaviour) after the time it takes them to get there. Each party sees its own end
// of it: the server a ServerLink (server_end()), the client a ClientLink (client_end()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "addresses.h"
#include "links.h"
#include "ovms/line_encoder.h"
#include "rng.h"
#include "sim.h"
#include "tcp_connection.h"

namespace ovms::sim {

class OvmsSession : public Actor {
 public:
  OvmsSession(Sim& sim, SessionParams params, SessionClient* client, Rng rng);

  ServerLink& server_end() { return server_end_; }
  ClientLink& client_end() { return client_end_; }

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

  // Server side: answer the welcome. Scheme 0 picks the server token (never the client's) and
  // derives the server's cipher.
  void accept(double t, const std::string& server_secret, const std::string& client_token);
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
  // The two ends, as the server model and the client's behaviour see them.
  class ServerEnd : public ServerLink {
   public:
    explicit ServerEnd(OvmsSession& s) : s_(s) {}
    bool closed() const override { return s_.closed(); }
    void send(double t, const std::string& body) override { s_.send(kServer, t, body); }
    void send_raw(double t, const std::string& line) override { s_.send_raw(kServer, t, line); }
    void accept(double t, const std::string& secret, const std::string& client_token) override {
      s_.accept(t, secret, client_token);
    }
    void accept_account(double t, const std::string& reply) override { s_.accept_account(t, reply); }
    void close(double t) override { s_.close(kServer, t); }

   private:
    OvmsSession& s_;
  };
  class ClientEnd : public ClientLink {
   public:
    explicit ClientEnd(OvmsSession& s) : s_(s) {}
    bool logged_in() const override { return s_.logged_in(); }
    bool closed() const override { return s_.closed(); }
    void send(double t, const std::vector<std::string>& bodies) override { s_.send(kClient, t, bodies); }
    void close(double t) override { s_.close(kClient, t); }
    OvmsSession* simulated() override { return &s_; }

   private:
    OvmsSession& s_;
  };

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
  ServerEnd server_end_{*this};
  ClientEnd client_end_{*this};
};

}  // namespace ovms::sim
