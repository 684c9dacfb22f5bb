// Records fan out: several sinks see the same record, and one that keeps records takes nothing from
// the others.
#include <gtest/gtest.h>

#include "ovms/json.h"
#include "ovms/record_fanout.h"
#include "sample_support.h"
#include "test_support.h"

using namespace ovms;
using namespace ovms::test;

namespace {

// Formats each record as it arrives, as ovmsdump's writer does, and remembers the text.
struct JsonLines : RecordSink {
  std::vector<std::string> lines;
  std::vector<uint64_t> links;
  void on_record(const RecordPtr& r) override {
    std::string s;
    append_record_json(s, *r, nullptr);
    lines.push_back(std::move(s));
  }
  void on_response_link(uint64_t request_id, uint64_t, uint64_t) override { links.push_back(request_id); }
};

}  // namespace

TEST(FanOut, EverySinkSeesTheSameRecordsLinksAndOrphans) {
  Collect first, last;
  JsonLines json;
  FanOutSink fan{&first, &json};
  fan.add(last);
  ASSERT_EQ(fan.size(), 3u);
  decode_sample("commands", fan);
  ASSERT_GT(first.records.size(), 20u);
  ASSERT_EQ(last.records.size(), first.records.size());
  ASSERT_EQ(json.lines.size(), first.records.size());
  for (std::size_t i = 0; i < first.records.size(); ++i) {
    // Shared, not copied: the same object reaches every sink.
    EXPECT_EQ(first.records.ptr(i).get(), last.records.ptr(i).get());
    // The sink that kept it sees it whole after every other sink had it (nothing was moved out).
    std::string again;
    append_record_json(again, first.records[i], nullptr);
    EXPECT_EQ(again, json.lines[i]) << "record " << i;
  }
  EXPECT_FALSE(json.links.empty()) << "commands.pcap has command responses";
  EXPECT_EQ(first.orphans.size(), last.orphans.size());
}

TEST(FanOut, OrphanDiagnosticsReachEverySink) {
  Collect a, b;
  FanOutSink fan{&a, &b};
  decode_sample("wrong-secret", fan);  // its keys file has vehicles no connection uses: key.unused
  ASSERT_FALSE(a.orphans.empty());
  ASSERT_EQ(a.orphans.size(), b.orphans.size());
  for (std::size_t i = 0; i < a.orphans.size(); ++i) EXPECT_EQ(a.orphans[i].message, b.orphans[i].message);
}

TEST(FanOut, AKeptRecordOutlivesTheDecoder) {
  RecordPtr kept;
  {
    LoggedIn s;
    s.up(s.c.up.encrypt("MP-0 S80.0,K,0,0.00,stopped,standard,250,230") + "\r\n");
    kept = s.sink.records.ptr(s.sink.records.size() - 1);
  }
  ASSERT_TRUE(kept);
  ASSERT_TRUE(kept->plain);
  EXPECT_EQ(*kept->plain, "MP-0 S80.0,K,0,0.00,stopped,standard,250,230");
  EXPECT_EQ(kept->msg.field("soc")->text, "80.0");
}
