#include "parallel_decode.h"

#include <pthread.h>

#include <algorithm>
#include <unordered_map>

#include "ovms/connection.h"
#include "ovms/key_ring.h"

using namespace ovms;

namespace {
constexpr uint64_t kEverything = UINT64_MAX;  // a covers stamp: the stream is over

// Spreads connections over the workers: each run of N consecutive connection numbers goes to all N
// workers, one each, rotated by a hash of the run, so the counts stay even and a pattern in the
// numbering (cars and apps often open alternately) does not put all of one kind on one worker.
std::size_t spread(uint32_t conn, std::size_t n) {
  uint64_t x = conn / n + 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return static_cast<std::size_t>((conn % n + (x ^ (x >> 31)) % n) % n);
}
}  // namespace

struct ParallelDecoder::Worker {
  std::size_t index = 0;
  // Input, from the splitter.
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<InBatch> queue;
  bool done = false;
  InBatch building;  // splitter thread
  // Decoding, on the worker's thread.
  std::unique_ptr<KeyRing> ring;
  std::unique_ptr<Sync> sync;
  std::unique_ptr<WorkerSink> sink;
  uint64_t next_id = 0;  // record ids (not printed by ovmsdump) count per worker
  std::unordered_map<uint32_t, std::unique_ptr<ConnectionDecoder>> decoders;
  uint64_t current = 0;  // seq of the op being decoded
  const ConnectionInfo* current_info = nullptr;
  uint64_t adopted_before = 0;  // keys the others learned before this seq are in `ring`
  std::atomic<uint64_t> progress{0};  // every op of this worker before this seq is done
  OutBatch out;
  uint64_t handed_covers = 0;
  std::exception_ptr error;
  std::thread thread;
  // Records this worker made, kept until every other holder (merger, -Y, writer) let go, so that they
  // are freed here, where they were allocated: glibc's malloc is much slower when one thread frees what
  // another allocated. They are written in order, so the oldest go first.
  std::deque<RecordPtr> made;
  void free_written() {
    while (!made.empty() && made.front().use_count() == 1) made.pop_front();
  }
};

// What a worker's decoders emit: tagged with the op that made it, into the worker's output.
class ParallelDecoder::WorkerSink final : public RecordSink {
 public:
  explicit WorkerSink(Worker& w) : w_(w) {}
  void on_record(const RecordPtr& r) override {
    Item& item = next(Item::Kind::Record);
    item.record = r;
    item.info = w_.current_info;
    w_.made.push_back(r);
  }
  void on_response_link(uint64_t a, uint64_t b, uint64_t c) override {
    Item& item = next(Item::Kind::Link);
    item.a = a;
    item.b = b;
    item.c = c;
  }
  void on_orphan_diagnostic(uint32_t conn, const Diagnostic& d) override {
    Item& item = next(Item::Kind::Orphan);
    item.conn = conn;
    item.diag = std::make_unique<Diagnostic>(d);
  }

 private:
  Item& next(Item::Kind kind) {
    Item& item = w_.out.items.emplace_back();
    item.kind = kind;
    item.seq = w_.current;
    return item;
  }
  Worker& w_;
};

// The splitter's own stream: the analyzer's diagnostics (through -Y and -c) and the capture feed's
// (straight to the writer, as with one thread), numbered among the ops.
class ParallelDecoder::StreamSink final : public RecordSink {
 public:
  StreamSink(ParallelDecoder& p, Item::Kind kind) : p_(p), kind_(kind) {}
  void on_record(const RecordPtr&) override {}  // the analyzer makes no records of its own
  void on_orphan_diagnostic(uint32_t conn, const Diagnostic& d) override {
    Item& item = p_.own_.items.emplace_back();
    item.kind = kind_;
    item.seq = p_.next_seq_++;
    item.conn = conn;
    item.diag = std::make_unique<Diagnostic>(d);
  }

 private:
  ParallelDecoder& p_;
  Item::Kind kind_;
};

// A worker's ring kept as the one ring of a single-threaded decode would be (see the header).
class ParallelDecoder::Sync final : public KeyRingSync {
 public:
  Sync(ParallelDecoder& p, Worker& w) : p_(p), w_(w) {}

  void catch_up() override {
    const uint64_t now = w_.current;
    if (w_.adopted_before >= now) return;  // already caught up during this op
    // Our output first: the merger must never wait for a worker that waits.
    p_.hand_over_output(w_, now, true);
    std::vector<const Learned*> adopt;
    {
      std::unique_lock<std::mutex> lock(p_.keys_mutex_);
      ++p_.waiting_;
      p_.progress_changed_.wait(lock, [&] {
        for (const auto& other : p_.workers_)
          if (other.get() != &w_ && other->progress.load() < now) return false;
        return true;
      });
      --p_.waiting_;
      for (const Learned& l : p_.learned_)
        if (l.worker != w_.index && l.seq >= w_.adopted_before && l.seq < now) adopt.push_back(&l);
      // In the order one ring would have learned them (the log is in the order they were learned).
      std::sort(adopt.begin(), adopt.end(), [](const Learned* a, const Learned* b) { return a->seq < b->seq; });
      for (const Learned* l : adopt) w_.ring->adopt(l->key);
    }
    w_.adopted_before = now;
  }
  void learned(const VehicleKey& key) override {
    std::lock_guard<std::mutex> lock(p_.keys_mutex_);
    p_.learned_.push_back(Learned{w_.current, w_.index, key});
  }
  uint64_t position() const override { return w_.current; }

 private:
  ParallelDecoder& p_;
  Worker& w_;
};

ParallelDecoder::ParallelDecoder(int workers, const KeyStore* keys, const DecoderOptions& options, RecordSink& chain,
                                 RecordSink& direct, std::function<void()> flush)
    : keys_(keys),
      options_(options),
      chain_(chain),
      direct_(direct),
      flush_(std::move(flush)),
      analyzer_sink_(std::make_unique<StreamSink>(*this, Item::Kind::Orphan)),
      feed_sink_(std::make_unique<StreamSink>(*this, Item::Kind::FeedOrphan)) {
  const std::size_t n = static_cast<std::size_t>(std::max(workers, 1));
  inbox_.resize(n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    w->index = i;
    w->ring = std::make_unique<KeyRing>(keys_);
    w->sync = std::make_unique<Sync>(*this, *w);
    w->ring->set_sync(w->sync.get());
    w->sink = std::make_unique<WorkerSink>(*w);
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) w->thread = std::thread([this, p = w.get()] { run_worker(*p); });
  merger_ = std::thread([this] { run_merger(); });
}

ParallelDecoder::~ParallelDecoder() {
  try {
    finish();
  } catch (...) {
  }
}

RecordSink& ParallelDecoder::analyzer_sink() { return *analyzer_sink_; }
RecordSink& ParallelDecoder::feed_sink() { return *feed_sink_; }

// ---- splitter thread ----

ParallelDecoder::Op& ParallelDecoder::add_op(Op::Kind kind, uint32_t conn, uint64_t frame) {
  Op& op = workers_[worker_of_[conn]]->building.ops.emplace_back();
  op.kind = kind;
  op.conn = conn;
  op.seq = next_seq_++;
  op.frame = frame;
  ++epoch_ops_;
  return op;
}

const ConnectionInfo* ParallelDecoder::snapshot(uint32_t conn) {
  if (!conns_ || conn >= conns_->size()) return nullptr;
  const ConnectionInfo& live = (*conns_)[conn];
  const ConnectionInfo*& cur = snapshot_of_[conn];
  // A copy the other threads read; a new one only if the analyzer changed its mind (roles swapped
  // by content), so each record carries the connection as it was when the record was made.
  if (!cur || cur->client != live.client || cur->server != live.server || cur->is_ovms != live.is_ovms) {
    snapshots_.push_back(std::make_unique<ConnectionInfo>(live));
    cur = snapshots_.back().get();
  }
  return cur;
}

void ParallelDecoder::open(uint32_t conn) {
  if (worker_of_.size() <= conn) {
    worker_of_.resize(conn + 1);
    snapshot_of_.resize(conn + 1);
  }
  worker_of_[conn] = static_cast<uint32_t>(spread(conn, workers_.size()));
  add_op(Op::Kind::Open, conn, 0);
}

void ParallelDecoder::drop(uint32_t conn) { add_op(Op::Kind::Drop, conn, 0); }

void ParallelDecoder::started_mid_stream(uint32_t conn, Direction dir, uint64_t frame) {
  add_op(Op::Kind::MidStream, conn, frame).dir = dir;
}

void ParallelDecoder::feed(uint32_t conn, Direction dir, const uint8_t* data, std::size_t len, uint64_t frame,
                           double ts) {
  const ConnectionInfo* info = snapshot(conn);
  std::string& bytes = workers_[worker_of_[conn]]->building.bytes;
  Op& op = add_op(Op::Kind::Feed, conn, frame);
  op.dir = dir;
  op.ts = ts;
  op.arg = bytes.size();
  op.len = len;
  op.info = info;
  bytes.append(reinterpret_cast<const char*>(data), len);
  epoch_bytes_ += len;
}

void ParallelDecoder::gap(uint32_t conn, Direction dir, uint64_t missing, uint64_t frame) {
  Op& op = add_op(Op::Kind::Gap, conn, frame);
  op.dir = dir;
  op.arg = missing;
}

void ParallelDecoder::closed(uint32_t conn, Direction dir, uint64_t frame, double ts) {
  const ConnectionInfo* info = snapshot(conn);
  Op& op = add_op(Op::Kind::Closed, conn, frame);
  op.dir = dir;
  op.ts = ts;
  op.info = info;
}

void ParallelDecoder::finish(uint32_t conn, uint64_t frame, double ts) {
  const ConnectionInfo* info = snapshot(conn);
  Op& op = add_op(Op::Kind::Finish, conn, frame);
  op.ts = ts;
  op.info = info;
}

void ParallelDecoder::send_epoch() {
  // Every worker gets its batch, even an empty one: its progress then moves on to the epoch's end.
  for (auto& w : workers_) {
    w->building.covers = next_seq_;
    {
      std::unique_lock<std::mutex> lock(w->mutex);
      w->changed.wait(lock, [&] { return w->queue.size() < kMaxQueued; });  // bounded: memory stays flat
      w->queue.push_back(std::move(w->building));
      w->changed.notify_all();
    }
    w->building = InBatch();
    w->building.ops.reserve(kEpochOps / workers_.size() + 16);
  }
  // Then the splitter's own stream, never held back: the merger may be waiting for it.
  own_.covers = next_seq_;
  hand_over(workers_.size(), std::move(own_), true);
  own_ = OutBatch();
  epoch_ops_ = epoch_bytes_ = 0;
}

void ParallelDecoder::flush() {
  if (epoch_ops_ == 0 && own_.items.empty()) return;  // everything before was flushed already
  Item& item = own_.items.emplace_back();
  item.kind = Item::Kind::Flush;
  item.seq = next_seq_++;
  send_epoch();
}

void ParallelDecoder::stop_workers() {
  if (workers_stopped_) return;
  workers_stopped_ = true;
  send_epoch();
  for (auto& w : workers_) {
    {
      std::lock_guard<std::mutex> lock(w->mutex);
      w->done = true;
      w->changed.notify_all();
    }
    w->thread.join();
  }
}

std::vector<Diagnostic> ParallelDecoder::report_unused_keys() {
  stop_workers();  // every ring's notes are final
  std::vector<const KeyRing*> rings;
  for (auto& w : workers_) rings.push_back(w->ring.get());
  return KeyRing::report_unused(rings);
}

void ParallelDecoder::finish() {
  if (finished_) return;
  finished_ = true;
  stop_workers();
  own_.covers = kEverything;
  hand_over(workers_.size(), std::move(own_), true);
  merger_.join();
  rethrow_worker_error();
}

void ParallelDecoder::rethrow_worker_error() {
  for (auto& w : workers_)
    if (w->error) std::rethrow_exception(w->error);
}

// ---- workers ----

void ParallelDecoder::run_worker(Worker& w) {
  pthread_setname_np(pthread_self(), ("ovms-decode-" + std::to_string(w.index)).c_str());  // for profiles
  auto set_progress = [&](uint64_t seq) {
    w.progress.store(seq);
    if (waiting_.load()) {
      std::lock_guard<std::mutex> lock(keys_mutex_);
      progress_changed_.notify_all();
    }
  };
  try {
    while (true) {
      InBatch batch;
      {
        std::unique_lock<std::mutex> lock(w.mutex);
        // (What was decoded went to the merger at the end of the last batch: it may need it to go on.)
        w.changed.wait(lock, [&] { return !w.queue.empty() || w.done; });
        if (w.queue.empty()) break;
        batch = std::move(w.queue.front());
        w.queue.pop_front();
        w.changed.notify_all();
      }
      for (const Op& op : batch.ops) {
        set_progress(op.seq);
        w.current = op.seq;
        do_op(w, batch, op);
        if (w.out.items.size() >= kOutItems) hand_over_output(w, op.seq + 1, false);
      }
      set_progress(batch.covers);
      w.current = batch.covers;
      hand_over_output(w, batch.covers, false);
      w.free_written();
    }
    w.progress.store(kEverything);
    hand_over_output(w, kEverything, true);
  } catch (...) {
    w.error = std::current_exception();
    uint64_t none = kEverything;
    failed_at_.compare_exchange_strong(none, w.current);
    set_progress(kEverything);  // nobody waits for a worker that is gone
    hand_over_output(w, kEverything, true);
    std::unique_lock<std::mutex> lock(w.mutex);  // the rest of the input is dropped
    while (true) {
      w.queue.clear();
      w.changed.notify_all();
      if (w.done) break;
      w.changed.wait(lock, [&] { return !w.queue.empty() || w.done; });
    }
  }
}

void ParallelDecoder::do_op(Worker& w, const InBatch& batch, const Op& op) {
  if (op.kind == Op::Kind::Open) {
    w.decoders[op.conn] = std::make_unique<ConnectionDecoder>(op.conn, *w.ring, &w.next_id, options_);
    return;
  }
  auto it = w.decoders.find(op.conn);
  if (it == w.decoders.end()) return;
  ConnectionDecoder& d = *it->second;
  w.current_info = op.info;
  switch (op.kind) {
    case Op::Kind::Open: break;
    case Op::Kind::Drop: w.decoders.erase(it); break;
    case Op::Kind::MidStream: d.started_mid_stream(op.dir, op.frame); break;
    case Op::Kind::Feed:
      d.feed(op.dir, reinterpret_cast<const uint8_t*>(batch.bytes.data()) + op.arg, op.len, op.frame, op.ts, *w.sink);
      break;
    case Op::Kind::Gap: d.gap(op.dir, op.arg, op.frame); break;
    case Op::Kind::Closed: d.closed(op.dir, op.frame, op.ts, *w.sink); break;
    case Op::Kind::Finish:
      d.finish(op.frame, op.ts, *w.sink);
      w.decoders.erase(it);
      break;
  }
}

// The worker's output so far; `covers`: no item of an op before it is still to come.
void ParallelDecoder::hand_over_output(Worker& w, uint64_t covers, bool force) {
  if (w.out.items.empty() && covers == w.handed_covers) return;
  w.out.covers = covers;
  w.handed_covers = covers;
  hand_over(w.index, std::move(w.out), force);
  w.out = OutBatch();
  w.out.items.reserve(kOutItems);
}
