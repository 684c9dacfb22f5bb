// What a session hands its recorder: every byte each leg received from its peer and every byte the
// proxy sent to it, with the socket (for the addresses). The pcapng recorder (pcapng_recorder.h) writes
// them as two TCP connections per session; the inspector can keep them in memory instead.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ovms/relay.h"

class QTcpSocket;

namespace ovms::proxy {

class Recorder {
 public:
  virtual ~Recorder() = default;
  // from_peer: the leg's peer sent these bytes (else the proxy sent them to it).
  virtual void data(uint32_t session, Leg leg, bool from_peer, const QTcpSocket& socket, const char* bytes,
                    std::size_t size) = 0;
  virtual void closed(uint32_t session) = 0;
};

}  // namespace ovms::proxy
