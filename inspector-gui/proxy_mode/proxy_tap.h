// The proxy mode's recorder: keeps every byte of every leg in memory from the start, so that Record
// can begin at any moment and still write a capture that decodes completely (the welcome lines are
// what the keys need). Once recording, each new chunk goes on to the proxy's PcapngRecorder too.
#pragma once

#include <QHostAddress>
#include <QString>
#include <memory>
#include <vector>

#include "pcapng_recorder.h"
#include "recorder.h"

namespace inspector {

class ProxyTap : public ovms::proxy::Recorder {
 public:
  void data(uint32_t session, ovms::Leg leg, bool from_peer, const QTcpSocket& socket, const char* bytes,
            std::size_t size) override;
  void closed(uint32_t session) override;

  // Writes what was kept so far to `path` (and its keys beside it) and goes on writing. False with `error`.
  bool start(const QString& path, const ovms::KeyStore* keys, QString& error);
  bool stop(QString& error);
  bool recording() const { return rec_ != nullptr; }

 private:
  struct Chunk {
    uint32_t session;
    ovms::Leg leg;
    bool from_peer;
    bool closed;  // the session ended (no bytes)
    QHostAddress peer, local;
    quint16 peer_port, local_port;
    std::string bytes;
  };
  void replay(const Chunk& c);
  std::vector<Chunk> kept_;
  std::unique_ptr<ovms::proxy::PcapngRecorder> rec_;
};

}  // namespace inspector
