#include "views/export_fields_dialog.h"

#include <QDialogButtonBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <string>

#include "ovms/field_names.h"
#include "ovms/field_text.h"

namespace inspector {

namespace {

// The names a row can hold a value of: those FieldText resolves (not Wireshark's segment or two-pass names).
bool readable(const std::string& name) {
  std::string error;
  return ovms::FieldText::resolve(name, error).has_value();
}

// A word for a POSIX shell: as it is when it is plain, else in single quotes.
QString shell_word(const QString& w) {
  static const QRegularExpression plain("^[A-Za-z0-9_./:=,+-]+$");
  if (plain.match(w).hasMatch()) return w;
  QString q = w;
  q.replace("'", "'\\''");
  return "'" + q + "'";
}

}  // namespace

ExportFieldsDialog::ExportFieldsDialog(const QStringList& chosen, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Export fields as CSV"));
  search_ = new QLineEdit;
  search_->setPlaceholderText(tr("Search fields (status.soc, vehicle, …); Enter adds the name typed"));
  search_->setClearButtonEnabled(true);
  offered_ = new QTreeWidget;
  offered_->setColumnCount(2);
  offered_->setHeaderLabels({tr("Field"), tr("Description")});
  offered_->setRootIsDecorated(false);
  offered_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  offered_->header()->setStretchLastSection(true);
  for (const auto& c : ovms::complete_field_names("", SIZE_MAX)) {
    if (!readable(c.name)) continue;
    auto* item = new QTreeWidgetItem(offered_, {QString::fromStdString(c.name), QString::fromStdString(c.description)});
    item->setToolTip(1, item->text(1));
  }
  offered_->resizeColumnToContents(0);
  chosen_ = new QListWidget;
  chosen_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  chosen_->setDragDropMode(QAbstractItemView::InternalMove);

  auto* add = new QPushButton(tr("Add ›"));
  auto* remove = new QPushButton(tr("‹ Remove"));
  auto* up = new QPushButton(tr("Up"));
  auto* down = new QPushButton(tr("Down"));
  auto* moves = new QVBoxLayout;
  moves->addStretch();
  for (QPushButton* b : {add, remove, up, down}) moves->addWidget(b);
  moves->addStretch();

  command_ = new QLabel;
  command_->setWordWrap(true);
  command_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  ok_ = buttons->button(QDialogButtonBox::Ok);
  ok_->setText(tr("Export…"));

  auto* grid = new QGridLayout;
  grid->addWidget(new QLabel(tr("Fields (the names filters use)")), 0, 0);
  grid->addWidget(new QLabel(tr("Columns, in order")), 0, 2);
  grid->addWidget(search_, 1, 0);
  grid->addWidget(offered_, 2, 0);
  grid->addLayout(moves, 2, 1);
  grid->addWidget(chosen_, 1, 2, 2, 1);
  grid->setColumnStretch(0, 3);
  grid->setColumnStretch(2, 2);
  auto* l = new QVBoxLayout(this);
  l->addLayout(grid);
  l->addWidget(command_);
  l->addWidget(buttons);
  resize(1000, 580);

  connect(search_, &QLineEdit::textChanged, this, &ExportFieldsDialog::narrow);
  connect(search_, &QLineEdit::returnPressed, this, [this] {
    if (addField(search_->text().trimmed())) search_->clear();
  });
  connect(add, &QPushButton::clicked, this, [this] {
    for (QTreeWidgetItem* i : offered_->selectedItems()) addField(i->text(0));
  });
  connect(offered_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* i) { addField(i->text(0)); });
  connect(remove, &QPushButton::clicked, this, [this] {
    qDeleteAll(chosen_->selectedItems());
    update();
  });
  connect(chosen_, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* i) {
    delete i;
    update();
  });
  auto move = [this](int by) {
    int row = chosen_->currentRow();
    if (row < 0 || row + by < 0 || row + by >= chosen_->count()) return;
    chosen_->insertItem(row + by, chosen_->takeItem(row));
    chosen_->setCurrentRow(row + by);
    update();
  };
  connect(up, &QPushButton::clicked, this, [move] { move(-1); });
  connect(down, &QPushButton::clicked, this, [move] { move(1); });
  connect(chosen_->model(), &QAbstractItemModel::rowsMoved, this, &ExportFieldsDialog::update);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  for (const QString& f : chosen) addField(f);
  update();
}

bool ExportFieldsDialog::addField(const QString& name) {
  if (name.isEmpty() || !readable(name.toStdString())) return false;
  chosen_->addItem(name);
  update();
  return true;
}

QStringList ExportFieldsDialog::fields() const {
  QStringList out;
  for (int i = 0; i < chosen_->count(); ++i) out << chosen_->item(i)->text();
  return out;
}

int ExportFieldsDialog::offeredCount() const {
  int n = 0;
  for (int i = 0; i < offered_->topLevelItemCount(); ++i) n += !offered_->topLevelItem(i)->isHidden();
  return n;
}

void ExportFieldsDialog::narrow(const QString& text) {
  for (int i = 0; i < offered_->topLevelItemCount(); ++i) {
    QTreeWidgetItem* item = offered_->topLevelItem(i);
    item->setHidden(!text.isEmpty() && !item->text(0).contains(text, Qt::CaseInsensitive) &&
                    !item->text(1).contains(text, Qt::CaseInsensitive));
  }
}

void ExportFieldsDialog::setCommandContext(const QString& capture, const QString& keys, const QString& filter) {
  capture_ = capture.isEmpty() ? "CAPTURE" : capture;
  keys_ = keys;
  filter_ = filter;
  update();
}

QString ExportFieldsDialog::command() const {
  QStringList w{"ovmsdump", "-r", shell_word(capture_)};
  if (!keys_.isEmpty()) w << "-k" << shell_word(keys_);
  if (!filter_.isEmpty()) w << "-Y" << shell_word(filter_);
  w << "-T" << "fields" << "-E" << "header=y" << "-E" << "separator=," << "-E" << "quote=d";
  for (const QString& name : fields()) w << "-e" << shell_word(name);
  return w.join(' ');
}

void ExportFieldsDialog::update() {
  const bool any = chosen_->count() > 0;
  ok_->setEnabled(any);
  // The same rows from the command line (over the same capture, keys and filter).
  command_->setText(any ? tr("The same rows as: %1").arg(command()) : tr("Choose at least one field."));
}

}  // namespace inspector
