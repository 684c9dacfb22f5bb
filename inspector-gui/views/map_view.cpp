#include "views/map_view.h"

#include <QDir>
#include <QMouseEvent>
#include <QNetworkAccessManager>
#include <QNetworkDiskCache>
#include <QNetworkReply>
#include <QStandardPaths>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>
#include <cmath>

namespace inspector {

namespace {
constexpr double kPi = 3.14159265358979323846;
// Web Mercator, in units where the world is [-1, 1] wide.
double merc_x(double lon) { return lon / 180.0; }
double merc_y(double lat) {
  double r = std::clamp(lat, -85.0, 85.0) * kPi / 180.0;
  return std::log(std::tan(kPi / 4 + r / 2)) / kPi;
}
const QColor kTrackColours[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
                                QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b)};
}  // namespace

MapView::MapView(const RecordStore& store, QWidget* parent) : QWidget(parent), store_(store) { setMinimumSize(200, 150); }

void MapView::setTileTemplate(const QString& url) {
  tile_template_ = url.trimmed();
  tiles_.clear();
  pending_.clear();
  if (!tile_template_.isEmpty() && !net_) {
    net_ = new QNetworkAccessManager(this);
    auto* cache = new QNetworkDiskCache(net_);
    cache->setCacheDirectory(QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/tiles");
    net_->setCache(cache);
  }
  update();
}

void MapView::requestTile(int z, int x, int y) {
  QString key = QString("%1/%2/%3").arg(z).arg(x).arg(y);
  if (tiles_.contains(key) || pending_.contains(key)) return;
  pending_.insert(key);
  QString url = tile_template_;
  url.replace("{z}", QString::number(z)).replace("{x}", QString::number(x)).replace("{y}", QString::number(y));
  QNetworkRequest req{QUrl(url)};
  req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::PreferCache);
  req.setHeader(QNetworkRequest::UserAgentHeader, "ovms-inspector");
  QNetworkReply* reply = net_->get(req);
  connect(reply, &QNetworkReply::finished, this, [this, reply, key] {
    reply->deleteLater();
    QPixmap px;
    if (reply->error() == QNetworkReply::NoError && px.loadFromData(reply->readAll())) {
      tiles_.insert(key, px);
      update();
      Q_EMIT tileLoaded();
    }
  });
}

void MapView::drawTiles(QPainter& p) {
  // The zoom level whose tiles come out about 256 pixels wide at this scale (the world is 2 units).
  int z = std::clamp(static_cast<int>(std::lround(std::log2(scale_ * 2 / 256))), 0, 19);
  int n = 1 << z;
  double tile_px = scale_ * 2 / n;
  auto tile_of = [&](double px, double py, int& tx, int& ty) {
    double mx = cx_ + (px - width() / 2.0) / scale_, my = cy_ - (py - height() / 2.0) / scale_;
    tx = std::clamp(static_cast<int>(std::floor((mx + 1) / 2 * n)), 0, n - 1);
    ty = std::clamp(static_cast<int>(std::floor((1 - my) / 2 * n)), 0, n - 1);
  };
  int x0, y0, x1, y1;
  tile_of(0, 0, x0, y0);
  tile_of(width(), height(), x1, y1);
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > 64) return;  // a bound on requests per view
  for (int ty = y0; ty <= y1; ++ty)
    for (int tx = x0; tx <= x1; ++tx) {
      QString key = QString("%1/%2/%3").arg(z).arg(tx).arg(ty);
      double left = width() / 2.0 + ((tx * 2.0 / n - 1) - cx_) * scale_;
      double top = height() / 2.0 - ((1 - ty * 2.0 / n) - cy_) * scale_;
      auto it = tiles_.find(key);
      if (it != tiles_.end()) p.drawPixmap(QRectF(left, top, tile_px, tile_px), *it, QRectF(it->rect()));
      else requestTile(z, tx, ty);
    }
}

void MapView::storeReset() {
  tracks_.clear();
  cursor_ = SIZE_MAX;
  fitted_ = false;
  update();
}

void MapView::storeAppended(std::size_t first) {
  collect_tracks(store_, first, tracks_);
  if (!fitted_) fit();
  update();
}

void MapView::fit() {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& [v, pts] : tracks_)
    for (const auto& p : pts) {
      x0 = std::min(x0, merc_x(p.lon));
      x1 = std::max(x1, merc_x(p.lon));
      y0 = std::min(y0, merc_y(p.lat));
      y1 = std::max(y1, merc_y(p.lat));
    }
  if (x0 > x1) {
    cx_ = cy_ = 0;
    scale_ = std::min(width(), height()) / 2.2;
    return;
  }
  fitted_ = true;
  cx_ = (x0 + x1) / 2;
  cy_ = (y0 + y1) / 2;
  double span = std::max({x1 - x0, y1 - y0, 1e-5});
  scale_ = std::min(width(), height()) * 0.85 / span;
}

QPointF MapView::project(double lat, double lon) const {
  return {width() / 2.0 + (merc_x(lon) - cx_) * scale_, height() / 2.0 - (merc_y(lat) - cy_) * scale_};
}

void MapView::setCursorRow(std::size_t row) {
  cursor_ = row;
  update();
}

void MapView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.fillRect(rect(), QColor(0xee, 0xf3, 0xf7));
  if (!tile_template_.isEmpty()) drawTiles(p);
  // Graticule: a step of degrees that gives a handful of lines across the view.
  double deg_per_px = 180.0 / scale_;
  double step = 1e-4;
  for (double s : {1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0})
    if (s / deg_per_px >= 80) {
      step = s;
      break;
    } else step = s;
  double lon0 = std::max(-180.0, (cx_ - width() / 2.0 / scale_) * 180.0);
  double lon1 = std::min(180.0, (cx_ + width() / 2.0 / scale_) * 180.0);
  p.setPen(QColor(0xc8, 0xd0, 0xd8));
  p.setFont(QFont(p.font().family(), 7));
  for (double lon = std::floor(lon0 / step) * step; lon <= lon1; lon += step) {
    double x = project(0, lon).x();
    p.drawLine(QPointF(x, 0), QPointF(x, height()));
    p.drawText(QPointF(x + 2, height() - 4), QString::number(lon, 'f', step < 1 ? 4 : 0));
  }
  // Latitude lines: invert the projection at the top and bottom edges.
  auto lat_at = [&](double y) {
    double my = cy_ + (height() / 2.0 - y) / scale_;
    return (2 * std::atan(std::exp(my * kPi)) - kPi / 2) * 180.0 / kPi;
  };
  double lat_lo = std::max(-85.0, lat_at(height())), lat_hi = std::min(85.0, lat_at(0));
  for (double lat = std::floor(lat_lo / step) * step; lat <= lat_hi; lat += step) {
    double y = project(lat, 0).y();
    p.drawLine(QPointF(0, y), QPointF(width(), y));
    p.drawText(QPointF(2, y - 2), QString::number(lat, 'f', step < 1 ? 4 : 0));
  }
  if (tracks_.empty()) {
    p.setPen(Qt::darkGray);
    p.drawText(rect(), Qt::AlignCenter, tr("No positions in this capture"));
    return;
  }
  int k = 0;
  int legend_y = 16;
  for (const auto& [vehicle, pts] : tracks_) {
    // Six fixed colours, then evenly spaced hues: every vehicle its own colour in the legend.
    QColor c = tracks_.size() <= 6 ? kTrackColours[k] : QColor::fromHsv(k * 360 / static_cast<int>(tracks_.size()), 200, 200);
    ++k;
    QPainterPath path;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      QPointF q = project(pts[i].lat, pts[i].lon);
      if (i == 0) path.moveTo(q);
      else path.lineTo(q);
    }
    p.setPen(QPen(c, 2));
    p.drawPath(path);
    p.setBrush(c);
    if (pts.size() < 2000)
      for (const auto& pt : pts) p.drawEllipse(project(pt.lat, pt.lon), 2.5, 2.5);
    p.fillRect(width() - 110, legend_y - 9, 10, 10, c);
    p.setPen(Qt::black);
    p.drawText(width() - 96, legend_y, QString::fromStdString(vehicle));
    legend_y += 14;
  }
  double lat, lon;
  if (cursor_ < store_.size() && record_position(*store_.at(cursor_), lat, lon)) {
    QPointF q = project(lat, lon);
    p.setPen(QPen(Qt::red, 2));
    p.setBrush(Qt::NoBrush);
    p.drawEllipse(q, 8, 8);
    p.drawLine(q - QPointF(12, 0), q + QPointF(12, 0));
    p.drawLine(q - QPointF(0, 12), q + QPointF(0, 12));
  }
}

void MapView::wheelEvent(QWheelEvent* e) {
  // Zoom about the mouse: the point under it stays put.
  QPointF at = e->position();
  double mx = cx_ + (at.x() - width() / 2.0) / scale_, my = cy_ - (at.y() - height() / 2.0) / scale_;
  scale_ *= e->angleDelta().y() > 0 ? 1.25 : 0.8;
  cx_ = mx - (at.x() - width() / 2.0) / scale_;
  cy_ = my + (at.y() - height() / 2.0) / scale_;
  update();
}

void MapView::mousePressEvent(QMouseEvent* e) {
  drag_ = e->pos();
  dragging_ = true;
  dragged_ = false;
}

void MapView::mouseMoveEvent(QMouseEvent* e) {
  if (!dragging_) return;
  QPoint d = e->pos() - drag_;
  if (d.manhattanLength() > 2) dragged_ = true;
  cx_ -= d.x() / scale_;
  cy_ += d.y() / scale_;
  drag_ = e->pos();
  update();
}

void MapView::mouseReleaseEvent(QMouseEvent* e) {
  dragging_ = false;
  if (dragged_) return;
  std::size_t best = SIZE_MAX;
  double bd = 10;  // pixels
  for (const auto& [v, pts] : tracks_)
    for (const auto& pt : pts) {
      QPointF d = project(pt.lat, pt.lon) - e->position();
      double dist = std::hypot(d.x(), d.y());
      if (dist < bd) {
        bd = dist;
        best = pt.row;
      }
    }
  if (best != SIZE_MAX) Q_EMIT storeRowClicked(best);
}

}  // namespace inspector
