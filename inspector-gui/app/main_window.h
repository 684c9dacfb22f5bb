// The inspector's window: the filter bar over the message list, the details (tree and bytes) and the
// pictures (timeline, charts, map, statistics) around it, all over one record store. Records come from
// any RecordSource (a file, a live capture; later a proxy session): attachSource() is the one way in.
#pragma once

#include <QMainWindow>
#include <QPointer>
#include <memory>
#include <optional>

#include "io/record_source.h"
#include "model/message_model.h"
#include "model/record_store.h"
#include "ovms/keys.h"

class QTableView;
class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QMenu;
class QTemporaryDir;

namespace inspector {

class DetailsView;
class FilterBar;
class TimelineView;
class ChartPanel;
class MapView;
class StatsView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  MainWindow();
  ~MainWindow() override;

  // Opens a capture (replacing what is shown) with the keys chosen so far. False with a message in the
  // window when it cannot be opened.
  bool openCapture(const QString& path);
  // Uses a keys file from now on and decodes the open capture again. False (message shown) on a bad file.
  bool setKeysFile(const QString& path);
  // Captures live on `interface` with a BPF filter (empty: the default OVMS filter). False with the
  // reason in the window (a missing capability: which, and the setcap line) when it cannot.
  bool startLiveCapture(const QString& interface, const QString& filter);
  // Saves the live capture (running or stopped) as pcapng at `path`, and the keys beside it as
  // `<path without extension>.keys.yaml`, both 0600. False (message shown) when there is none or on error.
  bool saveLiveCapture(const QString& path);
  // File › Export (app/main_window_export.cpp): the messages shown as JSON Lines (as ovmsdump --json) or
  // as CSV of `fields` (as ovmsdump -T fields -E header=y -E separator=, -E quote=d), and the frames that
  // carry them as pcapng with the keys beside it as `path`.keys.yaml (as ovmsdump -Y FILTER -w). False
  // with the reason in the window on a bad path or when there is nothing to export.
  bool exportJsonLines(const QString& path);
  bool exportFieldsCsv(const QString& path, const QStringList& fields);
  bool exportFrames(const QString& path);
  // Shows the records of `source` (the window takes it); the store is cleared first.
  void attachSource(std::unique_ptr<RecordSource> source);

  const RecordStore& store() const { return store_; }
  MessageModel* messageModel() const { return model_; }
  QTableView* messageView() const { return list_; }
  DetailsView* details() const { return details_; }
  FilterBar* filterBar() const { return filter_; }
  TimelineView* timeline() const { return timeline_; }
  ChartPanel* charts() const { return charts_; }
  MapView* map() const { return map_; }
  StatsView* stats() const { return stats_; }
  QTabWidget* pictures() const { return pictures_; }
  bool loading() const { return source_ != nullptr; }
  // The last error shown to the user (tests read it; the window shows it in a message box).
  const QString& lastError() const { return last_error_; }
  // Message boxes are not shown (tests): errors go to lastError() and the status bar only.
  void setQuiet(bool quiet) { quiet_ = quiet; }
  // Selects a record by its store row (timeline, chart and map clicks come here).
  void selectStoreRow(std::size_t row);

 signals:
  void loadFinished();

 protected:
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;
  void closeEvent(QCloseEvent* e) override;

 private:
  void buildMenus();
  void onBatch(const BatchPtr& batch);
  void onFinished(const QString& error, bool cancelled);
  void onCurrentRow(const QModelIndex& index);
  void showError(const QString& title, const QString& text);
  void chooseCapture();
  void chooseKeys();
  void startLive();
  void goToFrame();
  void chooseJsonExport();
  void chooseCsvExport();
  void chooseFramesExport();
  void addRecent(const QString& path);
  void fillRecentMenu();
  void updateTitle();

  RecordStore store_;
  MessageModel* model_;
  QTableView* list_;
  DetailsView* details_;
  FilterBar* filter_;
  TimelineView* timeline_;
  ChartPanel* charts_;
  MapView* map_;
  StatsView* stats_;
  QTabWidget* pictures_;
  QLabel* status_;
  QProgressBar* progress_;
  QPushButton* cancel_;
  QMenu* recent_menu_ = nullptr;
  QAction* stop_live_ = nullptr;
  std::unique_ptr<RecordSource> source_;
  std::unique_ptr<QTemporaryDir> live_dir_;  // the running or last live capture's recording
  QAction* save_live_ = nullptr;
  QString capture_path_, keys_path_;
  QString frames_from_;       // the capture the shown records were decoded from (a file, a live recording)
  bool read_whole_ = false;   // it was read to its end (not cancelled midway)
  std::optional<ovms::KeyStore> keys_;
  QString last_error_;
  bool quiet_ = false;
};

}  // namespace inspector
