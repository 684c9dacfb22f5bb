// What every packet source shares: the stop request (a flag plus a self-pipe, so that a stop from a
// signal handler or another thread also wakes a source blocked in poll) and the wait/dispatch loops.
#include "ovms/packet_source.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace ovms {

PacketSource::PacketSource() {
  // Without the pipe a stop still works; it only cannot wake a blocked poll early.
  if (pipe2(stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
}

PacketSource::~PacketSource() {
  for (int fd : stop_pipe_)
    if (fd >= 0) close(fd);
}

void PacketSource::request_stop() noexcept {
  // Only async-signal-safe calls here: an atomic store and write(2).
  stop_.store(true, std::memory_order_relaxed);
  if (stop_pipe_[1] >= 0) {
    char byte = 1;
    ssize_t ignored = write(stop_pipe_[1], &byte, 1);  // EAGAIN: already readable, which is enough
    (void)ignored;
  }
}

bool PacketSource::wait(int timeout_ms) {
  int fd = selectable_fd();
  if (fd < 0 || stop_requested()) return true;
  idle();
  pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd(), POLLIN, 0}};
  int rc = poll(fds, stop_fd() >= 0 ? 2 : 1, timeout_ms);
  return rc != 0;  // an interrupted poll (EINTR) counts as woken: the caller reads and sees a stop
}

PacketSource::Status PacketSource::dispatch(const FrameHandler& on_frame, std::size_t max) {
  CapturedFrame frame;
  for (std::size_t i = 0; i < max; ++i) {
    Status st = read(frame);
    if (st != Status::Frame) return st;
    on_frame(frame);
  }
  return Status::Frame;
}

}  // namespace ovms
