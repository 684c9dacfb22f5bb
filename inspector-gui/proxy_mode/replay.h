// Replay by meaning (issue 10): a car's messages from a capture (or a selection of records) sent again
// over a fresh session to a server, as a car of that vehicle: a new welcome with a fresh token, the
// server's reply, a new session key, then each message re-encoded, with the capture's timing or as fast
// as the socket takes them. Both directions are decoded by the core and handed over as records, so the
// window shows the replayed session like any other source.
#pragma once

#include <QString>
#include <QTimer>
#include <memory>
#include <vector>

#include "io/record_source.h"
#include "ovms/keys.h"
#include "ovms/record.h"

class QTcpSocket;

namespace inspector {

struct ReplayLine {
  std::string body;  // "<code><data>" (a paranoid EM as it was: the module key is the car's)
  double ts = 0;     // when it was sent in the capture
};

// The car's messages (after login) of the first car connection among `records` for `vehicle` (empty:
// the first car's), in order; `vehicle` is set to it. Empty when there is none or it was not decrypted.
std::vector<ReplayLine> car_messages(const std::vector<ovms::RecordPtr>& records, std::string& vehicle);

class Replayer : public RecordSource {
  Q_OBJECT
 public:
  Replayer(ovms::KeyStore keys, QObject* parent = nullptr);
  ~Replayer() override;
  // Connects to host:port as `vehicle`'s car and sends `lines`: with the capture's gaps between them
  // (`timing`) or at once. false with `error` when the keys do not have the vehicle's server password.
  bool start(const QString& host, quint16 port, const std::string& vehicle, std::vector<ReplayLine> lines,
             bool timing, QString& error);
  void cancel() override;
  QString name() const override;
  std::size_t sent() const { return sent_; }

 private:
  struct Sink;
  void onReadable();
  void sendNext();
  void feed(ovms::Direction dir, const std::string& bytes);
  void finish(const QString& error);

  ovms::KeyStore keys_;
  std::string vehicle_, secret_, token_;
  std::vector<ReplayLine> lines_;
  bool timing_ = false;
  std::size_t next_ = 0, sent_ = 0;
  QTcpSocket* socket_ = nullptr;
  std::string inbox_;  // the server's bytes before its welcome line is whole
  bool logged_in_ = false, done_ = false;
  struct Codec;
  std::unique_ptr<Codec> codec_;
  QString where_;
};

}  // namespace inspector
