#include "sim.h"

#include <ctime>

#include "server.h"

namespace ovms::sim {

Sim::Sim(const SimOptions& options, World& world)
    : options_(options),
      world_(world),
      rng_(options.seed),
      addresses_(options.ipv6, rng_.fork("addresses")),
      server_(std::make_unique<Server>(*this)) {}

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

std::string Sim::utc_time(double t) {
  time_t secs = static_cast<time_t>(kEpoch + t);
  struct tm tm_utc;
  gmtime_r(&secs, &tm_utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm_utc);
  return buf;
}

std::string Sim::utc_date(double t) { return utc_time(t).substr(0, 10); }

}  // namespace ovms::sim
