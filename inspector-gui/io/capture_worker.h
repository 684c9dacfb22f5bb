// Decodes a packet source (a capture file or a live interface) on a thread of its own: frames go
// through the core's CaptureFeed and analyzer, and records come back to the GUI thread in batches by a
// queued signal, at most every 100 ms or every 16384 records, so a million records cost a few hundred
// signals and the window answers throughout.
#pragma once

#include <QThread>
#include <atomic>
#include <climits>
#include <memory>
#include <optional>
#include <string>

#include "io/record_source.h"
#include "ovms/keys.h"
#include "ovms/packet_source.h"

namespace inspector {

class CaptureWorker : public RecordSource {
  Q_OBJECT
 public:
  // Takes the opened source; `keys` may be empty (no keys file).
  CaptureWorker(std::unique_ptr<ovms::PacketSource> source, std::optional<ovms::KeyStore> keys,
                QObject* parent = nullptr);
  ~CaptureWorker() override;

  // Also writes every frame to `path` as pcapng (0600, each block flushed: the file is whole at any
  // moment, so it can be saved while the capture goes on). Call before start().
  void recordTo(const QString& path) { record_path_ = path.toStdString(); }
  void start();
  void cancel() override;
  QString name() const override { return name_; }
  // Blocks until the thread is done (tests, shutdown).
  bool wait(unsigned long ms = ULONG_MAX) { return thread_->wait(ms); }

 private:
  void run();  // on the worker thread

  std::unique_ptr<ovms::PacketSource> source_;
  std::optional<ovms::KeyStore> keys_;
  QString name_;
  std::string record_path_;
  QThread* thread_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace inspector
