// Statistics as a tree: the core's tables (lines by message, vehicle, direction, sender), diagnostics
// by id, command round trips (count, min, median, max) and conversations.
#pragma once

#include <QTreeWidget>

#include "model/statistics.h"

namespace inspector {

class StatsView : public QTreeWidget {
  Q_OBJECT
 public:
  explicit StatsView(const RecordStore& store, QWidget* parent = nullptr);
  void storeReset();
  void storeAppended(std::size_t first);
  const Statistics& statistics() const { return stats_; }

 protected:
  void showEvent(QShowEvent* e) override;

 private:
  void refill();
  const RecordStore& store_;
  Statistics stats_;
  bool stale_ = true;
};

}  // namespace inspector
