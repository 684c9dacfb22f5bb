// The map: each vehicle's track drawn by us in a plain Web-Mercator projection fitted to the tracks,
// with a graticule, offline (Debian 12 has no QtLocation for Qt 6). The selected message's position
// is marked; a click on a point selects its message; wheel zooms, drag pans. With a tile server given
// by a URL template ("https://tile.example/{z}/{x}/{y}.png", also file://), its tiles are drawn
// beneath, fetched once and kept in a disk cache; without one nothing is fetched.
#pragma once

#include <QHash>
#include <QPixmap>
#include <QSet>
#include <QWidget>
#include <map>
#include <string>
#include <vector>

#include "model/map_track.h"

class QNetworkAccessManager;

namespace inspector {

class MapView : public QWidget {
  Q_OBJECT
 public:
  explicit MapView(const RecordStore& store, QWidget* parent = nullptr);
  void storeReset();
  void storeAppended(std::size_t first);
  void setCursorRow(std::size_t row);
  const std::map<std::string, std::vector<TrackPoint>>& tracks() const { return tracks_; }
  // The tile URL template ({z}, {x}, {y}); empty: no tiles (the default: offline).
  void setTileTemplate(const QString& url);
  const QString& tileTemplate() const { return tile_template_; }
  int tilesLoaded() const { return static_cast<int>(tiles_.size()); }

 signals:
  void tileLoaded();
  void storeRowClicked(std::size_t row);

 protected:
  void paintEvent(QPaintEvent*) override;
  void wheelEvent(QWheelEvent*) override;
  void mousePressEvent(QMouseEvent*) override;
  void mouseMoveEvent(QMouseEvent*) override;
  void mouseReleaseEvent(QMouseEvent*) override;

 private:
  void fit();
  QPointF project(double lat, double lon) const;  // to widget pixels

  void drawTiles(QPainter& p);
  void requestTile(int z, int x, int y);

  const RecordStore& store_;
  QString tile_template_;
  QNetworkAccessManager* net_ = nullptr;
  QHash<QString, QPixmap> tiles_;  // "z/x/y" -> tile
  QSet<QString> pending_;
  std::map<std::string, std::vector<TrackPoint>> tracks_;
  double cx_ = 0, cy_ = 0;  // view centre in Mercator units
  double scale_ = 1;        // pixels per Mercator unit
  std::size_t cursor_ = SIZE_MAX;
  QPoint drag_;
  bool dragging_ = false, dragged_ = false, fitted_ = false;
};

}  // namespace inspector
