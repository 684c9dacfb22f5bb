// --record FILE.pcapng: both legs of every session as TCP connections in a pcapng file (Ethernet,
// microsecond time stamps), so ovmsdump and Wireshark with our plugin decode them: each leg starts
// with a handshake (SYN, SYN-ACK, ACK) and ends with FINs; sequence numbers follow the bytes. The
// file is 0600 and flushed after every block (an interrupted run leaves a readable file); the keys
// go beside it (FILE.keys.yaml, 0600), written once at the start.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "ovms/keys.h"
#include "ovms/packet.h"
#include "ovms/pcapng_writer.h"
#include "recorder.h"

namespace ovms::proxy {

class PcapngRecorder : public Recorder {
 public:
  // False with `error` when the capture or its keys file cannot be written.
  bool open(const std::string& path, const KeyStore* keys, std::string& error);
  void data(uint32_t session, Leg leg, bool from_peer, const QTcpSocket& socket, const char* bytes,
            std::size_t size) override;
  void closed(uint32_t session) override;
  bool close(std::string& error);
  static std::string keys_path(const std::string& capture);  // "x.pcapng" -> "x.keys.yaml"

 private:
  struct LegState {
    Endpoint peer, proxy;
    uint32_t seq_peer = 1000, seq_proxy = 5000;  // next sequence number of each side
  };
  void frame(const Endpoint& src, const Endpoint& dst, uint32_t seq, uint32_t ack, uint8_t flags, const char* data,
             std::size_t len);
  std::map<std::pair<uint32_t, int>, LegState> legs_;
  PcapngWriter writer_;
};

}  // namespace ovms::proxy
