#include "model/field_tree.h"

#include "ovms/field_names.h"
#include "ovms/present.h"

namespace inspector {

namespace {

QString q(std::string_view s) { return QString::fromStdString(ovms::printable_text(s)); }

QStandardItem* leaf(const QString& text) {
  auto* item = new QStandardItem(text);
  item->setEditable(false);
  return item;
}

QStandardItem* bytes_item(const QString& text, ByteText which, std::size_t offset, std::size_t length) {
  auto* item = leaf(text);
  item->setData(static_cast<int>(which), FieldTreeModel::kTextRole);
  item->setData(static_cast<qulonglong>(offset), FieldTreeModel::kOffsetRole);
  item->setData(static_cast<qulonglong>(length), FieldTreeModel::kLengthRole);
  return item;
}

}  // namespace

void append_field_items(QStandardItem* parent, const ovms::DecodedMessage& m, ByteText which) {
  for (const ovms::FieldValue& v : m.fields) {
    const ovms::FieldName* name = ovms::field_name_of(v.def);
    QString label = v.def ? QString::fromUtf8(v.def->label) : QStringLiteral("extra");
    auto* item = bytes_item(label + ": " + field_value_text(v), which, v.offset, v.length);
    if (name) {
      item->setData(QString::fromStdString(name->abbrev), FieldTreeModel::kNameRole);
      item->setToolTip(QString::fromStdString(name->abbrev) + "\n" + QString::fromStdString(ovms::describe(*name)));
    }
    if (v.def && v.def->type == ovms::FieldType::Flags && v.kind == ovms::FieldValue::Kind::Int) {
      for (uint8_t b = 0; b < v.def->n_flags; ++b) {
        const ovms::FlagBit& f = v.def->flags[b];
        bool set = (static_cast<uint64_t>(v.i) & f.mask) != 0;
        item->appendRow(bytes_item(QString("%1 = %2").arg(QString::fromUtf8(f.label), set ? "1" : "0"), which,
                                   v.offset, v.length));
      }
    }
    parent->appendRow(item);
  }
}

namespace {

void add_diags(QStandardItem* parent, const std::vector<ovms::Diagnostic>& diags) {
  for (const auto& d : diags) parent->appendRow(leaf(q(ovms::present::diagnostic_line(d))));
}

}  // namespace

QString field_value_text(const ovms::FieldValue& v) {
  QString text = v.def && v.def->secret ? QStringLiteral("***") : q(v.text);
  if (v.kind == ovms::FieldValue::Kind::Empty) return text.isEmpty() ? QStringLiteral("(empty)") : text;
  if (!v.def) return text;
  if (const ovms::EnumValue* e = ovms::enum_value(*v.def, v)) return text + " (" + QString::fromUtf8(e->label) + ")";
  if (v.def->unit && *v.def->unit) return text + " " + QString::fromUtf8(v.def->unit);
  return text;
}

void FieldTreeModel::setRecord(const ovms::LineRecord* r) {
  clear();
  setHorizontalHeaderLabels({tr("Field")});
  if (!r) return;
  auto view = ovms::present::view_of(*r);
  auto* root = invisibleRootItem();

  auto* line = bytes_item(QString::fromStdString(ovms::present::headline(view)), ByteText::Wire, 0, r->wire.size());
  line->appendRow(leaf(tr("Frame: %1").arg(r->frame)));
  line->appendRow(leaf(tr("Time: %1").arg(q(ovms::present::time_text(r->ts)))));
  line->appendRow(leaf(tr("Connection: %1").arg(q(ovms::present::conn_text(r->conn)))));
  line->appendRow(leaf(tr("Direction: %1").arg(ovms::direction_name(r->dir))));
  line->appendRow(leaf(tr("Sender: %1").arg(ovms::role_name(r->role))));
  line->appendRow(leaf(tr("Vehicle: %1").arg(q(ovms::present::vehicle_text(view)))));
  line->appendRow(leaf(tr("Kind: %1").arg(ovms::line_kind_name(r->kind))));
  line->appendRow(bytes_item(tr("Line: %1").arg(q(r->wire)), ByteText::Wire, 0, r->wire.size()));
  if (r->plain) line->appendRow(bytes_item(tr("Plaintext: %1").arg(q(*r->plain)), ByteText::Plain, 0, r->plain->size()));
  if (r->response_to_frame) line->appendRow(leaf(tr("Response to frame %1").arg(*r->response_to_frame)));
  root->appendRow(line);

  if (const ovms::HandshakeInfo* h = r->handshake.get()) {
    auto* hs = leaf(tr("Handshake: %1").arg(q(ovms::present::handshake_text(*h))));
    hs->appendRow(leaf(tr("Scheme: %1").arg(h->scheme)));
    if (!h->client_token.empty()) hs->appendRow(leaf(tr("Client token: %1").arg(q(h->client_token))));
    if (!h->server_token.empty()) hs->appendRow(leaf(tr("Server token: %1").arg(q(h->server_token))));
    hs->appendRow(leaf(tr("Digest verified: %1").arg(h->ok ? tr("yes") : tr("no"))));
    hs->appendRow(leaf(tr("Key source: %1").arg(ovms::key_source_name(h->key_source))));
    if (!h->key_id.empty()) hs->appendRow(leaf(tr("Key: %1").arg(q(h->key_id))));
    if (h->key_learned_frame) hs->appendRow(leaf(tr("Key learned in frame %1").arg(*h->key_learned_frame)));
    root->appendRow(hs);
  }

  if (r->msg.code || !r->msg.fields.empty()) {
    auto* m = leaf(q(ovms::present::fields_title(r->msg, "record")));
    append_field_items(m, r->msg, ByteText::Plain);
    root->appendRow(m);
  }
  if (r->inner) {
    auto* in = bytes_item(tr("Paranoid inner message: %1").arg(q(ovms::present::fields_title(r->inner->msg, "inner message"))),
                          ByteText::InnerPlain, 0, r->inner->plain.size());
    append_field_items(in, r->inner->msg, ByteText::InnerPlain);
    add_diags(in, r->inner->diags);
    root->appendRow(in);
  }
  if (!r->diags.empty()) {
    auto* d = leaf(tr("Diagnostics (%1)").arg(r->diags.size()));
    add_diags(d, r->diags);
    root->appendRow(d);
  }
  if (notes_) notes_->addDetails(root, *r);
}

}  // namespace inspector
