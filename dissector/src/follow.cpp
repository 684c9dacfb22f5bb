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
// lines that could not be decrypted, as TCP follow would show them.
// Built in packet-scope memory (no C++ object with a destructor between epan calls).
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

}  // namespace

void register_ovms_follow(int proto_ovms) {
  follow_tap = register_tap("ovms_follow");
  register_follow_stream(proto_ovms, "ovms_follow", conv_filter, index_filter, address_filter, port_to_display,
                         follow_tvb_tap_listener);
}

void follow_segment(const Segment& seg, tvbuff_t* tvb, packet_info* pinfo) {
  if (seg.lines.empty() || !have_tap_listener(follow_tap)) return;
  wmem_strbuf_t* text = wmem_strbuf_new(pinfo->pool, "");
  for (const Line& line : seg.lines) append_line(text, seg, line, tvb);
  // The listener copies the bytes before the packet scope frees them.
  const auto len = static_cast<guint>(wmem_strbuf_get_len(text));
  tvbuff_t* follow_tvb =
      tvb_new_child_real_data(tvb, reinterpret_cast<const guint8*>(wmem_strbuf_get_str(text)), len, static_cast<gint>(len));
  tap_queue_packet(follow_tap, pinfo, follow_tvb);
}

}  // namespace ovms_ws
