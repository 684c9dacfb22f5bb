#include "world.h"

#include <algorithm>

namespace ovms::sim {

void World::at(double t, std::function<void()> fn) {
  if (t < now_) t = now_;
  queue_.push_back(Event{t, order_++, std::move(fn)});
  std::push_heap(queue_.begin(), queue_.end(), later);
}

void World::run() {
  while (!queue_.empty()) {
    std::pop_heap(queue_.begin(), queue_.end(), later);
    Event e = std::move(queue_.back());
    queue_.pop_back();
    out_.flush_until(e.t);
    now_ = e.t;
    ++events_run_;
    e.fn();
  }
  out_.flush_all();
}

TcpConnection& World::connection(const Endpoint& client, const Endpoint& server, uint32_t isn_client,
                                 uint32_t isn_server, TcpParams params) {
  connections_.push_back(std::make_unique<TcpConnection>(out_, client, server, isn_client, isn_server, params));
  return *connections_.back();
}

}  // namespace ovms::sim
