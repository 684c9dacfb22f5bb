// What the three live commands share: their messages on stderr, the keys file, the seed, and where
// a client connects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "live_link.h"
#include "live_options.h"
#include "ovms/keys.h"
#include "tls.h"

namespace ovms::sim::live {

// "ovms-sim car: <what>" on stderr. Never given a secret.
void say(const LiveOptions& o, const std::string& what);
// The keys file, or nullopt after saying why.
std::optional<KeyStore> load_keys(const LiveOptions& o);
// --seed, or random bits from OpenSSL.
uint64_t seed_of(const LiveOptions& o);
// Resolves --connect and prepares --tls. False after saying why.
bool client_target(const LiveOptions& o, ClientTarget& target, TlsContext& tls);
// The open-files soft limit raised to the hard limit: a server of 1000 cars, or one app process
// with 1000 sessions, needs more than the usual 1024 descriptors.
void raise_descriptor_limit();

}  // namespace ovms::sim::live
