// The inspector's proxy mode, without widgets: runs the proxy's Server (ovms_proxy_net) inside the
// window's event loop and adapts it to the record store. It is a RecordSource, so relayed lines reach
// the list, timeline, details, charts and map the way a capture's do (MainWindow::attachSource), and so
// do a Replay…'s lines, on a connection of their own. Next to the records it keeps what only a proxy
// knows, as the window's notes (proxy_notes.h): the leg a line came from, whether it was changed,
// dropped, injected or replayed; besides, the lines held by the intercept filter, each session's state,
// and the replies to injected commands (shown here, never passed to the apps).
#pragma once

#include <QString>
#include <deque>
#include <map>
#include <memory>
#include <optional>

#include "io/record_source.h"
#include "ovms/filter.h"
#include "ovms/keys.h"
#include "proxy_mode/proxy_notes.h"
#include "server.h"

namespace ovms::proxy {
class ReplaySession;
}

namespace inspector {

class ProxyTap;

struct ProxyConfig {
  QString listen_host = QStringLiteral("127.0.0.1");  // loopback unless the user types another address
  quint16 listen_port = 6867;                          // 0: a free port
  QString upstream_host = QStringLiteral("127.0.0.1");
  quint16 upstream_port = 6867;
  bool upstream_tls = false;
  bool upstream_insecure = false;
  std::optional<ovms::KeyStore> keys;
  bool car_tls = false;  // TLS toward the car, with a certificate from the proxy's local CA (car_tls.h)
  QString ca_dir;        // that CA's folder (empty: the library's default, shared with ovms-proxy)
};

// A line the intercept filter stopped, waiting for a verdict.
struct HeldLine {
  quint32 session = 0;
  quint64 hold_id = 0;
  ovms::RecordPtr record;
  ovms::Leg from = ovms::Leg::Client;
  double deadline = 0;  // seconds since the epoch when its receiver times out (inf: never)
  QString who;          // whose timer that is, worded by the relay
  QString warning;      // the relay's warning once the deadline is near
};

struct SessionRow {
  quint32 id = 0;    // the proxy's session number (Server's): what Close and inject name
  quint32 conn = 0;  // its connection number in the window's list ("#2"): sessions and replays share them
  QString state;  // "connecting", "welcome", "encrypted", ..., "done"
  QString vehicle, role;
  std::size_t held = 0;
};

class ProxyController : public RecordSource {
  Q_OBJECT
 public:
  explicit ProxyController(QObject* parent = nullptr);
  ~ProxyController() override;

  // Listens; false with `error` (naming the address) when it cannot.
  bool start(ProxyConfig config, QString& error);
  quint16 listenPort() const;
  void cancel() override;  // stops listening and closes every session
  QString name() const override;
  std::shared_ptr<const RecordNotes> notes() const override { return notes_; }

  // The intercept filter (the core's language); empty text: intercept off. False with `error` (column).
  bool setInterceptFilter(const QString& text, QString& error);
  void interceptOff();
  QString interceptFilter() const { return intercept_text_; }
  const ProxyConfig& config() const { return config_; }

  const std::deque<HeldLine>& held() const { return held_; }
  // Verdicts on held line `index` (in held()): false when there is no such line.
  bool forward(std::size_t index);
  bool edit(std::size_t index, const QString& body, bool inner = false);  // body "<code><data>"
  bool drop(std::size_t index);
  void forwardAll();

  // Injects "<code><data>" toward the car (Leg::Client) or the server on `session`; false if none.
  bool inject(quint32 session, ovms::Leg toward, const QString& body);
  std::optional<quint32> firstSession() const;
  std::vector<SessionRow> sessions() const;
  bool closeSession(quint32 id);

  // Records every session (the bytes so far and all that follow) as pcapng with the keys beside it, 0600.
  bool recordTo(const QString& path, QString& error);
  bool stopRecording(QString& error);
  bool recording() const;

  // Replay…: the capture's car (the first vehicle of the keys it has decrypted car messages of) sent by
  // meaning to the upstream server over a fresh session, as `ovms-proxy --replay` (speed 1: the capture's
  // timing; 0: as fast as the server reads). Its lines, both ways, reach the window as connection
  // `conn`, the ones it sent marked "replayed". Null with `error` (naming the file) when it cannot start;
  // the session deletes itself after `finished`.
  ovms::proxy::ReplaySession* replay(const QString& path, double speed, QString& error, quint32* conn = nullptr);

  const ProxyMark* mark(uint64_t record_id) const { return notes_->mark(record_id); }
  // Replies to injected commands, in order (decoded as they arrived, kept from the apps).
  const std::vector<ovms::RecordPtr>& injectedReplies() const { return replies_; }

 Q_SIGNALS:
  void heldChanged();
  void sessionsChanged();
  void replyReceived(const ovms::RecordPtr& record);
  void note(const QString& line);

 private:
  void sessionStarted(ovms::proxy::Session* s);
  void onShown(const ovms::proxy::ShownLine& line);
  void onHeld(quint32 session, quint64 hold, const ovms::RecordPtr& r, int from, double deadline, const QString& who);
  bool verdict(std::size_t index, int action, const QString& body, bool inner);
  ovms::RecordPtr renumber(const ovms::RecordPtr& r, quint32 conn);
  void queue(ovms::RecordPtr r, quint32 conn);
  void flush();

  ProxyConfig config_;
  std::shared_ptr<const ovms::KeyStore> keys_;
  std::unique_ptr<ProxyTap> tap_;
  std::unique_ptr<ovms::proxy::Server> server_;
  std::optional<ovms::DisplayFilter> intercept_;
  QString intercept_text_;
  std::deque<HeldLine> held_;
  std::map<quint32, SessionRow> sessions_;
  std::shared_ptr<ProxyNotes> notes_ = std::make_shared<ProxyNotes>();
  std::vector<ovms::RecordPtr> replies_;
  std::shared_ptr<RecordBatch> pending_;
  std::map<uint32_t, ovms::ConnectionInfo> conns_;  // connections not yet handed over, by number
  std::map<quint32, quint32> conn_of_session_;
  uint64_t next_id_ = 0;
  quint32 next_conn_ = 0;
};

}  // namespace inspector
