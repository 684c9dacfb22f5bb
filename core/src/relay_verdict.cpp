// What the front end decides: verdicts on held lines (edits re-wrapped for paranoid lines), lines it
// injects, and the warnings while a held line keeps a peer waiting.
#include <cmath>

#include "relay_impl.h"

namespace ovms {

using namespace relay;
using namespace relay_detail;

void Relay::Impl::on(const Verdict& v) {
  Item* it = nullptr;
  Flow* in = nullptr;
  for (Flow& f : flows)
    for (Item& i : f.queue)
      if (i.hold_id == v.hold_id && v.hold_id) it = &i, in = &f;
  if (!it || it->verdict) {
    note(Leg::Client, DiagId::RelayRefused, "a verdict for line #" + std::to_string(v.hold_id) +
                                                (it ? ", which already has one" : ", which is not held") + ": ignored");
    return;
  }
  Verdict final = v;
  if (v.action == Verdict::Action::Edit) {
    std::string why = edited_body(*in, *it, v, final.body);
    if (!why.empty()) {
      note(in->from, DiagId::RelayRefused, "edit of held line #" + std::to_string(v.hold_id) + " refused: " + why +
                                               "; the line stays held");
      return;
    }
    it->changed = final.body != body_of_or_empty(*it->record);
  }
  it->verdict = std::move(final);
  drain(*in);
}

std::string Relay::Impl::body_of_or_empty(const LineRecord& r) {
  return r.plain && r.body_offset >= 0 ? body_of(r) : std::string();
}

std::string Relay::Impl::edited_body(const Flow& f, const Item& it, const Verdict& v, std::string& body) {
  body = v.body;
  if (v.inner) {
    const LineRecord& r = *it.record;
    if (r.msg.code != 'E' || !r.inner) return "an inner edit needs a paranoid EM line whose payload decrypted";
    const VehicleKey* key = dec_client.key();
    const std::string ptoken = decoder(f.from).paranoid_token();
    // The password that decrypted the original: the module password, or the server password (Android).
    const std::optional<std::string>* password = nullptr;
    if (key) password = has_diag(r, DiagId::ParanoidServerPassword) ? &key->server_password : &key->module_password;
    if (!password || !*password || ptoken.empty()) return "no module password or paranoid token to re-wrap it with";
    if (v.body.empty()) return "the inner message is empty";
    body = paranoid_envelope(paranoid_key(**password, ptoken), v.body);
  }
  return check_body(f, body);
}

std::string Relay::Impl::check_body(const Flow& f, std::string_view body) const {
  if (body.empty()) return "an empty message (after login an empty line makes both peers drop the connection)";
  if (body.size() > opt.max_line) return "longer than max_line";
  if (f.out.scheme() == 1 && !f.sender_framing.websocket &&
      (body.find('\n') != std::string_view::npos || body.back() == '\r'))
    return "a line end inside a scheme-1 line would split it";
  return {};
}

void Relay::Impl::on(const Inject& e) {
  Flow& f = flow(other_leg(e.toward));  // the flow whose encoder sends on `toward`
  std::string why = pass_through           ? "the relay passes bytes through (it cannot encrypt)"
                    : f.out.scheme() < 0   ? "the session has not started (welcomes pass unchanged)"
                    : f.undecoded          ? "that direction passes through undecoded"
                    : f.oversize           ? "a line over max_line is passing through on that leg"
                    : f.close_sent         ? "that leg is closed"
                                           : check_body(f, e.body);
  if (!why.empty()) {
    note(e.toward, DiagId::RelayRefused, "injection toward the " + std::string(leg_name(e.toward)) + " refused: " + why);
    return;
  }
  LineFraming framing = f.sender_framing;
  reuse_mask.reset();  // a fresh key for a frame of the proxy's own
  f.out.set_framing(framing);
  RecordPtr sent = send_line(e.toward, f.out.encode(e.body));
  if (sent) injected.insert(sent->id);
  out->push_back(Show{sent, f.from, false, false, true, false, sent});
}

void Relay::Impl::check_timers() {
  for (Flow& f : flows) {
    if (f.queue.empty()) continue;
    Item& head = f.queue.front();
    if (!head.hold_id || head.verdict || !std::isfinite(head.timer.seconds)) continue;
    const double deadline = last_sent[static_cast<int>(other_leg(f.from))] + head.timer.seconds;
    double& done = now >= deadline ? head.expired_for : head.warned_for;
    if (now < deadline - opt.warn_before || done == deadline) continue;
    done = deadline;
    out->push_back(Warn{head.hold_id, deadline,
                        relay_detail::hold_warning(head.hold_id, *head.record, f.from, head.timer, deadline, now)});
  }
}

}  // namespace ovms
