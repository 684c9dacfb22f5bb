// Where captured frames come from, for every front end: a capture file (pcap, pcapng, gzip-compressed
// or not), standard input as a stream, or a live interface. All hand out the same CapturedFrame, so
// the analyzer sees identical input whichever it is. Part of ovms_capture (links libpcap).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ovms {

// Time stamps a capture may hold: from 1970 up to the end of the year 9999 (what a date can show).
// Others are written as the number they are, and reported (capture.timestamp).
constexpr double kLastTimestamp = 253402300800.0;  // 10000-01-01T00:00:00Z
inline bool timestamp_in_range(double ts) { return ts >= 0 && ts < kLastTimestamp; }  // false for NaN

struct CapturedFrame {
  uint64_t number = 0;       // 1-based frame number, as Wireshark counts
  double ts = 0;             // epoch seconds
  int dlt = 0;               // link type of this frame
  const uint8_t* data = nullptr;
  std::size_t caplen = 0;    // bytes captured
  std::size_t wirelen = 0;   // bytes on the wire
};

// The kernel's counters for a live capture (pcap_stats), since the capture began.
struct CaptureDrops {
  uint64_t received = 0;          // packets that passed the filter
  uint64_t dropped = 0;           // dropped for want of buffer space: never seen by us
  uint64_t interface_dropped = 0; // dropped by the interface or its driver (where reported)
};

class PacketSource {
 public:
  enum class Status {
    Frame,  // `frame` holds the next frame; its data stays valid until the next read
    Idle,   // nothing has arrived yet (a live source): wait() and read again
    End,    // no more frames: the input ended, the source was stopped, or an error (see error())
  };
  using FrameHandler = std::function<void(const CapturedFrame&)>;

  PacketSource();
  virtual ~PacketSource();
  PacketSource(const PacketSource&) = delete;
  PacketSource& operator=(const PacketSource&) = delete;

  virtual Status read(CapturedFrame& frame) = 0;

  // For an event loop: reads what is ready now (at most `max` frames), hands each to `on_frame`, and
  // returns the status of the last read (Frame when `max` was reached: more may be ready).
  Status dispatch(const FrameHandler& on_frame, std::size_t max);

  // Blocks until a live source may have a frame, the source is stopped, or `timeout_ms` passes
  // (-1: no limit). Returns false on a timeout. File sources are always ready: returns at once.
  bool wait(int timeout_ms);
  // A descriptor that becomes readable when frames arrive, for select/poll/QSocketNotifier;
  // -1 for file sources (they are always ready: just read).
  virtual int selectable_fd() const { return -1; }

  // Makes the next read (and any wait) return End. Safe from a signal handler and from another thread.
  void request_stop() noexcept;
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_relaxed); }

  // Called when the source has handed out every frame that has arrived and is about to wait for more
  // (a quiet interface, a pipe whose writer pauses): a front end writes out what it holds, so output
  // keeps up with input. Never called for files that are read at full speed.
  void set_idle_hook(std::function<void()> hook) { idle_hook_ = std::move(hook); }

  // Frames arrive over time (an interface, a pipe): output is worth writing as it comes.
  virtual bool streaming() const = 0;
  virtual int link_type() const = 0;
  // What the source reads, for messages: "'x.pcap'", "standard input", "interface 'lo'".
  const std::string& name() const { return name_; }
  // Empty after a clean end; else why reading stopped early, naming where (frame, byte).
  const std::string& error() const { return error_; }
  // What the source found wrong but read anyway (a file header's bad snapshot length), for messages;
  // CaptureFeed reports them as diagnostics.
  const std::vector<std::string>& header_notes() const { return header_notes_; }
  // The kernel's counters (live sources only).
  virtual std::optional<CaptureDrops> drops() const { return std::nullopt; }
  // For a progress indicator: total and consumed bytes of the file (0 when unknown).
  virtual uint64_t file_size() const { return 0; }
  virtual uint64_t bytes_read() const { return 0; }

 protected:
  void idle() {
    if (idle_hook_) idle_hook_();
  }
  // Read end of the stop pipe: readable once request_stop() was called (for a source's own poll).
  int stop_fd() const { return stop_pipe_[0]; }

  std::string name_;
  std::string error_;
  std::vector<std::string> header_notes_;

 private:
  std::atomic<bool> stop_{false};
  int stop_pipe_[2] = {-1, -1};
  std::function<void()> idle_hook_;
};

}  // namespace ovms
