// The Wireshark side: registration, the TCP dissector and heuristic, and the trees.
//
// Rules this file follows (see /work/shared/PLATFORM.md):
//  * State advances only on the first pass (!PINFO_FD_VISITED). Each call's result is a Segment owned by
//    the per-file Capture; its address is stored with p_add_proto_data(wmem_file_scope()) under the call's
//    ordinal within the frame. Every pass, with or without a tree, builds columns, tree and tap records
//    from that Segment only.
//  * Wireshark exceptions are longjmps that skip C++ destructors. The core runs in functions that hold
//    all C++ objects and catch every C++ exception (Capture::process, make_view, all noexcept); they
//    return before any epan call that may throw. The tree-building code below holds no object with a
//    destructor: it uses raw pointers into the cache and packet-scope (pinfo->pool) memory.
//  * No C++ object lives in wmem memory: the conversation's wmem slot only points at a Conv that the
//    Capture owns; the Capture is deleted by a wmem callback when the file scope is freed.
#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs-int.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/strutil.h>
#include <epan/tap.h>
#include <epan/to_str.h>
#include <epan/tvbuff.h>
#include <wiretap/pcap-encap.h>
#include <wsutil/wslog.h>

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <new>

#include "fields.h"
#include "follow.h"
#include "ovms/field_names.h"
#include "ovms/packet.h"
#include "ovms/protocol.h"
#include "plugin.h"
#include "prefs.h"
#include "stats.h"
#include "store.h"

namespace ovms_ws {
namespace {

int proto_ovms = -1;
int proto_tcp = -1;
int ovms_tap = -1;
dissector_handle_t ovms_handle = nullptr;
dissector_handle_t tls_handle = nullptr;
dissector_handle_t post_handle = nullptr;
dissector_table_t tcp_port_table = nullptr;
pref_t* tcp_relative_pref = nullptr;
pref_t* tcp_analyze_pref = nullptr;

constexpr const char* kOvmsTcpPortRange = "6867,6870";  // the server's plain and TLS ports
constexpr guint32 kTlsPort = 6870;

// p_add_proto_data keys: the call counter lives in the packet scope, the Segments in the file scope.
constexpr guint32 kCounterKey = 0;
constexpr guint32 kSegmentKeyBase = 1;
constexpr guint32 kRecoveredKey = 0x7fff0000;  // a segment TCP did not hand on (see dissect_ovms_post)

// conversation_completeness bits of Wireshark's TCP (packet-tcp.c): SYN and SYN-ACK seen.
constexpr guint8 kTcpSynSeen = 0x01;
constexpr guint8 kTcpSynAckSeen = 0x02;

// ---------------------------------------------------------------------------------------------------
// Per-file store

Capture* g_capture = nullptr;

gboolean capture_freed(wmem_allocator_t*, wmem_cb_event_t, void*) {
  delete g_capture;
  g_capture = nullptr;
  return FALSE;  // one-shot: the next file scope registers anew
}

Capture* capture() noexcept {
  if (g_capture) return g_capture;
  try {
    g_capture = new Capture(current_keys());
  } catch (...) {
    return nullptr;
  }
  wmem_register_callback(wmem_file_scope(), capture_freed, nullptr);
  return g_capture;
}

// The plugin's state of one TCP conversation, in wmem file scope: plain data only.
struct ConvSlot {
  Conv* conv;          // owned by the Capture
  address client;      // the client's address and port, once known
  guint32 client_port;
  gboolean client_known;
  gboolean judged;     // the heuristic has seen this conversation's first payload
  gboolean tls;        // handed to the TLS dissector
};

ConvSlot* conv_slot(conversation_t* conv) {
  auto* slot = static_cast<ConvSlot*>(conversation_get_proto_data(conv, proto_ovms));
  if (!slot) {
    slot = wmem_new0(wmem_file_scope(), ConvSlot);
    conversation_add_proto_data(conv, proto_ovms, slot);
  }
  return slot;
}

bool port_is_ovms(guint32 port) {
  return tcp_port_table && dissector_get_uint_handle(tcp_port_table, port) == ovms_handle;
}

// The protocol layer that called us, from pinfo->layers (ours is the last entry).
int caller_proto(packet_info* pinfo) {
  wmem_list_frame_t* last = wmem_list_tail(pinfo->layers);
  wmem_list_frame_t* prev = last ? wmem_list_frame_prev(last) : nullptr;
  return prev ? GPOINTER_TO_INT(wmem_list_frame_data(prev)) : -1;
}

struct tcp_analysis* tcp_data(conversation_t* conv) {
  return proto_tcp > 0 ? static_cast<struct tcp_analysis*>(conversation_get_proto_data(conv, proto_tcp)) : nullptr;
}

// Who is the client: the SYN's sender if TCP saw the handshake; else the side not on an OVMS port;
// else whoever spoke first (an OVMS server never does).
void learn_client(ConvSlot* slot, packet_info* pinfo, struct tcp_analysis* tcpd) {
  bool sender_is_client = true;
  if (tcpd && (tcpd->conversation_completeness & (kTcpSynSeen | kTcpSynAckSeen)) && tcpd->server_port &&
      pinfo->srcport != pinfo->destport) {
    sender_is_client = pinfo->destport == tcpd->server_port;
  } else if (port_is_ovms(pinfo->srcport) && !port_is_ovms(pinfo->destport)) {
    sender_is_client = false;
  }
  copy_address_wmem(wmem_file_scope(), &slot->client, sender_is_client ? &pinfo->src : &pinfo->dst);
  slot->client_port = sender_is_client ? pinfo->srcport : pinfo->destport;
  slot->client_known = TRUE;
}

bool looks_like_tls(tvbuff_t* tvb) {
  return tvb_captured_length(tvb) >= 5 && tvb_get_guint8(tvb, 0) == 0x16 && tvb_get_guint8(tvb, 1) == 0x03 &&
         tvb_get_guint8(tvb, 2) <= 0x04;
}

// Nothing: a segment without payload whose flags and ACK changed nothing to show.
enum class FirstPass { Segment, Nothing, HandedToTls, Failed };

// TCP reports relative sequence numbers only when both preferences are on.
bool relative_seq_in_use() {
  return (!tcp_relative_pref || prefs_get_bool_value(tcp_relative_pref, pref_current)) &&
         (!tcp_analyze_pref || prefs_get_bool_value(tcp_analyze_pref, pref_current));
}

// A segment's TCP header values, as TCP reports them (relative sequence numbers when in use).
struct TcpValues {
  guint32 seq;
  guint32 ack;
  guint8 flags;  // TH_FIN .. TH_ACK, which have ovms::TcpFlag's values
};

// First pass: run the segment through the conversation's reassembly and decoder. All C++ temporaries die
// inside this function; the epan calls here do not throw.
FirstPass first_pass(tvbuff_t* tvb, packet_info* pinfo, conversation_t* conv, const TcpValues* tv,
                     struct tcp_analysis* tcpd, bool may_be_tls, const Segment** out) {
  *out = nullptr;
  Capture* cap = capture();
  if (!cap) return FirstPass::Failed;
  ConvSlot* slot = conv_slot(conv);
  if (!slot->conv) {
    // TLS on the OVMS port (6870): not ours to read; TLS hands decrypted data back through "tls.port".
    if (may_be_tls && tls_handle && looks_like_tls(tvb)) {
      slot->tls = TRUE;
      conversation_set_dissector(conv, tls_handle);
      return FirstPass::HandedToTls;
    }
    slot->conv = cap->new_conv();
    if (!slot->conv) return FirstPass::Failed;
  }
  if (!slot->client_known) learn_client(slot, pinfo, tcpd);

  SegmentInput in;
  in.dir = (addresses_equal(&pinfo->src, &slot->client) && pinfo->srcport == slot->client_port)
               ? ovms::Direction::ClientToServer
               : ovms::Direction::ServerToClient;
  if (tcpd) {
    const guint8 syn_bit = in.dir == ovms::Direction::ClientToServer ? kTcpSynSeen : kTcpSynAckSeen;
    in.mid_stream = (tcpd->conversation_completeness & syn_bit) == 0;
  }
  if (tv) {
    in.have_seq = true;
    in.relative_seq = relative_seq_in_use();
    in.seq = tv->seq;
    in.tcp_flags = tv->flags;
    in.ack = tv->ack;
    in.ack_valid = true;
  }
  in.len = tvb_captured_length(tvb);
  in.data = static_cast<const uint8_t*>(tvb_memdup(pinfo->pool, tvb, 0, static_cast<gint>(in.len)));
  in.frame = pinfo->num;
  in.ts = nstime_to_sec(&pinfo->abs_ts);

  std::string error;
  *out = cap->process(*slot->conv, in, error);
  if (!*out && error.empty()) return FirstPass::Nothing;
  if (!*out) {
    ws_warning("ovms: frame %u: the decoder failed: %s", pinfo->num, error.c_str());
    return FirstPass::Failed;
  }
  return FirstPass::Segment;
}

// ---------------------------------------------------------------------------------------------------
// Trees. Nothing below owns memory: strings and arrays come from pinfo->pool or point into the cache.

void* pool_alloc(void* ctx, std::size_t n) { return wmem_alloc(static_cast<wmem_allocator_t*>(ctx), n); }

const char* pool_str(packet_info* pinfo, const std::string& s) {
  return format_text(pinfo->pool, reinterpret_cast<const guchar*>(s.data()), s.size());
}

tvbuff_t* child_tvb(tvbuff_t* parent, packet_info* pinfo, const std::string& bytes, const char* source_name) {
  auto* copy = static_cast<guint8*>(wmem_memdup(pinfo->pool, bytes.data(), bytes.size() ? bytes.size() : 1));
  tvbuff_t* t = tvb_new_child_real_data(parent, copy, static_cast<guint>(bytes.size()),
                                        static_cast<gint>(bytes.size()));
  add_new_data_source(pinfo, t, source_name);
  return t;
}

proto_item* generated(proto_item* pi) {
  proto_item_set_generated(pi);
  return pi;
}

const char* enum_label(const ovms::FieldDef& def, const FieldView& f) {
  for (uint8_t k = 0; k < def.n_enums; ++k) {
    const ovms::EnumValue& e = def.enums[k];
    if (e.keyword ? (f.text_len == std::strlen(e.keyword) && std::memcmp(f.text, e.keyword, f.text_len) == 0)
                  : (f.kind == ovms::FieldValue::Kind::Int && f.i == e.value))
      return e.label;
  }
  return nullptr;
}

struct FieldCtx {
  packet_info* pinfo;
  tvbuff_t* tvb;       // the plaintext's tvb
  gint base;           // offset of the plaintext in it
  gint plain_len;      // the plaintext's length (field spans lie inside it)
  proto_item** items;  // the item of each field of the message, by its index (a Diagnostic's `field`)
  guint32 n_items;
};

// Field texts come from decrypted data: make them printable UTF-8 before they become string values.
const char* printable(packet_info* pinfo, const char* text, std::size_t len) {
  return format_text(pinfo->pool, reinterpret_cast<const guchar*>(text), len);
}

proto_item* add_malformed(FieldCtx& c, proto_tree* tree, const FieldView& f, gint start, gint len,
                          const char* expected) {
  const char* label = f.def ? f.def->label : "Field";
  const char* text = printable(c.pinfo, f.text, f.text_len);
  return proto_tree_add_string_format(tree, hf.malformed_value, c.tvb, start, len, text,
                                      "%s: %s [malformed: not %s]", label, text, expected);
}

// Adds one field at the bytes the core says it occupies; returns its item.
proto_item* add_field(FieldCtx& c, proto_tree* tree, const FieldView& f) {
  const bool located = static_cast<uint64_t>(f.offset) + f.length <= static_cast<uint64_t>(c.plain_len);
  const gint start = located ? c.base + static_cast<gint>(f.offset) : 0;
  const gint len = located ? static_cast<gint>(f.length) : 0;
  const FieldHf* fh = f.def ? field_hf(f.def) : nullptr;
  if (!fh) {
    const char* text = printable(c.pinfo, f.text, f.text_len);
    return proto_tree_add_string_format(tree, hf.extra_field, c.tvb, start, len, text, "Extra field #%u: %s",
                                        f.index, text);
  }
  const ovms::FieldDef& def = *f.def;
  if (f.kind == ovms::FieldValue::Kind::Empty)
    return proto_tree_add_string_format(tree, hf.empty_field, c.tvb, start, len, def.name, "%s: (empty)", def.label);
  proto_item* pi = nullptr;
  const bool numeric = f.kind == ovms::FieldValue::Kind::Int || f.kind == ovms::FieldValue::Kind::Float;
  switch (fh->rep) {
    case Rep::String:
      pi = located ? proto_tree_add_item(tree, *fh->id, c.tvb, start, len, ENC_UTF_8)
                   : proto_tree_add_string(tree, *fh->id, c.tvb, 0, 0, printable(c.pinfo, f.text, f.text_len));
      if (def.n_enums) {
        if (const char* label = enum_label(def, f)) proto_item_append_text(pi, " (%s)", label);
      }
      break;
    case Rep::Double:
      if (!numeric) return add_malformed(c, tree, f, start, len, "a number");
      pi = proto_tree_add_double(tree, *fh->id, c.tvb, start, len,
                                 f.kind == ovms::FieldValue::Kind::Float ? f.f : static_cast<double>(f.i));
      if (fh->unit) proto_item_append_text(pi, "%s", fh->unit);
      break;
    case Rep::Int64:
      if (!numeric) return add_malformed(c, tree, f, start, len, "an integer");
      pi = proto_tree_add_int64(tree, *fh->id, c.tvb, start, len, f.i);
      if (f.kind == ovms::FieldValue::Kind::Float)
        proto_item_append_text(pi, " (sent as %s)", printable(c.pinfo, f.text, f.text_len));
      if (def.type == ovms::FieldType::Hex) proto_item_append_text(pi, " (0x%" PRIx64 ")", static_cast<uint64_t>(f.i));
      break;
    case Rep::Time: {
      if (!numeric) return add_malformed(c, tree, f, start, len, "epoch seconds");
      // -1 (and 0) mean "no time": not a date, so not the time field (a filter on it does not match).
      const double secs = f.kind == ovms::FieldValue::Kind::Int ? static_cast<double>(f.i) : f.f;
      if (!(secs > 0))
        return proto_tree_add_string_format(tree, hf.empty_field, c.tvb, start, len, def.name, "%s: none (%s)",
                                            def.label, printable(c.pinfo, f.text, f.text_len));
      if (secs > ovms::kLastEpochSecond) return add_malformed(c, tree, f, start, len, "epoch seconds before the year 10000");
      nstime_t t;
      t.secs = static_cast<time_t>(secs);
      t.nsecs = static_cast<int>((secs - static_cast<double>(t.secs)) * 1e9);
      pi = proto_tree_add_time(tree, *fh->id, c.tvb, start, len, &t);
      break;
    }
    case Rep::Flags: {
      if (f.kind != ovms::FieldValue::Kind::Int || f.i < 0 || f.i > static_cast<int64_t>(fh->max))
        return add_malformed(c, tree, f, start, len, "a flag value of the field's width");
      const auto value = static_cast<guint32>(f.i);
      pi = proto_tree_add_uint(tree, *fh->id, c.tvb, start, len, value);
      proto_tree* bits = proto_item_add_subtree(pi, *fh->ett);
      for (std::size_t b = 0; b < fh->flag_ids.size(); ++b)
        proto_tree_add_boolean(bits, *fh->flag_ids[b], c.tvb, start, len, value);
      break;
    }
  }
  return pi;
}

void add_message(FieldCtx& c, proto_tree* tree, const MessageView& m, const char* label, int message_ett_id) {
  if (!m.n_fields) return;
  proto_tree* sub = proto_tree_add_subtree(tree, c.tvb, c.base, c.plain_len, message_ett_id, nullptr, label);
  c.items = static_cast<proto_item**>(wmem_alloc0(c.pinfo->pool, sizeof(proto_item*) * m.n_fields));
  c.n_items = m.n_fields;
  for (guint32 i = 0; i < m.n_fields; ++i) c.items[i] = add_field(c, sub, m.fields[i]);
}

void add_diags(FieldCtx& c, proto_tree* tree, proto_item* fallback, const std::vector<ovms::Diagnostic>& diags) {
  for (const ovms::Diagnostic& d : diags) {
    const ovms::DiagDef& def = d.def();
    proto_item* pi = generated(proto_tree_add_string(tree, hf.diag, c.tvb, 0, 0, def.key));
    // A diagnostic about one field (a malformed number, the first extra field, ...) goes on that
    // field's item: the core names the field by its index in the message.
    proto_item* target = pi ? pi : fallback;
    if (d.field >= 0 && static_cast<guint32>(d.field) < c.n_items && c.items[d.field]) target = c.items[d.field];
    if (expert_field* ei = diag_ei(d.id))
      expert_add_info_format(c.pinfo, target, ei, "%s",
                             format_text(c.pinfo->pool, reinterpret_cast<const guchar*>(d.message.data()),
                                         d.message.size()));
  }
}

void add_handshake(proto_tree* tree, tvbuff_t* ltvb, gint loff, const Line& line, packet_info* pinfo) {
  const ovms::HandshakeInfo& h = *line.handshake;
  proto_tree* hs = proto_tree_add_subtree(tree, ltvb, loff, static_cast<gint>(line.wire_len), ett.handshake,
                                          nullptr, "Handshake");
  if (h.scheme >= 0) generated(proto_tree_add_int(hs, hf.scheme, ltvb, 0, 0, h.scheme));
  auto token = [&](int id, const std::string& t) {
    if (t.empty()) return;
    std::size_t at = line.wire.find(t);
    if (at != std::string::npos)
      proto_tree_add_item(hs, id, ltvb, loff + static_cast<gint>(at), static_cast<gint>(t.size()), ENC_UTF_8);
    else
      generated(proto_tree_add_string(hs, id, ltvb, 0, 0, pool_str(pinfo, t)));
  };
  token(hf.client_token, h.client_token);
  token(hf.server_token, h.server_token);
  generated(proto_tree_add_boolean(hs, hf.handshake_ok, ltvb, 0, 0, h.ok));
  generated(proto_tree_add_string(hs, hf.key_source, ltvb, 0, 0, ovms::key_source_name(h.key_source)));
  if (!h.key_id.empty()) generated(proto_tree_add_string(hs, hf.key_id, ltvb, 0, 0, pool_str(pinfo, h.key_id)));
  if (h.key_learned_frame)
    generated(proto_tree_add_uint(hs, hf.key_learned_in, ltvb, 0, 0, static_cast<guint32>(*h.key_learned_frame)));
}

void add_code_and_name(proto_tree* tree, tvbuff_t* ptvb, gint base, const MessageView& m, int hf_code, int hf_name,
                       packet_info* pinfo) {
  const gint at = m.code_offset >= 0 ? base + m.code_offset : 0;
  const gint len = m.code_offset >= 0 ? 1 : 0;
  char code[2] = {m.code, 0};
  proto_tree_add_string(tree, hf_code, ptvb, at, len,
                        format_text(pinfo->pool, reinterpret_cast<const guchar*>(code), 1));
  proto_tree_add_string(tree, hf_name, ptvb, at, len, m.def ? m.def->name : "unknown");
}

// One record of the "ovms" tap per line (from the cache alone, no decoding): its keys in the core's
// statistics tables.
void tap_line(const Line& line, std::string_view wire, packet_info* pinfo) {
  auto* t = wmem_new(pinfo->pool, TapLine);
  stat_keys(line, wire, pool_alloc, pinfo->pool, t->keys);
  tap_queue_packet(ovms_tap, pinfo, t);
}

void show_line(const Segment& seg, const Line& line, std::size_t index, tvbuff_t* tvb, packet_info* pinfo,
               proto_tree* root) {
  const bool same_dir = line.dir == seg.dir && seg.begin >= 0;
  const uint64_t seg_begin = same_dir ? static_cast<uint64_t>(seg.begin) : 0;
  // The wire text: the cache's copy, or (when the cache keeps none) the line's bytes in this segment.
  const char* wire_bytes =
      line.wire_in_segment
          ? reinterpret_cast<const char*>(tvb_get_ptr(tvb, static_cast<gint>(line.stream_pos - seg_begin),
                                                      static_cast<gint>(line.wire_len)))
          : line.wire.data();
  const std::string_view wire(wire_bytes, line.wire_len);
  tap_line(line, wire, pinfo);
  // Without a tree and without columns (e.g. tshark -q -z ovms,tree) only the tap and the expert infos
  // are needed: skip decoding the fields again.
  if (!root && !pinfo->cinfo) {
    FieldCtx c{pinfo, tvb, 0, 0, nullptr, 0};
    add_diags(c, nullptr, nullptr, line.diags);
    if (line.inner) add_diags(c, nullptr, nullptr, line.inner->diags);
    return;
  }
  LineView v;
  make_view(line, wire, pool_alloc, pinfo->pool, v);  // on failure v.info says so; the wire text is still shown
  const guint tvb_len = tvb_captured_length(tvb);

  // Where the line's bytes are: in this segment, or (started earlier, WebSocket payload, the other
  // direction after a capture gap) in a tvb of its own.
  const bool in_tvb =
      line.wire_in_segment ||
      (same_dir && line.stream_pos >= seg_begin && line.stream_pos + line.wire_len <= seg_begin + tvb_len &&
       tvb_memeql(tvb, static_cast<gint>(line.stream_pos - seg_begin),
                  reinterpret_cast<const guint8*>(line.wire.data()), line.wire_len) == 0);
  gint item_start = 0, item_len = 0;  // the part of this segment holding the line
  if (same_dir && line.stream_end > seg_begin && line.stream_pos < seg_begin + tvb_len) {
    uint64_t b = line.stream_pos > seg_begin ? line.stream_pos - seg_begin : 0;
    uint64_t e = std::min<uint64_t>(line.stream_end - seg_begin, tvb_len);
    item_start = static_cast<gint>(b);
    item_len = static_cast<gint>(e - b);
  }
  tvbuff_t* ltvb = tvb;
  gint loff = 0;
  if (in_tvb) {
    loff = static_cast<gint>(line.stream_pos - seg_begin);
  } else {
    const bool reassembled = !same_dir || line.stream_pos < seg_begin;
    ltvb = child_tvb(tvb, pinfo, line.wire, reassembled ? "Reassembled OVMS line" : "OVMS line");
  }

  proto_item* line_item = nullptr;
  proto_tree* lt = proto_tree_add_subtree_format(root, tvb, item_start, item_len, ett.line, &line_item,
                                                 "Line %u: %s", static_cast<unsigned>(index + 1),
                                                 format_text(pinfo->pool, reinterpret_cast<const guchar*>(v.info),
                                                             std::strlen(v.info)));
  proto_tree_add_item(lt, hf.line, ltvb, loff, static_cast<gint>(line.wire_len), ENC_UTF_8);
  generated(proto_tree_add_string(lt, hf.direction, tvb, 0, 0, ovms::direction_name(line.dir)));
  generated(proto_tree_add_string(lt, hf.role, tvb, 0, 0, ovms::role_name(line.role)));
  if (line.vehicle && !line.vehicle->empty())
    generated(proto_tree_add_string(lt, hf.vehicle_id, tvb, 0, 0, pool_str(pinfo, *line.vehicle)));
  generated(proto_tree_add_string(lt, hf.kind, tvb, 0, 0, ovms::line_kind_name(line.kind)));
  generated(proto_tree_add_uint64(lt, hf.stream_pos, tvb, 0, 0, line.stream_pos));
  if (line.handshake) add_handshake(lt, ltvb, loff, line, pinfo);

  FieldCtx c{pinfo, ltvb, loff, 0, nullptr, 0};
  if (line.has_plain) {
    c.plain_len = static_cast<gint>(line.plain.size());
    if (line.plain.size() == line.wire_len &&
        tvb_memeql(ltvb, loff, reinterpret_cast<const guint8*>(line.plain.data()), line.wire_len) == 0) {
      c.tvb = ltvb;  // scheme 1: the plaintext is the line itself
      c.base = loff;
    } else {
      c.tvb = child_tvb(tvb, pinfo, line.plain, "Decrypted OVMS");
      c.base = 0;
    }
    proto_tree_add_item(lt, hf.plaintext, c.tvb, c.base, static_cast<gint>(line.plain.size()), ENC_UTF_8);
    if (v.outer.code) {
      add_code_and_name(lt, c.tvb, c.base, v.outer, hf.code, hf.name, pinfo);
      if (v.outer.command) generated(proto_tree_add_string(lt, hf.command_name, c.tvb, 0, 0, v.outer.command->name));
    }
    if (v.outer.summary && *v.outer.summary)
      generated(proto_tree_add_string(lt, hf.summary, c.tvb, 0, 0,
                                      format_text(pinfo->pool, reinterpret_cast<const guchar*>(v.outer.summary),
                                                  std::strlen(v.outer.summary))));
    add_message(c, lt, v.outer, v.outer.title,
                v.outer.def ? message_ett(v.outer.def) : ett.message);
  }

  if (line.inner) {
    const InnerCopy& in = *line.inner;
    proto_item* pi = proto_tree_add_item(lt, hf.paranoid, c.tvb, c.base,
                                         line.has_plain ? static_cast<gint>(line.plain.size()) : 0, ENC_NA);
    proto_tree* pt = proto_item_add_subtree(pi, ett.paranoid);
    FieldCtx ic{pinfo, child_tvb(tvb, pinfo, in.plain, "Decrypted OVMS (paranoid)"), 0,
                static_cast<gint>(in.plain.size()), nullptr, 0};
    proto_tree_add_item(pt, hf.paranoid_plaintext, ic.tvb, 0, static_cast<gint>(in.plain.size()), ENC_UTF_8);
    if (v.inner.code) {
      add_code_and_name(pt, ic.tvb, 0, v.inner, hf.paranoid_code, hf.paranoid_name, pinfo);
      if (v.inner.command) generated(proto_tree_add_string(pt, hf.command_name, ic.tvb, 0, 0, v.inner.command->name));
    }
    generated(proto_tree_add_boolean(pt, hf.paranoid_truncated, ic.tvb, 0, 0, in.truncated));
    add_message(ic, pt, v.inner, v.inner.title,
                v.inner.def ? message_ett(v.inner.def) : ett.message);
    add_diags(ic, pt, line_item, in.diags);
  }

  if (line.response_to_frame)
    generated(proto_tree_add_uint(lt, hf.response_to, tvb, 0, 0, line.response_to_frame));
  for (guint32 f : line.response_in) generated(proto_tree_add_uint(lt, hf.response_in, tvb, 0, 0, f));
  add_diags(c, lt, line_item, line.diags);

  col_append_sep_str(pinfo->cinfo, COL_INFO, " | ",
                     format_text(pinfo->pool, reinterpret_cast<const guchar*>(v.info), std::strlen(v.info)));
}

void show(const Segment* seg, tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree) {
  proto_item* ti = proto_tree_add_item(tree, proto_ovms, tvb, 0, -1, ENC_NA);
  proto_tree* root = proto_item_add_subtree(ti, ett.proto);
  if (!seg) {
    proto_item_append_text(ti, " [not decoded: no first-pass state for this frame]");
    col_append_sep_str(pinfo->cinfo, COL_INFO, " | ", "[OVMS: not decoded]");
    return;
  }
  if (seg->duplicate)
    generated(proto_tree_add_uint(root, hf.retransmitted, tvb, 0, static_cast<gint>(std::min(seg->duplicate, seg->len)),
                                  seg->duplicate));
  if (seg->held) generated(proto_tree_add_boolean(root, hf.held, tvb, 0, 0, TRUE));
  if (seg->reassembled_in) generated(proto_tree_add_uint(root, hf.reassembled_in, tvb, 0, 0, seg->reassembled_in));
  for (std::size_t i = 0; i < seg->lines.size(); ++i) show_line(*seg, seg->lines[i], i, tvb, pinfo, root);
  follow_segment(*seg, tvb, pinfo);
  if (!seg->orphans.empty()) {
    FieldCtx c{pinfo, tvb, 0, 0, nullptr, 0};
    add_diags(c, root, ti, seg->orphans);
  }
  if (!seg->lines.empty()) {
    proto_item_append_text(ti, ", %u line%s", static_cast<unsigned>(seg->lines.size()),
                           seg->lines.size() == 1 ? "" : "s");
  } else if (seg->len > 0) {  // (a segment without payload is here for its diagnostics only)
    const char* what = seg->duplicate >= seg->len ? "[OVMS: retransmitted bytes]"
                       : seg->held               ? "[OVMS: out-of-order bytes, held]"
                                                 : "[OVMS line fragment]";
    col_append_sep_str(pinfo->cinfo, COL_INFO, " | ", what);
    proto_item_append_text(ti, ", %s", what);
  }
}

// ---------------------------------------------------------------------------------------------------
// Dissectors

int dissect_ovms(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data) {
  const guint len = tvb_captured_length(tvb);
  if (len == 0) return 0;

  // This call's ordinal within the frame (TCP may call us more than once per frame).
  auto* counter = static_cast<guint32*>(p_get_proto_data(pinfo->pool, pinfo, proto_ovms, kCounterKey));
  if (!counter) {
    counter = wmem_new0(pinfo->pool, guint32);
    p_add_proto_data(pinfo->pool, pinfo, proto_ovms, kCounterKey, counter);
  }
  const guint32 ordinal = (*counter)++;
  const guint32 key = kSegmentKeyBase + ordinal;

  const Segment* seg = nullptr;
  if (!PINFO_FD_VISITED(pinfo)) {
    conversation_t* conv = find_or_create_conversation(pinfo);
    const bool from_tcp = proto_tcp > 0 && caller_proto(pinfo) == proto_tcp && data;
    TcpValues tv{};
    if (from_tcp) {
      const auto* ti = static_cast<const struct tcpinfo*>(data);
      tv = TcpValues{ti->seq, ti->lastackseq, static_cast<guint8>(ti->flags & 0xff)};
    }
    switch (first_pass(tvb, pinfo, conv, from_tcp ? &tv : nullptr, from_tcp ? tcp_data(conv) : nullptr, from_tcp,
                       &seg)) {
      case FirstPass::HandedToTls:
        return call_dissector(tls_handle, tvb, pinfo, tree);
      case FirstPass::Nothing:  // TCP hands us payload only; the core keeps a Segment for every payload
      case FirstPass::Failed:
        break;
      case FirstPass::Segment:
        p_add_proto_data(wmem_file_scope(), pinfo, proto_ovms, key, const_cast<Segment*>(seg));
        break;
    }
  } else {
    seg = static_cast<const Segment*>(p_get_proto_data(wmem_file_scope(), pinfo, proto_ovms, key));
  }

  col_set_str(pinfo->cinfo, COL_PROTOCOL, "OVMS");
  if (ordinal == 0) col_clear(pinfo->cinfo, COL_INFO);
  show(seg, tvb, pinfo, tree);
  return static_cast<int>(len);
}

// A conversation on any port whose first payload starts like an OVMS client.
gboolean dissect_ovms_heur(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data) {
  if (PINFO_FD_VISITED(pinfo)) return FALSE;  // a claimed conversation goes to its dissector directly
  conversation_t* conv = find_or_create_conversation(pinfo);
  ConvSlot* slot = conv_slot(conv);
  if (slot->judged) return FALSE;
  slot->judged = TRUE;
  // The core decides what an OVMS opening looks like; copy out just enough bytes to ask it.
  char head[16];
  const guint n = std::min<guint>(tvb_captured_length(tvb), sizeof head);
  tvb_memcpy(tvb, head, 0, n);
  if (!ovms::looks_like_ovms_opening(std::string_view(head, n))) return FALSE;
  conversation_set_dissector(conv, ovms_handle);
  dissect_ovms(tvb, pinfo, tree, data);
  return TRUE;
}

// ---------------------------------------------------------------------------------------------------
// Segments TCP does not hand to any subdissector. With its default tcp.no_subdissector_on_error, Wireshark's
// TCP passes neither retransmissions (even those that carry new bytes) nor out-of-order segments on, and
// their bytes would be missing from the OVMS stream; nor, having no payload, bare ACKs and FINs, whose
// numbers tell the core's TCP layer which missing bytes the peer received and when the connection is
// over. This postdissector finds such segments of OVMS conversations on the first pass, parses the frame
// with the core's frame parser, and feeds them like any other segment; the core drops what was seen
// already. A segment without payload gets a tree only when it produced something (lines released by its
// ACK, or a connection's last diagnostics).

struct Recovered {  // wmem file scope
  const Segment* seg;
  guint32 offset;   // of the TCP payload in the frame
};

// Wiretap encapsulations of the link types the core's frame parser reads.
std::vector<std::pair<int, int>> g_encap_to_dlt;

int dlt_of_encap(int encap) {
  for (const auto& e : g_encap_to_dlt)
    if (e.first == encap) return e.second;
  return -1;
}

bool parse_tcp_frame(int dlt, const guint8* frame, guint caplen, ovms::TcpSegment& out) noexcept {
  try {
    return ovms::parse_frame(dlt, frame, caplen, out, nullptr) == ovms::ParseStatus::Ok;
  } catch (...) {
    return false;
  }
}

const Recovered* recover(tvbuff_t* tvb, packet_info* pinfo, conversation_t* conv) {
  if (!pinfo->rec || pinfo->rec->rec_type != REC_TYPE_PACKET) return nullptr;
  const int dlt = dlt_of_encap(pinfo->rec->rec_header.packet_header.pkt_encap);
  if (dlt < 0) return nullptr;
  const guint caplen = tvb_captured_length(tvb);
  const guint8* frame = tvb_get_ptr(tvb, 0, static_cast<gint>(caplen));
  ovms::TcpSegment ts;
  if (!parse_tcp_frame(dlt, frame, caplen, ts) || ts.src.port != pinfo->srcport || ts.dst.port != pinfo->destport)
    return nullptr;
  struct tcp_analysis* tcpd = tcp_data(conv);
  TcpValues tv{ts.seq, ts.ack, ts.flags};
  if (relative_seq_in_use()) {
    // As TCP computes them for this frame (its fwd/rev flows are this frame's directions).
    if (!tcpd || !tcpd->fwd || !tcpd->rev) return nullptr;
    tv.seq -= tcpd->fwd->base_seq;
    tv.ack -= tcpd->rev->base_seq;
    if (!tcpd->rev->base_seq) tv.flags &= static_cast<guint8>(~ovms::kAck);  // the peer's numbers are unknown
  }
  const auto offset = static_cast<guint32>(ts.payload - frame);
  tvbuff_t* payload = tvb_new_subset_length(tvb, static_cast<gint>(offset), static_cast<gint>(ts.payload_len));
  const Segment* seg = nullptr;
  if (first_pass(payload, pinfo, conv, &tv, tcpd, false, &seg) != FirstPass::Segment) return nullptr;
  auto* r = wmem_new(wmem_file_scope(), Recovered);
  r->seg = seg;
  r->offset = offset;
  return r;
}

int dissect_ovms_post(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void*) {
  if (pinfo->ptype != PT_TCP || proto_tcp <= 0) return 0;
  if (p_get_proto_data(pinfo->pool, pinfo, proto_ovms, kCounterKey)) return 0;  // TCP handed the segment to us
  const Recovered* rec = nullptr;
  if (!PINFO_FD_VISITED(pinfo)) {
    if (!g_capture) return 0;  // no OVMS conversation in this file yet
    conversation_t* conv = find_conversation_pinfo(pinfo, 0);
    const auto* slot = conv ? static_cast<const ConvSlot*>(conversation_get_proto_data(conv, proto_ovms)) : nullptr;
    if (!slot || !slot->conv || slot->tls) return 0;
    rec = recover(tvb, pinfo, conv);
    if (!rec) return 0;
    p_add_proto_data(wmem_file_scope(), pinfo, proto_ovms, kRecoveredKey, const_cast<Recovered*>(rec));
  } else {
    rec = static_cast<const Recovered*>(p_get_proto_data(wmem_file_scope(), pinfo, proto_ovms, kRecoveredKey));
    if (!rec) return 0;
  }
  if (!rec->seg->lines.empty()) col_set_str(pinfo->cinfo, COL_PROTOCOL, "OVMS");
  show(rec->seg, tvb_new_subset_length(tvb, static_cast<gint>(rec->offset), static_cast<gint>(rec->seg->len)), pinfo,
       tree);
  return static_cast<int>(tvb_captured_length(tvb));
}

void apply_prefs() { apply_key_prefs(); }

}  // namespace

void register_protocol() {
  proto_ovms = proto_register_protocol("OVMS v2", "OVMS", "ovms");
  try {
    register_fields(proto_ovms);  // builds the arrays in C++ containers: keep bad_alloc out of Wireshark
  } catch (...) {
    ws_critical("ovms: cannot register the OVMS fields");
  }
  module_t* module = prefs_register_protocol(proto_ovms, apply_prefs);
  register_key_prefs(module);
  ovms_handle = register_dissector("ovms", dissect_ovms, proto_ovms);
  ovms_tap = register_ovms_tap();
  register_ovms_follow(proto_ovms);
}

void register_handoff() {
  proto_tcp = proto_get_id_by_filter_name("tcp");
  tls_handle = find_dissector("tls");
  tcp_port_table = find_dissector_table("tcp.port");
  if (module_t* tcp_module = prefs_find_module("tcp")) {
    tcp_relative_pref = prefs_find_preference(tcp_module, "relative_sequence_numbers");
    tcp_analyze_pref = prefs_find_preference(tcp_module, "analyze_sequence_numbers");
  }
  dissector_add_uint_range_with_preference("tcp.port", kOvmsTcpPortRange, ovms_handle);
  heur_dissector_add("tcp", dissect_ovms_heur, "OVMS v2 over TCP (any port)", "ovms_tcp", proto_ovms,
                     HEURISTIC_ENABLE);
  // Decrypted TLS application data on the TLS port comes back to us (only if TLS keys are configured).
  if (tls_handle) dissector_add_uint("tls.port", kTlsPort, ovms_handle);
  post_handle = create_dissector_handle(dissect_ovms_post, proto_ovms);
  register_postdissector(post_handle);
  try {
    for (int dlt : {ovms::kDltEn10mb, ovms::kDltLinuxSll, ovms::kDltLinuxSll2, ovms::kDltRaw, ovms::kDltRawAlt12,
                    ovms::kDltRawAlt14, ovms::kDltIpv4, ovms::kDltIpv6, ovms::kDltNull, ovms::kDltLoop}) {
      const int encap = wtap_pcap_encap_to_wtap_encap(dlt);
      if (encap >= 0 && dlt_of_encap(encap) < 0 && ovms::link_type_supported(dlt))
        g_encap_to_dlt.emplace_back(encap, dlt);
    }
  } catch (...) {
    g_encap_to_dlt.clear();  // no recovery of segments TCP does not hand on
  }
  apply_key_prefs();
}

void register_tap_listeners() { register_ovms_stats_tree(); }

}  // namespace ovms_ws
