// Capturing from a network interface through libpcap: non-blocking, in immediate mode (each packet
// is delivered as it arrives), with a BPF filter, the kernel's drop counters, and a clean stop.
// Listing the interfaces. Part of ovms_capture.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ovms/packet_source.h"

struct pcap;  // libpcap's pcap_t, kept out of this header

namespace ovms {

// The BPF filter a live capture uses unless the user gives one: TCP on the OVMS server ports
// ("tcp port 6867 or tcp port 6870"), or all of TCP when OVMS is to be recognised by content on any port.
std::string default_capture_filter(const std::set<uint16_t>& ports, bool any_port);

struct LiveOptions {
  std::string interface;          // as listed by list_interfaces(); "any" for all of them (Linux)
  std::string filter;             // BPF syntax (as tcpdump's); empty captures everything
  int snaplen = 262144;           // bytes kept of each packet
  // Kernel ring buffer; packets beyond it are dropped (and counted). In immediate mode each slot
  // holds a packet as large as the interface allows: on lo (MTU 65536) 16 MiB held a burst of 128
  // packets when measured; on Ethernet, thousands.
  int buffer_bytes = 16 << 20;
  bool promiscuous = false;       // OVMS traffic is to or from this host, or mirrored to it
};

// Why opening failed, for a front end that wants to add its own hint (the message says it already).
enum class LiveError { None, PermissionDenied, NoSuchInterface, InterfaceDown, BadFilter, Other };

class LiveCapture : public PacketSource {
 public:
  // Opens and starts the capture. On failure returns nullptr with `error` naming the interface and
  // the reason: a missing capability and how to grant it, an unknown interface, or libpcap's text for
  // a filter it cannot compile.
  static std::unique_ptr<LiveCapture> open(const LiveOptions& options, std::string& error,
                                           LiveError* kind = nullptr);
  ~LiveCapture() override;

  // Never blocks: Idle when no packet is waiting (then wait(), or poll selectable_fd()).
  Status read(CapturedFrame& frame) override;
  int selectable_fd() const override { return fd_; }
  bool streaming() const override { return true; }
  int link_type() const override { return dlt_; }
  std::optional<CaptureDrops> drops() const override;
  const std::string& filter() const { return filter_; }

 private:
  LiveCapture() = default;
  ::pcap* pcap_ = nullptr;
  int fd_ = -1;
  int dlt_ = -1;
  bool nano_ = false;  // timestamps in nanoseconds (else microseconds)
  std::string filter_;
  uint64_t frames_ = 0;
};

struct InterfaceInfo {
  std::string name;
  std::string description;             // may be empty
  std::vector<std::string> addresses;  // IPv4 and IPv6, as text
  bool loopback = false, up = false, running = false, wireless = false;
  std::string flags_text() const;      // "Up, Running, Loopback": the words a list shows
};

// The interfaces libpcap can capture on, in its order. Empty with `error` set when listing failed.
std::vector<InterfaceInfo> list_interfaces(std::string& error);

}  // namespace ovms
