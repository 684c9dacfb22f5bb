// Socket addresses for the live endpoints: "HOST:PORT" on the command line, name resolution,
// listening sockets, and the text of an address as ovmsdump writes it ("127.0.0.1:6867", "[::1]:6867").
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ovms::sim::live {

struct NetAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
  uint16_t port() const;
  bool loopback() const;
  std::string text() const;  // "1.2.3.4:6867", "[::1]:6867"
};

// "HOST:PORT", "[IPv6]:PORT", ":PORT" or "PORT" (no host: `default_host`). A clear error otherwise.
bool split_host_port(const std::string& text, const std::string& default_host, std::string& host, uint16_t& port,
                     std::string& error);
// Every address of `host` (a name or a literal), IPv4 first.
bool resolve(const std::string& host, uint16_t port, std::vector<NetAddress>& out, std::string& error);

// A nonblocking listening TCP socket (SO_REUSEADDR). Returns the fd, or -1 with `error` set.
int listen_on(const NetAddress& address, std::string& error);
// The local / remote address of a connected socket.
NetAddress local_address(int fd);
NetAddress peer_address(int fd);

// Options of an accepted OVMS connection, as the real server sets them (PROTOCOL.md §1.1): TCP_NODELAY,
// SO_KEEPALIVE with TCP_KEEPIDLE = TCP_KEEPINTVL = 240 s and TCP_KEEPCNT = 9.
void set_server_socket_options(int fd);
bool set_nonblocking(int fd);

}  // namespace ovms::sim::live
