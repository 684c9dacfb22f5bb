#include "addresses.h"

namespace ovms::sim {
namespace {

Endpoint v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  Endpoint e;
  e.addr[0] = a;
  e.addr[1] = b;
  e.addr[2] = c;
  e.addr[3] = d;
  e.port = port;
  return e;
}

// fd00::<group>:<low> (group 0 is the server's fd00::1).
Endpoint v6(uint16_t group, uint16_t low, uint16_t port) {
  Endpoint e;
  e.v6 = true;
  e.addr[0] = 0xfd;
  e.addr[12] = static_cast<uint8_t>(group >> 8);
  e.addr[13] = static_cast<uint8_t>(group);
  e.addr[14] = static_cast<uint8_t>(low >> 8);
  e.addr[15] = static_cast<uint8_t>(low);
  e.port = port;
  return e;
}

}  // namespace

Endpoint AddressPlan::server() const { return ipv6_ ? v6(0, 1, kServerPort) : v4(10, 0, 0, 1, kServerPort); }

uint32_t AddressPlan::new_host(HostKind kind) { return next_host_[static_cast<int>(kind)]++; }

Endpoint AddressPlan::connection_from(HostKind kind, uint32_t host) {
  const int k = static_cast<int>(kind);
  // IPv4: 250 hosts per kind (10.0.1.2-251 / 10.0.2.2-251); more share addresses (carrier NAT).
  // IPv6: one address per host.
  uint32_t addr_index = ipv6_ ? host : host % 250;
  auto key = std::make_pair(k, addr_index);
  auto it = next_port_.find(key);
  if (it == next_port_.end()) {
    // Linux's default ephemeral range is 32768-60999; start each host somewhere random in it.
    it = next_port_.emplace(key, static_cast<uint16_t>(rng_.between(33000, 58000))).first;
  }
  uint16_t port = it->second;
  it->second = port >= 60999 ? 32768 : static_cast<uint16_t>(port + 1);
  if (ipv6_) return v6(static_cast<uint16_t>(k + 1), static_cast<uint16_t>(addr_index + 2), port);
  return v4(10, 0, static_cast<uint8_t>(k + 1), static_cast<uint8_t>(addr_index + 2), port);
}

}  // namespace ovms::sim
