// Charts: any numeric catalog field over time, one line per vehicle, several fields at once (each on
// its own axis), a cursor at the selected message, a click selects the nearest point's message;
// export as PNG and CSV.
#pragma once

#include <QWidget>
#include <map>
#include <string>
#include <vector>

#include "model/time_series.h"

class QComboBox;
class QChart;
class QChartView;
class QLineSeries;
class QDateTimeAxis;

namespace inspector {

class ChartPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ChartPanel(const RecordStore& store, QWidget* parent = nullptr);
  void storeReset();
  void storeAppended(std::size_t first);
  void setCursorRow(std::size_t row);

  // Adds a chart of field `name` ("status.soc"); false if it is no numeric field of the capture.
  bool addField(const QString& name);
  void clearFields();
  // What is drawn: field name -> vehicle -> points (tests compare it with the decoded values).
  const std::map<std::string, std::map<std::string, std::vector<SeriesPoint>>>& series() const { return data_; }
  QStringList availableFields() const;
  bool exportCsv(const QString& path, QString& error) const;
  bool exportPng(const QString& path, QString& error) const;

 signals:
  void storeRowClicked(std::size_t row);

 private:
  void rebuild();
  void refreshChoices();

  const RecordStore& store_;
  std::map<std::string, std::string> fields_;  // numeric fields seen -> label
  std::vector<std::string> shown_;             // fields charted, in order added
  std::map<std::string, std::map<std::string, std::vector<SeriesPoint>>> data_;
  QComboBox* choice_;
  QChartView* view_;
  QChart* chart_;
  QLineSeries* cursor_ = nullptr;
  std::size_t cursor_row_ = SIZE_MAX;
};

}  // namespace inspector
