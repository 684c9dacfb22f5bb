// What `ovms-proxy --replay` sends: one vehicle's messages as one party (a car or an app) sent them in a
// capture, by meaning (`<code><data>`, decrypted with the keys), with their capture times. Bytes cannot
// be replayed: a fresh session has fresh tokens, so every line must be encrypted anew.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ovms/keys.h"
#include "ovms/record.h"

namespace ovms::proxy {

struct ReplayMessage {
  double ts = 0;     // capture time of the line
  std::string body;  // `<code><data>` as the sender built it (a paranoid EM body as it was: its key is the module's)
};

// The decrypted lines `role` sent for `vehicle` in the capture at `path`, in order. Pings (`A`, `a`) are
// left out: a replay answers the live server's pings instead. nullopt with `error` naming the file and the
// reason (unreadable, nothing decrypted for that vehicle and role).
std::optional<std::vector<ReplayMessage>> load_replay_messages(const std::string& path, const KeyStore* keys,
                                                               const std::string& vehicle, Role role,
                                                               std::string& error);

}  // namespace ovms::proxy
