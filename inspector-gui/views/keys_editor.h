// The keys editor: the vehicles and accounts of a keys file as the file has them (id, server and
// module passwords, ICCID, VIN; username and password), in two tables; Save writes the file with the
// core's KeysWriter (mode 0600) and the window decodes again with it.
#pragma once

#include <QDialog>
#include <optional>

#include "ovms/keys.h"

class QTableWidget;

namespace inspector {

class KeysEditor : public QDialog {
  Q_OBJECT
 public:
  // `keys` may be empty (a new file); `path` is where Save writes (asked for when empty).
  KeysEditor(const std::optional<ovms::KeyStore>& keys, const QString& path, QWidget* parent = nullptr);

  // What the tables hold, as a KeyStore (empty cells are absent secrets).
  ovms::KeyStore keys() const;
  // Writes keys() to `path` (0600). False with `error` naming the path and the reason.
  bool save(const QString& path, QString& error);
  const QString& path() const { return path_; }
  QTableWidget* vehicles() const { return vehicles_; }
  QTableWidget* accounts() const { return accounts_; }

 private:
  QTableWidget* vehicles_;
  QTableWidget* accounts_;
  QString path_;
};

}  // namespace inspector
