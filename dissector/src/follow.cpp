#include "follow.h"

#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/follow.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "store.h"

namespace ovms_ws {
namespace {

int follow_tap = -1;

// A TCP connection is one OVMS conversation, so a stream is named by TCP's own stream index: the same
// number `tcp.stream` and `-z follow,tcp` use.
gchar* conv_filter(epan_dissect_t*, packet_info* pinfo, guint* stream, guint* sub_stream) {
  if (!proto_is_frame_protocol(pinfo->layers, "ovms")) return nullptr;
  conversation_t* conv = find_conversation_pinfo(pinfo, 0);
  struct tcp_analysis* tcpd = conv ? get_tcp_conversation_data(conv, pinfo) : nullptr;
  if (!tcpd) return nullptr;
  *stream = tcpd->stream;
  *sub_stream = 0;
  return g_strdup_printf("tcp.stream eq %u", tcpd->stream);
}

gchar* index_filter(guint stream, guint) { return g_strdup_printf("tcp.stream eq %u", stream); }

gchar* address_filter(address* src, address* dst, int src_port, int dst_port) {
  const char* ip = src->type == AT_IPv6 ? "ipv6" : "ip";
  gchar* s = address_to_str(nullptr, src);
  gchar* d = address_to_str(nullptr, dst);
  gchar* f = g_strdup_printf(
      "((%s.src eq %s and tcp.srcport eq %d) and (%s.dst eq %s and tcp.dstport eq %d)) or "
      "((%s.src eq %s and tcp.srcport eq %d) and (%s.dst eq %s and tcp.dstport eq %d))",
      ip, s, src_port, ip, d, dst_port, ip, d, dst_port, ip, s, src_port);
  wmem_free(nullptr, s);
  wmem_free(nullptr, d);
  return f;
}

gchar* port_to_display(wmem_allocator_t* allocator, guint port) { return wmem_strdup_printf(allocator, "%u", port); }

// What a follower sees of a line: the decrypted text as its sender built it; for a paranoid EM whose
// payload decrypted, the inner message (that is what the sender's application sent); the wire text for
// lines that could not be decrypted, as TCP follow would show them. Built in packet-scope memory (no C++
// object with a destructor between epan calls).
void append_line(wmem_strbuf_t* out, const Segment& seg, const Line& line, tvbuff_t* tvb) {
  if (line.inner && !line.inner->plain.empty()) {
    wmem_strbuf_append_len(out, line.inner->plain.data(), line.inner->plain.size());
  } else if (line.has_plain) {
    wmem_strbuf_append_len(out, line.plain.data(), line.plain.size());
  } else if (!line.wire_in_segment) {
    wmem_strbuf_append_len(out, line.wire.data(), line.wire.size());
  } else if (seg.begin >= 0 && line.stream_pos >= static_cast<uint64_t>(seg.begin)) {
    const auto off = static_cast<gint>(line.stream_pos - static_cast<uint64_t>(seg.begin));
    const auto len = static_cast<gint>(line.wire_len);
    if (tvb_bytes_exist(tvb, off, len))
      wmem_strbuf_append_len(out, reinterpret_cast<const char*>(tvb_get_ptr(tvb, off, len)), len);
  }
  wmem_strbuf_append_c(out, '\n');
}

// One tap record per segment: its lines, grouped into runs of one direction. A line's direction is its
// own, not the frame's: after a capture hole, the peer's ACK can complete lines of the other direction.
struct FollowChunk {
  bool from_server;
  const char* text;
  guint len;
};
struct FollowTap {
  bool frame_from_client;  // the direction of the segment (and so of pinfo's src/dst)
  const FollowChunk* chunks;
  guint n_chunks;
};

tap_packet_status follow_listener(void* tapdata, packet_info* pinfo, epan_dissect_t*, const void* data,
                                  tap_flags_t) {
  auto* info = static_cast<follow_info_t*>(tapdata);
  const auto* tap = static_cast<const FollowTap*>(data);
  if (info->client_port == 0) {  // the first record names the two ends
    const address* client = tap->frame_from_client ? &pinfo->src : &pinfo->dst;
    const address* server = tap->frame_from_client ? &pinfo->dst : &pinfo->src;
    copy_address(&info->client_ip, client);
    copy_address(&info->server_ip, server);
    info->client_port = tap->frame_from_client ? pinfo->srcport : pinfo->destport;
    info->server_port = tap->frame_from_client ? pinfo->destport : pinfo->srcport;
  }
  for (guint i = 0; i < tap->n_chunks; ++i) {
    const FollowChunk& c = tap->chunks[i];
    auto* rec = g_new0(follow_record_t, 1);
    rec->is_server = c.from_server;
    rec->packet_num = pinfo->num;
    rec->abs_ts = pinfo->abs_ts;
    rec->data = g_byte_array_append(g_byte_array_sized_new(c.len), reinterpret_cast<const guint8*>(c.text), c.len);
    info->bytes_written[c.from_server ? 1 : 0] += c.len;
    info->payload = g_list_prepend(info->payload, rec);  // the list is kept newest first
  }
  return TAP_PACKET_DONT_REDRAW;
}

}  // namespace

void register_ovms_follow(int proto_ovms) {
  follow_tap = register_tap("ovms_follow");
  register_follow_stream(proto_ovms, "ovms_follow", conv_filter, index_filter, address_filter, port_to_display,
                         follow_listener);
}

void follow_segment(const Segment& seg, tvbuff_t* tvb, packet_info* pinfo) {
  if (seg.lines.empty() || !have_tap_listener(follow_tap)) return;
  auto* chunks = wmem_alloc_array(pinfo->pool, FollowChunk, seg.lines.size());
  guint n = 0;
  for (std::size_t i = 0; i < seg.lines.size();) {
    const ovms::Direction dir = seg.lines[i].dir;
    wmem_strbuf_t* text = wmem_strbuf_new(pinfo->pool, "");
    for (; i < seg.lines.size() && seg.lines[i].dir == dir; ++i) append_line(text, seg, seg.lines[i], tvb);
    chunks[n++] = FollowChunk{dir == ovms::Direction::ServerToClient, wmem_strbuf_get_str(text),
                              static_cast<guint>(wmem_strbuf_get_len(text))};
  }
  auto* tap = wmem_new(pinfo->pool, FollowTap);
  *tap = FollowTap{seg.dir == ovms::Direction::ClientToServer, chunks, n};
  tap_queue_packet(follow_tap, pinfo, tap);
}

}  // namespace ovms_ws
