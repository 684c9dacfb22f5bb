#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

const char kUsage[] =
    "usage: ovmsdump -r FILE | -i IFACE [-k KEYS] [-p PORT ...] [-Y FILTER] [--json] [--stats] [--show-secrets]\n"
    "       ovmsdump -D\n"
    "\n"
    "Decodes every OVMS v2 conversation in a pcap or pcapng capture, or live on an interface.\n"
    "\n"
    "  -r FILE            capture to read: pcap or pcapng, gzip-compressed or not (\"-\" for\n"
    "                     standard input, read as it arrives: tcpdump -U -w - | ovmsdump -r -)\n"
    "  -i IFACE           capture live on IFACE (e.g. lo, eth0, any) until Ctrl-C; filter:\n"
    "                     tcp port 6867 or tcp port 6870 (and each -p PORT). Needs root or\n"
    "                     cap_net_raw,cap_net_admin\n"
    "  -D                 list the interfaces -i can capture on\n"
    "  -k KEYS            keys file (YAML; see keys/README.md) for decryption\n"
    "  -p PORT            also treat TCP PORT as an OVMS server port (repeatable;\n"
    "                     6867 and 6870 always are, and OVMS is recognised by content on any port)\n"
    "  -Y FILTER          only the lines a display filter selects, in Wireshark's syntax with the\n"
    "                     plugin's field names: -Y 'status.soc < 20 && vehicle == \"DEMO\"'\n"
    "                     (docs/filters.md)\n"
    "  --json             JSON Lines: one object per line seen on the wire\n"
    "  --stats            counts per message code, vehicle, direction and diagnostic at the end\n"
    "  --show-secrets     show passwords in text summaries (redacted by default)\n"
    "  -v, --verbose      repeat notes (2013-guide differences, why a line is not decrypted) each time\n"
    "  --no-content-detection  only decode the OVMS ports\n"
    "  --no-progress      never show progress on stderr\n"
    "  -h, --help         this help\n";

bool parse_port(const char* text, uint16_t& port) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (!*text || *end || v < 1 || v > 65535) return false;
  port = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

std::optional<DumpOptions> parse_options(int argc, char** argv, int& exit_code) {
  DumpOptions o;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ovmsdump: %s needs a value\n%s", flag, kUsage);
        return nullptr;
      }
      return argv[++i];
    };
    if (!std::strcmp(a, "-h") || !std::strcmp(a, "--help")) {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return std::nullopt;
    } else if (!std::strcmp(a, "-r")) {
      const char* v = value(a);
      if (!v) { exit_code = 2; return std::nullopt; }
      o.read_file = v;
    } else if (!std::strcmp(a, "-i")) {
      const char* v = value(a);
      if (!v) { exit_code = 2; return std::nullopt; }
      o.interface = v;
    } else if (!std::strcmp(a, "-D")) {
      o.list_interfaces = true;
    } else if (!std::strcmp(a, "-k")) {
      const char* v = value(a);
      if (!v) { exit_code = 2; return std::nullopt; }
      o.keys = v;
    } else if (!std::strcmp(a, "-p")) {
      const char* v = value(a);
      uint16_t port = 0;
      if (!v || !parse_port(v, port)) {
        if (v) std::fprintf(stderr, "ovmsdump: -p '%s' is not a TCP port (1-65535)\n", v);
        exit_code = 2;
        return std::nullopt;
      }
      o.extra_ports.insert(port);
    } else if (!std::strcmp(a, "-Y")) {
      const char* v = value(a);
      if (!v) { exit_code = 2; return std::nullopt; }
      o.display_filter = v;
    } else if (!std::strcmp(a, "--json")) {
      o.json = true;
    } else if (!std::strcmp(a, "--stats")) {
      o.stats = true;
    } else if (!std::strcmp(a, "-v") || !std::strcmp(a, "--verbose")) {
      o.verbose = true;
    } else if (!std::strcmp(a, "--show-secrets")) {
      o.show_secrets = true;
    } else if (!std::strcmp(a, "--no-content-detection")) {
      o.content_detection = false;
    } else if (!std::strcmp(a, "--no-progress")) {
      o.progress = false;
    } else {
      std::fprintf(stderr, "ovmsdump: unknown option '%s'\n%s", a, kUsage);
      exit_code = 2;
      return std::nullopt;
    }
  }
  if (o.list_interfaces) return o;
  if (!o.read_file.empty() && !o.interface.empty()) {
    std::fprintf(stderr, "ovmsdump: -r and -i cannot be used together\n%s", kUsage);
    exit_code = 2;
    return std::nullopt;
  }
  if (o.read_file.empty() && o.interface.empty()) {
    std::fprintf(stderr, "ovmsdump: no capture given (-r FILE or -i IFACE)\n%s", kUsage);
    exit_code = 2;
    return std::nullopt;
  }
  return o;
}
