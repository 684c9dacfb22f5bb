#include "views/timeline_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <map>

#include "ovms/present.h"

namespace inspector {

namespace {
constexpr int kLabelWidth = 210;  // "#12 VEHICLE 10.0.1.12:44394"
constexpr int kLaneHeight = 22;
constexpr int kAxisHeight = 20;
}  // namespace

TimelineView::TimelineView(const RecordStore& store, QWidget* parent) : QWidget(parent), store_(store) {
  setMouseTracking(false);
  setMinimumHeight(120);
}

void TimelineView::storeReset() {
  lane_conn_.clear();
  conn_lane_.clear();
  conn_vehicle_.clear();
  marks_.clear();
  cursor_ = SIZE_MAX;
  t0_ = 0;
  t1_ = 1;
  zoomAll();
}

void TimelineView::storeAppended(std::size_t first) {
  const bool whole = v0_ == t0_ && v1_ == t1_;
  for (std::size_t i = first; i < store_.size(); ++i) {
    const ovms::LineRecord& r = *store_.at(i);
    Mark m = Mark::Message;
    if (r.kind != ovms::LineKind::Message) m = Mark::Handshake;
    for (const auto& d : r.diags) {
      if (d.id == ovms::DiagId::TcpGap) m = Mark::Gap;
      else if (d.id == ovms::DiagId::Resynchronised) m = Mark::Resync;
      else if (d.severity() == ovms::Severity::Error && m != Mark::Gap) m = Mark::Error;
      else if (d.severity() == ovms::Severity::Warning && m == Mark::Message) m = Mark::Diagnostic;
    }
    marks_.push_back(m);
    if (i == 0) t0_ = t1_ = r.ts;
    t0_ = std::min(t0_, r.ts);
    t1_ = std::max(t1_, r.ts);
  }
  if (t1_ <= t0_) t1_ = t0_ + 1;
  relayout(first);
  if (whole || first == 0) zoomAll();
  update();
}

void TimelineView::relayout(std::size_t first) {
  // Lanes grouped by vehicle (the vehicle of a connection's first line that names one), then by id.
  bool changed = false;
  for (std::size_t i = first; i < store_.size(); ++i) {
    const ovms::LineRecord& r = *store_.at(i);
    if (r.conn >= conn_lane_.size()) {
      conn_lane_.resize(r.conn + 1, -1);
      conn_vehicle_.resize(r.conn + 1, "-");
    }
    if (conn_lane_[r.conn] < 0) {
      conn_lane_[r.conn] = 0;
      lane_conn_.push_back(r.conn);
      changed = true;
    }
    if (conn_vehicle_[r.conn] == "-" && !r.vehicle.empty()) {
      conn_vehicle_[r.conn] = r.vehicle;
      changed = true;
    }
  }
  if (!changed) return;
  std::sort(lane_conn_.begin(), lane_conn_.end(), [&](uint32_t a, uint32_t b) {
    return std::make_pair(conn_vehicle_[a], a) < std::make_pair(conn_vehicle_[b], b);
  });
  for (std::size_t l = 0; l < lane_conn_.size(); ++l) conn_lane_[lane_conn_[l]] = static_cast<int>(l);
  setMinimumHeight(std::min(600, kAxisHeight + static_cast<int>(lane_conn_.size()) * kLaneHeight + 4));
}

void TimelineView::zoomAll() {
  v0_ = t0_;
  v1_ = t1_;
  update();
}

double TimelineView::xOf(double ts) const {
  return kLabelWidth + (ts - v0_) / (v1_ - v0_) * (width() - kLabelWidth - 8);
}
double TimelineView::tsOf(double x) const {
  return v0_ + (x - kLabelWidth) / std::max(1, width() - kLabelWidth - 8) * (v1_ - v0_);
}
int TimelineView::laneTop(int lane) const { return kAxisHeight + lane * kLaneHeight; }

void TimelineView::setCursorRow(std::size_t row) {
  cursor_ = row;
  if (row < store_.size()) {
    double ts = store_.at(row)->ts;
    if (ts < v0_ || ts > v1_) {  // keep the cursor in view
      double half = (v1_ - v0_) / 2;
      v0_ = ts - half;
      v1_ = ts + half;
    }
  }
  update();
}

void TimelineView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  // The time axis: a tick every 120 pixels or so, labelled by the core's time wording (to the ms).
  p.setPen(Qt::gray);
  const int ticks = std::max(2, (width() - kLabelWidth) / 120);
  for (int k = 0; k <= ticks; ++k) {
    double ts = v0_ + (v1_ - v0_) * k / ticks;
    int x = static_cast<int>(xOf(ts));
    p.drawLine(x, kAxisHeight - 4, x, height());
    if (k < ticks) p.drawText(x + 2, 14, QString::fromStdString(ovms::present::time_text(ts)).left(12));
  }
  // Lanes.
  for (std::size_t l = 0; l < lane_conn_.size(); ++l) {
    int y = laneTop(static_cast<int>(l));
    if (l % 2) p.fillRect(0, y, width(), kLaneHeight, QColor(0xf4, 0xf4, 0xf4));
    p.setPen(Qt::black);
    const auto* ci = store_.connection(lane_conn_[l]);
    QString v = QString::fromStdString(conn_vehicle_[lane_conn_[l]]);
    p.drawText(QRect(4, y, kLabelWidth - 8, kLaneHeight), Qt::AlignVCenter,
               QString::fromStdString(ovms::present::conn_text(lane_conn_[l])) + " " + v +
                   (ci ? " " + QString::fromStdString(ci->client_text) : QString()));
  }
  // Marks: ordinary messages as short ticks, the rest taller and coloured. One pass over the rows in
  // view (rows are in time order, so the first is found by binary search).
  const auto& recs = store_.records();
  auto first = std::lower_bound(recs.begin(), recs.end(), v0_, [](const ovms::RecordPtr& r, double t) { return r->ts < t; });
  static const QColor colours[] = {QColor(0x40, 0x60, 0xa0), QColor(0x20, 0xa0, 0x20), QColor(0xe0, 0xa0, 0x00),
                                   QColor(0xd0, 0x20, 0x20), QColor(0x90, 0x20, 0xc0), QColor(0x00, 0xa0, 0xc0)};
  for (auto it = first; it != recs.end() && (*it)->ts <= v1_; ++it) {
    std::size_t row = static_cast<std::size_t>(it - recs.begin());
    uint32_t conn = (*it)->conn;
    if (conn >= conn_lane_.size() || conn_lane_[conn] < 0) continue;
    int y = laneTop(conn_lane_[conn]);
    int x = static_cast<int>(xOf((*it)->ts));
    Mark m = marks_[row];
    p.setPen(colours[static_cast<int>(m)]);
    int pad = m == Mark::Message ? 6 : 2;
    if ((*it)->dir == ovms::Direction::ServerToClient && m == Mark::Message) p.drawLine(x, y + kLaneHeight / 2, x, y + kLaneHeight - pad);
    else if (m == Mark::Message) p.drawLine(x, y + pad, x, y + kLaneHeight / 2);
    else p.drawLine(x, y + pad, x, y + kLaneHeight - pad);
  }
  // The cursor.
  if (cursor_ < store_.size()) {
    int x = static_cast<int>(xOf(store_.at(cursor_)->ts));
    p.setPen(QPen(Qt::red, 1, Qt::DashLine));
    p.drawLine(x, kAxisHeight, x, height());
  }
}

void TimelineView::wheelEvent(QWheelEvent* e) {
  double at = tsOf(e->position().x());
  double f = e->angleDelta().y() > 0 ? 0.8 : 1.25;
  v0_ = at - (at - v0_) * f;
  v1_ = at + (v1_ - at) * f;
  if (v1_ - v0_ < 1e-4) v1_ = v0_ + 1e-4;
  update();
}

void TimelineView::mousePressEvent(QMouseEvent* e) {
  drag_x_ = static_cast<int>(e->position().x());
  dragged_ = false;
}

void TimelineView::mouseMoveEvent(QMouseEvent* e) {
  if (drag_x_ < 0) return;
  int x = static_cast<int>(e->position().x());
  if (std::abs(x - drag_x_) > 2) dragged_ = true;
  double dt = tsOf(drag_x_) - tsOf(x);
  v0_ += dt;
  v1_ += dt;
  drag_x_ = x;
  update();
}

void TimelineView::mouseReleaseEvent(QMouseEvent* e) {
  drag_x_ = -1;
  if (dragged_ || e->position().x() < kLabelWidth) return;
  int lane = (static_cast<int>(e->position().y()) - kAxisHeight) / kLaneHeight;
  if (lane < 0 || lane >= static_cast<int>(lane_conn_.size())) return;
  // The message of that lane nearest in time, within 8 pixels.
  double at = tsOf(e->position().x()), tol = (v1_ - v0_) / std::max(1, width()) * 8;
  const auto& recs = store_.records();
  auto it = std::lower_bound(recs.begin(), recs.end(), at - tol, [](const ovms::RecordPtr& r, double t) { return r->ts < t; });
  std::size_t best = SIZE_MAX;
  double best_d = tol;
  for (; it != recs.end() && (*it)->ts <= at + tol; ++it)
    if ((*it)->conn == lane_conn_[lane] && std::abs((*it)->ts - at) <= best_d) {
      best_d = std::abs((*it)->ts - at);
      best = static_cast<std::size_t>(it - recs.begin());
    }
  if (best != SIZE_MAX) Q_EMIT storeRowClicked(best);
}

}  // namespace inspector
