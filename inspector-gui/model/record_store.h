// Every record the window shows, in decode order, from whichever source made it (a capture file, a
// live capture, later a proxy session). No Qt: the Qt models read it, and tests and the benchmark use
// it without a display. Records are shared pointers to the core's immutable LineRecords, never copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ovms/analyzer.h"
#include "ovms/filter.h"
#include "ovms/record.h"

namespace inspector {

// What a source hands over at once: records, response links and orphan diagnostics in the order the
// decoder made them, and the connections first seen since the previous batch.
struct RecordBatch {
  std::vector<ovms::RecordPtr> records;
  std::vector<std::pair<uint64_t, uint64_t>> links;  // request id -> response id
  std::vector<std::pair<uint32_t, ovms::Diagnostic>> orphans;
  std::vector<ovms::ConnectionInfo> connections;      // new or updated, by id
};

class RecordStore {
 public:
  void append(RecordBatch batch);
  void clear();

  std::size_t size() const { return records_.size(); }
  const ovms::RecordPtr& at(std::size_t row) const { return records_[row]; }
  const std::vector<ovms::RecordPtr>& records() const { return records_; }
  const std::vector<std::pair<uint32_t, ovms::Diagnostic>>& orphans() const { return orphans_; }
  const ovms::ConnectionInfo* connection(uint32_t id) const;
  const std::vector<ovms::ConnectionInfo>& connections() const { return connections_; }

  // The row of a record id (ids rise with rows, so a binary search), or nullopt.
  std::optional<std::size_t> row_of_id(uint64_t id) const;
  // The row of the response to a command in `row` (the c that answers a C), or nullopt.
  std::optional<std::size_t> response_row(std::size_t row) const;
  // The row of the request a response answers, or nullopt.
  std::optional<std::size_t> request_row(std::size_t row) const;

  // The rows `filter` selects among rows [from, size()), in order.
  std::vector<uint32_t> select(const ovms::DisplayFilter& filter, std::size_t from = 0) const;

 private:
  std::vector<ovms::RecordPtr> records_;
  std::unordered_map<uint64_t, uint64_t> response_of_;  // request id -> response id
  std::vector<std::pair<uint32_t, ovms::Diagnostic>> orphans_;
  std::vector<ovms::ConnectionInfo> connections_;       // index = connection id
};

// The most severe diagnostic of a record (its own and its inner message's), or nullopt when none.
std::optional<ovms::Severity> worst_severity(const ovms::LineRecord& r);

}  // namespace inspector
