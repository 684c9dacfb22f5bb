// ParallelDecoder's merger (see parallel_decode.h): the workers' output and the splitter's own stream,
// merged back into the order one thread would have made them.
#include "parallel_decode.h"

#include <pthread.h>

#include <algorithm>

using namespace ovms;

namespace {
constexpr uint64_t kEverything = UINT64_MAX;
}  // namespace

void ParallelDecoder::hand_over(std::size_t stream, OutBatch&& batch, bool force) {
  std::unique_lock<std::mutex> lock(merge_mutex_);
  if (!force) merge_changed_.wait(lock, [&] { return inbox_[stream].size() < kMaxQueued; });
  inbox_[stream].push_back(std::move(batch));
  merge_changed_.notify_all();
}

void ParallelDecoder::run_merger() {
  pthread_setname_np(pthread_self(), "ovms-merge");
  const std::size_t n = inbox_.size();
  std::vector<std::deque<OutBatch>> held(n);
  std::vector<std::size_t> pos(n, 0);    // next item in held[i].front()
  std::vector<uint64_t> covers(n, 0);  // of the last batch received from stream i
  auto has_item = [&](std::size_t i) {
    while (!held[i].empty() && pos[i] >= held[i].front().items.size()) {
      held[i].pop_front();
      pos[i] = 0;
    }
    return !held[i].empty();
  };
  while (true) {
    // Emit every item whose place is certain: the smallest seq held, once every stream that holds
    // nothing has promised nothing smaller.
    bool need_input = false;
    while (true) {
      std::size_t best = n;
      uint64_t best_seq = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (!has_item(i)) continue;
        uint64_t s = held[i].front().items[pos[i]].seq;
        if (best == n || s < best_seq) {
          best = i;
          best_seq = s;
        }
      }
      if (best == n) {
        need_input = true;
        break;
      }
      bool certain = true;
      for (std::size_t i = 0; i < n && certain; ++i)
        if (i != best && !has_item(i) && covers[i] < best_seq) certain = false;
      if (!certain) {
        need_input = true;
        break;
      }
      emit(held[best].front().items[pos[best]++]);
    }
    (void)need_input;
    bool all_over = true;
    for (std::size_t i = 0; i < n; ++i)
      if (covers[i] != kEverything || has_item(i)) all_over = false;
    if (all_over) return;
    std::unique_lock<std::mutex> lock(merge_mutex_);
    merge_changed_.wait(lock, [&] {
      for (const auto& q : inbox_)
        if (!q.empty()) return true;
      return false;
    });
    for (std::size_t i = 0; i < n; ++i) {
      for (OutBatch& b : inbox_[i]) {
        covers[i] = std::max(covers[i], b.covers);
        held[i].push_back(std::move(b));
      }
      inbox_[i].clear();
    }
    merge_changed_.notify_all();
  }
}

void ParallelDecoder::emit(Item& item) {
  if (item.seq > failed_at_.load()) return;
  switch (item.kind) {
    case Item::Kind::Record:
      if (merged_infos_.size() <= item.record->conn) merged_infos_.resize(item.record->conn + 1);
      // The writer's copy of a connection is the one of its first record, as with one thread.
      if (!merged_infos_[item.record->conn]) merged_infos_[item.record->conn] = item.info;
      chain_.on_record(item.record);
      break;
    case Item::Kind::Orphan: chain_.on_orphan_diagnostic(item.conn, *item.diag); break;
    case Item::Kind::FeedOrphan: direct_.on_orphan_diagnostic(item.conn, *item.diag); break;
    case Item::Kind::Link: chain_.on_response_link(item.a, item.b, item.c); break;
    case Item::Kind::Flush: flush_(); break;
  }
  item.record.reset();
}
