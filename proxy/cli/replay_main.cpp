#include "replay_main.h"

#include <QCoreApplication>
#include <cstdio>
#include <set>

#include "ovms/json.h"
#include "ovms/present.h"
#include "replay_session.h"

using namespace ovms;
using namespace ovms::proxy;

namespace {

void print(const std::string& s, FILE* f) {
  std::fwrite(s.data(), 1, s.size(), f);
  std::fflush(f);
}

// A line as ovmsdump's text words it (time, direction, role, vehicle, headline), or its JSON object.
std::string line_text(const LineRecord& r, bool json, bool secrets, std::set<std::string>& notes_seen) {
  std::string out;
  if (json) {
    append_record_json(out, r, nullptr);
    return out + '\n';
  }
  using present::Column;
  const present::RecordView v = present::view_of(r);
  const present::Options o{secrets};
  for (Column c : {Column::Time, Column::Dir, Column::Role, Column::Vehicle}) out += present::column_text(c, v, o) + ' ';
  out += present::headline(v, o) + '\n';
  for (const Diagnostic& d : r.diags) {
    const std::string line = present::diagnostic_line(d);
    if (line.rfind("! note", 0) != 0 || notes_seen.insert(line).second) out += "    " + line + '\n';  // each note once
  }
  return out;
}

}  // namespace

int run_replay(const ProxyOptions& o) {
  ReplayConfig cfg;
  std::string error;
  std::vector<std::string> warnings;
  auto ks = KeyStore::load_file(o.keys, error, &warnings);
  if (!ks) {
    std::fprintf(stderr, "ovms-proxy: -k: %s\n", error.c_str());
    return 2;
  }
  for (const std::string& w : warnings) std::fprintf(stderr, "ovms-proxy: warning: %s\n", w.c_str());
  cfg.keys = std::make_shared<const KeyStore>(std::move(*ks));
  cfg.as = o.replay_as == "app" ? Role::App : Role::Car;
  cfg.vehicle = o.vehicle;
  auto messages = load_replay_messages(o.replay, cfg.keys.get(), o.vehicle, cfg.as, error);
  if (!messages) {
    std::fprintf(stderr, "ovms-proxy: --replay: %s\n", error.c_str());
    return 2;
  }
  cfg.host = QString::fromStdString(o.upstream_host);
  cfg.port = o.upstream_port;
  cfg.tls = o.tls;
  cfg.insecure = o.upstream_insecure;
  if (!o.upstream_ca.empty()) {
    cfg.ca = QSslCertificate::fromPath(QString::fromStdString(o.upstream_ca), QSsl::Pem);
    if (cfg.ca.isEmpty()) {
      std::fprintf(stderr, "ovms-proxy: --upstream-cafile %s: no PEM certificate in it\n", o.upstream_ca.c_str());
      return 2;
    }
  }
  cfg.speed = o.speed;
  cfg.linger = o.linger;
  print("replaying " + std::to_string(messages->size()) + " messages of " + o.replay_as + " " + o.vehicle + " from " +
            o.replay + " to " + o.upstream_host + ":" + std::to_string(o.upstream_port) + "\n",
        stderr);
  ReplaySession session(cfg, std::move(*messages));
  const bool json = o.json, secrets = o.show_secrets;
  std::set<std::string> notes_seen;
  QObject::connect(&session, &ReplaySession::line, &session, [&notes_seen, json, secrets](const RecordPtr& r) {
    print(line_text(*r, json, secrets, notes_seen), stdout);
  });
  int rc = 0;
  QObject::connect(&session, &ReplaySession::finished, &session, [&](bool ok, const QString& why) {
    std::string s = "ovms-proxy: replayed " + std::to_string(session.sent()) + " of " + std::to_string(session.total()) +
                    " messages; the server sent " + std::to_string(session.received()) + " lines";
    if (!why.isEmpty()) s += "; " + why.toStdString();
    print(s + "\n", stderr);
    rc = ok ? 0 : 1;
    QCoreApplication::quit();
  });
  session.start();
  QCoreApplication::exec();
  return rc;
}
