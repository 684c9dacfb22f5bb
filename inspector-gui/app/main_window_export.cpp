// File › Export: the window's side (choosing a path, the fields dialog, messages in the window); what is
// written is io/export_messages.h and io/export_frames.h.
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QSettings>
#include <algorithm>

#include "app/main_window.h"
#include "io/export_frames.h"
#include "io/export_messages.h"
#include "views/export_fields_dialog.h"

namespace inspector {

namespace {

// Where a save dialog starts: beside the capture, named after it.
QString suggested(const QString& capture, const QString& suffix) {
  if (capture.isEmpty()) return "export" + suffix;
  QFileInfo fi(capture);
  QString base = fi.completeBaseName();
  if (base.endsWith(".pcap") || base.endsWith(".pcapng")) base = QFileInfo(base).completeBaseName();  // x.pcap.gz
  return fi.dir().filePath(base + "-shown" + suffix);
}

}  // namespace

bool MainWindow::exportJsonLines(const QString& path) {
  QString error;
  if (!export_json_lines(store_, *model_, path, error)) {
    showError(tr("Cannot export"), error);
    return false;
  }
  status_->setText(tr("Exported %1 messages to %2").arg(model_->rowCount()).arg(path));
  return true;
}

bool MainWindow::exportFieldsCsv(const QString& path, const QStringList& fields) {
  QString error;
  if (!export_fields_csv(store_, *model_, fields, path, error)) {
    showError(tr("Cannot export"), error);
    return false;
  }
  status_->setText(tr("Exported %1 messages to %2").arg(model_->rowCount()).arg(path));
  return true;
}

bool MainWindow::exportFrames(const QString& path) {
  FrameExport from;
  from.capture = frames_from_;
  from.keys = keys_ ? &*keys_ : nullptr;
  // Frames past the last decoded message were never read (a cancelled load, a capture still running).
  if (loading() || !read_whole_) {
    uint64_t last = 0;
    for (const auto& r : store_.records()) last = std::max(last, r->frame);
    from.last_frame = last;
  }
  QString error;
  uint64_t frames = 0;
  if (!export_frames(store_, *model_, from, path, error, &frames)) {
    showError(tr("Cannot export frames"), error);
    return false;
  }
  status_->setText(keys_ ? tr("Exported %1 frames to %2, keys in %3").arg(frames).arg(path, exported_keys_path(path))
                         : tr("Exported %1 frames to %2 (no keys file chosen: none written)").arg(frames).arg(path));
  return true;
}

void MainWindow::chooseJsonExport() {
  QString path = QFileDialog::getSaveFileName(this, tr("Export messages shown as JSON Lines"),
                                              suggested(capture_path_, ".jsonl"), tr("JSON Lines (*.jsonl)"));
  if (!path.isEmpty()) exportJsonLines(path);
}

void MainWindow::chooseCsvExport() {
  QSettings s;
  ExportFieldsDialog dialog(s.value("export/fields", QStringList{"frame", "time", "vehicle", "code"}).toStringList(),
                            this);
  dialog.setCommandContext(capture_path_, keys_path_,
                           model_->filter() ? QString::fromStdString(model_->filter()->text()) : QString());
  if (dialog.exec() != QDialog::Accepted) return;
  s.setValue("export/fields", dialog.fields());
  QString path = QFileDialog::getSaveFileName(this, tr("Export fields as CSV"), suggested(capture_path_, ".csv"),
                                              tr("CSV (*.csv)"));
  if (!path.isEmpty()) exportFieldsCsv(path, dialog.fields());
}

void MainWindow::chooseFramesExport() {
  QString path = QFileDialog::getSaveFileName(this, tr("Export frames shown as pcapng (keys beside it)"),
                                              suggested(capture_path_, ".pcapng"), tr("pcapng (*.pcapng)"));
  if (!path.isEmpty()) exportFrames(path);
}

}  // namespace inspector
