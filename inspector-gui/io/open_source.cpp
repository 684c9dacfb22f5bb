#include "io/open_source.h"

#include <QStringList>

#include "ovms/analyzer.h"
#include "ovms/capture_reader.h"
#include "ovms/live_capture.h"

namespace inspector {

std::unique_ptr<CaptureWorker> open_capture_file(const QString& path, std::optional<ovms::KeyStore> keys,
                                                 QString& error) {
  std::string why;
  auto reader = ovms::CaptureReader::open(path.toStdString(), why);
  if (!reader) {
    error = QString::fromStdString(why);
    return nullptr;
  }
  return std::make_unique<CaptureWorker>(std::move(reader), std::move(keys));
}

QString default_live_filter() {
  return QString::fromStdString(ovms::default_capture_filter(ovms::AnalyzerOptions{}.ports, false));
}

std::unique_ptr<CaptureWorker> open_live_capture(const QString& interface, const QString& filter,
                                                 std::optional<ovms::KeyStore> keys, QString& error) {
  ovms::LiveOptions o;
  o.interface = interface.toStdString();
  o.filter = (filter.trimmed().isEmpty() ? default_live_filter() : filter).toStdString();
  std::string why;
  auto live = ovms::LiveCapture::open(o, why);
  if (!live) {
    error = QString::fromStdString(why);
    return nullptr;
  }
  return std::make_unique<CaptureWorker>(std::move(live), std::move(keys));
}

std::optional<ovms::KeyStore> load_keys(const QString& path, QString& error, QStringList* warnings) {
  std::string why;
  std::vector<std::string> w;
  auto keys = ovms::KeyStore::load_file(path.toStdString(), why, &w);
  if (!keys) error = QString::fromStdString(why);
  if (warnings)
    for (const auto& s : w) warnings->append(QString::fromStdString(s));
  return keys;
}

}  // namespace inspector
