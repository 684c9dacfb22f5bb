#include "options.h"

#include <getopt.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifndef OVMS_VERSION
#define OVMS_VERSION "unknown"
#endif

namespace {

const char kUsage[] =
    "usage: ovmsdump -r FILE | -i IFACE [options]\n"
    "       ovmsdump -D | --version | -h\n"
    "\n"
    "Decodes every OVMS v2 conversation in a pcap or pcapng capture, or live on an interface.\n"
    "Short options combine as in tcpdump and tshark: -qc 10, -vv, -lr -.\n"
    "\n"
    "Input:\n"
    "  -r FILE            capture to read: pcap or pcapng, gzip-compressed or not (\"-\" for\n"
    "                     standard input, read as it arrives: tcpdump -U -w - | ovmsdump -r -)\n"
    "  -i IFACE           capture live on IFACE (e.g. lo, eth0, any) until Ctrl-C. Needs root or\n"
    "                     cap_net_raw,cap_net_admin\n"
    "  -f FILTER          BPF capture filter for -i instead of the default\n"
    "                     'tcp port 6867 or tcp port 6870' (and each -p PORT): -f 'tcp port 7000'\n"
    "  -D                 list the interfaces -i can capture on\n"
    "  -k KEYS            keys file (YAML; see keys/README.md) for decryption\n"
    "  -p PORT            also treat TCP PORT as an OVMS server port (repeatable;\n"
    "                     6867 and 6870 always are, and OVMS is recognised by content on any port)\n"
    "  --no-content-detection  only decode the OVMS ports\n"
    "\n"
    "Selection:\n"
    "  -Y FILTER          only the lines a display filter selects, in Wireshark's syntax with the\n"
    "                     plugin's field names: -Y 'status.soc < 20 && vehicle == \"DEMO\"'\n"
    "                     (docs/filters.md)\n"
    "  -c N               stop after N messages (after -Y): -c 10\n"
    "\n"
    "Output:\n"
    "  -T text|json|fields  text lines (default), JSON Lines (one object per wire line), or the\n"
    "                     fields named by -e: -T fields -e frame -e vehicle -e status.soc\n"
    "  --json             the same as -T json\n"
    "  -e FIELD           a field for -T fields (repeatable), any name -Y knows\n"
    "  -E OPTION          for -T fields, as tshark: header=y|n, separator=/t|/s|C, quote=d|s|n,\n"
    "                     aggregator=C (between values of one field), occurrence=f|l|a\n"
    "  -t a|ad|u|ud|r|e   time: local time, local date and time (default, as tcpdump -tttt), UTC,\n"
    "                     UTC with date, seconds since the first line, epoch seconds\n"
    "  -w FILE            also write the frames read (up to -c) as pcapng to FILE (0600) and the\n"
    "                     keys (-k) beside it as FILE.keys.yaml (0600); with -Y on a file, only the\n"
    "                     connections that carry a matching message (whole, so they decrypt)\n"
    "  -q                 no per-message output (with --stats: the statistics alone)\n"
    "  -l                 write each line as soon as it is decoded (automatic on a terminal, -i, -r -)\n"
    "  --stats            counts per message code, vehicle, direction and diagnostic at the end\n"
    "                     (with --json: one JSON object)\n"
    "  --show-secrets     show passwords in text summaries (redacted by default)\n"
    "  -v, --verbose      frame numbers and client/server addresses on each text line;\n"
    "                     -vv also repeats every note (2013-guide differences, why not decrypted)\n"
    "  --threads N        decode on N threads, connections spread over them (default: one per core,\n"
    "                     at most 4, and one with -c and when lines are written as decoded: a\n"
    "                     terminal, -l, -i); the output is the same either way\n"
    "  --no-progress      never show progress on stderr\n"
    "  --version          the version\n"
    "  -h, --help         this help\n"
    "\n"
    "Examples:\n"
    "  ovmsdump -r samples/basic.pcap -k samples/keys.yaml\n"
    "  ovmsdump -r big.pcap.gz -k keys.yaml -Y 'code == \"S\"' -c 5 -t u\n"
    "  ovmsdump -r f.pcap -k keys.yaml -T fields -E header=y -e frame -e vehicle -e status.soc\n"
    "  ovmsdump -i lo -p 7000 -k keys.yaml -w session.pcapng\n"
    "  ovmsdump -qr f.pcap --stats --json\n";

enum LongOnly { kJson = 256, kStats, kShowSecrets, kNoContent, kNoProgress, kVersion, kThreads };

const struct option kLong[] = {
    {"help", no_argument, nullptr, 'h'},
    {"verbose", no_argument, nullptr, 'v'},
    {"json", no_argument, nullptr, kJson},
    {"stats", no_argument, nullptr, kStats},
    {"show-secrets", no_argument, nullptr, kShowSecrets},
    {"no-content-detection", no_argument, nullptr, kNoContent},
    {"no-progress", no_argument, nullptr, kNoProgress},
    {"version", no_argument, nullptr, kVersion},
    {"threads", required_argument, nullptr, kThreads},
    {nullptr, 0, nullptr, 0},
};

bool parse_port(const char* text, uint16_t& port) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (!*text || *end || v < 1 || v > 65535) return false;
  port = static_cast<uint16_t>(v);
  return true;
}

bool parse_count(const char* text, uint64_t& n) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (!*text || *end || *text == '-' || v == 0 || errno) return false;
  n = v;
  return true;
}

bool parse_time(const char* t, TimeFormat& out) {
  static const struct { const char* name; TimeFormat f; } kTimes[] = {
      {"a", TimeFormat::Local}, {"ad", TimeFormat::LocalDate}, {"u", TimeFormat::Utc},
      {"ud", TimeFormat::UtcDate}, {"r", TimeFormat::Relative}, {"e", TimeFormat::Epoch}};
  for (const auto& k : kTimes)
    if (!std::strcmp(t, k.name)) {
      out = k.f;
      return true;
    }
  return false;
}

// -E NAME=VALUE, as tshark takes them. Returns an error message, or empty.
std::string parse_fields_option(const char* text, FieldsOptions& f) {
  const char* eq = std::strchr(text, '=');
  if (!eq) return "expected NAME=VALUE";
  std::string name(text, eq), value(eq + 1);
  if (name == "header") {
    if (value != "y" && value != "n") return "header is y or n";
    f.header = value == "y";
  } else if (name == "separator") {
    if (value == "/t") f.separator = "\t";
    else if (value == "/s") f.separator = " ";
    else if (value.empty()) return "separator needs a value (/t, /s or a character)";
    else f.separator = value;
  } else if (name == "quote") {
    if (value == "d") f.quote = '"';
    else if (value == "s") f.quote = '\'';
    else if (value == "n") f.quote = 0;
    else return "quote is d, s or n";
  } else if (name == "aggregator") {
    if (value == "/s") f.aggregator = " ";
    else if (value.empty()) return "aggregator needs a value";
    else f.aggregator = value;
  } else if (name == "occurrence") {
    if (value != "f" && value != "l" && value != "a") return "occurrence is f, l or a";
    f.occurrence = value[0];
  } else {
    return "unknown option '" + name + "' (header, separator, quote, aggregator, occurrence)";
  }
  return {};
}

std::optional<DumpOptions> fail(int& exit_code, const char* fmt, const char* arg) {
  std::fputs("ovmsdump: ", stderr);
  std::fprintf(stderr, fmt, arg);
  std::fprintf(stderr, "\n(ovmsdump -h lists the options)\n");
  exit_code = 2;
  return std::nullopt;
}

}  // namespace

std::optional<DumpOptions> parse_options(int argc, char** argv, int& exit_code) {
  DumpOptions o;
  bool format_given = false;
  opterr = 0;  // our own messages
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, ":hr:i:f:Dk:p:Y:c:T:e:E:t:w:qlv", kLong, nullptr)) != -1) {
    switch (c) {
      case 'h':
        std::fputs(kUsage, stdout);
        exit_code = 0;
        return std::nullopt;
      case kVersion:
        std::printf("ovmsdump %s (OVMS Inspector)\n", OVMS_VERSION);
        exit_code = 0;
        return std::nullopt;
      case 'r': o.read_file = optarg; break;
      case 'i': o.interface = optarg; break;
      case 'f': o.capture_filter = optarg; break;
      case 'D': o.list_interfaces = true; break;
      case 'k': o.keys = optarg; break;
      case 'p': {
        uint16_t port = 0;
        if (!parse_port(optarg, port)) return fail(exit_code, "-p '%s' is not a TCP port (1-65535)", optarg);
        o.extra_ports.insert(port);
        break;
      }
      case 'Y': o.display_filter = optarg; break;
      case 'c':
        if (!parse_count(optarg, o.count)) return fail(exit_code, "-c '%s' is not a count (1 or more)", optarg);
        break;
      case 'T':
        format_given = true;
        if (!std::strcmp(optarg, "text")) o.format = OutputFormat::Text;
        else if (!std::strcmp(optarg, "json")) o.format = OutputFormat::Json;
        else if (!std::strcmp(optarg, "fields")) o.format = OutputFormat::Fields;
        else return fail(exit_code, "-T '%s': expected text, json or fields", optarg);
        break;
      case kJson:
        if (format_given && o.format != OutputFormat::Json) return fail(exit_code, "%s and -T disagree", "--json");
        o.format = OutputFormat::Json;
        format_given = true;
        break;
      case 'e': o.fields.fields.emplace_back(optarg); break;
      case 'E': {
        std::string why = parse_fields_option(optarg, o.fields);
        if (!why.empty()) {
          std::string msg = "-E '" + std::string(optarg) + "': " + why;
          return fail(exit_code, "%s", msg.c_str());
        }
        break;
      }
      case 't':
        if (!parse_time(optarg, o.time)) return fail(exit_code, "-t '%s': expected a, ad, u, ud, r or e", optarg);
        break;
      case 'w': o.write_file = optarg; break;
      case 'q': o.quiet = true; break;
      case 'l': o.line_buffered = true; break;
      case 'v': ++o.verbose; break;
      case kStats: o.stats = true; break;
      case kShowSecrets: o.show_secrets = true; break;
      case kNoContent: o.content_detection = false; break;
      case kNoProgress: o.progress = false; break;
      case kThreads: {
        uint64_t n = 0;
        if (!parse_count(optarg, n) || n > 64) return fail(exit_code, "--threads '%s' is not a thread count (1 to 64)", optarg);
        o.threads = static_cast<int>(n);
        break;
      }
      case ':': {
        std::string opt = optopt ? std::string("-") + static_cast<char>(optopt) : std::string(argv[optind - 1]);
        return fail(exit_code, "%s needs a value", opt.c_str());
      }
      default: {
        std::string opt = optopt ? std::string("-") + static_cast<char>(optopt) : std::string(argv[optind - 1]);
        return fail(exit_code, "unknown option '%s'", opt.c_str());
      }
    }
  }
  if (optind < argc) return fail(exit_code, "unexpected argument '%s'", argv[optind]);
  o.json = o.format == OutputFormat::Json;
  if (o.list_interfaces) return o;
  if (!o.read_file.empty() && !o.interface.empty()) return fail(exit_code, "%s", "-r and -i cannot be used together");
  if (o.read_file.empty() && o.interface.empty()) return fail(exit_code, "%s", "no capture given (-r FILE or -i IFACE)");
  if (o.format == OutputFormat::Fields && o.fields.fields.empty())
    return fail(exit_code, "%s", "-T fields needs at least one -e FIELD");
  if (o.format != OutputFormat::Fields && !o.fields.fields.empty())
    return fail(exit_code, "%s", "-e only works with -T fields");
  if (o.capture_filter && o.interface.empty()) return fail(exit_code, "%s", "-f only works with -i");
  return o;
}
