#include "live_common.h"

#include <openssl/rand.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstring>

namespace ovms::sim::live {

void say(const LiveOptions& o, const std::string& what) {
  std::fprintf(stderr, "ovms-sim %s: %s\n", o.command.c_str(), what.c_str());
}

std::optional<KeyStore> load_keys(const LiveOptions& o) {
  std::string error;
  std::vector<std::string> warnings;
  auto keys = KeyStore::load_file(o.keys_file, error, &warnings);
  if (!keys) say(o, error);
  for (const std::string& w : warnings) say(o, "warning: " + w);
  return keys;
}

uint64_t seed_of(const LiveOptions& o) {
  if (o.seed) return o.seed;
  uint64_t seed = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed) != 1) seed = 0x5eed;
  return seed;
}

bool client_target(const LiveOptions& o, ClientTarget& target, TlsContext& tls) {
  std::string error;
  if (!split_host_port(o.address, "127.0.0.1", target.host, target.port, error) ||
      !resolve(target.host, target.port, target.addresses, error)) {
    say(o, "--connect " + error);
    return false;
  }
  if (target.port == 0) {
    say(o, "--connect " + o.address + ": port 0 is not a server's port");
    return false;
  }
  if (o.tls) {
    tls = tls_client_context(o.ca_file, error);
    if (!tls) {
      say(o, error);
      return false;
    }
    target.tls = tls.get();
  }
  if (!o.server_name.empty()) target.host = o.server_name;
  return true;
}

void raise_descriptor_limit() {
  rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace ovms::sim::live
