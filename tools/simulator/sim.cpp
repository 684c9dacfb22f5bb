#include "sim.h"

#include "server.h"
#include "session.h"

namespace ovms::sim {

Sim::Sim(const SimOptions& options, World& world)
    : options_(options),
      world_(world),
      rng_(options.seed),
      addresses_(options.ipv6, rng_.fork("addresses")),
      server_(std::make_unique<Server>(kEpoch)) {}

Sim::~Sim() = default;

TcpConnection& Sim::open_tcp(HostKind kind, uint32_t host, double rtt) {
  Endpoint client = addresses_.connection_from(kind, host);
  TcpParams p;
  p.rtt = rtt;
  p.mss = options_.ipv6 ? 1440 : 1460;
  auto isn_client = static_cast<uint32_t>(rng_.next() >> 32);
  auto isn_server = static_cast<uint32_t>(rng_.next() >> 32);
  return world_.connection(client, addresses_.server(), isn_client, isn_server, p);
}

ClientLink& Sim::dial(const SessionParams& p, SessionClient& client, Rng rng, double t, const std::string& first_line) {
  OvmsSession& s = make<OvmsSession>(*this, p, &client, rng);
  if (first_line.empty()) s.open(t);
  else s.open_with_line(t, first_line);
  return s.client_end();
}

}  // namespace ovms::sim
