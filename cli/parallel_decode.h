// ovmsdump --threads N: connections decoded on N threads, the output the same as on one, byte for byte.
//
//   main thread (splitter)   reads frames, runs the CaptureAnalyzer with this as its DecoderHost: the
//                            analyzer keeps what needs every connection in frame order (numbering in
//                            order of first sight, TCP reassembly, which connections are OVMS, when one
//                            is over, closed tuples, memory bounds); this turns each of its decoder calls
//                            into an op numbered in call order (`seq`) for the connection's worker.
//   N workers                a ConnectionDecoder per connection of theirs, a KeyRing each; what a decoder
//                            emits is tagged with the seq of the op that made it.
//   merger                   merges the workers' output and the analyzer's own diagnostics by seq:
//                            exactly the order of one thread, into the usual sinks (-Y, -c, -w's tap, the
//                            writer thread).
//
// Ops go out in epochs: every few thousand ops (or at a flush) each worker gets its batch, even empty,
// stamped with the seq where the epoch ends, so every worker's progress is known to the others and to
// the merger.
//
// Keys learned across connections (an AP-S record teaches a key that a later connection needs, which
// may be another worker's): each worker's ring has a KeyRingSync. Before the ring reads or adds to its
// learned keys during op S, the sync waits until every other worker has finished all its ops before S
// (their progress counters), then adopts, in seq order, every key they learned before S. So each ring
// holds, at every lookup, exactly the keys one ring would hold at that point, in the same order. The
// worker hands its output over before it waits, so the merger never waits on a waiting worker; the
// ops it waits for were sent in its epoch or before, so nothing waits on the splitter.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ovms/analyzer.h"
#include "ovms/record.h"

class ParallelDecoder final : public ovms::DecoderHost {
 public:
  // `chain`: where one thread's analyzer would send its records (-Y, -c, ...); `direct`: where the
  // capture feed's own diagnostics go (the writer thread); `flush`: writes out what was handed over.
  // All three are called on the merger thread only.
  ParallelDecoder(int workers, const ovms::KeyStore* keys, const ovms::DecoderOptions& options, ovms::RecordSink& chain,
                  ovms::RecordSink& direct, std::function<void()> flush);
  ~ParallelDecoder() override;

  // The analyzer's connections (read on the splitter thread, to take snapshots for the writer).
  void set_connections(const std::vector<ovms::ConnectionInfo>* conns) { conns_ = conns; }
  // The analyzer's sink (its own diagnostics, in order with the ops) and the capture feed's.
  ovms::RecordSink& analyzer_sink();
  ovms::RecordSink& feed_sink();
  // After each frame: sends the epoch when it is big enough.
  void end_of_frame() {
    if (epoch_ops_ >= kEpochOps || epoch_bytes_ >= kEpochBytes) send_epoch();
  }
  // Everything so far decoded, merged and written out now (input that arrives over time).
  void flush();
  // After the analyzer's finish(): waits until everything is merged. Rethrows a worker's exception.
  void finish();
  // A worker failed (an exception, rethrown by finish()): reading can stop.
  bool failed() const { return failed_at_.load() != UINT64_MAX; }
  // The writer's snapshot of connection `conn` (merger thread: set by its first record).
  const ovms::ConnectionInfo* info_of(uint32_t conn) const {
    return conn < merged_infos_.size() ? merged_infos_[conn] : nullptr;
  }

  // DecoderHost (splitter thread).
  void open(uint32_t conn) override;
  void drop(uint32_t conn) override;
  void started_mid_stream(uint32_t conn, ovms::Direction dir, uint64_t frame) override;
  void feed(uint32_t conn, ovms::Direction dir, const uint8_t* data, std::size_t len, uint64_t frame, double ts) override;
  void gap(uint32_t conn, ovms::Direction dir, uint64_t missing, uint64_t frame) override;
  void closed(uint32_t conn, ovms::Direction dir, uint64_t frame, double ts) override;
  void finish(uint32_t conn, uint64_t frame, double ts) override;
  std::vector<ovms::Diagnostic> report_unused_keys() override;

 private:
  static constexpr std::size_t kEpochOps = 4096;
  static constexpr std::size_t kEpochBytes = 1 << 20;
  static constexpr std::size_t kMaxQueued = 8;     // batches waiting per worker, and per merger input
  static constexpr std::size_t kOutItems = 2048;   // a worker hands its output over at this size

  struct Op {
    enum class Kind : uint8_t { Open, Drop, MidStream, Feed, Gap, Closed, Finish };
    Kind kind;
    ovms::Direction dir;
    uint32_t conn;
    uint64_t seq;
    uint64_t frame;
    double ts;
    uint64_t arg;  // Feed: offset into the batch's bytes; Gap: bytes missing
    std::size_t len;
    const ovms::ConnectionInfo* info;  // for the records it makes
  };
  struct InBatch {
    std::vector<Op> ops;
    std::string bytes;
    uint64_t covers = 0;  // every op of this worker before this seq is in this batch or an earlier one
  };
  // One piece of output, in the order one thread would have made it.
  struct Item {
    enum class Kind : uint8_t { Record, Orphan, FeedOrphan, Link, Flush };
    Kind kind;
    uint64_t seq;
    ovms::RecordPtr record;
    const ovms::ConnectionInfo* info = nullptr;
    uint32_t conn = 0;
    uint64_t a = 0, b = 0, c = 0;  // Link
    std::unique_ptr<ovms::Diagnostic> diag;  // Orphan, FeedOrphan (rare: the items stay small)
  };
  struct OutBatch {
    std::vector<Item> items;
    uint64_t covers = 0;  // every item of this stream before this seq is in this batch or an earlier one
  };
  struct Worker;
  class WorkerSink;
  class Sync;
  class StreamSink;

  Op& add_op(Op::Kind kind, uint32_t conn, uint64_t frame);
  const ovms::ConnectionInfo* snapshot(uint32_t conn);
  void send_epoch();
  void stop_workers();
  void run_worker(Worker& w);
  void do_op(Worker& w, const InBatch& batch, const Op& op);
  void hand_over(std::size_t stream, OutBatch&& batch, bool force);
  void hand_over_output(Worker& w, uint64_t covers, bool force);
  void run_merger();
  void emit(Item& item);
  void rethrow_worker_error();

  const ovms::KeyStore* keys_;
  ovms::DecoderOptions options_;
  ovms::RecordSink& chain_;
  ovms::RecordSink& direct_;
  std::function<void()> flush_;
  const std::vector<ovms::ConnectionInfo>* conns_ = nullptr;

  // Splitter thread.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<uint32_t> worker_of_;  // by connection id
  std::vector<const ovms::ConnectionInfo*> snapshot_of_;  // by connection id: the latest
  std::deque<std::unique_ptr<ovms::ConnectionInfo>> snapshots_;  // owned here, never moved, read by all
  uint64_t next_seq_ = 0;
  std::size_t epoch_ops_ = 0, epoch_bytes_ = 0;
  OutBatch own_;  // the splitter's stream: the analyzer's and the feed's diagnostics, flush marks
  std::unique_ptr<StreamSink> analyzer_sink_, feed_sink_;
  bool workers_stopped_ = false;
  bool finished_ = false;

  // Keys learned on the workers, by the seq of the op that learned them.
  struct Learned {
    uint64_t seq;
    std::size_t worker;
    ovms::VehicleKey key;
  };
  std::mutex keys_mutex_;
  std::condition_variable progress_changed_;
  std::atomic<int> waiting_{0};
  // The seq of the op that failed: nothing after it is written, as one thread would have stopped there.
  std::atomic<uint64_t> failed_at_{UINT64_MAX};
  std::vector<Learned> learned_;

  // The merger's inputs: stream i < N is worker i, stream N the splitter's.
  std::mutex merge_mutex_;
  std::condition_variable merge_changed_;
  std::vector<std::deque<OutBatch>> inbox_;
  std::vector<bool> stream_closed_;
  std::vector<const ovms::ConnectionInfo*> merged_infos_;  // merger thread
  std::thread merger_;
};
