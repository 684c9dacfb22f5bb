#include "io/export_frames.h"

#include <QFileInfo>
#include <set>
#include <string>

#include "ovms/frame_recorder.h"

namespace inspector {

QString exported_keys_path(const QString& path) {
  return QString::fromStdString(ovms::FrameRecorder::keys_path(path.toStdString()));
}

bool export_frames(const RecordStore& store, const MessageModel& shown, const FrameExport& from, const QString& path,
                   QString& error, uint64_t* frames) {
  if (from.capture.isEmpty()) {
    error = QObject::tr("no capture to export frames from: open a capture or capture live first");
    return false;
  }
  // A pcapng of no frames has no interface description, and readers refuse it (libpcap, Wireshark).
  if (shown.rowCount() == 0) {
    error = QObject::tr("no message shown: no frames to write to '%1'").arg(path);
    return false;
  }
  // Writing over the capture would truncate it before it is read again.
  const QFileInfo out(path), in(from.capture);
  if (out.exists() && out.canonicalFilePath() == in.canonicalFilePath()) {
    error = QObject::tr("cannot write '%1': it is the capture the frames are read from").arg(path);
    return false;
  }
  ovms::FrameRecorder recorder;
  ovms::PcapngWriter::Options options;
  options.application = "ovms-inspector";
  std::string why;
  const std::string capture = from.capture.toStdString();
  bool ok = recorder.open(path.toStdString(), options, why);
  if (ok && shown.filter()) {
    std::set<uint32_t> conns;
    for (int i = 0; i < shown.rowCount(); ++i) conns.insert(store.at(shown.storeRow(i))->conn);
    ok = recorder.write_connections(capture, from.last_frame, conns, store.connections(), why);
  } else if (ok) {
    ok = recorder.write_all(capture, from.last_frame, why);
  }
  std::string finish_why;
  const std::string header = "Keys for " + path.toStdString() +
                             ", written by ovms-inspector (File > Export > Frames).\nIt holds secrets: keep it private.";
  // Closed (and the keys written) even after a damaged capture: the frames before the damage decode.
  const bool finished = recorder.finish(from.keys, header, finish_why);
  if (frames) *frames = recorder.frames();
  if (!ok || !finished) {
    error = QString::fromStdString(ok ? finish_why : why);
    return false;
  }
  return true;
}

}  // namespace inspector
