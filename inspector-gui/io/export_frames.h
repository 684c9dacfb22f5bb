// File › Export › Frames shown as pcapng: the capture frames that carry the messages shown, read again
// from the capture the window decoded (the file opened, or a live capture's own recording), written as
// pcapng (0600) with the keys beside it as FILE.keys.yaml (0600). The frames are chosen exactly as
// ovmsdump -Y FILTER -w FILE chooses them, by the core's FrameRecorder: with a display filter, every
// frame of each connection that carries a shown message (a line decrypts only after the lines before
// it); without one, every frame. So the file decodes again to the messages shown.
#pragma once

#include <QString>
#include <cstdint>
#include <optional>

#include "model/message_model.h"
#include "model/record_store.h"
#include "ovms/keys.h"

namespace inspector {

struct FrameExport {
  QString capture;                 // the file to read the frames from again
  uint64_t last_frame = UINT64_MAX;  // frames after it were not decoded (a cancelled load, a running capture)
  const ovms::KeyStore* keys = nullptr;  // written beside the file when set
};

// The keys file written beside `path`: `path`.keys.yaml, as ovmsdump -w names it.
QString exported_keys_path(const QString& path);

// Writes the frames of the rows `shown` shows. False with `error` naming the file and the reason (no
// capture to read from, the output is the capture itself, a file that cannot be written, a capture
// damaged before `last_frame`). `frames` receives the number of frames written.
bool export_frames(const RecordStore& store, const MessageModel& shown, const FrameExport& from, const QString& path,
                   QString& error, uint64_t* frames = nullptr);

}  // namespace inspector
