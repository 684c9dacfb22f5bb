#include "live_options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ovms::sim::live {
namespace {

const char kServeUsage[] =
    "usage: ovms-sim serve [--listen ADDR:PORT] -k KEYS [--tls --cert CERT.pem --key KEY.pem]\n"
    "                      [--timeout-welcome S] [--timeout-car S] [--timeout-app S] [--timeout-batch S]\n"
    "\n"
    "An OVMS v2 server on a real socket, behaving as the real one (PROTOCOL.md): the vehicles and\n"
    "their server passwords, the scheme-1 accounts and the auto-provisioning records (vehicles with a\n"
    "vin and an iccid) come from the keys file. Prints 'listening on ADDR:PORT' on stdout first (with\n"
    "--listen 127.0.0.1:0, the port it picked); what happens goes to stderr. Runs until Ctrl-C.\n"
    "\n"
    "  --listen ADDR:PORT  where to listen (default 127.0.0.1:6867, with --tls 127.0.0.1:6870); a port\n"
    "                      alone listens on loopback; 0.0.0.0:6867 makes it reachable from the network\n"
    "  -k, --keys FILE     the keys file (YAML, see keys/README.md)\n"
    "  --tls               TLS (as on port 6870) with --cert and --key (PEM)\n"
    "  --timeout-welcome S close a connection without a welcome after S seconds (default 30)\n"
    "  --timeout-car S     close a silent car after S seconds (default 960), ping it after S - 60\n"
    "  --timeout-app S     close a silent app after S seconds (default 1200)\n"
    "  --timeout-batch S   close a silent batch client after S seconds (default 300)\n";

const char kCarUsage[] =
    "usage: ovms-sim car [--connect HOST:PORT] --vehicle ID -k KEYS [--paranoid [--v3-truncate]]\n"
    "                    [--interval S] [--timeout-rx S] [--retry S] [--autoprovision]\n"
    "                    [--tls [--cafile CA.pem] [--server-name NAME]] [--duration S] [--seed N]\n"
    "\n"
    "A v3 car module on a real socket: logs in, sends its status set (F S D L Y), then updates every\n"
    "60 s while apps are connected and 600 s without, answers commands and pings, and reconnects as\n"
    "v3 does. Its server password (and module password) come from the keys file. Runs until Ctrl-C.\n"
    "\n"
    "  --connect HOST:PORT the server (default 127.0.0.1:6867, with --tls 127.0.0.1:6870)\n"
    "  --vehicle ID        the vehicle id; its entry in the keys file gives the secrets\n"
    "  -k, --keys FILE     the keys file (YAML)\n"
    "  --paranoid          paranoid mode with the module password: ET, then EM messages\n"
    "  --v3-truncate       with --paranoid: cut EM lines to the original length, as v3 firmware does\n"
    "  --interval S        updates every S seconds, with and without apps\n"
    "  --timeout-rx S      server.v2 timeout.rx (default 960): ping after S - 60 s of silence,\n"
    "                      reconnect after S\n"
    "  --retry S           wait S seconds before reconnecting (default 10, 60 after a server that\n"
    "                      failed its checks)\n"
    "  --autoprovision     first AP-C with the entry's vin; log in with what the record says\n"
    "  --tls               TLS, verifying the server against --cafile (default: the system's CAs) and\n"
    "                      --server-name (default: HOST)\n"
    "  --duration S        stop after S seconds\n"
    "  --seed N            seed for the car's data and tokens (default: random)\n";

const char kAppUsage[] =
    "usage: ovms-sim app [--connect HOST:PORT] --vehicle ID -k KEYS [--send LINE ...] [--json]\n"
    "                    [--exit-after N] [--exit-on CODE] [--duration S] [--websocket] [--android] [--batch]\n"
    "                    [--account USER] [--tls [--cafile CA.pem] [--server-name NAME]] [--seed N]\n"
    "                    [--sessions N]\n"
    "\n"
    "An OVMS app on a real socket: logs in, sends the --send lines, and prints every line it receives\n"
    "decoded, one per line as ovmsdump words it (or its JSON Lines objects with --json). Runs until\n"
    "--exit-after, --exit-on, --duration or Ctrl-C; exit status 1 when the server refused or dropped it.\n"
    "\n"
    "  --connect HOST:PORT the server (default 127.0.0.1:6867, with --tls 127.0.0.1:6870)\n"
    "  --vehicle ID        the vehicle; its server password in the keys file is the app's secret\n"
    "  -k, --keys FILE     the keys file (YAML)\n"
    "  --send LINE         a message to send after login, as <code><data>: C7,stat  C1  A (repeatable)\n"
    "  --json              JSON Lines, as ovmsdump --json\n"
    "  --exit-after N      stop after N messages\n"
    "  --exit-on CODE      stop after the first message with this code (a paranoid one's inner code counts)\n"
    "  --duration S        stop after S seconds\n"
    "  --websocket         the WebSocket variant (GET /apiv2, one line per frame)\n"
    "  --android           LF line ends and tokens without '/', as the Android app\n"
    "  --batch             log in as a batch client (MP-B)\n"
    "  --account USER      scheme 1 with this keys-file account (plain text; use it with --tls)\n"
    "  --tls               TLS, verifying the server against --cafile and --server-name\n"
    "  --seed N            seed for tokens and WebSocket masks (default: random)\n"
    "  --sessions N        N apps at once on this one event loop, each with its own login and tokens;\n"
    "                      nothing is printed per line, one summary line at the end instead (how many\n"
    "                      logged in and got the car's S); stops when all have it (or --duration);\n"
    "                      exit status 0 only if every session did\n";

const char* usage_of(const std::string& command) {
  return command == "serve" ? kServeUsage : command == "car" ? kCarUsage : kAppUsage;
}

bool parse_seconds(const char* s, double& out) {
  char* end = nullptr;
  double d = std::strtod(s, &end);
  if (!*s || *end || !(d > 0) || d > 30 * 86400.0) return false;
  out = d;
  return true;
}

bool parse_count(const char* s, uint64_t& out) {
  char* end = nullptr;
  if (!*s || *s == '-') return false;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (*end) return false;
  out = v;
  return true;
}

}  // namespace

std::optional<LiveOptions> parse_live_options(int argc, char** argv, int& exit_code) {
  LiveOptions o;
  o.command = argv[0];
  const bool serve = o.command == "serve", car = o.command == "car", app = o.command == "app";
  const char* prog = serve ? "ovms-sim serve" : car ? "ovms-sim car" : "ovms-sim app";
  exit_code = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: %s needs a value\n", prog, a.c_str());
        return nullptr;
      }
      return argv[++i];
    };
    auto text = [&](std::string& out) {
      const char* v = value();
      if (v) out = v;
      return v != nullptr;
    };
    auto seconds = [&](double& out) {
      const char* v = value();
      if (!v) return false;
      if (!parse_seconds(v, out)) {
        std::fprintf(stderr, "%s: %s '%s' must be a number of seconds in (0, 2592000]\n", prog, a.c_str(), v);
        return false;
      }
      return true;
    };
    auto count = [&](uint64_t& out) {
      const char* v = value();
      if (!v) return false;
      if (!parse_count(v, out)) {
        std::fprintf(stderr, "%s: %s '%s' is not a whole number\n", prog, a.c_str(), v);
        return false;
      }
      return true;
    };
    bool ok = true;
    if (a == "-h" || a == "--help") {
      std::fputs(usage_of(o.command), stdout);
      exit_code = 0;
      return std::nullopt;
    } else if (a == "-k" || a == "--keys") {
      ok = text(o.keys_file);
    } else if (a == "--tls") {
      o.tls = true;
    } else if (serve && a == "--listen") {
      ok = text(o.address);
    } else if (serve && a == "--cert") {
      ok = text(o.cert_file);
    } else if (serve && a == "--key") {
      ok = text(o.key_file);
    } else if (serve && a == "--timeout-welcome") {
      ok = seconds(o.timeouts.welcome);
    } else if (serve && a == "--timeout-car") {
      ok = seconds(o.timeouts.car);
    } else if (serve && a == "--timeout-app") {
      ok = seconds(o.timeouts.app);
    } else if (serve && a == "--timeout-batch") {
      ok = seconds(o.timeouts.batch);
    } else if (!serve && a == "--connect") {
      ok = text(o.address);
    } else if (!serve && a == "--vehicle") {
      ok = text(o.vehicle);
    } else if (!serve && a == "--cafile") {
      ok = text(o.ca_file);
    } else if (!serve && a == "--server-name") {
      ok = text(o.server_name);
    } else if (!serve && a == "--duration") {
      ok = seconds(o.duration);
    } else if (!serve && a == "--seed") {
      ok = count(o.seed);
    } else if (car && a == "--paranoid") {
      o.paranoid = true;
    } else if (car && a == "--v3-truncate") {
      o.paranoid_v3 = true;
    } else if (car && a == "--autoprovision") {
      o.autoprovision = true;
    } else if (car && a == "--interval") {
      ok = seconds(o.interval);
    } else if (car && a == "--timeout-rx") {
      ok = seconds(o.rx_timeout);
      if (ok && o.rx_timeout <= 60) {
        std::fprintf(stderr, "%s: --timeout-rx must be more than 60 s (the car pings 60 s before it)\n", prog);
        ok = false;
      }
    } else if (car && a == "--retry") {
      ok = seconds(o.retry);
    } else if (app && a == "--send") {
      std::string line;
      ok = text(line);
      if (ok && line.empty()) {
        std::fprintf(stderr, "%s: --send needs a message such as C7,stat (an empty line would end the session)\n", prog);
        ok = false;
      }
      if (ok) o.send.push_back(line);
    } else if (app && a == "--json") {
      o.json = true;
    } else if (app && a == "--exit-after") {
      ok = count(o.exit_after);
    } else if (app && a == "--exit-on") {
      ok = text(o.exit_on);
      if (ok && o.exit_on.size() != 1) {
        std::fprintf(stderr, "%s: --exit-on needs one message code such as c, not '%s'\n", prog, o.exit_on.c_str());
        ok = false;
      }
    } else if (app && a == "--websocket") {
      o.websocket = true;
    } else if (app && a == "--android") {
      o.android = true;
    } else if (app && a == "--batch") {
      o.batch = true;
    } else if (app && a == "--account") {
      ok = text(o.account);
    } else if (app && a == "--sessions") {
      ok = count(o.sessions);
      if (ok && (o.sessions == 0 || o.sessions > 100000)) {
        std::fprintf(stderr, "%s: --sessions must be between 1 and 100000\n", prog);
        ok = false;
      }
    } else {
      std::fprintf(stderr, "%s: unknown option '%s'\n%s", prog, a.c_str(), usage_of(o.command));
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
  }
  if (o.keys_file.empty()) {
    std::fprintf(stderr, "%s: no keys file given (-k KEYS.yaml)\n", prog);
    return std::nullopt;
  }
  if (!serve && o.vehicle.empty()) {
    std::fprintf(stderr, "%s: no vehicle given (--vehicle ID)\n", prog);
    return std::nullopt;
  }
  if (serve && o.tls && (o.cert_file.empty() || o.key_file.empty())) {
    std::fprintf(stderr, "%s: --tls needs --cert CERT.pem and --key KEY.pem\n", prog);
    return std::nullopt;
  }
  if (serve && !o.tls && (!o.cert_file.empty() || !o.key_file.empty())) {
    std::fprintf(stderr, "%s: --cert and --key are for --tls\n", prog);
    return std::nullopt;
  }
  if (o.paranoid_v3 && !o.paranoid) {
    std::fprintf(stderr, "%s: --v3-truncate is a paranoid-mode defect: give --paranoid too\n", prog);
    return std::nullopt;
  }
  if (o.sessions > 1 && (o.exit_after || !o.exit_on.empty())) {
    std::fprintf(stderr, "%s: --sessions stops when every session has the car's S: --exit-after and --exit-on are for one\n", prog);
    return std::nullopt;
  }
  if (o.address.empty()) o.address = o.tls ? "127.0.0.1:6870" : "127.0.0.1:6867";
  exit_code = 0;
  return o;
}

}  // namespace ovms::sim::live
