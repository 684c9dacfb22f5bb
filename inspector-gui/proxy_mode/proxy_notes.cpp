#include "proxy_mode/proxy_notes.h"

#include <QCoreApplication>
#include <QStandardItem>
#include <algorithm>

#include "model/field_tree.h"
#include "ovms/present.h"

namespace inspector {

namespace {

QString tr(const char* s) { return QCoreApplication::translate("ProxyNotes", s); }

QString q(const std::string& s) { return QString::fromStdString(ovms::printable_text(s)); }

QStandardItem* leaf(const QString& text) {
  auto* item = new QStandardItem(text);
  item->setEditable(false);
  return item;
}

QString headline(const ovms::LineRecord& r) { return q(ovms::present::headline(ovms::present::view_of(r))); }

// "Received: S status soc=80.0 ..." with the message's fields below (not the shown bytes: no highlight).
QStandardItem* version(const QString& title, const ovms::LineRecord& r) {
  auto* item = leaf(title + ": " + headline(r));
  ovms::present::RecordView v = ovms::present::view_of(r);
  if (const ovms::DecodedMessage* m = v.effective()) append_field_items(item, *m, ByteText::None);
  return item;
}

// The fields whose value the edit changed, "State of charge: 80.0 % → 12.5 %", in the catalog's order.
void add_differences(QStandardItem* parent, const ovms::DecodedMessage& before, const ovms::DecodedMessage& after) {
  const std::size_t n = std::max(before.fields.size(), after.fields.size());
  for (std::size_t i = 0; i < n; ++i) {
    const ovms::FieldValue* b = i < before.fields.size() ? &before.fields[i] : nullptr;
    const ovms::FieldValue* a = i < after.fields.size() ? &after.fields[i] : nullptr;
    if (a && b && a->text == b->text) continue;
    const ovms::FieldValue* any = a ? a : b;
    const QString label = any->def ? QString::fromUtf8(any->def->label) : tr("extra");
    const QString from = b ? field_value_text(*b) : tr("(none)");
    const QString to = a ? field_value_text(*a) : tr("(none)");
    parent->appendRow(leaf(QStringLiteral("%1: %2 → %3").arg(label, from, to)));
  }
}

}  // namespace

const char* ProxyNotes::replayedName() { return "replayed"; }

const ProxyMark* ProxyNotes::mark(uint64_t id) const {
  auto it = marks_.find(id);
  return it == marks_.end() ? nullptr : &it->second;
}

QString ProxyNotes::columnTitle(int column) const {
  return column == kLeg ? tr("Leg") : column == kProxy ? tr("Proxy") : QString();
}

QString ProxyNotes::text(const ovms::LineRecord& r, int column) const {
  const ProxyMark* m = mark(r.id);
  if (!m) return {};
  if (column == kLeg) return QString::fromLatin1(ovms::leg_name(m->from));
  if (column == kProxy) return QString::fromLatin1(m->what);
  return {};
}

std::optional<QColor> ProxyNotes::rowColour(const ovms::LineRecord& r) const {
  const ProxyMark* m = mark(r.id);
  if (!m) return std::nullopt;
  // What the proxy did stands out from the direction colours: edits amber, drops grey, made-up violet.
  if (m->changed) return QColor(0xff, 0xdc, 0xa0);
  if (m->dropped) return QColor(0xdc, 0xdc, 0xdc);
  if (m->injected || m->to_proxy || m->replayed) return QColor(0xe8, 0xdc, 0xff);
  return std::nullopt;
}

void ProxyNotes::addDetails(QStandardItem* root, const ovms::LineRecord& r) const {
  const ProxyMark* m = mark(r.id);
  if (!m) return;
  QString title = tr("Proxy: %1 leg").arg(QString::fromLatin1(ovms::leg_name(m->from)));
  if (*m->what) title += QStringLiteral(", ") + QString::fromLatin1(m->what);
  auto* item = leaf(title);
  // The store shows a changed line as it was sent; what arrived is kept in the mark.
  if (m->changed && m->arrived) {
    item->appendRow(version(tr("Received"), *m->arrived));
    item->appendRow(version(tr("Sent"), r));
    auto* diff = leaf(tr("Changed fields"));
    add_differences(diff, m->arrived->effective(), r.effective());
    item->appendRow(diff);
  }
  root->appendRow(item);
}

}  // namespace inspector
