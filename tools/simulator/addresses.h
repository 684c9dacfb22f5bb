// Who is where: the server at 10.0.0.1 (fd00::1) port 6867; cars in 10.0.1.x, apps in 10.0.2.x
// (fd00::1:x / fd00::2:x), each connection from a fresh ephemeral port of its host. These addresses
// are only written into the capture; nothing is sent anywhere.
#pragma once

#include <cstdint>
#include <map>

#include "ovms/packet.h"
#include "rng.h"

namespace ovms::sim {

enum class HostKind { Car, App };

class AddressPlan {
 public:
  static constexpr uint16_t kServerPort = 6867;

  AddressPlan(bool ipv6, Rng rng) : ipv6_(ipv6), rng_(rng) {}

  Endpoint server() const;
  // The next host of this kind (IPv4 wraps after 250 hosts per /24, as behind a carrier NAT).
  uint32_t new_host(HostKind kind);
  // A new connection's client endpoint: the host's address and its next ephemeral port.
  Endpoint connection_from(HostKind kind, uint32_t host);
  bool ipv6() const { return ipv6_; }

 private:
  bool ipv6_;
  Rng rng_;
  uint32_t next_host_[2] = {0, 0};
  std::map<std::pair<int, uint32_t>, uint16_t> next_port_;  // per address
};

}  // namespace ovms::sim
