#include "stream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "tls.h"

namespace ovms::sim::live {

Stream::Stream(EventLoop& loop, Handler& handler) : loop_(loop), handler_(handler) {}

Stream::~Stream() {
  *alive_ = false;
  if (fd_ >= 0) {
    loop_.unwatch(fd_);
    ::close(fd_);
  }
  if (ssl_) SSL_free(ssl_);
}

void Stream::later(std::function<void()> fn) {
  std::weak_ptr<bool> alive = alive_;
  loop_.defer([alive, fn = std::move(fn)] {
    if (auto a = alive.lock(); a && *a) fn();
  });
}

void Stream::connect(std::vector<NetAddress> to, SSL_CTX* tls, const std::string& server_name) {
  targets_ = std::move(to);
  tls_ = tls;
  server_name_ = server_name;
  next_target_ = 0;
  last_error_ = "no address to connect to";
  try_next_target();
}

void Stream::try_next_target() {
  while (next_target_ < targets_.size()) {
    const NetAddress& a = targets_[next_target_++];
    int fd = ::socket(a.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last_error_ = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, a.get(), a.length) == 0 || errno == EINPROGRESS) {
      fd_ = fd;
      peer_ = a.text();
      state_ = State::Connecting;
      loop_.watch(fd_, POLLOUT, [this](short revents) { on_ready(revents); });
      return;
    }
    last_error_ = "cannot connect to " + a.text() + ": " + std::strerror(errno);
    ::close(fd);
  }
  end(last_error_);
}

void Stream::accept(int fd, SSL_CTX* tls) {
  fd_ = fd;
  peer_ = peer_address(fd).text();
  local_ = local_address(fd).text();
  loop_.watch(fd_, POLLIN, [this](short revents) { on_ready(revents); });
  if (tls) {
    tls_ = tls;
    start_tls(true);
    return;
  }
  state_ = State::Open;
  later([this] { handler_.on_open(); });
}

void Stream::connected() {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    last_error_ = "cannot connect to " + peer_ + ": " + std::strerror(err);
    loop_.unwatch(fd_);
    ::close(fd_);
    fd_ = -1;
    state_ = State::Idle;
    try_next_target();
    return;
  }
  local_ = local_address(fd_).text();
  if (tls_) {
    start_tls(false);
    return;
  }
  state_ = State::Open;
  handler_.on_open();
  if (state_ == State::Open) flush();
}

void Stream::start_tls(bool server) {
  accepting_ = server;
  ssl_ = SSL_new(tls_);
  if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) {
    end("TLS: " + tls_error_text());
    return;
  }
  if (!server) {
    std::string error;
    if (!tls_expect_server(ssl_, server_name_, error)) {
      end(error);
      return;
    }
  }
  state_ = State::Handshaking;
  handshake();
  update_events();
}

void Stream::handshake() {
  ERR_clear_error();
  int rc = accepting_ ? SSL_accept(ssl_) : SSL_connect(ssl_);
  if (rc == 1) {
    state_ = State::Open;
    handler_.on_open();
    if (state_ == State::Open) flush();
    return;
  }
  int e = SSL_get_error(ssl_, rc);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    handshake_wants_write_ = e == SSL_ERROR_WANT_WRITE;
    return;
  }
  std::string why = tls_error_text(e == SSL_ERROR_SYSCALL ? "the peer closed the connection" : "handshake failed");
  long verify = SSL_get_verify_result(ssl_);
  if (!accepting_ && verify != X509_V_OK)
    why = std::string("certificate verify failed (") + X509_verify_cert_error_string(verify) + ")";
  end("TLS handshake with " + peer_ + " failed: " + why);
}

void Stream::on_ready(short revents) {
  if (state_ == State::Connecting) {
    connected();
  } else if (state_ == State::Handshaking) {
    handshake();
  } else if (state_ == State::Open || state_ == State::Draining) {
    if (revents & (POLLIN | POLLERR | POLLHUP) || read_wants_write_) read_some();
    if (state_ == State::Open) flush();
  }
  update_events();
}

void Stream::read_some() {
  read_wants_write_ = false;
  uint8_t buf[65536];
  for (int round = 0; round < 16 && (state_ == State::Open || state_ == State::Draining); ++round) {
    ssize_t n;
    if (ssl_) {
      ERR_clear_error();
      n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) {
        int e = SSL_get_error(ssl_, static_cast<int>(n));
        if (e == SSL_ERROR_WANT_READ) return;
        if (e == SSL_ERROR_WANT_WRITE) {
          read_wants_write_ = true;
          return;
        }
        if (e == SSL_ERROR_ZERO_RETURN) end("");
        else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) end(errno ? std::strerror(errno) : "");
        else end("TLS: " + tls_error_text());
        return;
      }
    } else {
      n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) {
        end("");
        return;
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) end(std::strerror(errno));
        return;
      }
    }
    if (state_ == State::Draining) continue;  // after finish(), what still arrives is not read
    handler_.on_data(buf, static_cast<std::size_t>(n));
  }
}

void Stream::write(std::string_view bytes) {
  if (state_ == State::Ended || state_ == State::Draining || finishing_) return;
  bool was_empty = pending() == 0;
  out_.append(bytes.data(), bytes.size());
  if (pending() > kMaxPending) {
    end("the peer does not read: " + std::to_string(pending()) + " bytes are waiting");
    return;
  }
  if (state_ == State::Open && was_empty) {
    flush();
    update_events();
  }
}

void Stream::flush() {
  while (pending() > 0) {
    const char* p = out_.data() + out_off_;
    std::size_t len = pending();
    ssize_t n;
    if (ssl_) {
      ERR_clear_error();
      n = SSL_write(ssl_, p, static_cast<int>(std::min<std::size_t>(len, INT_MAX)));
      if (n <= 0) {
        int e = SSL_get_error(ssl_, static_cast<int>(n));
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) break;
        end("TLS: " + tls_error_text("write failed"));
        return;
      }
    } else {
      n = ::send(fd_, p, len, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        end(std::strerror(errno));
        return;
      }
    }
    out_off_ += static_cast<std::size_t>(n);
  }
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
  } else if (out_off_ > (1u << 20)) {
    out_.erase(0, out_off_);
    out_off_ = 0;
  }
  if (finishing_ && pending() == 0 && state_ == State::Open) shutdown_write();
}

void Stream::finish() {
  if (finishing_ || state_ == State::Ended || state_ == State::Draining) return;
  finishing_ = true;
  if (state_ == State::Open) {
    flush();
    update_events();
  } else if (state_ != State::Handshaking || !accepting_) {
    later([this] { end(""); });  // not even connected: nothing to say goodbye to
  }
}

void Stream::shutdown_write() {
  if (ssl_) SSL_shutdown(ssl_);  // close_notify (the peer's is not awaited)
  ::shutdown(fd_, SHUT_WR);
  state_ = State::Draining;
  std::weak_ptr<bool> alive = alive_;
  loop_.at(loop_.now() + kLinger, [this, alive] {
    if (auto a = alive.lock(); a && *a && state_ == State::Draining) end("");
  });
}

void Stream::end(const std::string& error) {
  if (state_ == State::Ended) return;
  state_ = State::Ended;
  if (fd_ >= 0) {
    loop_.unwatch(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  later([this, error] { handler_.on_end(error); });
}

void Stream::update_events() {
  if (fd_ < 0) return;
  short events = 0;
  switch (state_) {
    case State::Connecting: events = POLLOUT; break;
    case State::Handshaking: events = handshake_wants_write_ ? POLLOUT : POLLIN; break;
    case State::Open:
    case State::Draining:
      events = POLLIN;
      if (pending() > 0 || read_wants_write_) events |= POLLOUT;
      break;
    default: break;
  }
  loop_.set_events(fd_, events);
}

}  // namespace ovms::sim::live
