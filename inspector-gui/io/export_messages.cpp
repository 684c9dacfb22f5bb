#include "io/export_messages.h"

#include <QFile>
#include <string>
#include <vector>

#include "ovms/field_rows.h"
#include "ovms/json.h"

namespace inspector {

namespace {

// Writes what `line` appends for each shown row, in blocks (a million rows make one large file).
template <class AppendRow>
bool write_rows(const MessageModel& shown, const QString& path, const std::string& head, AppendRow append,
                QString& error) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
    error = QObject::tr("cannot write '%1': %2").arg(path, f.errorString());
    return false;
  }
  std::string buf = head;
  const int rows = shown.rowCount();
  for (int i = 0; i <= rows; ++i) {
    if (i < rows) append(buf, shown.storeRow(i));
    if (buf.size() >= (1u << 20) || (i == rows && !buf.empty())) {
      if (f.write(buf.data(), static_cast<qint64>(buf.size())) != static_cast<qint64>(buf.size())) {
        error = QObject::tr("cannot write '%1': %2").arg(path, f.errorString());
        return false;
      }
      buf.clear();
    }
  }
  if (!f.flush()) {
    error = QObject::tr("cannot write '%1': %2").arg(path, f.errorString());
    return false;
  }
  return true;
}

}  // namespace

bool export_json_lines(const RecordStore& store, const MessageModel& shown, const QString& path, QString& error) {
  return write_rows(shown, path, {}, [&](std::string& out, std::size_t row) {
    const ovms::LineRecord& r = *store.at(row);
    ovms::append_record_json(out, r, store.connection(r.conn));
    out += '\n';
  }, error);
}

bool export_fields_csv(const RecordStore& store, const MessageModel& shown, const QStringList& fields,
                       const QString& path, QString& error) {
  if (fields.isEmpty()) {
    error = QObject::tr("no fields chosen for '%1'").arg(path);
    return false;
  }
  std::vector<std::string> names;
  for (const QString& f : fields) names.push_back(f.trimmed().toStdString());
  std::string why;
  auto rows = ovms::FieldRows::resolve(names, ovms::csv_row_format(), why);
  if (!rows) {
    error = QString::fromStdString(why);
    return false;
  }
  std::string header;
  rows->append_header(header);
  return write_rows(shown, path, header, [&](std::string& out, std::size_t row) { rows->append_row(out, *store.at(row)); },
                    error);
}

}  // namespace inspector
