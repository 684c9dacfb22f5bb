// The display-filter parser and evaluator: any text compiles or gives an error with a column inside
// the text (or just past it); a filter that compiles is evaluated on records of a decoded conversation.
#include <vector>

#include "fuzz_support.h"
#include "ovms/connection.h"
#include "ovms/filter.h"
#include "ovms/protocol.h"

using namespace ovms;

namespace {
struct Keep : RecordSink {
  std::vector<RecordPtr> records;
  void on_record(const RecordPtr& r) override { records.push_back(r); }
};

// A few records of every kind a filter reads: welcome, status, a paranoid line, a command and reply.
const std::vector<RecordPtr>& records() {
  static Keep keep = [] {
    Keep k;
    KeyStore keys;
    VehicleKey v;
    v.id = "DEMO";
    v.server_password = "secret";
    keys.add_vehicle(v);
    ConnectionDecoder d(0, &keys, nullptr);
    const std::string ct = "ClientTok0123456789abcd", st = "ServerTok0123456789wxyz";
    auto feed = [&](Direction dir, const std::string& s) {
      d.feed(dir, reinterpret_cast<const uint8_t*>(s.data()), s.size(), 1, 1, k);
    };
    feed(Direction::ClientToServer, "MP-C 0 " + ct + " " + welcome_digest("secret", ct) + " DEMO\r\n");
    feed(Direction::ServerToClient, "MP-S 0 " + st + " " + welcome_digest("secret", st) + "\r\n");
    LineCipher up(session_key("secret", st, ct)), down(session_key("secret", st, ct));
    for (const char* m : {"MP-0 S55.3,K,0,0.00,stopped,standard,200,180,0,0,0,0,0,0,0,0,0,-1,0,0,0,0,0,0,0",
                          "MP-0 F3.3.001,VIN123,5,0,TR,,,", "MP-0 c7,0,ok", "MP-0 PIhello", "MP-0 Znan"})
      feed(Direction::ClientToServer, up.encrypt(m) + "\r\n");
    feed(Direction::ServerToClient, down.encrypt("MP-0 C7,stat") + "\r\n");
    return k;
  }();
  return keep.records;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  FilterError error;
  auto f = DisplayFilter::compile(text, error);
  if (!f) {
    if (error.message.empty()) fuzz::fail("a filter refused without saying why");
    if (error.column > text.size() + 1) fuzz::fail("error column past the end of the filter");
    return 0;
  }
  for (const RecordPtr& r : records()) (void)f->matches(*r);
  return 0;
}
