#include "proxy_mode/proxy_tap.h"

#include <QTcpSocket>

namespace inspector {

namespace {

// The recorder reads a leg's addresses from its socket; kept chunks outlive their sockets, so they are
// handed over on an unconnected socket that only carries the addresses.
class AddressOnly : public QTcpSocket {
 public:
  AddressOnly(const QHostAddress& peer, quint16 pp, const QHostAddress& local, quint16 lp) {
    setPeerAddress(peer);
    setPeerPort(pp);
    setLocalAddress(local);
    setLocalPort(lp);
  }
};

}  // namespace

void ProxyTap::data(uint32_t session, ovms::Leg leg, bool from_peer, const QTcpSocket& socket, const char* bytes,
                    std::size_t size) {
  kept_.push_back(Chunk{session, leg, from_peer, false, socket.peerAddress(), socket.localAddress(),
                        socket.peerPort(), socket.localPort(), std::string(bytes, size)});
  if (rec_) rec_->data(session, leg, from_peer, socket, bytes, size);
}

void ProxyTap::closed(uint32_t session) {
  kept_.push_back(Chunk{session, ovms::Leg::Client, false, true, {}, {}, 0, 0, {}});
  if (rec_) rec_->closed(session);
}

void ProxyTap::replay(const Chunk& c) {
  if (c.closed) {
    rec_->closed(c.session);
    return;
  }
  AddressOnly s(c.peer, c.peer_port, c.local, c.local_port);
  rec_->data(c.session, c.leg, c.from_peer, s, c.bytes.data(), c.bytes.size());
}

bool ProxyTap::start(const QString& path, const ovms::KeyStore* keys, QString& error) {
  if (rec_) {
    error = QStringLiteral("already recording");
    return false;
  }
  auto r = std::make_unique<ovms::proxy::PcapngRecorder>();
  std::string e;
  if (!r->open(path.toStdString(), keys, e)) {
    error = QString::fromStdString(e);
    return false;
  }
  rec_ = std::move(r);
  for (const Chunk& c : kept_) replay(c);
  return true;
}

bool ProxyTap::stop(QString& error) {
  if (!rec_) return true;
  std::string e;
  const bool ok = rec_->close(e);
  rec_.reset();
  if (!ok) error = QString::fromStdString(e);
  return ok;
}

}  // namespace inspector
