// Writing to a peer after Qt has let go of its socket. QTcpSocket has no half-open state: when the
// peer half-closes (FIN), Qt reads EOF and closes its descriptor, though the peer may still read
// what the other leg sends back. The session keeps a duplicate of each plain TCP leg's descriptor,
// so the connection outlives Qt's close; this writer sends on it (buffered, nonblocking, with a
// write notifier), half-closes it after the last byte (shutdown SHUT_WR) and closes it, with a reset
// (SO_LINGER 0) when asked.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QSocketNotifier>
#include <memory>

namespace ovms::proxy {

class LegWriter : public QObject {
  Q_OBJECT
 public:
  explicit LegWriter(int fd, QObject* parent = nullptr);  // takes the descriptor
  ~LegWriter() override;

  void write(const char* data, std::size_t len);
  std::size_t pending() const { return static_cast<std::size_t>(buf_.size()); }
  // FIN after what is still to write, then the descriptor is closed (the peer already half-closed).
  void finish();
  // RST now: what is still to write is dropped.
  void reset();
  bool done() const { return fd_ < 0; }

 Q_SIGNALS:
  void drained();  // pending() went down (backpressure)
  void failed();   // the peer is gone (EPIPE, ECONNRESET): the descriptor is closed

 private:
  void flush();
  void closeFd();

  int fd_;
  QByteArray buf_;
  bool finishing_ = false;
  std::unique_ptr<QSocketNotifier> notifier_;
};

// A duplicate of `fd` (close-on-exec), -1 when it cannot be made.
int duplicate_descriptor(int fd);
// Half-closes a connection (FIN; reading goes on).
void shutdown_write(int fd);
// The next close of this connection sends RST instead of FIN.
void set_reset_on_close(int fd);
// The connection was reset by the peer (RST), not closed with FIN: Qt reads ECONNRESET as an end of
// stream, so the kernel's TCP state tells. A connection we had half-closed ourselves ends in the
// same state after an orderly close, so only a leg we have not half-closed can tell a reset apart.
bool reset_by_peer(int fd);

}  // namespace ovms::proxy
