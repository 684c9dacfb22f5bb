// One proxied connection: a client socket (the car, app or batch client that connected to the proxy)
// and an upstream socket (the proxy's own connection to the OVMS server), driving one ovms::Relay.
// The relay decides what goes where; the session only moves bytes and carries out its commands.
//
// Backpressure: a leg is not read while the relay keeps more than `bound` bytes from it, or while the
// other leg's socket has more than `bound` bytes still to write (a slow receiver). The sockets' own
// read buffers are capped too, so the kernel's receive window is what fills up, and the sender slows.
//
// Half-close and reset are passed on (plain TCP legs): a peer's FIN becomes a FIN toward the other
// peer once what it sent has gone out (shutdown SHUT_WR), and the other direction goes on until that
// peer closes too; a peer's RST becomes a RST toward the other (SO_LINGER 0, then close). A TLS leg
// closes whole, as Qt's TLS socket does.
#pragma once

#include <QObject>
#include <QSslConfiguration>
#include <QString>
#include <memory>

#include "ovms/relay.h"

class QTcpSocket;

namespace ovms::proxy {

class Rules;
class Recorder;
class LegWriter;

struct SessionConfig {
  std::shared_ptr<const KeyStore> keys;
  QString upstream_host;
  quint16 upstream_port = 6867;
  bool upstream_tls = false;
  bool upstream_insecure = false;  // TLS upstream without verification
  QList<QSslCertificate> upstream_ca;  // trusted for the upstream besides the system's CAs
  std::size_t bound = 256 * 1024;  // bytes per leg before that leg stops being read
  double warn_before = 30;
  PeerTimeouts timeouts;
};

// What a front end is shown of one relayed line (a copy of relay::Show with the session's number).
struct ShownLine {
  uint32_t session = 0;
  relay::Show show;
};

class Session : public QObject {
  Q_OBJECT
 public:
  // Takes the accepted client socket (a QSslSocket when the client leg is TLS, already encrypting or
  // about to). `rules` and `recorder` may be null and must outlive the session.
  Session(uint32_t id, QTcpSocket* client, const SessionConfig& config, Rules* rules, Recorder* recorder,
          QObject* parent = nullptr);
  ~Session() override;

  uint32_t id() const { return id_; }
  const Relay& relay() const { return relay_; }
  bool paused(Leg leg) const { return paused_[static_cast<int>(leg)]; }
  std::size_t queued_to(Leg leg) const;  // bytes written to that leg's socket that it has not taken yet

  // Lines a front end holds for its own verdict (the inspector's intercept filter); rules come first.
  void setIntercept(std::function<bool(const LineRecord&, Leg)> f) { intercept_ = std::move(f); }

 Q_SIGNALS:
  void shown(const ovms::proxy::ShownLine& line);
  void held(quint32 session, quint64 holdId, const ovms::RecordPtr& record, int fromLeg, double deadline,
            const QString& who);
  void warned(quint32 session, quint64 holdId, const QString& message);
  void noted(quint32 session, int leg, const QString& line);  // a diagnostic, worded by present.h
  void stateChanged(quint32 session, const QString& state);    // relay_state_name(), "connecting", "done"
  void finished(quint32 session);

 public Q_SLOTS:
  // action: 0 forward, 1 edit (body "<code><data>"; inner: the paranoid inner message), 2 drop.
  void verdict(quint64 holdId, int action, const QString& body = {}, bool inner = false);
  void inject(int towardLeg, const QString& body);
  void tick();   // the clock: the relay's timers (a held line's deadline)
  void close();  // both legs, now

 private:
  void startUpstream();
  void readLeg(Leg leg);
  void handle(const relay::Event& e);
  void carryOut(relay::Command& c);
  void closeLeg(Leg leg, bool reset);  // the relay's Close: half-close (FIN after the last byte) or reset
  void closeWhole(Leg leg);            // both directions, after what is still to write
  void legClosed(Leg leg, bool reset); // the leg's peer ended (FIN or RST), or its socket is gone
  void sentAll(Leg leg);               // the leg's Qt socket has written everything
  void adopt(Leg leg);                 // keep a duplicate descriptor of a plain TCP leg (half-open)
  void dropDuplicate(Leg leg);
  bool legGone(Leg leg) const;
  bool peerReset(Leg leg);  // the leg's peer sent RST (remembered once seen)
  void updatePause();
  void finishIfDone();
  QTcpSocket* socket(Leg leg) const { return leg == Leg::Client ? client_ : upstream_; }
  static double now();

  uint32_t id_;
  SessionConfig config_;
  Rules* rules_;
  Recorder* recorder_;
  Relay relay_;
  QTcpSocket* client_;
  QTcpSocket* upstream_ = nullptr;
  bool connected_ = false;
  bool paused_[2] = {false, false};
  bool open_[2] = {true, false};
  bool eof_pending_[2] = {false, false};  // the peer closed, but bytes it sent are still to be read
  bool peer_ended_[2] = {false, false};   // the leg's peer sent FIN or RST (or its socket is gone)
  bool reset_seen_[2] = {false, false};   // ... and it was a RST
  bool shut_[2] = {false, false};         // we closed (or half-closed) toward that peer
  bool shut_pending_[2] = {false, false}; // half-close once the Qt socket has written everything
  bool whole_[2] = {false, false};        // closing both directions (not a half-close)
  bool plain_[2] = {false, false};        // plain TCP (not TLS): can be half-closed
  int dup_[2] = {-1, -1};                 // duplicate descriptor of a plain TCP leg: outlives Qt's close
  LegWriter* writer_[2] = {nullptr, nullptr};  // writes to a peer that half-closed, after Qt let go
  bool done_ = false;
  std::function<bool(const LineRecord&, Leg)> intercept_;
  QString lastState_;
};

}  // namespace ovms::proxy

Q_DECLARE_METATYPE(ovms::proxy::ShownLine)
Q_DECLARE_METATYPE(ovms::RecordPtr)
