#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "frame_output.h"

namespace ovms::sim {
namespace {

const char kUsage[] =
    "usage: ovms-sim --scenario NAME --out FILE.pcap [--seed N] [--cars N] [--apps N]\n"
    "                [--duration SECONDS] [--messages N] [--linktype en10mb|sll|sll2|raw|null]\n"
    "                [--ipv6] [--keys-out FILE.yaml] [--quiet]\n"
    "       ovms-sim --scenario list\n"
    "       ovms-sim serve|car|app [--help] ...   (live, on real sockets)\n"
    "\n"
    "Writes a pcap capture of simulated OVMS v2 sessions between cars, apps and a server, made with\n"
    "the decoder's own encoders. The output is a pure function of the options (and --seed).\n"
    "'ovms-sim serve', 'car' and 'app' run the same server, car and app on real sockets.\n"
    "\n"
    "  --scenario NAME     what to simulate; 'list' prints the scenarios\n"
    "  --out FILE          the capture to write (classic pcap)\n"
    "  --seed N            PRNG seed for tokens, ISNs, timing and car data (default 1)\n"
    "  --cars N            load: number of cars (default 100)\n"
    "  --apps N            load: number of apps (default cars/10)\n"
    "  --duration SECONDS  simulated time (default: the scenario's own)\n"
    "  --messages N        load: stop after N protocol lines (default 100000 without --duration)\n"
    "  --linktype TYPE     link layer: en10mb (default), sll, sll2, raw, null\n"
    "  --ipv6              server fd00::1, clients fd00::1:x / fd00::2:x\n"
    "  --keys-out FILE     write the keys file (YAML, mode 0600) for the simulated vehicles\n"
    "  --quiet             no summary on stderr\n"
    "  -h, --help          this help\n";

bool parse_u64(const char* s, uint64_t& out) {
  char* end = nullptr;
  if (!*s || *s == '-') return false;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (*end) return false;
  out = v;
  return true;
}

}  // namespace

std::optional<SimOptions> parse_options(int argc, char** argv, int& exit_code) {
  SimOptions o;
  exit_code = 2;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ovms-sim: %s needs a value\n", a);
        return nullptr;
      }
      return argv[++i];
    };
    auto number = [&](uint64_t max, uint64_t& out) {
      const char* v = value();
      if (!v) return false;
      if (!parse_u64(v, out) || out > max) {
        std::fprintf(stderr, "ovms-sim: %s '%s' is not a number in 0..%llu\n", a, v,
                     static_cast<unsigned long long>(max));
        return false;
      }
      return true;
    };
    uint64_t n = 0;
    if (!std::strcmp(a, "-h") || !std::strcmp(a, "--help")) {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return std::nullopt;
    } else if (!std::strcmp(a, "--scenario")) {
      const char* v = value();
      if (!v) return std::nullopt;
      o.scenario = v;
    } else if (!std::strcmp(a, "--out")) {
      const char* v = value();
      if (!v) return std::nullopt;
      o.out = v;
    } else if (!std::strcmp(a, "--seed")) {
      if (!number(UINT64_MAX, n)) return std::nullopt;
      o.seed = n;
    } else if (!std::strcmp(a, "--cars")) {
      if (!number(100000, n) || n == 0) {
        if (n == 0) std::fprintf(stderr, "ovms-sim: --cars must be at least 1\n");
        return std::nullopt;
      }
      o.cars = static_cast<int>(n);
    } else if (!std::strcmp(a, "--apps")) {
      if (!number(100000, n)) return std::nullopt;
      o.apps = static_cast<int>(n);
    } else if (!std::strcmp(a, "--duration")) {
      const char* v = value();
      if (!v) return std::nullopt;
      char* end = nullptr;
      double d = std::strtod(v, &end);
      if (*end || !(d > 0) || d > 30 * 86400.0) {
        std::fprintf(stderr, "ovms-sim: --duration '%s' must be a number of seconds in (0, 2592000]\n", v);
        return std::nullopt;
      }
      o.duration = d;
    } else if (!std::strcmp(a, "--messages")) {
      if (!number(UINT64_MAX, n) || n == 0) {
        if (n == 0) std::fprintf(stderr, "ovms-sim: --messages must be at least 1\n");
        return std::nullopt;
      }
      o.messages = n;
    } else if (!std::strcmp(a, "--linktype")) {
      const char* v = value();
      if (!v) return std::nullopt;
      if (!parse_link_type(v, o.dlt)) {
        std::fprintf(stderr, "ovms-sim: unknown link type '%s' (en10mb, sll, sll2, raw, null)\n", v);
        return std::nullopt;
      }
    } else if (!std::strcmp(a, "--ipv6")) {
      o.ipv6 = true;
    } else if (!std::strcmp(a, "--keys-out")) {
      const char* v = value();
      if (!v) return std::nullopt;
      o.keys_out = v;
    } else if (!std::strcmp(a, "--quiet")) {
      o.quiet = true;
    } else {
      std::fprintf(stderr, "ovms-sim: unknown option '%s'\n%s", a, kUsage);
      return std::nullopt;
    }
  }
  if (o.scenario.empty()) {
    std::fprintf(stderr, "ovms-sim: no scenario given (--scenario NAME, or --scenario list)\n%s", kUsage);
    return std::nullopt;
  }
  if (o.scenario != "list" && o.out.empty()) {
    std::fprintf(stderr, "ovms-sim: no output file given (--out FILE.pcap)\n");
    return std::nullopt;
  }
  exit_code = 0;
  return o;
}

}  // namespace ovms::sim
