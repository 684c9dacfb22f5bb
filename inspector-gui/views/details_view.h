// The selected record's details: the decoded tree above its bytes; selecting a tree item highlights
// the bytes it stands for.
#pragma once

#include <QSplitter>
#include <QTreeView>

#include "model/field_tree.h"
#include "views/bytes_view.h"

namespace inspector {

class DetailsView : public QSplitter {
  Q_OBJECT
 public:
  explicit DetailsView(QWidget* parent = nullptr);
  void setRecord(const ovms::LineRecord* record);
  void setNotes(std::shared_ptr<const RecordNotes> notes) { model_->setNotes(std::move(notes)); }
  QTreeView* tree() const { return tree_; }
  BytesView* bytes() const { return bytes_; }
  FieldTreeModel* model() const { return model_; }

 private:
  void itemSelected(const QModelIndex& index);
  FieldTreeModel* model_;
  QTreeView* tree_;
  BytesView* bytes_;
};

}  // namespace inspector
