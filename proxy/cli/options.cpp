#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

const char kUsage[] =
    "usage: ovms-proxy --upstream HOST:PORT [--listen ADDR:PORT] [-k KEYS] [--json] [-Y FILTER]\n"
    "                  [--rules RULES.yaml] [--record FILE.pcapng] [--stats] [--show-secrets] [--tls --cert CERT.pem --key KEY.pem]\n"
    "                  [--upstream-cafile CA.pem] [--upstream-insecure] [--bound BYTES]\n"
    "\n"
    "A decrypting man-in-the-middle between OVMS v2 clients (cars, apps) and their server: prints every\n"
    "relayed message as ovmsdump does, and drops, edits and injects lines by rules.\n"
    "\n"
    "  --listen ADDR:PORT  where clients connect (default 127.0.0.1:6867; a port alone is loopback;\n"
    "                      0.0.0.0:6867 for a car on the network); port 0 picks a free one\n"
    "  --upstream HOST:PORT  the OVMS server\n"
    "  -k KEYS             keys file (keys/README.md); without it bytes pass through undecrypted\n"
    "  --json              JSON Lines (ovmsdump's objects plus leg, changed, dropped, injected, to_proxy)\n"
    "  -Y FILTER           show only the lines a filter selects (never changes what is relayed)\n"
    "  --record FILE      both legs as pcapng (0600, readable if interrupted), keys beside it\n"
    "                      (FILE without .pcapng + .keys.yaml)\n"
    "  --rules FILE        drop/set/replace/delay/answer/inject rules (proxy/README.md)\n"
    "  --stats             at exit: how often each rule was used, sessions accepted\n"
    "  --show-secrets      passwords in summaries (redacted by default)\n"
    "  --tls               TLS on both legs (port 6870): the car's with --cert/--key, the upstream verified\n"
    "  --upstream-cafile CA.pem  also trust this CA for the upstream (besides the system's)\n"
    "  --upstream-insecure do not verify the upstream's certificate\n"
    "  --bound BYTES       bytes kept per leg before it stops being read (backpressure; default 262144)\n";

bool split(const char* flag, const std::string& text, std::string& host, uint16_t& port, bool host_optional) {
  std::string h, p;
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    if (!host_optional) {
      std::fprintf(stderr, "ovms-proxy: %s '%s': expected HOST:PORT\n", flag, text.c_str());
      return false;
    }
    p = text;
  } else {
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
  }
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  char* end = nullptr;
  const long v = std::strtol(p.c_str(), &end, 10);
  if (p.empty() || *end || v < 0 || v > 65535 || (v == 0 && !host_optional)) {
    std::fprintf(stderr, "ovms-proxy: %s '%s': '%s' is not a port\n", flag, text.c_str(), p.c_str());
    return false;
  }
  if (!h.empty()) host = h;
  else if (!host_optional) {
    std::fprintf(stderr, "ovms-proxy: %s '%s': the host is missing\n", flag, text.c_str());
    return false;
  }
  port = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

std::optional<ProxyOptions> parse_proxy_options(int argc, char** argv, int& exit_code) {
  ProxyOptions o;
  exit_code = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ovms-proxy: %s needs a value\n%s", a.c_str(), kUsage);
        return nullptr;
      }
      return argv[++i];
    };
    const char* v = nullptr;
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return std::nullopt;
    } else if (a == "--json") o.json = true;
    else if (a == "--stats") o.stats = true;
    else if (a == "--show-secrets") o.show_secrets = true;
    else if (a == "--tls") o.tls = true;
    else if (a == "--upstream-insecure") o.upstream_insecure = true;
    else if (a == "--listen") {
      if (!(v = value()) || !split("--listen", v, o.listen_host, o.listen_port, true)) return std::nullopt;
    } else if (a == "--upstream") {
      if (!(v = value()) || !split("--upstream", v, o.upstream_host, o.upstream_port, false)) return std::nullopt;
    } else if (a == "-k") {
      if (!(v = value())) return std::nullopt;
      o.keys = v;
    } else if (a == "-Y") {
      if (!(v = value())) return std::nullopt;
      o.filter = v;
    } else if (a == "--rules") {
      if (!(v = value())) return std::nullopt;
      o.rules = v;
    } else if (a == "--record") {
      if (!(v = value())) return std::nullopt;
      o.record = v;
    } else if (a == "--cert") {
      if (!(v = value())) return std::nullopt;
      o.cert = v;
    } else if (a == "--upstream-cafile") {
      if (!(v = value())) return std::nullopt;
      o.upstream_ca = v;
    } else if (a == "--key") {
      if (!(v = value())) return std::nullopt;
      o.key = v;
    } else if (a == "--bound") {
      if (!(v = value())) return std::nullopt;
      char* end = nullptr;
      const long long n = std::strtoll(v, &end, 10);
      if (!*v || *end || n < 1024) {
        std::fprintf(stderr, "ovms-proxy: --bound '%s': a number of bytes, at least 1024\n", v);
        return std::nullopt;
      }
      o.bound = static_cast<std::size_t>(n);
    } else {
      std::fprintf(stderr, "ovms-proxy: unknown option '%s'\n%s", a.c_str(), kUsage);
      return std::nullopt;
    }
  }
  if (o.upstream_host.empty()) {
    std::fprintf(stderr, "ovms-proxy: --upstream HOST:PORT is needed\n%s", kUsage);
    return std::nullopt;
  }
  if (o.tls && (o.cert.empty() || o.key.empty())) {
    std::fprintf(stderr, "ovms-proxy: --tls needs --cert CERT.pem and --key KEY.pem for the car's leg\n");
    return std::nullopt;
  }
  return o;
}
