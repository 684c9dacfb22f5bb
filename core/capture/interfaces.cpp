// Listing capture interfaces through pcap_findalldevs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>

#include "ovms/live_capture.h"

namespace ovms {

namespace {

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa && sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else if (sa && sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

}  // namespace

std::string InterfaceInfo::flags_text() const {
  std::string s;
  auto add = [&s](bool on, const char* word) {
    if (on) s += (s.empty() ? "" : ", ") + std::string(word);
  };
  add(up, "Up");
  add(running, "Running");
  add(loopback, "Loopback");
  add(wireless, "Wireless");
  return s;
}

std::vector<InterfaceInfo> list_interfaces(std::string& error) {
  std::vector<InterfaceInfo> out;
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_if_t* all = nullptr;
  if (pcap_findalldevs(&all, errbuf) != 0) {
    error = std::string("cannot list capture interfaces: ") + errbuf;
    return out;
  }
  for (pcap_if_t* d = all; d; d = d->next) {
    InterfaceInfo info;
    info.name = d->name;
    if (d->description) info.description = d->description;
    info.loopback = d->flags & PCAP_IF_LOOPBACK;
    info.up = d->flags & PCAP_IF_UP;
    info.running = d->flags & PCAP_IF_RUNNING;
    info.wireless = d->flags & PCAP_IF_WIRELESS;
    for (pcap_addr_t* a = d->addresses; a; a = a->next) {
      std::string text = address_text(a->addr);
      if (!text.empty()) info.addresses.push_back(text);
    }
    out.push_back(std::move(info));
  }
  pcap_freealldevs(all);
  if (out.empty()) error = "no capture interfaces found (listing them may need the same permissions as capturing)";
  return out;
}

}  // namespace ovms
