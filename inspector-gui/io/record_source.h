// Where the window's records come from: anything that decodes on its own thread and hands records over
// in batches (a capture file, a live interface; later a proxy session). The main window only connects
// these signals to its store, so a new kind of source needs no change there.
#pragma once

#include <QObject>
#include <QString>
#include <memory>

#include "model/record_notes.h"
#include "model/record_store.h"

namespace inspector {

using BatchPtr = std::shared_ptr<RecordBatch>;

class RecordSource : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;
  // Asks the source to stop soon; `finished` follows.
  virtual void cancel() = 0;
  // What the source reads, for the title and messages ("'all.pcap'", "interface 'lo'").
  virtual QString name() const = 0;
  // What the source knows of its records besides them (the proxy's leg and marks), shown in the list
  // and the details; shared, so it outlives the source with the records. Null: nothing (a capture).
  virtual std::shared_ptr<const RecordNotes> notes() const { return nullptr; }

 signals:
  void batchReady(inspector::BatchPtr batch);
  void progress(int percent);  // -1: no total (a live source)
  // The end: `error` empty after a clean end or a cancel, else why reading stopped, naming where.
  void finished(const QString& error, bool cancelled);
};

}  // namespace inspector

Q_DECLARE_METATYPE(inspector::BatchPtr)
