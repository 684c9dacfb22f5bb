#include "views/details_view.h"

#include <QHeaderView>

namespace inspector {

DetailsView::DetailsView(QWidget* parent) : QSplitter(Qt::Vertical, parent) {
  model_ = new FieldTreeModel(this);
  tree_ = new QTreeView(this);
  tree_->setModel(model_);
  tree_->setHeaderHidden(true);
  tree_->setUniformRowHeights(true);
  bytes_ = new BytesView(this);
  addWidget(tree_);
  addWidget(bytes_);
  setStretchFactor(0, 3);
  setStretchFactor(1, 2);
  connect(tree_->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this](const QModelIndex& current) { itemSelected(current); });
}

void DetailsView::setRecord(const ovms::LineRecord* record) {
  model_->setRecord(record);
  bytes_->setRecord(record);
  tree_->expandToDepth(0);
}

void DetailsView::itemSelected(const QModelIndex& index) {
  auto which = static_cast<ByteText>(index.data(FieldTreeModel::kTextRole).toInt());
  if (which == ByteText::None) {
    bytes_->highlight(ByteText::None, 0, 0);
    return;
  }
  bytes_->highlight(which, index.data(FieldTreeModel::kOffsetRole).toULongLong(),
                    index.data(FieldTreeModel::kLengthRole).toULongLong());
}

}  // namespace inspector
