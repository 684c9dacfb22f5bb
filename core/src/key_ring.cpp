#include "ovms/key_ring.h"

namespace ovms {
namespace {

bool usable_at(const VehicleKey& k, uint64_t frame) { return !k.learned || k.learned->frame < frame; }

bool same_id(const VehicleKey& k, std::string_view id) { return !k.id.empty() && iequals(k.id, id); }

// `known` already holds every secret `k` brings.
bool covers(const VehicleKey& known, const VehicleKey& k) {
  return iequals(known.id, k.id) && (!k.server_password || known.server_password == k.server_password) &&
         (!k.module_password || known.module_password == k.module_password);
}

}  // namespace

std::vector<const VehicleKey*> KeyRing::by_id(std::string_view id, uint64_t frame) const {
  sync();
  std::vector<const VehicleKey*> out;
  if (configured_)
    for (const VehicleKey& k : configured_->vehicles())
      if (same_id(k, id)) out.push_back(&k);
  for (const VehicleKey& k : learned_)
    if (same_id(k, id) && usable_at(k, frame)) out.push_back(&k);
  return out;
}

std::vector<const VehicleKey*> KeyRing::all(uint64_t frame) const {
  sync();
  std::vector<const VehicleKey*> out;
  if (configured_)
    for (const VehicleKey& k : configured_->vehicles()) out.push_back(&k);
  for (const VehicleKey& k : learned_)
    if (usable_at(k, frame)) out.push_back(&k);
  return out;
}

const VehicleKey* KeyRing::by_vin(std::string_view vin) const {
  return configured_ ? configured_->find_by_vin(vin) : nullptr;
}

const Account* KeyRing::find_account(std::string_view username) const {
  return configured_ ? configured_->find_account(username) : nullptr;
}

const VehicleKey* KeyRing::learn(VehicleKey key, uint64_t frame, uint32_t conn) {
  sync();
  if (configured_)
    for (const VehicleKey& k : configured_->vehicles())
      if (covers(k, key)) return nullptr;
  for (const VehicleKey& k : learned_)
    if (covers(k, key)) return nullptr;
  key.line = 0;
  key.learned = LearnedFrom{frame, conn};
  learned_.push_back(std::move(key));
  if (sync_) sync_->learned(learned_.back());
  return &learned_.back();
}

void KeyRing::note_verified(const VehicleKey* key) {
  if (key) use_[key].verified = true;
}

void KeyRing::note_wrong_secret(const VehicleKey* key, uint32_t conn) {
  if (!key) return;
  Use& u = use_[key];
  if (u.wrong_count++ == 0) {
    u.first_wrong_conn = conn;
    u.first_wrong_at = sync_ ? sync_->position() : 0;
  }
}

namespace {
// A few unused vehicles are named one by one; more (a fleet's keys file over one car's capture: there
// may be 100,000) are one note naming the first few, so that they do not bury everything else.
void report_never_matched(const std::vector<const VehicleKey*>& unused, std::vector<Diagnostic>& out) {
  constexpr std::size_t kOneByOne = 20, kNamed = 5;
  auto who = [](const VehicleKey& k) { return "'" + k.name() + "' (line " + std::to_string(k.line) + ")"; };
  if (unused.size() <= kOneByOne) {
    for (const VehicleKey* k : unused)
      out.push_back(Diagnostic{DiagId::KeyUnused, 0, -1, "keys-file vehicle " + who(*k) + " never matched any connection"});
    return;
  }
  std::string msg = std::to_string(unused.size()) + " keys-file vehicles never matched any connection: ";
  for (std::size_t i = 0; i < kNamed; ++i) msg += who(*unused[i]) + ", ";
  msg += "and " + std::to_string(unused.size() - kNamed) + " more";
  out.push_back(Diagnostic{DiagId::KeyUnused, 0, -1, msg});
}
}  // namespace

std::vector<Diagnostic> KeyRing::report_unused(const std::vector<const KeyRing*>& rings) {
  std::vector<Diagnostic> out;
  const KeyStore* configured = rings.empty() ? nullptr : rings.front()->configured_;
  if (!configured) return out;
  std::vector<const VehicleKey*> unused;
  for (const VehicleKey& k : configured->vehicles()) {
    // The rings' notes together: the first wrong connection is the one noted earliest in the decode.
    Use u;
    bool any_wrong = false;
    for (const KeyRing* ring : rings) {
      auto it = ring->use_.find(&k);
      if (it == ring->use_.end()) continue;
      const Use& r = it->second;
      u.verified = u.verified || r.verified;
      if (r.wrong_count && (!any_wrong || r.first_wrong_at < u.first_wrong_at)) {
        u.first_wrong_conn = r.first_wrong_conn;
        u.first_wrong_at = r.first_wrong_at;
        any_wrong = true;
      }
      u.wrong_count += r.wrong_count;
    }
    if (u.verified) continue;
    std::string who = "keys-file vehicle '" + k.name() + "' (line " + std::to_string(k.line) + ")";
    if (u.wrong_count == 0) {
      unused.push_back(&k);
      continue;
    }
    std::string where = "connection #" + std::to_string(u.first_wrong_conn);
    if (u.wrong_count > 1) where += " and " + std::to_string(u.wrong_count - 1) + " more";
    out.push_back(Diagnostic{DiagId::KeyWrongSecret, 0, -1,
                             who + " matched " + where + ", but its secret verified none of them: it is wrong "
                                   "or outdated"});
  }
  report_never_matched(unused, out);
  return out;
}

}  // namespace ovms
