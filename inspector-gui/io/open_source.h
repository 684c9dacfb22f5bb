// Opening what a window reads: a capture file, a live interface, a keys file. Errors are whole
// sentences from the core, naming the file or interface and the reason (and, for a capture that is
// not permitted, the capability and the setcap line).
#pragma once

#include <QString>
#include <memory>
#include <optional>

#include "io/capture_worker.h"
#include "ovms/keys.h"

namespace inspector {

std::unique_ptr<CaptureWorker> open_capture_file(const QString& path, std::optional<ovms::KeyStore> keys,
                                                 QString& error);
// `filter` empty: the default OVMS filter.
std::unique_ptr<CaptureWorker> open_live_capture(const QString& interface, const QString& filter,
                                                 std::optional<ovms::KeyStore> keys, QString& error);
// Loads a keys file; warnings (a file others can read) are appended to `warnings`.
std::optional<ovms::KeyStore> load_keys(const QString& path, QString& error, QStringList* warnings = nullptr);
// The BPF filter a live capture uses unless told otherwise.
QString default_live_filter();

}  // namespace inspector
