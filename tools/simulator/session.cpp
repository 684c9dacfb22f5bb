#include "session.h"

#include "ovms/welcome_lines.h"
#include "server.h"
#include "websocket.h"

namespace ovms::sim {
namespace {
uint32_t g_next_session_id = 0;
}  // namespace

OvmsSession::OvmsSession(Sim& sim, SessionParams params, SessionClient* client, Rng rng)
    : sim_(sim),
      params_(std::move(params)),
      client_(client),
      rng_(rng),
      tcp_(sim.open_tcp(params_.host_kind, params_.host, params_.rtt)),
      id_(g_next_session_id++),
      out_{LineEncoder(params_.android ? LineFraming::lf() : LineFraming::crlf(), [this] { return mask_key(); }),
           LineEncoder(LineFraming::crlf())} {}

// A client's WebSocket masking key: four bytes from the session's PRNG, fresh for every frame.
MaskKey OvmsSession::mask_key() {
  Bytes b = rng_.bytes(4);
  return {b[0], b[1], b[2], b[3]};
}

double OvmsSession::server_turn() { return 0.0003 + rng_.uniform(0, 0.0005); }

void OvmsSession::open(double t) {
  double t_conn = tcp_.open(t);
  if (!params_.websocket) {
    send_welcome(t_conn);
    return;
  }
  // RFC 6455 upgrade first; the welcome then travels in the first text frame.
  std::string key = base64_encode(rng_.bytes(16));
  double sent = tcp_.send(kClient, t_conn, ws_upgrade_request("ovms.example.com", AddressPlan::kServerPort, key));
  sim_.at(sent + server_turn(), [this, key] {
    double t_reply = tcp_.send(kServer, sim_.now(), ws_upgrade_response(key));
    out_[kClient].set_framing(LineFraming::websocket_client());
    out_[kServer].set_framing(LineFraming::websocket_server());
    sim_.at(t_reply + params_.rtt + params_.think, [this] { send_welcome(sim_.now()); });
  });
}

void OvmsSession::open_with_line(double t, std::string first_line) {
  double t_conn = tcp_.open(t);
  send_first_line(t_conn, first_line);
}

void OvmsSession::send_welcome(double t) {
  const SessionParams& p = params_;
  if (p.scheme == 1) {
    send_first_line(t, client_account_welcome_line(p.type, p.username, p.password, p.vehicle_id, p.welcome_rest));
    return;
  }
  client_token_ = rng_.token(22, p.android);
  send_first_line(t, client_welcome_line(p.type, client_token_, p.secret, p.vehicle_id, p.welcome_rest));
}

void OvmsSession::send_first_line(double t, const std::string& line) {
  double sent = tcp_.send(kClient, t, out_[kClient].encode_plain(line));
  sim_.at(sent + server_turn(), [this, line] {
    if (!closed_) sim_.server().on_first_line(server_end_, sim_.now(), line);
  });
}

double OvmsSession::send_raw(int side, double t, const std::string& line) {
  if (closed_) return t;
  double sent = tcp_.send(side, t, out_[side].encode_plain(line));
  if (side == kServer) {
    sim_.at(sent + params_.rtt + params_.think, [this, line] {
      if (closed_) return;
      if (line.compare(0, 5, "MP-S ") == 0) client_got_server_welcome(sim_.now(), line);
      else client_->on_raw_line(client_end_, sim_.now(), line);
    });
  }
  return sent;
}

void OvmsSession::accept(double t, const std::string& server_secret, const std::string& client_token) {
  do server_token_ = rng_.token(22);
  while (server_token_ == client_token);
  out_[kServer].start_scheme0(session_key(server_secret, server_token_, client_token_));
  send_raw(kServer, t, server_welcome_line(server_token_, server_secret));
}

void OvmsSession::accept_account(double t, const std::string& reply_line) {
  out_[kServer].start_scheme1();
  send_raw(kServer, t, reply_line);
}

void OvmsSession::client_got_server_welcome(double t, const std::string& line) {
  if (params_.scheme == 0) {
    // The client checks the server's digest with its own secret, then derives its own cipher.
    std::optional<std::string> stoken = check_server_welcome(line, params_.secret, client_token_);
    if (!stoken) {
      close(kClient, t);  // token replay / server not authentic: the car gives up
      return;
    }
    out_[kClient].start_scheme0(session_key(params_.secret, *stoken, client_token_));
  } else {
    out_[kClient].start_scheme1();
  }
  logged_in_ = true;
  client_->on_login(client_end_, t);
}

double OvmsSession::send(int side, double t, const std::vector<std::string>& bodies) {
  if (closed_ || bodies.empty()) return t;
  double sent = t;
  if (side == kClient) {
    std::string block;
    for (const std::string& b : bodies) out_[side].encode_to(block, b);
    sent = tcp_.send(side, t, block);
  } else {
    for (const std::string& b : bodies) sent = tcp_.send(side, t, out_[side].encode(b));
  }
  sim_.count_lines(bodies.size());
  deliver(side, sent, bodies);
  return sent;
}

double OvmsSession::send_planned(int side, double t, const std::vector<std::string>& bodies, const SegmentPlan& plan) {
  if (closed_ || bodies.empty()) return t;
  std::string block;
  for (const std::string& b : bodies) out_[side].encode_to(block, b);
  std::vector<TcpConnection::Piece> pieces = plan(block.size(), tcp_.next_send_time(side, t));
  tcp_.send_pieces(side, block, pieces);
  double last = t;
  for (const auto& p : pieces) last = std::max(last, p.at);
  sim_.count_lines(bodies.size());
  deliver(side, last, bodies);
  return last;
}

void OvmsSession::deliver(int from, double t, std::vector<std::string> bodies) {
  if (from == kClient) {
    sim_.at(t + server_turn(), [this, bodies = std::move(bodies)] {
      for (const std::string& b : bodies) sim_.server().on_line(server_end_, sim_.now(), b);
    });
  } else {
    sim_.at(t + params_.rtt + params_.think, [this, bodies = std::move(bodies)] {
      if (closed_) return;
      for (const std::string& b : bodies) client_->on_line(client_end_, sim_.now(), b);
    });
  }
}

void OvmsSession::close(int side, double t) {
  if (closed_) return;
  closed_ = true;
  tcp_.close(side, t);
  if (side == kClient) {
    sim_.at(t + server_turn(), [this] { sim_.server().on_closed(server_end_, sim_.now()); });
  } else {
    sim_.at(t + params_.rtt, [this] {
      client_->on_closed(client_end_, sim_.now(), logged_in_ ? LinkEnd::Closed : LinkEnd::AuthRefused);
    });
  }
}

}  // namespace ovms::sim
