// One OVMS connection over a real socket, for either end of it. What arrives is decoded by the
// core's ConnectionDecoder, which is fed both directions (our own lines too), so it follows the
// handshake and decrypts with the keys file; what we send is built by the core's LineEncoder. There
// is no other decoder or encoder here. LiveServerLink is a ServerLink for the server model (ovms-sim
// serve); LiveClientLink a ClientLink for the car and app models (ovms-sim car, app).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "../links.h"
#include "../rng.h"
#include "event_loop.h"
#include "ovms/analyzer.h"
#include "ovms/connection.h"
#include "ovms/line_encoder.h"
#include "stream.h"

namespace ovms::sim {
class Server;
}

namespace ovms::sim::live {

class LiveLink : protected Stream::Handler, protected RecordSink {
 public:
  LiveLink(EventLoop& loop, const KeyStore* keys, uint32_t id, Direction ours);
  ~LiveLink() override;

  uint32_t id() const { return id_; }
  const Stream& stream() const { return stream_; }
  // Both addresses, as the JSON output names them (client / server).
  ConnectionInfo info() const;

  // Every record of the connection as it is decoded, both directions (to print them).
  std::function<void(const RecordPtr&)> record_hook;
  // The connection is over and its model was told; the owner deletes the link on a later turn.
  std::function<void(LiveLink&)> on_gone;

 protected:
  double now() const { return loop_.now(); }
  // Writes bytes and feeds them to the decoder as our direction.
  void send_bytes(std::string_view bytes);
  // A record of what the other end sent.
  virtual void on_their_record(const LineRecord& r) = 0;
  // The raw bytes the other end sent before its first line ended: an HTTP head's headers, which the
  // decoder's upgrade record does not keep.
  const std::string& head() const { return head_; }
  void gone();

  void on_data(const uint8_t* data, std::size_t len) override;
  void on_record(const RecordPtr& record) override;

  EventLoop& loop_;
  Stream stream_;
  LineEncoder enc_;

 private:
  double wall_time() const { return loop_.epoch() + loop_.now(); }

  uint32_t id_;
  Direction ours_;
  ConnectionDecoder decoder_;
  uint64_t events_ = 0;  // reads and writes, numbered as a capture's frames would be
  std::string head_;
  bool head_done_ = false;
  bool gone_ = false;
};

// The server's end of a client connection (ovms-sim serve).
class LiveServerLink : public LiveLink, public ServerLink {
 public:
  LiveServerLink(EventLoop& loop, const KeyStore* keys, uint32_t id, Server& server, int fd, SSL_CTX* tls,
                 Rng rng);

  bool closed() const override { return closing_ || stream_.ended(); }
  void send(double t, const std::string& body) override;
  void send_raw(double t, const std::string& line) override;
  void accept(double t, const std::string& secret, const std::string& client_token) override;
  void accept_account(double t, const std::string& reply_line) override;
  void close(double t) override;
  std::string peer() const override { return "#" + std::to_string(id()) + " " + stream_.peer_text(); }

 private:
  void on_open() override {}
  void on_end(const std::string& error) override;
  void on_their_record(const LineRecord& r) override;

  Server& server_;
  Rng rng_;
  bool closing_ = false;
  bool first_line_seen_ = false;
};

// Where clients connect.
struct ClientTarget {
  std::vector<NetAddress> addresses;  // tried in order
  std::string host;                   // as given: the TLS name to verify, the WebSocket Host header
  uint16_t port = 0;
  SSL_CTX* tls = nullptr;             // TLS when set
};

// A client's end (ovms-sim car, app).
class LiveClientLink : public LiveLink, public ClientLink {
 public:
  LiveClientLink(EventLoop& loop, const KeyStore* keys, uint32_t id, const ClientTarget& target,
                 const SessionParams& params, SessionClient& client, Rng rng, std::string first_line);

  bool logged_in() const override { return logged_in_; }
  bool closed() const override { return closing_ || stream_.ended(); }
  void send(double t, const std::vector<std::string>& bodies) override;
  void close(double t) override;
  std::string end_detail() const override { return detail_; }

 private:
  void on_open() override;
  void on_end(const std::string& error) override;
  void on_their_record(const LineRecord& r) override;
  void upgraded(const LineRecord& r);
  void server_welcome(const LineRecord& r);
  void send_welcome();
  void give_up(LinkEnd why);  // closes and tells the client why

  const ClientTarget& target_;
  SessionParams params_;
  SessionClient& client_;
  Rng rng_;
  std::string first_line_;
  std::string token_;
  std::string ws_key_;
  std::string detail_;
  bool opened_ = false;
  bool authenticating_ = false;
  bool logged_in_ = false;
  bool closing_ = false;
  bool told_ = false;
};

// Opens LiveClientLinks to one target and owns them until they are gone.
class LiveDialer : public Dialer {
 public:
  LiveDialer(EventLoop& loop, const KeyStore* keys, ClientTarget target)
      : loop_(loop), keys_(keys), target_(std::move(target)) {}
  ClientLink& dial(const SessionParams& p, SessionClient& client, Rng rng, double t,
                   const std::string& first_line = {}) override;
  // Called for every new link (to attach a record_hook).
  std::function<void(LiveClientLink&)> on_new_link;
  const ClientTarget& target() const { return target_; }

 private:
  EventLoop& loop_;
  const KeyStore* keys_;
  ClientTarget target_;
  uint32_t next_id_ = 0;
  std::unordered_map<LiveLink*, std::unique_ptr<LiveClientLink>> links_;
};

}  // namespace ovms::sim::live
