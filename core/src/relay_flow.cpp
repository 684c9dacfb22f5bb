// The relay's lines: cut into units and decoded as they arrive, queued, passed on as they came or
// re-encoded, and lines over max_line passed on without being kept.
#include <algorithm>

#include "relay_impl.h"

namespace ovms {

using namespace relay;
using namespace relay_detail;

void Relay::Impl::process(Flow& f) {
  while (!closed) {
    if (f.oversize) {
      if (!continue_oversize(f)) return;
      continue;
    }
    if (f.undecoded) return;
    std::size_t len = 0;
    Inbox::Next next = f.inbox.next(opt.max_line, len);
    if (next == Inbox::Next::NeedMore) return;
    if (next == Inbox::Next::Oversize) begin_oversize(f);
    else feed_unit(f, len);
  }
}

void Relay::Impl::feed_unit(Flow& f, std::size_t len) {
  const Leg from = f.from, to = other_leg(from);
  const Direction dir = sent_by(from);
  std::string_view unit = f.inbox.unfed().substr(0, len);
  const bool alone = f.inbox.nothing_fed_pending();
  Records in, copy;
  decoder(from).feed(dir, reinterpret_cast<const uint8_t*>(unit.data()), unit.size(), 0, now, in);
  if (pass_through)  // the bytes already went on: the other leg's decoder sees the same units
    decoder(to).feed(dir, reinterpret_cast<const uint8_t*>(unit.data()), unit.size(), 0, now, copy);
  const bool websocket = f.inbox.websocket();
  f.inbox.mark_fed(len);
  if (in.out.empty()) {
    // A control frame on its own (ping, close) passes on as it is, in order; a unit that is part of a
    // record still to come (HTTP header lines, fragments) waits for it.
    if (websocket && alone && !f.inbox.last_frame().carries_data()) {
      Item it;
      it.raw = f.inbox.take_fed();
      if (!pass_through) enqueue(f, std::move(it));
    }
    return;
  }
  Item it;
  it.record = in.out.back();
  it.raw = f.inbox.take_fed();
  if (websocket) {
    it.framing = LineFraming{true, f.inbox.last_frame().masked, false};
    std::copy(f.inbox.last_frame().mask_key, f.inbox.last_frame().mask_key + 4, it.mask.begin());
  } else {
    it.framing.bare_lf = !(it.raw.size() >= 2 && it.raw[it.raw.size() - 2] == '\r');
  }
  f.sender_framing = it.framing;
  if (pass_through) {
    show(it, from, copy.out.empty() ? nullptr : copy.out.back());
    after_record(f, *it.record);
    return;
  }
  RecordPtr record = it.record;
  arrive(f, it);
  enqueue(f, std::move(it));
  if (!closed) after_record(f, *record);
}

void Relay::Impl::arrive(Flow& f, Item& it) {
  const LineRecord& r = *it.record;
  it.session = r.kind == LineKind::Message && f.out.scheme() >= 0;
  if (!it.session) return;
  if (f.out.scheme() == 0)
    it.keystream = r.plain ? r.plain->size() : base64_decoded_size(base64_symbol_run(r.wire));
  it.rx_before = f.rx_offset;
  f.rx_offset += it.keystream;
  it.to_proxy = r.response_to && injected.count(*r.response_to);
  if (it.to_proxy || !opt.intercept || !opt.intercept(r, f.from)) return;
  const Leg to = other_leg(f.from);
  it.hold_id = next_hold++;
  it.timer = relay_detail::receiver_timer(to, dec_client.client_role(), opt.timeouts);
  out->push_back(Hold{it.hold_id, it.record, f.from, last_sent[static_cast<int>(to)] + it.timer.seconds, it.timer.who});
}

void Relay::Impl::enqueue(Flow& f, Item it) {
  f.queued_bytes += it.raw.size();
  f.queue.push_back(std::move(it));
  drain(f);
}

void Relay::Impl::drain(Flow& f) {
  while (!closed && !f.queue.empty()) {
    Item& head = f.queue.front();
    if (head.hold_id && !head.verdict) break;
    Item it = std::move(head);
    f.queue.pop_front();
    f.queued_bytes -= it.raw.size();
    pass_on(f, it);
  }
  if (!closed) close_after(f);
}

void Relay::Impl::pass_on(Flow& f, Item& it) {
  const Leg to = other_leg(f.from);
  if (!it.record) {
    send_line(to, std::move(it.raw));
    return;
  }
  if (!it.session) {
    show(it, f.from, send_line(to, std::move(it.raw)));
    return;
  }
  if (it.to_proxy) {
    show(it, f.from, nullptr);
    return;
  }
  const Verdict::Action action = it.verdict ? it.verdict->action : Verdict::Action::Forward;
  if (action == Verdict::Action::Drop) {
    show(it, f.from, nullptr, true);
    return;
  }
  if (action == Verdict::Action::Edit) {
    show(it, f.from, send_line(to, encode(f, it.framing, it.mask, it.verdict->body)));
    return;
  }
  if (in_step(f, it.rx_before)) {  // the receiver decrypts the bytes as they came
    f.out.skip(it.keystream);
    show(it, f.from, send_unchanged(to, it, std::move(it.raw)));
  } else if (it.record->plain && it.record->body_offset >= 0) {
    show(it, f.from, send_unchanged(to, it, encode(f, it.framing, it.mask, body_of(*it.record))));
  } else {
    RecordPtr sent = send_line(to, std::move(it.raw));
    f.out.skip(it.keystream);
    note(f.from, DiagId::RelayNotReencoded,
         "a line that did not decrypt was passed on as it came, but this direction is out of step since the proxy "
         "changed it: the " + std::string(leg_name(to)) + " leg's receiver cannot decrypt it either",
         static_cast<int64_t>(it.record->stream_pos));
    show(it, f.from, std::move(sent));
  }
}

std::string Relay::Impl::encode(Flow& f, const LineFraming& framing, const MaskKey& mask, std::string_view body) {
  f.out.set_framing(framing);
  if (framing.masked) reuse_mask = mask;
  return f.out.encode(body);
}

void Relay::Impl::close_after(Flow& f) {
  if (!f.peer_closed || f.close_sent || !f.queue.empty()) return;
  out->push_back(Close{other_leg(f.from), false});
  f.close_sent = true;
  if (flows[0].close_sent && flows[1].close_sent) finish();
}

void Relay::Impl::begin_oversize(Flow& f) {
  const Leg to = other_leg(f.from);
  std::optional<WebSocketFrameHeader> frame;
  if (f.inbox.websocket())
    frame = parse_websocket_frame_header(reinterpret_cast<const uint8_t*>(f.inbox.unfed().data()), f.inbox.unfed().size());
  OversizeLine line(frame ? &*frame : nullptr);
  const int64_t pos = static_cast<int64_t>(f.inbox.position());
  note(f.from, DiagId::RelayLineTooLong, "a line of more than " + std::to_string(opt.max_line) +
                                            " bytes (max_line): not decoded, nor kept", pos);
  if (!pass_through && scheme() < 0)
    start_pass_through(f.from, "a line over max_line before login: the relay cannot follow the handshake");
  const bool whole_line = line.skippable() && f.inbox.nothing_fed_pending();
  if (pass_through) {
    if (whole_line) f.oversize = line;
    else f.undecoded = true;  // the decoders lose this direction; the bytes still pass at once
    f.oversize_forwarded = false;
    return;
  }
  const bool untouched = f.queue.empty() && in_step(f, f.rx_offset);
  if (!untouched) {
    close_both(f.from, "a line over max_line (" + std::to_string(opt.max_line) +
                           " bytes) came after the proxy changed or held lines in this direction: it cannot be "
                           "re-encoded without keeping it whole");
    return;
  }
  if (!whole_line) {
    note(f.from, DiagId::RelayPassThrough, "a WebSocket message over max_line that is not one whole frame: the " +
                                               std::string(leg_name(f.from)) + " leg's bytes pass through undecoded "
                                               "from here on");
    f.undecoded = true;
    send_wire(to, f.inbox.peek());
    f.inbox.consume(f.inbox.size());
    return;
  }
  f.oversize = line;
  f.oversize_forwarded = true;
}

bool Relay::Impl::continue_oversize(Flow& f) {
  std::string_view bytes = f.inbox.peek();
  std::size_t n = f.oversize->take(bytes);
  if (f.oversize_forwarded) send_wire(other_leg(f.from), bytes.substr(0, n));
  f.inbox.consume(n);
  if (!f.oversize->done()) return false;
  const uint64_t wire = f.oversize->wire_bytes(), keystream = f.oversize->keystream_bytes();
  const Direction dir = sent_by(f.from);
  decoder(f.from).skip_line(dir, wire, keystream);
  decoder(other_leg(f.from)).skip_line(dir, wire, keystream);
  if (f.oversize_forwarded && f.out.scheme() == 0) {
    f.out.skip(keystream);
    f.rx_offset += keystream;
  }
  f.oversize.reset();
  return true;
}

}  // namespace ovms
