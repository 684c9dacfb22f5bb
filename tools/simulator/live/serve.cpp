// ovms-sim serve: the server model (../server.h) on a listening socket.
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "../server.h"
#include "live_commands.h"
#include "live_common.h"

namespace ovms::sim::live {
namespace {

// The vehicles, accounts and auto-provisioning records of the keys file. Every account owns every
// vehicle (the keys file has no owners); an AP record names this server and the vehicle's id and
// server password (module parameters #4, #8 and #9). Returns how many vehicles can log in: an entry
// without an id or a server password cannot.
std::size_t load_records(Server& server, const KeyStore& keys, const std::string& host, Rng& rng) {
  std::size_t vehicles = 0;
  for (const VehicleKey& v : keys.vehicles()) {
    if (v.id.empty() || !v.server_password) continue;
    ++vehicles;
    server.add_vehicle(v.id, *v.server_password, "*");
    if (v.vin && v.iccid)
      server.add_ap_record(*v.vin, make_ap_record(rng, *v.iccid, "- - - - " + host + " - - - " + v.id + " " + *v.server_password));
  }
  for (const Account& a : keys.accounts()) server.add_account(a.username, a.password);
  return vehicles;
}

class Listener {
 public:
  Listener(const LiveOptions& o, EventLoop& loop, Server& server, const KeyStore& keys, SSL_CTX* tls, Rng rng)
      : o_(o), loop_(loop), server_(server), keys_(keys), tls_(tls), rng_(rng) {}

  bool start(const NetAddress& where) {
    std::string error;
    fd_ = listen_on(where, error);
    if (fd_ < 0) {
      say(o_, error);
      return false;
    }
    loop_.watch(fd_, POLLIN, [this](short) { accept_all(); });
    return true;
  }
  ~Listener() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  void accept_all() {
    for (;;) {
      int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) pause_accepting();
        return;  // EAGAIN: all taken; anything else: the client gave up already
      }
      set_server_socket_options(fd);
      const uint32_t id = next_id_++;
      auto link = std::make_unique<LiveServerLink>(loop_, &keys_, id, server_, fd, tls_, rng_.fork("link", id));
      link->on_gone = [this](LiveLink& gone) { loop_.defer([this, key = &gone] { links_.erase(key); }); };
      LiveLink* key = link.get();
      links_.emplace(key, std::move(link));
    }
  }
  // Out of descriptors: stop accepting for a second rather than spin on a listener that stays ready.
  void pause_accepting() {
    say(o_, "out of file descriptors: not accepting for a second");
    loop_.unwatch(fd_);
    loop_.at(loop_.now() + 1, [this] { loop_.watch(fd_, POLLIN, [this](short) { accept_all(); }); });
  }

  const LiveOptions& o_;
  EventLoop& loop_;
  Server& server_;
  const KeyStore& keys_;
  SSL_CTX* tls_;
  Rng rng_;
  int fd_ = -1;
  uint32_t next_id_ = 0;
  std::unordered_map<LiveLink*, std::unique_ptr<LiveServerLink>> links_;
};

}  // namespace

int run_serve(const LiveOptions& o) {
  auto keys = load_keys(o);
  if (!keys) return 2;
  std::string host, error;
  uint16_t port = 0;
  std::vector<NetAddress> where;
  if (!split_host_port(o.address, "127.0.0.1", host, port, error) || !resolve(host, port, where, error)) {
    say(o, "--listen " + error);
    return 2;
  }
  TlsContext tls;
  if (o.tls) {
    tls = tls_server_context(o.cert_file, o.key_file, error);
    if (!tls) {
      say(o, error);
      return 2;
    }
  }
  raise_descriptor_limit();
  EventLoop loop;
  loop.stop_on_signals();
  Rng rng(seed_of(o));
  Server server(loop.epoch());
  const std::size_t vehicles = load_records(server, *keys, host, rng);
  server.on_event = [&o](ServerLink& s, const std::string& what) { say(o, s.peer() + ": " + what); };

  Listener listener(o, loop, server, *keys, tls.get(), rng.fork("links"));
  if (!listener.start(where.front())) return 1;
  NetAddress bound = local_address(listener.fd());
  // First on stdout, so that a test that asked for port 0 learns the port before anything else.
  std::printf("listening on %s\n", bound.text().c_str());
  std::fflush(stdout);
  say(o, std::to_string(vehicles) + " vehicles and " + std::to_string(keys->accounts().size()) +
             " accounts from " + o.keys_file + (o.tls ? "; TLS" : ""));
  if (!bound.loopback())
    say(o, "note: " + bound.text() + " is not a loopback address: anyone on the network can connect");

  std::function<void()> check = [&] {
    server.check_timeouts(loop.now(), o.timeouts);
    loop.at(loop.now() + 1, check);
  };
  loop.at(1, check);
  loop.run();
  say(o, loop.stopped_by_signal() ? "stopped" : "stopped (nothing left to do)");
  return 0;
}

}  // namespace ovms::sim::live
