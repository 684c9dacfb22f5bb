// The keys one decode consults: the configured KeyStore (keys file, the plugin's table), shared and
// read-only, plus the keys this decode learned from the traffic (an AP-S record names a vehicle with
// its server and module passwords). Like Wireshark's WireGuard dissector, where the keys file, the
// table and the capture all feed one store: decoders ask the ring, never the file, and a key says
// where it came from (VehicleKey::line or ::learned), so a record can say which key was known.
//
// The ring also remembers what each configured key did in this decode (verified a connection, or
// matched a vehicle with a wrong secret), for the end-of-capture report.
//
// One ring per decode (per capture), owned by whoever drives the decoders (CaptureAnalyzer, the
// plugin's Capture) and passed to each ConnectionDecoder: never a global, because two decodes of
// different captures must not see each other's keys.
//
// Ordering matters. A key learned at frame F is offered only to lookups made at a later frame, so a
// decode's result does not depend on the order in which connections happen to be decoded, provided
// every connection has been decoded up to frame F before another one looks up a key at a frame after
// F. Decoding connections one after another in frame order (ovmsdump with one thread, Wireshark's first
// pass) gives that for free. A front end that decodes connections in parallel (ovmsdump --threads, in
// cli/parallel_decode.*) gives each thread a ring of its own and a KeyRingSync: the ring calls it before
// it reads or adds to its learned keys, and the sync waits there until every other thread has decoded
// everything before this point, then adopts what they learned meanwhile, in order (the core has no
// threads: the waiting and the locks are the front end's).
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ovms/diagnostic.h"
#include "ovms/keys.h"

namespace ovms {

class KeyRing;

// See above: how a ring decoded beside others (one per thread) stays as one ring would be.
class KeyRingSync {
 public:
  virtual ~KeyRingSync() = default;
  // Before the learned keys are read or added to: adopt() what other rings learned before this point.
  virtual void catch_up() = 0;
  // After this ring stored a key it learned: for the other rings.
  virtual void learned(const VehicleKey& key) = 0;
  // Where in the whole decode this ring is now: orders usage notes across rings (report_unused).
  virtual uint64_t position() const = 0;
};

class KeyRing {
 public:
  explicit KeyRing(const KeyStore* configured = nullptr) : configured_(configured) {}
  KeyRing(const KeyRing&) = delete;  // decoders hold pointers into it
  KeyRing& operator=(const KeyRing&) = delete;

  const KeyStore* configured() const { return configured_; }
  bool empty() const {
    sync();
    return (!configured_ || configured_->empty()) && learned_.empty();
  }

  // Decoding beside other rings (see KeyRingSync); the sync outlives the ring's use.
  void set_sync(KeyRingSync* sync) { sync_ = sync; }
  // A key another ring learned (KeyRingSync::learned), stored as it was there.
  void adopt(const VehicleKey& key) { learned_.push_back(key); }

  // Every key whose vehicle id is `id` (case-insensitively): configured ones first, then those learned
  // before `frame`.
  std::vector<const VehicleKey*> by_id(std::string_view id, uint64_t frame) const;
  // Every key usable at `frame`, configured ones first.
  std::vector<const VehicleKey*> all(uint64_t frame) const;
  const VehicleKey* by_vin(std::string_view vin) const;  // configured keys only: the AP-C key
  const Account* find_account(std::string_view username) const;

  // Adds what traffic revealed. Returns the stored key, or nullptr if nothing is new (a key with the
  // same id and the same secrets is known already).
  const VehicleKey* learn(VehicleKey key, uint64_t frame, uint32_t conn);

  // Usage, for keys that never did anything (key.unused) or only failed (key.wrong_secret).
  void note_verified(const VehicleKey* key);
  void note_wrong_secret(const VehicleKey* key, uint32_t conn);
  // One diagnostic per configured key that verified nothing in this decode.
  std::vector<Diagnostic> report_unused() const { return report_unused({this}); }
  // The same over rings decoded beside each other (KeyRingSync), all over the same configured keys.
  static std::vector<Diagnostic> report_unused(const std::vector<const KeyRing*>& rings);

 private:
  struct Use {
    bool verified = false;
    uint32_t wrong_count = 0;  // connections it matched by vehicle id or VIN, with a wrong secret
    uint32_t first_wrong_conn = 0;
    uint64_t first_wrong_at = 0;  // KeyRingSync::position() then
  };
  void sync() const {
    if (sync_) sync_->catch_up();
  }
  const KeyStore* configured_;
  KeyRingSync* sync_ = nullptr;
  std::deque<VehicleKey> learned_;  // a deque: decoders keep pointers to its keys
  std::unordered_map<const VehicleKey*, Use> use_;
};

}  // namespace ovms
