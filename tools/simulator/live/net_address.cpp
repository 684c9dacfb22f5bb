#include "net_address.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ovms::sim::live {

uint16_t NetAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

bool NetAddress::loopback() const {
  if (family() == AF_INET)
    return (ntohl(reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr) >> 24) == 127;
  if (family() == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
  }
  return false;
}

std::string NetAddress::text() const {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(port());
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, buf, sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(port());
  }
  return "?";
}

bool split_host_port(const std::string& text, const std::string& default_host, std::string& host, uint16_t& port,
                     std::string& error) {
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "'" + text + "' is not [IPv6]:PORT";
      return false;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      host = default_host;
      port_text = text;
    } else {
      if (text.find(':') != colon) {
        error = "'" + text + "': write an IPv6 address in brackets, as [::1]:6867";
        return false;
      }
      host = colon == 0 ? default_host : text.substr(0, colon);
      port_text = text.substr(colon + 1);
    }
  }
  char* end = nullptr;
  long p = port_text.empty() ? -1 : std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end || p < 0 || p > 65535) {
    error = "'" + text + "': the port must be a number in 0..65535";
    return false;
  }
  port = static_cast<uint16_t>(p);
  return true;
}

bool resolve(const std::string& host, uint16_t port, std::vector<NetAddress>& out, std::string& error) {
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    error = "cannot resolve '" + host + "': " + gai_strerror(rc);
    return false;
  }
  out.clear();
  for (addrinfo* a = list; a; a = a->ai_next) {
    NetAddress n;
    std::memcpy(&n.storage, a->ai_addr, a->ai_addrlen);
    n.length = a->ai_addrlen;
    out.push_back(n);
  }
  freeaddrinfo(list);
  std::stable_sort(out.begin(), out.end(), [](const NetAddress& a, const NetAddress& b) {
    return a.family() == AF_INET && b.family() != AF_INET;
  });
  if (out.empty()) error = "'" + host + "' has no address";
  return !out.empty();
}

bool set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

int listen_on(const NetAddress& address, std::string& error) {
  int fd = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, address.get(), address.length) != 0 || ::listen(fd, 512) != 0) {
    error = "cannot listen on " + address.text() + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

NetAddress local_address(int fd) {
  NetAddress a;
  a.length = sizeof a.storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a.storage), &a.length) != 0) a.length = 0;
  return a;
}

NetAddress peer_address(int fd) {
  NetAddress a;
  a.length = sizeof a.storage;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&a.storage), &a.length) != 0) a.length = 0;
  return a;
}

void set_server_socket_options(int fd) {
  int one = 1, idle = 240, count = 9;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

}  // namespace ovms::sim::live
