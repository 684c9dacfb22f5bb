// File › Export of the messages shown (the message list after its display filter): as JSON Lines, the
// very objects ovmsdump --json prints (the core's json.h), or as CSV of chosen fields, the very rows
// ovmsdump -T fields -E header=y -E separator=, -E quote=d prints (the core's field_rows.h). The
// window and the tests call these; no widgets here.
#pragma once

#include <QString>
#include <QStringList>

#include "model/message_model.h"
#include "model/record_store.h"

namespace inspector {

// Each writes every row `shown` shows, in its order, to `path` (created or truncated). False with
// `error` naming the file and the reason (or the field name that is not known).
bool export_json_lines(const RecordStore& store, const MessageModel& shown, const QString& path, QString& error);
bool export_fields_csv(const RecordStore& store, const MessageModel& shown, const QStringList& fields,
                       const QString& path, QString& error);

}  // namespace inspector
