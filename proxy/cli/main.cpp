// ovms-proxy: the headless decrypting MITM proxy (like mitmdump). Qt's event loop (QCoreApplication
// with QtNetwork) because the inspector's proxy mode runs the same sessions inside its GUI loop.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QFile>
#include <QNetworkInterface>
#include <QSocketNotifier>
#include <QSslKey>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>

#include "descriptor_limit.h"
#include "local_ca.h"
#include "options.h"
#include "pcapng_recorder.h"
#include "replay_main.h"
#include "output.h"
#include "rules.h"
#include "server.h"

using namespace ovms;
using namespace ovms::proxy;

namespace {

int g_signal_pipe[2] = {-1, -1};
void on_signal(int) {
  const char c = 1;
  (void)!::write(g_signal_pipe[1], &c, 1);
}

void print(const std::string& s, FILE* f) {
  std::fwrite(s.data(), 1, s.size(), f);
  std::fflush(f);  // live: one line at a time
}

std::optional<ServerTls> load_tls(const ProxyOptions& o) {
  QFile cf(QString::fromStdString(o.cert)), kf(QString::fromStdString(o.key));
  if (!cf.open(QIODevice::ReadOnly)) {
    std::fprintf(stderr, "ovms-proxy: --cert %s: cannot be read\n", o.cert.c_str());
    return std::nullopt;
  }
  if (!kf.open(QIODevice::ReadOnly)) {
    std::fprintf(stderr, "ovms-proxy: --key %s: cannot be read\n", o.key.c_str());
    return std::nullopt;
  }
  ServerTls t;
  QList<QSslCertificate> certs = QSslCertificate::fromData(cf.readAll(), QSsl::Pem);
  if (certs.isEmpty()) {
    std::fprintf(stderr, "ovms-proxy: --cert %s: no PEM certificate in it\n", o.cert.c_str());
    return std::nullopt;
  }
  t.certificate = certs.takeFirst();
  t.chain = certs;
  const QByteArray kd = kf.readAll();
  t.key = QSslKey(kd, QSsl::Rsa, QSsl::Pem);
  if (t.key.isNull()) t.key = QSslKey(kd, QSsl::Ec, QSsl::Pem);
  if (t.key.isNull()) {
    std::fprintf(stderr, "ovms-proxy: --key %s: not a PEM RSA or EC private key\n", o.key.c_str());
    return std::nullopt;
  }
  return t;
}

// --tls without --cert/--key: a certificate issued now by the local CA (created on first use) for
// the names the car may connect by.
std::optional<ServerTls> local_ca_tls(const ProxyOptions& o) {
  std::string error;
  bool created = false;
  const std::string dir = o.ca_dir.empty() ? LocalCa::default_dir() : o.ca_dir;
  std::optional<LocalCa> ca = LocalCa::open(dir, error, &created);
  if (!ca) {
    std::fprintf(stderr, "ovms-proxy: local CA: %s\n", error.c_str());
    return std::nullopt;
  }
  std::vector<std::string> names = o.tls_names;
  QHostAddress listen(QString::fromStdString(o.listen_host));
  if (listen == QHostAddress::AnyIPv4 || listen == QHostAddress::Any || listen == QHostAddress::AnyIPv6) {
    for (const QHostAddress& a : QNetworkInterface::allAddresses())  // a car on the network uses one of these
      if (a.protocol() == QAbstractSocket::IPv4Protocol) names.push_back(a.toString().toStdString());
  } else {
    names.push_back(o.listen_host);
  }
  for (const char* n : {"127.0.0.1", "localhost"}) names.push_back(n);
  std::vector<std::string> unique;
  for (const std::string& n : names)
    if (std::find(unique.begin(), unique.end(), n) == unique.end()) unique.push_back(n);
  std::optional<IssuedCertificate> issued = ca->issue(unique, error);
  if (!issued) {
    std::fprintf(stderr, "ovms-proxy: local CA: %s\n", error.c_str());
    return std::nullopt;
  }
  ServerTls t;
  t.certificate = QSslCertificate(QByteArray::fromStdString(issued->cert_pem), QSsl::Pem);
  t.chain = {QSslCertificate(QByteArray::fromStdString(issued->ca_pem), QSsl::Pem)};
  t.key = QSslKey(QByteArray::fromStdString(issued->key_pem), QSsl::Rsa, QSsl::Pem);
  std::string said = "ovms-proxy: TLS on the car's leg with a certificate from the proxy's CA " + ca->cert_path() + " for";
  for (const std::string& n : unique) said += " " + n;
  print(said + "\n", stderr);
  if (created) print("ovms-proxy: created the CA now. " + ca->trust_steps(), stderr);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  std::optional<ProxyOptions> opt = parse_proxy_options(argc, argv, exit_code);
  if (!opt) return exit_code;
  QCoreApplication app(argc, argv);
  if (opt->print_ca) {
    std::string error;
    std::optional<LocalCa> ca = LocalCa::open(opt->ca_dir.empty() ? LocalCa::default_dir() : opt->ca_dir, error);
    if (!ca) {
      std::fprintf(stderr, "ovms-proxy: local CA: %s\n", error.c_str());
      return 1;
    }
    print(ca->cert_path() + "\n", stdout);  // alone on the first line, for scripts
    print(ca->trust_steps(), stdout);
    return 0;
  }
  if (!opt->replay.empty()) return run_replay(*opt);

  SessionConfig cfg;
  if (!opt->keys.empty()) {
    std::string error;
    std::vector<std::string> warnings;
    auto ks = KeyStore::load_file(opt->keys, error, &warnings);
    if (!ks) {
      std::fprintf(stderr, "ovms-proxy: -k: %s\n", error.c_str());
      return 2;
    }
    for (const std::string& w : warnings) std::fprintf(stderr, "ovms-proxy: warning: %s\n", w.c_str());
    cfg.keys = std::make_shared<const KeyStore>(std::move(*ks));
  } else {
    std::fprintf(stderr, "ovms-proxy: no keys (-k): bytes pass through unchanged and nothing is decrypted\n");
  }
  std::optional<DisplayFilter> filter;
  {
    FilterError fe;
    filter = DisplayFilter::compile(opt->filter, fe);
    if (!filter) {
      std::fprintf(stderr, "ovms-proxy: -Y: column %zu: %s\n", fe.column, fe.message.c_str());
      return 2;
    }
  }
  std::optional<Rules> rules;
  if (!opt->rules.empty()) {
    std::string error;
    rules = Rules::load_file(opt->rules, error);
    if (!rules) {
      std::fprintf(stderr, "ovms-proxy: --rules: %s\n", error.c_str());
      return 2;
    }
  }
  cfg.upstream_host = QString::fromStdString(opt->upstream_host);
  cfg.upstream_port = opt->upstream_port;
  cfg.upstream_tls = opt->tls;
  cfg.upstream_insecure = opt->upstream_insecure;
  cfg.bound = opt->bound;
  if (!opt->upstream_ca.empty()) {
    cfg.upstream_ca = QSslCertificate::fromPath(QString::fromStdString(opt->upstream_ca), QSsl::Pem);
    if (cfg.upstream_ca.isEmpty()) {
      std::fprintf(stderr, "ovms-proxy: --upstream-cafile %s: no PEM certificate in it\n", opt->upstream_ca.c_str());
      return 2;
    }
  }

  PcapngRecorder recorder;
  if (!opt->record.empty()) {
    std::string error;
    if (!recorder.open(opt->record, cfg.keys.get(), error)) {
      std::fprintf(stderr, "ovms-proxy: --record: %s\n", error.c_str());
      return 1;
    }
  }
  Server server(cfg, rules ? &*rules : nullptr, opt->record.empty() ? nullptr : &recorder);
  if (opt->tls) {
    std::optional<ServerTls> tls = opt->cert.empty() ? local_ca_tls(*opt) : load_tls(*opt);
    if (!tls) return 2;
    server.setTls(*tls);
  }
  const bool json = opt->json, secrets = opt->show_secrets;
  std::set<std::string> notes_seen;  // each distinct note once, as ovmsdump does
  QObject::connect(&server, &Server::sessionStarted, &server, [&](Session* s) {
    QObject::connect(s, &Session::shown, s, [&](const ShownLine& l) {
      if (!filter->matches(*l.show.record)) return;  // -Y selects what is shown, never what is relayed
      std::string out;
      if (json) {
        append_shown_json(out, l);
        out += '\n';
      } else {
        append_shown_text(out, l, secrets, [&](const std::string& d) {
          return d.rfind("! note", 0) != 0 || notes_seen.insert(d).second;
        });
      }
      print(out, stdout);
    });
    QObject::connect(s, &Session::noted, s, [json](quint32 id, int leg, const QString& line) {
      const std::string t = "#" + std::to_string(id) + " " + leg_name(static_cast<Leg>(leg)) + ": " + line.toStdString() + "\n";
      print(json ? t : "    " + t, json ? stderr : stdout);
    });
    QObject::connect(s, &Session::warned, s, [](quint32 id, quint64 hold, const QString& m) {
      print("ovms-proxy: #" + std::to_string(id) + " hold " + std::to_string(hold) + ": " + m.toStdString() + "\n", stderr);
    });
    QObject::connect(s, &Session::stateChanged, s, [](quint32 id, const QString& st) {
      print("ovms-proxy: #" + std::to_string(id) + " " + st.toStdString() + "\n", stderr);
    });
    // Nobody to give a verdict headless: a line held without a rule goes on.
    QObject::connect(s, &Session::held, s, [s](quint32, quint64 hold, const RecordPtr&, int, double, const QString&) {
      QTimer::singleShot(0, s, [s, hold] { s->verdict(hold, 0); });
    });
  });
  // Two descriptors per session: the soft limit (often 1024) would stop a proxy for many cars at ~500.
  const uint64_t fd_limit = raise_descriptor_limit();
  QObject::connect(&server, &Server::acceptFailed, &server, [fd_limit, said = false](const QString& error) mutable {
    if (said) return;  // once: it repeats every second while the limit is reached
    said = true;
    print("ovms-proxy: " + descriptor_limit_text(error.toStdString(), fd_limit) + "\n", stderr);
  });
  QObject::connect(&server, &Server::sessionStarted, &server, [&server, fd_limit, said = false](Session*) mutable {
    if (said || !near_descriptor_limit(server.sessions().size(), fd_limit)) return;
    said = true;  // once
    print("ovms-proxy: " + near_limit_text(server.sessions().size(), fd_limit) + "\n", stderr);
  });
  QObject::connect(&server, &Server::clientRefused, &server, [](const QString& why) {
    print("ovms-proxy: TLS client refused: " + why.toStdString() + "\n", stderr);
  });

  QHostAddress listen_addr;
  if (!listen_addr.setAddress(QString::fromStdString(opt->listen_host))) {
    std::fprintf(stderr, "ovms-proxy: --listen: '%s' is not an IP address\n", opt->listen_host.c_str());
    return 2;
  }
  if (!server.listen(listen_addr, opt->listen_port)) {
    std::fprintf(stderr, "ovms-proxy: --listen %s:%u: %s\n", opt->listen_host.c_str(), opt->listen_port,
                 server.errorString().toStdString().c_str());
    return 1;
  }
  const std::string where = server.serverAddress().toString().toStdString() + ":" + std::to_string(server.serverPort());
  print("listening on " + where + "\n", stdout);
  if (!listen_addr.isLoopback())
    print("ovms-proxy: listening on " + where + ": reachable from the network, not only this machine\n", stderr);

  // SIGINT/SIGTERM: stop accepting, close both legs of every session, print the counts, exit 0.
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  QSocketNotifier notifier(g_signal_pipe[0], QSocketNotifier::Read);
  QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
    char c;
    while (::read(g_signal_pipe[0], &c, 1) > 0) {}
    server.close();
    server.closeAll();
    auto quit_when_done = [&] {
      if (server.sessions().empty()) app.quit();
    };
    QObject::connect(&server, &Server::sessionFinished, &app, quit_when_done);
    quit_when_done();
    QTimer::singleShot(2000, &app, &QCoreApplication::quit);  // peers that never finish closing
  });

  app.exec();
  if (!opt->record.empty()) {
    std::string error;
    if (!recorder.close(error)) std::fprintf(stderr, "ovms-proxy: --record: %s\n", error.c_str());
    else std::fprintf(stderr, "ovms-proxy: recorded %s (keys in %s)\n", opt->record.c_str(),
                      PcapngRecorder::keys_path(opt->record).c_str());
  }
  if (opt->stats && rules) {
    std::string s = "rules used:\n";
    for (const Rule& r : rules->rules()) s += "  " + std::to_string(r.used) + "  " + r.describe() + "\n";
    print(s, stderr);
  }
  if (opt->stats) print("sessions: " + std::to_string(server.accepted()) + "\n", stderr);
  return 0;
}
