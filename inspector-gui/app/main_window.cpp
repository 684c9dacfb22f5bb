#include "app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QVBoxLayout>

#include "app/live_dialog.h"
#include "io/open_source.h"
#include "ovms/json.h"
#include "ovms/keys_writer.h"
#include "views/details_view.h"
#include "views/filter_bar.h"
#include "views/keys_editor.h"
#include "views/pictures.h"

namespace inspector {

namespace {
constexpr int kMaxRecent = 10;
}

MainWindow::MainWindow() {
  setAcceptDrops(true);
  model_ = new MessageModel(store_, this);

  list_ = new QTableView;
  list_->setModel(model_);
  list_->setSelectionBehavior(QAbstractItemView::SelectRows);
  list_->setSelectionMode(QAbstractItemView::SingleSelection);
  list_->setShowGrid(false);
  list_->setWordWrap(false);
  list_->verticalHeader()->hide();
  list_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  list_->verticalHeader()->setDefaultSectionSize(list_->fontMetrics().height() + 4);
  list_->horizontalHeader()->setStretchLastSection(true);
  // Fixed widths: measuring a million rows to fit contents would stall the window.
  const int w = list_->fontMetrics().horizontalAdvance('0');
  const int widths[] = {7, 16, 5, 5, 8, 9, 22};
  for (int c = 0; c < 7; ++c) list_->setColumnWidth(c, widths[c] * w + 12);
  connect(list_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& cur) { onCurrentRow(cur); });

  filter_ = new FilterBar;
  connect(filter_, &FilterBar::filterApplied, this, [this](std::optional<ovms::DisplayFilter> f) {
    std::optional<std::size_t> keep;
    if (auto cur = list_->currentIndex(); cur.isValid()) keep = model_->storeRow(cur.row());
    model_->setFilter(std::move(f));
    status_->setText(tr("%1 of %2 messages shown").arg(model_->rowCount()).arg(store_.size()));
    if (keep) selectStoreRow(*keep);
  });

  details_ = new DetailsView;
  pictures_ = new QTabWidget;
  timeline_ = new TimelineView(store_);
  charts_ = new ChartPanel(store_);
  map_ = new MapView(store_);
  stats_ = new StatsView(store_);
  pictures_->addTab(timeline_, tr("Timeline"));
  pictures_->addTab(charts_, tr("Charts"));
  pictures_->addTab(map_, tr("Map"));
  pictures_->addTab(stats_, tr("Statistics"));
  connect(timeline_, &TimelineView::storeRowClicked, this, &MainWindow::selectStoreRow);
  connect(charts_, &ChartPanel::storeRowClicked, this, &MainWindow::selectStoreRow);
  connect(map_, &MapView::storeRowClicked, this, &MainWindow::selectStoreRow);

  auto* top = new QWidget;
  auto* tl = new QVBoxLayout(top);
  tl->setContentsMargins(0, 0, 0, 0);
  tl->addWidget(filter_);
  tl->addWidget(list_);
  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(details_);
  bottom->addWidget(pictures_);
  bottom->setStretchFactor(0, 2);
  bottom->setStretchFactor(1, 3);
  auto* main = new QSplitter(Qt::Vertical);
  main->setObjectName("mainSplitter");
  main->addWidget(top);
  main->addWidget(bottom);
  main->setStretchFactor(0, 1);
  main->setStretchFactor(1, 1);
  setCentralWidget(main);
  main->setSizes({380, 520});
  bottom->setSizes({560, 840});

  status_ = new QLabel(tr("Open a capture: File › Open (Ctrl+O), or drop one here"));
  progress_ = new QProgressBar;
  progress_->setMaximumWidth(200);
  progress_->hide();
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->hide();
  connect(cancel_, &QPushButton::clicked, this, [this] {
    if (source_) source_->cancel();
  });
  statusBar()->addWidget(status_, 1);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancel_);

  buildMenus();
  QSettings s;
  restoreGeometry(s.value("window/geometry").toByteArray());
  main->restoreState(s.value("window/splitter").toByteArray());
  if (!restoreGeometry(s.value("window/geometry").toByteArray())) resize(1400, 900);
  map_->setTileTemplate(s.value("map/tiles").toString());
  keys_path_ = s.value("keys/file").toString();
  if (!keys_path_.isEmpty()) {
    QString err;
    keys_ = load_keys(keys_path_, err);
    if (!keys_) keys_path_.clear();
  }
  updateTitle();
}

MainWindow::~MainWindow() {
  if (source_) source_->cancel();
  source_.reset();
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::chooseCapture);
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  fillRecentMenu();
  file->addAction(tr("&Keys…"), QKeySequence(Qt::CTRL | Qt::Key_K), this, &MainWindow::chooseKeys);
  file->addAction(tr("Edit K&eys…"), this, [this] {
    KeysEditor editor(keys_, keys_path_, this);
    if (editor.exec() == QDialog::Accepted) setKeysFile(editor.path());  // decodes again with them
  });
  file->addSeparator();
  QMenu* exports = file->addMenu(tr("&Export"));
  exports->addAction(tr("Messages shown as &JSON Lines…"), this, &MainWindow::chooseJsonExport);
  exports->addAction(tr("&Fields as CSV…"), this, &MainWindow::chooseCsvExport);
  exports->addAction(tr("Frames shown as &pcapng…"), this, &MainWindow::chooseFramesExport);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* cap = menuBar()->addMenu(tr("&Capture"));
  cap->addAction(tr("&Start…"), QKeySequence(Qt::CTRL | Qt::Key_E), this, &MainWindow::startLive);
  stop_live_ = cap->addAction(tr("S&top"), this, [this] {
    if (source_) source_->cancel();
  });
  stop_live_->setEnabled(false);
  save_live_ = cap->addAction(tr("Save &As…"), this, [this] {
    QString p = QFileDialog::getSaveFileName(this, tr("Save live capture"), "capture.pcapng", tr("pcapng (*.pcapng)"));
    if (!p.isEmpty()) saveLiveCapture(p);
  });
  save_live_->setEnabled(false);

  QMenu* go = menuBar()->addMenu(tr("&Go"));
  go->addAction(tr("Go to &Frame…"), QKeySequence(Qt::CTRL | Qt::Key_G), this, &MainWindow::goToFrame);
  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("Map &Tile Server…"), this, [this] {
    bool ok = false;
    QString t = QInputDialog::getText(this, tr("Map tile server"),
                                      tr("URL template with {z}, {x}, {y} (empty: no tiles, nothing is fetched):"),
                                      QLineEdit::Normal, map_->tileTemplate(), &ok);
    if (!ok) return;
    map_->setTileTemplate(t);
    QSettings().setValue("map/tiles", t);
  });
  go->addAction(tr("&Filter"), QKeySequence::Find, this, [this] {
    filter_->setFocus();
    filter_->selectAll();
  });
}

void MainWindow::showError(const QString& title, const QString& text) {
  last_error_ = text;
  status_->setText(text);
  if (!quiet_) QMessageBox::warning(this, title, text);
}

bool MainWindow::openCapture(const QString& path) {
  QString error;
  auto worker = open_capture_file(path, keys_, error);
  if (!worker) {
    showError(tr("Cannot open capture"), error);
    return false;
  }
  capture_path_ = path;
  addRecent(path);
  auto* w = worker.get();
  attachSource(std::move(worker));
  frames_from_ = path;
  w->start();
  return true;
}

bool MainWindow::setKeysFile(const QString& path) {
  QString error;
  QStringList warnings;
  auto keys = load_keys(path, error, &warnings);
  if (!keys) {
    showError(tr("Cannot use keys file"), error);
    return false;
  }
  keys_ = std::move(keys);
  keys_path_ = path;
  QSettings().setValue("keys/file", path);
  if (!warnings.isEmpty()) status_->setText(warnings.join("; "));
  updateTitle();
  // New keys decode differently: read the capture again.
  if (!capture_path_.isEmpty() && !stop_live_->isEnabled()) openCapture(capture_path_);
  return true;
}

void MainWindow::attachSource(std::unique_ptr<RecordSource> source) {
  if (source_) source_->cancel();
  source_.reset();
  store_.clear();
  model_->storeReset();
  details_->setRecord(nullptr);
  timeline_->storeReset();
  charts_->storeReset();
  map_->storeReset();
  stats_->storeReset();
  source_ = std::move(source);
  model_->setNotes(source_->notes());
  details_->setNotes(source_->notes());
  frames_from_.clear();  // a source of no capture (a proxy session) has no frames to export
  read_whole_ = false;
  connect(source_.get(), &RecordSource::batchReady, this, &MainWindow::onBatch, Qt::QueuedConnection);
  connect(source_.get(), &RecordSource::progress, this, [this](int p) {
    progress_->setRange(0, p < 0 ? 0 : 100);
    if (p >= 0) progress_->setValue(p);
  });
  connect(source_.get(), &RecordSource::finished, this, &MainWindow::onFinished, Qt::QueuedConnection);
  progress_->setValue(0);
  progress_->show();
  cancel_->show();
  status_->setText(tr("Reading %1…").arg(source_->name()));
  updateTitle();
}

void MainWindow::onBatch(const BatchPtr& batch) {
  const std::size_t first = store_.size();
  store_.append(std::move(*batch));
  model_->storeAppended(first);
  timeline_->storeAppended(first);
  charts_->storeAppended(first);
  map_->storeAppended(first);
  stats_->storeAppended(first);
  status_->setText(tr("%1 messages").arg(store_.size()));
  if (first == 0 && store_.size() && !list_->currentIndex().isValid()) list_->selectRow(0);
}

void MainWindow::onFinished(const QString& error, bool cancelled) {
  progress_->hide();
  cancel_->hide();
  stop_live_->setEnabled(false);
  QString name = source_ ? source_->name() : QString();
  source_.reset();
  // A stopped live capture's recording holds every frame it read.
  read_whole_ = !cancelled || capture_path_.isEmpty();
  QString shown = tr("%1 messages").arg(store_.size());
  if (model_->filter()) shown = tr("%1 of %2 messages shown").arg(model_->rowCount()).arg(store_.size());
  if (cancelled) shown += tr(" (reading %1 cancelled)").arg(name);
  status_->setText(shown);
  if (!error.isEmpty()) showError(tr("Capture damaged"), error);
  Q_EMIT loadFinished();
}

void MainWindow::onCurrentRow(const QModelIndex& index) {
  if (!index.isValid()) {
    details_->setRecord(nullptr);
    return;
  }
  std::size_t row = model_->storeRow(index.row());
  details_->setRecord(store_.at(row).get());
  timeline_->setCursorRow(row);
  charts_->setCursorRow(row);
  map_->setCursorRow(row);
}

void MainWindow::selectStoreRow(std::size_t row) {
  auto r = model_->modelRow(row);
  if (!r) return;
  list_->selectRow(*r);
  list_->scrollTo(model_->index(*r, 0), QAbstractItemView::PositionAtCenter);
}

void MainWindow::chooseCapture() {
  QString path = QFileDialog::getOpenFileName(this, tr("Open capture"), QFileInfo(capture_path_).path(),
                                              tr("Captures (*.pcap *.pcapng *.cap *.gz);;All files (*)"));
  if (!path.isEmpty()) openCapture(path);
}

void MainWindow::chooseKeys() {
  QString path = QFileDialog::getOpenFileName(this, tr("Keys file"), QFileInfo(keys_path_).path(),
                                              tr("Keys (*.yaml *.yml);;All files (*)"));
  if (!path.isEmpty()) setKeysFile(path);
}

void MainWindow::startLive() {
  LiveDialog dialog(this);
  if (dialog.exec() == QDialog::Accepted) startLiveCapture(dialog.interfaceName(), dialog.filter());
}

bool MainWindow::startLiveCapture(const QString& interface, const QString& filter) {
  QString error;
  auto worker = open_live_capture(interface, filter, keys_, error);
  if (!worker) {
    showError(tr("Cannot capture"), error);
    return false;
  }
  capture_path_.clear();
  live_dir_ = std::make_unique<QTemporaryDir>();
  worker->recordTo(live_dir_->filePath("live.pcapng"));
  auto* w = worker.get();
  attachSource(std::move(worker));
  frames_from_ = live_dir_->filePath("live.pcapng");
  stop_live_->setEnabled(true);
  save_live_->setEnabled(true);
  w->start();
  return true;
}

bool MainWindow::saveLiveCapture(const QString& path) {
  if (!live_dir_) {
    showError(tr("Cannot save"), tr("no live capture to save"));
    return false;
  }
  QString from = live_dir_->filePath("live.pcapng");
  QFile::remove(path);
  if (!QFile::copy(from, path)) {
    showError(tr("Cannot save"), tr("'%1': cannot write it").arg(path));
    return false;
  }
  QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
  if (keys_) {
    QFileInfo fi(path);
    QString keys_path = fi.dir().filePath(fi.completeBaseName() + ".keys.yaml");
    std::string why;
    if (!ovms::KeysWriter(*keys_).write(keys_path.toStdString(), "keys for " + fi.fileName().toStdString(), why)) {
      showError(tr("Cannot save keys"), QString::fromStdString(why));
      return false;
    }
  }
  status_->setText(tr("Saved %1").arg(path));
  return true;
}

void MainWindow::goToFrame() {
  bool ok = false;
  qulonglong frame = QInputDialog::getText(this, tr("Go to frame"), tr("Frame number:")).toULongLong(&ok);
  if (!ok) return;
  const auto& recs = store_.records();
  for (std::size_t i = 0; i < recs.size(); ++i)
    if (recs[i]->frame >= frame) {
      selectStoreRow(i);
      return;
    }
}

void MainWindow::addRecent(const QString& path) {
  QSettings s;
  QStringList recent = s.value("recent/files").toStringList();
  QString abs = QFileInfo(path).absoluteFilePath();
  recent.removeAll(abs);
  recent.prepend(abs);
  while (recent.size() > kMaxRecent) recent.removeLast();
  s.setValue("recent/files", recent);
  fillRecentMenu();
}

void MainWindow::fillRecentMenu() {
  recent_menu_->clear();
  const QStringList recent = QSettings().value("recent/files").toStringList();
  for (const QString& p : recent) recent_menu_->addAction(p, this, [this, p] { openCapture(p); });
  recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::updateTitle() {
  QString t = capture_path_.isEmpty() ? (source_ ? source_->name() : QString()) : QFileInfo(capture_path_).fileName();
  if (!keys_path_.isEmpty()) t += tr(" — keys %1").arg(QFileInfo(keys_path_).fileName());
  setWindowTitle(t.isEmpty() ? tr("OVMS Inspector") : t + tr(" — OVMS Inspector"));
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
  const auto urls = e->mimeData()->urls();
  if (!urls.isEmpty() && urls.first().isLocalFile()) openCapture(urls.first().toLocalFile());
}

void MainWindow::closeEvent(QCloseEvent* e) {
  QSettings s;
  s.setValue("window/geometry", saveGeometry());
  s.setValue("window/splitter", findChild<QSplitter*>("mainSplitter")->saveState());
  QMainWindow::closeEvent(e);
}

}  // namespace inspector
