#include "live_link.h"

#include "../server.h"
#include "../websocket.h"
#include "ovms/crypto.h"
#include "ovms/protocol.h"
#include "ovms/welcome_lines.h"

namespace ovms::sim::live {
namespace {

constexpr std::size_t kHeadLimit = 16 * 1024;  // an HTTP upgrade head is far shorter

// The message of a decoded line, or nullptr when it is not one the receiver can act on: an empty
// line, or one that did not decrypt to "MP-0 " (both end the connection, §1.2, §2.5).
const std::string* body_of(const LineRecord& r, std::string& scratch) {
  if (r.wire.empty() || !r.plain || r.body_offset < 0) return nullptr;
  scratch.assign(*r.plain, static_cast<std::size_t>(r.body_offset), std::string::npos);
  return &scratch;
}

}  // namespace

// ---- LiveLink

LiveLink::LiveLink(EventLoop& loop, const KeyStore* keys, uint32_t id, Direction ours)
    : loop_(loop), stream_(loop, *this), id_(id), ours_(ours), decoder_(id, keys, nullptr) {}

LiveLink::~LiveLink() = default;

ConnectionInfo LiveLink::info() const {
  ConnectionInfo c;
  c.id = id_;
  bool server = ours_ == Direction::ServerToClient;
  c.client_text = server ? stream_.peer_text() : stream_.local_text();
  c.server_text = server ? stream_.local_text() : stream_.peer_text();
  c.is_ovms = true;
  return c;
}

void LiveLink::send_bytes(std::string_view bytes) {
  if (bytes.empty()) return;
  stream_.write(bytes);
  decoder_.feed(ours_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), ++events_, wall_time(), *this);
}

void LiveLink::on_data(const uint8_t* data, std::size_t len) {
  if (!head_done_) head_.append(reinterpret_cast<const char*>(data), std::min(len, kHeadLimit - head_.size()));
  decoder_.feed(opposite(ours_), data, len, ++events_, wall_time(), *this);
}

void LiveLink::on_record(const RecordPtr& record) {
  if (record_hook) record_hook(record);
  if (record->dir == ours_ || gone_) return;
  on_their_record(*record);
  if (!head_done_) {
    head_done_ = true;
    std::string().swap(head_);
  }
}

void LiveLink::gone() {
  if (gone_) return;
  gone_ = true;
  if (on_gone) on_gone(*this);
}

// ---- LiveServerLink

LiveServerLink::LiveServerLink(EventLoop& loop, const KeyStore* keys, uint32_t id, Server& server, int fd,
                               SSL_CTX* tls, Rng rng)
    : LiveLink(loop, keys, id, Direction::ServerToClient),
      server_(server),
      rng_(rng) {
  stream_.accept(fd, tls);
  server_.on_connect(*this, now());
}

void LiveServerLink::on_their_record(const LineRecord& r) {
  if (closing_) return;
  const double t = now();
  if (r.kind == LineKind::WebSocketUpgrade) {
    // §1.4: the server grants the upgrade; then every line is one text frame each way.
    std::string key = http_header(head(), "Sec-WebSocket-Key");
    if (key.empty()) {
      server_.refuse(*this, t, "GET /apiv2 without a Sec-WebSocket-Key");
      return;
    }
    send_bytes(ws_upgrade_response(key));
    enc_.set_framing(LineFraming::websocket_server());
    return;
  }
  if (!first_line_seen_) {
    first_line_seen_ = true;
    server_.on_first_line(*this, t, r.wire);
    return;
  }
  if (r.kind != LineKind::Message) return;  // after an AP exchange the server reads no welcome
  std::string scratch;
  if (const std::string* body = body_of(r, scratch)) server_.on_line(*this, t, *body);
  else server_.on_bad_line(*this, t);
}

void LiveServerLink::send(double, const std::string& body) {
  if (!closed()) send_bytes(enc_.encode(body));
}

void LiveServerLink::send_raw(double, const std::string& line) {
  if (!closed()) send_bytes(enc_.encode_plain(line));
}

void LiveServerLink::accept(double, const std::string& secret, const std::string& client_token) {
  std::string token;
  do token = rng_.token(22);
  while (token == client_token);
  enc_.start_scheme0(session_key(secret, token, client_token));
  send_bytes(enc_.encode_plain(server_welcome_line(token, secret)));
}

void LiveServerLink::accept_account(double, const std::string& reply_line) {
  enc_.start_scheme1();
  send_bytes(enc_.encode_plain(reply_line));
}

void LiveServerLink::close(double) {
  if (closing_) return;
  closing_ = true;
  stream_.finish();
}

void LiveServerLink::on_end(const std::string& error) {
  if (!closing_) {
    closing_ = true;
    if (!error.empty() && server_.on_event) server_.on_event(*this, "connection error: " + error);
    server_.on_closed(*this, now());
  }
  server_.forget(*this);
  gone();
}

// ---- LiveClientLink

LiveClientLink::LiveClientLink(EventLoop& loop, const KeyStore* keys, uint32_t id, const ClientTarget& target,
                               const SessionParams& params, SessionClient& client, Rng rng, std::string first_line)
    : LiveLink(loop, keys, id, Direction::ClientToServer),
      target_(target),
      params_(params),
      client_(client),
      rng_(rng),
      first_line_(std::move(first_line)) {
  enc_ = LineEncoder(params_.android ? LineFraming::lf() : LineFraming::crlf(), [this] {
    Bytes b = rng_.bytes(4);
    return MaskKey{b[0], b[1], b[2], b[3]};
  });
  stream_.connect(target_.addresses, target_.tls, target_.host);
}

void LiveClientLink::on_open() {
  opened_ = true;
  if (!params_.websocket) {
    send_welcome();
    return;
  }
  // §1.4: the upgrade first; the welcome goes in the first text frame after the 101.
  ws_key_ = base64_encode(rng_.bytes(16));
  send_bytes(ws_upgrade_request(target_.host, target_.port, ws_key_));
}

void LiveClientLink::send_welcome() {
  authenticating_ = true;
  const SessionParams& p = params_;
  std::string line = first_line_;
  if (line.empty() && p.scheme == 1) {
    line = client_account_welcome_line(p.type, p.username, p.password, p.vehicle_id, p.welcome_rest);
  } else if (line.empty()) {
    token_ = rng_.token(22, p.android);
    line = client_welcome_line(p.type, token_, p.secret, p.vehicle_id, p.welcome_rest);
  }
  send_bytes(enc_.encode_plain(line));
}

void LiveClientLink::on_their_record(const LineRecord& r) {
  if (closing_) return;
  switch (r.kind) {
    case LineKind::WebSocketUpgrade: upgraded(r); return;
    case LineKind::ServerWelcome: server_welcome(r); return;
    case LineKind::ApReply:
      authenticating_ = false;
      client_.on_raw_line(*this, now(), r.wire);
      return;
    case LineKind::Message: {
      if (!logged_in_) return;
      std::string scratch;
      if (const std::string* body = body_of(r, scratch)) client_.on_line(*this, now(), *body);
      else give_up(LinkEnd::InvalidMessage);
      return;
    }
    default: return;
  }
}

// §1.4: the server must grant the upgrade with the accept value of our key.
void LiveClientLink::upgraded(const LineRecord& r) {
  if (r.wire.compare(0, 12, "HTTP/1.1 101") != 0 ||
      http_header(head(), "Sec-WebSocket-Accept") != ws_accept_value(ws_key_)) {
    give_up(LinkEnd::ServerRejected);
    return;
  }
  enc_.set_framing(LineFraming::websocket_client());
  send_welcome();
}

// §2.3: the car's checks of MP-S 0 (or the scheme-1 reply), then its own cipher for what it sends.
void LiveClientLink::server_welcome(const LineRecord& r) {
  if (params_.scheme == 0) {
    std::optional<std::string> stoken = check_server_welcome(r.wire, params_.secret, token_);
    if (!stoken) {
      give_up(LinkEnd::ServerRejected);
      return;
    }
    enc_.start_scheme0(session_key(params_.secret, *stoken, token_));
  } else {
    if (r.wire.compare(0, 7, "MP-S 1 ") != 0) {
      give_up(LinkEnd::ServerRejected);
      return;
    }
    enc_.start_scheme1();
  }
  authenticating_ = false;
  logged_in_ = true;
  client_.on_login(*this, now());
}

void LiveClientLink::send(double, const std::vector<std::string>& bodies) {
  if (closed() || !logged_in_ || bodies.empty()) return;
  std::string block;
  for (const std::string& b : bodies) enc_.encode_to(block, b);
  send_bytes(block);
}

void LiveClientLink::close(double) {
  if (closing_) return;
  closing_ = true;
  told_ = true;  // the client closed it: nothing to tell
  stream_.finish();
}

void LiveClientLink::give_up(LinkEnd why) {
  closing_ = true;
  stream_.finish();
  if (!told_) {
    told_ = true;
    client_.on_closed(*this, now(), why);
  }
}

void LiveClientLink::on_end(const std::string& error) {
  if (!told_) {
    told_ = true;
    closing_ = true;
    // §2.5: closed while authenticating means the server refused the id or password.
    LinkEnd why = !opened_ ? LinkEnd::Failed
                  : authenticating_ && !logged_in_ ? LinkEnd::AuthRefused
                  : error.empty() ? LinkEnd::Closed
                                  : LinkEnd::Failed;
    detail_ = error;
    client_.on_closed(*this, now(), why);
  }
  gone();
}

// ---- LiveDialer

ClientLink& LiveDialer::dial(const SessionParams& p, SessionClient& client, Rng rng, double, const std::string& first_line) {
  auto link = std::make_unique<LiveClientLink>(loop_, keys_, next_id_++, target_, p, client, rng, first_line);
  LiveClientLink& ref = *link;
  ref.on_gone = [this](LiveLink& gone) {
    loop_.defer([this, key = &gone] { links_.erase(key); });
  };
  links_.emplace(&ref, std::move(link));
  if (on_new_link) on_new_link(ref);
  return ref;
}

}  // namespace ovms::sim::live
