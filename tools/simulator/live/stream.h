// A nonblocking byte stream on a TCP socket, plain or TLS, driven by the EventLoop: connect (to the
// first of several addresses that answers) or accept, the TLS handshake, reads handed to a Handler
// as they come, writes buffered and sent as the socket takes them, and an orderly close. Handler
// calls never happen inside connect(), accept(), write() or finish(), so a handler can call them.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "event_loop.h"
#include "net_address.h"

namespace ovms::sim::live {

class Stream {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_open() = 0;                                   // connected; TLS handshake done
    virtual void on_data(const uint8_t* data, std::size_t len) = 0;
    virtual void on_end(const std::string& error) = 0;            // once, last: closed (error empty) or failed
  };

  // A peer that does not read: more than this waiting to be sent ends the stream.
  static constexpr std::size_t kMaxPending = 16u << 20;
  // After finish(), the peer gets this long to close its side.
  static constexpr double kLinger = 5.0;

  Stream(EventLoop& loop, Handler& handler);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Client: the first of `to` that accepts the connection; with `tls`, then a TLS handshake that
  // verifies `server_name` (a name or an address).
  void connect(std::vector<NetAddress> to, SSL_CTX* tls, const std::string& server_name);
  // Server: an accepted socket; with `tls`, the TLS handshake first.
  void accept(int fd, SSL_CTX* tls);

  // Sent as soon as the socket takes it (at once when nothing is waiting: one write, one segment).
  void write(std::string_view bytes);
  // Closes after what was written: TLS close_notify and FIN, then waits for the peer's close.
  void finish();
  bool ended() const { return state_ == State::Ended; }
  bool open() const { return state_ == State::Open; }
  std::size_t pending() const { return out_.size() - out_off_; }
  const std::string& local_text() const { return local_; }
  const std::string& peer_text() const { return peer_; }

 private:
  enum class State { Idle, Connecting, Handshaking, Open, Draining, Ended };

  void try_next_target();
  void on_ready(short revents);
  void connected();
  void start_tls(bool server);
  void handshake();
  void read_some();
  void flush();
  void shutdown_write();
  void end(const std::string& error);
  void update_events();
  void later(std::function<void()> fn);  // on the loop's next turn, if this stream still exists

  EventLoop& loop_;
  Handler& handler_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  State state_ = State::Idle;
  int fd_ = -1;
  SSL_CTX* tls_ = nullptr;
  SSL* ssl_ = nullptr;
  bool accepting_ = false;
  bool handshake_wants_write_ = false;
  bool read_wants_write_ = false;   // TLS: SSL_read needs the socket writable
  bool finishing_ = false;
  std::vector<NetAddress> targets_;
  std::size_t next_target_ = 0;
  std::string server_name_;
  std::string last_error_;
  std::string out_;
  std::size_t out_off_ = 0;
  std::string local_, peer_;
};

}  // namespace ovms::sim::live
