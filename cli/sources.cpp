#include "sources.h"

#include <csignal>
#include <cstdio>

#include "ovms/analyzer.h"
#include "ovms/capture_reader.h"
#include "ovms/live_capture.h"

using namespace ovms;

std::unique_ptr<PacketSource> open_source(const DumpOptions& o, std::string& error) {
  if (o.interface.empty()) return CaptureReader::open(o.read_file, error);
  LiveOptions lo;
  lo.interface = o.interface;
  std::set<uint16_t> ports = AnalyzerOptions{}.ports;  // the OVMS server ports, and -p's
  ports.insert(o.extra_ports.begin(), o.extra_ports.end());
  lo.filter = o.capture_filter ? *o.capture_filter : default_capture_filter(ports, false);
  LiveError kind = LiveError::None;
  auto live = LiveCapture::open(lo, error, &kind);
  if (!live) {
    if (kind == LiveError::NoSuchInterface) error += " (ovmsdump -D lists the interfaces)";
    return nullptr;
  }
  // As tcpdump does: on stderr, so the decoded output stays clean.
  std::fprintf(stderr, "ovmsdump: capturing on %s, filter '%s' (Ctrl-C to stop)\n", live->name().c_str(),
               live->filter().c_str());
  return live;
}

int print_interfaces() {
  std::string error;
  auto list = list_interfaces(error);
  if (list.empty()) {
    std::fprintf(stderr, "ovmsdump: %s\n", error.c_str());
    return 1;
  }
  int n = 0;
  for (const InterfaceInfo& i : list) {
    std::printf("%d. %s", ++n, i.name.c_str());
    if (!i.description.empty()) std::printf(" (%s)", i.description.c_str());
    std::string flags = i.flags_text();
    if (!flags.empty()) std::printf(" [%s]", flags.c_str());
    std::printf("\n");
  }
  return 0;
}

namespace {

PacketSource* volatile g_stoppable = nullptr;

void request_stop_on_signal(int) {
  if (PacketSource* s = g_stoppable) s->request_stop();  // async-signal-safe
}

void install(void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  // No SA_RESTART: a read blocked on a pipe returns, and the source sees the stop. SA_RESETHAND: a
  // second Ctrl-C ends the program at once, should it be stuck.
  sa.sa_flags = handler == SIG_DFL ? 0 : SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

StopOnSignals::StopOnSignals(PacketSource& source) {
  g_stoppable = &source;
  install(request_stop_on_signal);
}

StopOnSignals::~StopOnSignals() {
  install(SIG_DFL);
  g_stoppable = nullptr;
}
