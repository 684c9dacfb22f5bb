#include "model/record_store.h"

#include <algorithm>
#include <iterator>

namespace inspector {

void RecordStore::append(RecordBatch batch) {
  // No reserve(size + n) here: it allocates exactly that, so every batch (hundreds in a big capture)
  // moved the whole vector to a fresh block, and the kernel zeroed its pages anew. insert() grows
  // geometrically.
  records_.insert(records_.end(), std::make_move_iterator(batch.records.begin()),
                  std::make_move_iterator(batch.records.end()));
  for (const auto& [req, resp] : batch.links) response_of_[req] = resp;
  for (auto& o : batch.orphans) orphans_.push_back(std::move(o));
  for (auto& c : batch.connections) {
    if (c.id >= connections_.size()) connections_.resize(c.id + 1);
    connections_[c.id] = std::move(c);
  }
}

void RecordStore::clear() {
  records_.clear();
  response_of_.clear();
  orphans_.clear();
  connections_.clear();
}

const ovms::ConnectionInfo* RecordStore::connection(uint32_t id) const {
  return id < connections_.size() ? &connections_[id] : nullptr;
}

std::optional<std::size_t> RecordStore::row_of_id(uint64_t id) const {
  auto it = std::lower_bound(records_.begin(), records_.end(), id,
                             [](const ovms::RecordPtr& r, uint64_t v) { return r->id < v; });
  if (it == records_.end() || (*it)->id != id) return std::nullopt;
  return static_cast<std::size_t>(it - records_.begin());
}

std::optional<std::size_t> RecordStore::response_row(std::size_t row) const {
  auto it = response_of_.find(records_[row]->id);
  if (it == response_of_.end()) return std::nullopt;
  return row_of_id(it->second);
}

std::optional<std::size_t> RecordStore::request_row(std::size_t row) const {
  const auto& r = *records_[row];
  if (!r.response_to) return std::nullopt;
  return row_of_id(*r.response_to);
}

std::vector<uint32_t> RecordStore::select(const ovms::DisplayFilter& filter, std::size_t from) const {
  std::vector<uint32_t> rows;
  for (std::size_t i = from; i < records_.size(); ++i)
    if (filter.matches(*records_[i])) rows.push_back(static_cast<uint32_t>(i));
  return rows;
}

std::optional<ovms::Severity> worst_severity(const ovms::LineRecord& r) {
  std::optional<ovms::Severity> worst;
  auto look = [&](const std::vector<ovms::Diagnostic>& ds) {
    for (const auto& d : ds)
      if (!worst || d.severity() > *worst) worst = d.severity();
  };
  look(r.diags);
  if (r.inner) look(r.inner->diags);
  return worst;
}

}  // namespace inspector
