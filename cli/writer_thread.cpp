#include "writer_thread.h"

#include <pthread.h>

using namespace ovms;

WriterThread::WriterThread(RecordWriter& writer) : writer_(writer), thread_([this] { run(); }) {
  current_.reserve(kBatch);
}

WriterThread::~WriterThread() { finish(); }

const ConnectionInfo* WriterThread::snapshot(uint32_t conn) {
  if (lookup_) return lookup_(conn);
  if (!conns_ || conn >= conns_->size()) return nullptr;
  if (snapshots_.size() <= conn) snapshots_.resize(conn + 1);
  // The analyzer settles a connection's endpoints before its first record, so a copy taken now stays
  // right; the writer thread reads only the copy, never the analyzer's growing vector.
  if (!snapshots_[conn]) snapshots_[conn] = std::make_unique<ConnectionInfo>((*conns_)[conn]);
  return snapshots_[conn].get();
}

void WriterThread::on_record(const RecordPtr& r) {
  Item item;
  item.conn = snapshot(r->conn);
  item.record = r;
  current_.push_back(std::move(item));
  unflushed_ = true;
  if (current_.size() >= kBatch) push();
}

void WriterThread::on_orphan_diagnostic(uint32_t conn, const Diagnostic& d) {
  Item item;
  item.orphan = true;
  item.orphan_conn = conn;
  item.diag = d;
  current_.push_back(std::move(item));
  unflushed_ = true;
}

void WriterThread::flush() {
  if (!unflushed_) return;
  unflushed_ = false;
  Item item;
  item.flush = true;
  current_.push_back(std::move(item));
  push();
}

void WriterThread::push() {
  std::deque<Batch> to_free;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return queue_.size() < kMaxQueued; });  // bounded: memory stays flat
    queue_.push_back(std::move(current_));
    to_free.swap(written_);
    changed_.notify_all();
  }
  // Records are freed on the thread that allocated them (unless another sink still holds them):
  // glibc's malloc is much slower when one thread frees what another allocated.
  to_free.clear();
  current_ = Batch();
  current_.reserve(kBatch);
}

void WriterThread::finish() {
  if (!thread_.joinable()) return;
  if (!current_.empty()) push();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }
  thread_.join();
  writer_.flush();
}

void WriterThread::run() {
  pthread_setname_np(pthread_self(), "ovms-write");  // for profiles
  while (true) {
    Batch batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return !queue_.empty() || done_; });
      if (queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      changed_.notify_all();
    }
    for (const Item& item : batch) {
      if (item.flush) writer_.flush();
      else if (item.orphan) writer_.orphan(item.orphan_conn, item.diag);
      else writer_.record(*item.record, item.conn);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    written_.push_back(std::move(batch));
  }
}
