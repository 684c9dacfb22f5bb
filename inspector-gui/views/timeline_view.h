// The timeline: a lane per connection, grouped by vehicle; each message a mark, handshakes, gaps,
// resynchronisations and diagnostics drawn in their own colours; wheel zooms around the mouse, drag
// pans; the cursor follows the selected message and a click selects the nearest message of a lane.
#pragma once

#include <QWidget>
#include <string>
#include <vector>

#include "model/record_store.h"

namespace inspector {

class TimelineView : public QWidget {
  Q_OBJECT
 public:
  explicit TimelineView(const RecordStore& store, QWidget* parent = nullptr);
  void storeReset();
  void storeAppended(std::size_t first);
  void setCursorRow(std::size_t row);
  // The lanes, top to bottom, as connection ids (tests).
  const std::vector<uint32_t>& lanes() const { return lane_conn_; }
  // Shows the whole capture.
  void zoomAll();

 signals:
  void storeRowClicked(std::size_t row);

 protected:
  void paintEvent(QPaintEvent*) override;
  void wheelEvent(QWheelEvent*) override;
  void mousePressEvent(QMouseEvent*) override;
  void mouseMoveEvent(QMouseEvent*) override;
  void mouseReleaseEvent(QMouseEvent*) override;
  QSize sizeHint() const override { return {600, 300}; }

 private:
  enum class Mark : uint8_t { Message, Handshake, Diagnostic, Error, Gap, Resync };
  void relayout(std::size_t first);
  double xOf(double ts) const;
  double tsOf(double x) const;
  int laneTop(int lane) const;

  const RecordStore& store_;
  std::vector<uint32_t> lane_conn_;  // lane -> connection
  std::vector<int> conn_lane_;       // connection -> lane
  std::vector<std::string> conn_vehicle_;  // connection -> its vehicle ("-": none seen yet)
  std::vector<Mark> marks_;          // per store row
  double t0_ = 0, t1_ = 1;           // the capture's span
  double v0_ = 0, v1_ = 1;           // the span shown
  std::size_t cursor_ = SIZE_MAX;
  int drag_x_ = -1;
  bool dragged_ = false;
};

}  // namespace inspector
