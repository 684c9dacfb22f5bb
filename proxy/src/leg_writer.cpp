#include "leg_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ovms::proxy {

int duplicate_descriptor(int fd) { return fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, 0); }

void shutdown_write(int fd) {
  if (fd >= 0) ::shutdown(fd, SHUT_WR);
}

void set_reset_on_close(int fd) {
  if (fd < 0) return;
  struct linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

bool reset_by_peer(int fd) {
  if (fd < 0) return false;
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return false;
  // A FIN leaves us in CLOSE_WAIT; a RST moves the connection to CLOSE at once.
  return info.tcpi_state == TCP_CLOSE;
}

LegWriter::LegWriter(int fd, QObject* parent) : QObject(parent), fd_(fd) {
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  notifier_ = std::make_unique<QSocketNotifier>(fd_, QSocketNotifier::Write);
  notifier_->setEnabled(false);
  connect(notifier_.get(), &QSocketNotifier::activated, this, [this] { flush(); });
}

LegWriter::~LegWriter() { closeFd(); }

void LegWriter::write(const char* data, std::size_t len) {
  if (fd_ < 0 || finishing_) return;
  buf_.append(data, static_cast<qsizetype>(len));
  flush();
}

void LegWriter::finish() {
  if (fd_ < 0) return;
  finishing_ = true;
  flush();
}

void LegWriter::reset() {
  if (fd_ < 0) return;
  buf_.clear();
  set_reset_on_close(fd_);
  closeFd();
}

void LegWriter::flush() {
  const qsizetype before = buf_.size();
  while (fd_ >= 0 && !buf_.isEmpty()) {
    const ssize_t n = ::send(fd_, buf_.constData(), static_cast<std::size_t>(buf_.size()), MSG_NOSIGNAL);
    if (n > 0) {
      buf_.remove(0, n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
    buf_.clear();  // EPIPE, ECONNRESET: the peer is gone
    closeFd();
    Q_EMIT failed();
    return;
  }
  if (fd_ < 0) return;
  notifier_->setEnabled(!buf_.isEmpty());
  if (buf_.isEmpty() && finishing_) {
    shutdown_write(fd_);
    closeFd();
  }
  if (buf_.size() < before) Q_EMIT drained();
}

void LegWriter::closeFd() {
  if (notifier_) notifier_->setEnabled(false);
  notifier_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace ovms::proxy
