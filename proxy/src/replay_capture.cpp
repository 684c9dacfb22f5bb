#include "replay_capture.h"

#include "ovms/analyzer.h"
#include "ovms/capture_feed.h"
#include "ovms/capture_reader.h"

namespace ovms::proxy {
namespace {

struct Collect : RecordSink {
  const std::string& vehicle;
  Role role;
  std::vector<ReplayMessage> out;
  uint64_t undecrypted = 0;
  Collect(const std::string& v, Role r) : vehicle(v), role(r) {}
  void on_record(const RecordPtr& r) override {
    if (r->dir != Direction::ClientToServer || r->role != role || r->vehicle != vehicle ||
        r->kind != LineKind::Message)
      return;
    if (!r->plain || r->body_offset < 0) {
      ++undecrypted;
      return;
    }
    std::string body = r->plain->substr(static_cast<std::size_t>(r->body_offset));
    if (body.empty() || body[0] == 'A' || body[0] == 'a') return;
    out.push_back({r->ts, std::move(body)});
  }
};

}  // namespace

std::optional<std::vector<ReplayMessage>> load_replay_messages(const std::string& path, const KeyStore* keys,
                                                               const std::string& vehicle, Role role,
                                                               std::string& error) {
  auto reader = CaptureReader::open(path, error);
  if (!reader) return std::nullopt;
  Collect sink(vehicle, role);
  CaptureAnalyzer analyzer(keys, sink);
  CaptureFeed feed(analyzer, sink);
  CapturedFrame f;
  while (reader->next(f)) feed.frame(f);
  if (!reader->error().empty()) {
    error = reader->error();
    return std::nullopt;
  }
  analyzer.finish();
  if (sink.out.empty()) {
    error = path + ": no decrypted message sent by " + role_name(role) + " " + vehicle +
            (sink.undecrypted ? " (" + std::to_string(sink.undecrypted) + " lines not decrypted: check the keys)" : "");
    return std::nullopt;
  }
  return std::move(sink.out);
}

}  // namespace ovms::proxy
