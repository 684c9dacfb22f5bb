// The decrypting relay, both legs, with the samples' keys: input is a list of events (op byte: bit 0
// the leg, bits 1-3 received / closed / verdict / inject / tick). Lines whose wire length is a
// multiple of 5 are held, so verdicts have something to act on. Every record shown must serialise to
// strict JSON, and the relay must never throw.
#include <vector>

#include "fuzz_support.h"
#include "ovms/relay.h"

using namespace ovms;

namespace {
const std::shared_ptr<const KeyStore>& keys() {
  static const auto k = std::make_shared<const KeyStore>(fuzz::sample_keys());
  return k;
}

void check(const RecordPtr& r) {
  if (!r) return;
  std::string out;
  append_record_json(out, *r, nullptr);
  fuzz::check_json(out);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  RelayOptions options;
  options.keys = keys();
  options.max_line = 4096;
  options.max_buffered = 1 << 16;
  options.intercept = [](const LineRecord& r, Leg) { return !r.wire.empty() && r.wire.size() % 5 == 0; };
  uint32_t mask = 0x12345678;  // deterministic masking keys: a crash replays
  options.masks = [&mask] {
    mask = mask * 1103515245u + 12345u;
    return MaskKey{uint8_t(mask >> 24), uint8_t(mask >> 16), uint8_t(mask >> 8), uint8_t(mask)};
  };
  Relay relay(options);
  std::vector<uint64_t> holds;
  double now = 0;
  while (!in.done()) {
    uint8_t op = in.byte();
    Leg leg = (op & 1) ? Leg::Server : Leg::Client;
    now += 1 + (op >> 4) * 60;
    std::vector<relay::Command> out;
    switch ((op >> 1) & 7) {
      case 0: case 1: case 2:
        out = relay.handle(relay::Received{leg, std::string(in.bytes(in.u16())), now});
        break;
      case 3: out = relay.handle(relay::Closed{leg, (op & 0x10) != 0, now}); break;
      case 4: {
        relay::Verdict v;
        uint8_t pick = in.byte();
        v.hold_id = holds.empty() ? pick : holds[pick % holds.size()];
        v.action = static_cast<relay::Verdict::Action>(in.byte() % 3);
        v.inner = pick & 0x80;
        v.body = std::string(in.bytes(in.byte()));
        v.now = now;
        out = relay.handle(v);
        break;
      }
      case 5: out = relay.handle(relay::Inject{leg, std::string(in.bytes(in.byte())), now}); break;
      default: out = relay.handle(relay::Tick{now}); break;
    }
    for (const auto& c : out) {
      if (auto* s = std::get_if<relay::Show>(&c)) {
        check(s->record);
        check(s->sent);
      } else if (auto* h = std::get_if<relay::Hold>(&c)) {
        check(h->record);
        holds.push_back(h->hold_id);
      } else if (auto* n = std::get_if<relay::Note>(&c)) {
        std::string j;
        append_diagnostic_json(j, n->diag);
        fuzz::check_json(j);
      }
    }
  }
  return 0;
}
