// The proxy's rules YAML (proxy/src/rules.cpp): any text is a rules list, or an error naming the file,
// the line and what is wrong; never a crash. A parsed rule describes itself (--stats) and applies to a
// decoded line without crashing, whatever its field, text or delay.
#include "fuzz_support.h"
#include "ovms/connection.h"
#include "rules.h"

using namespace ovms;

namespace {

// One car status line of samples/basic.pcap's DEMO, decoded in scheme 1 (plain), for the rules to act on.
RecordPtr sample_record() {
  static RecordPtr r = [] {
    struct Keep : RecordSink {
      RecordPtr last;
      void on_record(const RecordPtr& p) override { last = p; }
    } keep;
    ConnectionDecoder d(0, &fuzz::sample_keys(), nullptr);
    const std::string c = "MP-C 1 alice secret DEMO\r\nS55.3,K,0,0.00,stopped,standard,200,180\r\n";
    const std::string s = "MP-S 1 alice DEMO DEMO\r\n";
    d.feed(Direction::ClientToServer, reinterpret_cast<const uint8_t*>(c.data()), c.find('\n') + 1, 1, 0, keep);
    d.feed(Direction::ServerToClient, reinterpret_cast<const uint8_t*>(s.data()), s.size(), 2, 0, keep);
    d.feed(Direction::ClientToServer, reinterpret_cast<const uint8_t*>(c.data()) + c.find('\n') + 1,
           c.size() - c.find('\n') - 1, 3, 0, keep);
    return keep.last;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string error;
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  auto rules = proxy::Rules::parse(yaml, "fuzz.yaml", error);
  if (!rules) {
    if (error.rfind("fuzz.yaml", 0) != 0) fuzz::fail("a rules file refused without naming it: " + error);
    return 0;
  }
  const RecordPtr r = sample_record();
  if (!r || r->msg.code != 'S') fuzz::fail("the sample S line did not decode: nothing for the rules to act on");
  for (Leg leg : {Leg::Client, Leg::Server}) {
    if (proxy::Rule* rule = rules->match(*r, leg)) (void)rules->decide(*rule, *r, leg);
  }
  for (const proxy::Rule& rule : rules->rules()) {
    std::string out;
    append_json_string(out, rule.describe());
    fuzz::check_json(out);
  }
  return 0;
}
