// Runs the RecordWriter on a second thread: the decoder hands over batches of records and goes on
// decoding while the previous batch is formatted. On two cores this nearly halves the wall time of
// `ovmsdump --json` (formatting a million JSON objects costs about as much as decoding them).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ovms/analyzer.h"
#include "ovms/record.h"
#include "record_writer.h"

class WriterThread : public ovms::RecordSink {
 public:
  explicit WriterThread(RecordWriter& writer);
  ~WriterThread() override;

  // Where connection details come from; read on the decoding thread only.
  void set_connections(const std::vector<ovms::ConnectionInfo>* conns) { conns_ = conns; }
  // Or: immutable snapshots someone else keeps (the parallel decode's merger), by connection id.
  void set_connection_lookup(std::function<const ovms::ConnectionInfo*(uint32_t)> lookup) { lookup_ = std::move(lookup); }

  void on_record(const ovms::RecordPtr& r) override;
  void on_orphan_diagnostic(uint32_t conn, const ovms::Diagnostic& d) override;
  // Hands over what is held and has the writer write it out now, without waiting for a full batch
  // (for input that arrives over time: a pipe, an interface).
  void flush();
  // Hands over what is left and waits until everything is written.
  void finish();

 private:
  struct Item {
    ovms::RecordPtr record;  // shared with the decoder's other sinks; read-only
    const ovms::ConnectionInfo* conn = nullptr;  // an immutable snapshot owned by snapshots_
    bool orphan = false;
    bool flush = false;  // write out everything before this point
    uint32_t orphan_conn = 0;
    ovms::Diagnostic diag{ovms::DiagId::TcpGap, 0, -1, {}};
  };
  using Batch = std::vector<Item>;
  static constexpr std::size_t kBatch = 2048;  // fewer hand-overs: each one costs futex calls
  static constexpr std::size_t kMaxQueued = 8;

  const ovms::ConnectionInfo* snapshot(uint32_t conn);
  void push();
  void run();

  RecordWriter& writer_;
  const std::vector<ovms::ConnectionInfo>* conns_ = nullptr;
  std::function<const ovms::ConnectionInfo*(uint32_t)> lookup_;
  std::vector<std::unique_ptr<ovms::ConnectionInfo>> snapshots_;  // by connection id; never moved
  Batch current_;
  bool unflushed_ = false;  // records or diagnostics handed over since the last flush()
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> queue_;
  std::deque<Batch> written_;  // batches to free on the decoding thread, where they were allocated
  bool done_ = false;
  std::thread thread_;
};
