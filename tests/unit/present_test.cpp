// The one wording of a record (ovms::present): what each kind of line is called and how it is summed
// up. The front ends' agreement on real captures is checked end to end (tshark_plugin_test.py compares
// the plugin's Info column and -z ovms,tree with ovmsdump's text and --stats).
#include <gtest/gtest.h>

#include "ovms/present.h"
#include "sample_support.h"
#include "test_support.h"

using namespace ovms;
using namespace ovms::test;
using present::Column;
using present::StatTable;

namespace {

const LineRecord* find(const KeptRecords& records, bool (*pred)(const LineRecord&)) {
  for (const LineRecord& r : records)
    if (pred(r)) return &r;
  return nullptr;
}

}  // namespace

TEST(Present, HandshakeLinesSayWhetherTheDigestVerifiedAndWithWhichKey) {
  LoggedIn s;
  const present::RecordView welcome = present::view_of(s.sink.records[0]);
  EXPECT_EQ(present::label(welcome), "welcome");
  EXPECT_EQ(present::summary(welcome), "scheme=0 verified key=vehicle_id (DEMO)");
  EXPECT_EQ(present::info(welcome), "car DEMO welcome scheme=0 verified key=vehicle_id (DEMO)");
  EXPECT_EQ(present::headline(present::view_of(s.sink.records[1])),
            "server_welcome scheme=0 verified key=vehicle_id (DEMO)");

  Conversation c;
  KeyStore wrong = keys_for("DEMO", "not-the-secret");
  Collect sink;
  ConnectionDecoder d(0, &wrong, nullptr);
  feed(d, Direction::ClientToServer, c.welcome() + "\r\n", sink);
  EXPECT_EQ(present::summary(present::view_of(sink.records[0])), "scheme=0 unverified key=none (DEMO)");
}

TEST(Present, MessagesAreNamedByCodeAndSummedUpByTheirFields) {
  LoggedIn s;
  s.up(s.c.up.encrypt("MP-0 S80.0,K,0,0.00,stopped,standard,250,230") + "\r\n");
  const present::RecordView v = present::view_of(s.last());
  EXPECT_EQ(present::label(v), "S status");
  EXPECT_EQ(present::title(v), "S status");
  EXPECT_EQ(present::summary(v), "soc=80.0 K line_voltage=0 charge_current=0.00 stopped standard …");
  EXPECT_EQ(present::column_text(Column::Conn, v), "#0");
  EXPECT_EQ(present::column_text(Column::Dir, v), "c2s");
  EXPECT_EQ(present::column_text(Column::Role, v), "car");
  EXPECT_EQ(present::column_text(Column::Vehicle, v), "DEMO");
  EXPECT_EQ(present::column_text(Column::Name, v), "S status");
  EXPECT_EQ(present::column_text(Column::Time, v), "00:00:00.000000");
  EXPECT_EQ(present::stat_key(StatTable::Message, v), "S status");
  EXPECT_EQ(present::stat_key(StatTable::Sender, v), "car");
}

TEST(Present, CommandsCarryTheirNameAndResponsesTheirRequest) {
  LoggedIn s('A');
  s.up(s.c.up.encrypt("MP-0 C7,stat") + "\r\n", 5);
  s.down(s.c.down.encrypt("MP-0 c7,0,ok") + "\r\n", 6);
  const present::RecordView request = present::view_of(s.sink.records[2]);
  ASSERT_TRUE(find_command(7));
  EXPECT_EQ(present::title(request), std::string("C command(") + find_command(7)->name + ")");
  EXPECT_EQ(present::label(request), "C command");  // counted without the command
  const present::RecordView reply = present::view_of(s.last());
  EXPECT_NE(present::summary(reply).find("[reply to frame 5]"), std::string::npos) << present::summary(reply);
}

TEST(Present, LinesWithoutAMessageSayWhy) {
  Conversation c;
  Collect sink;
  ConnectionDecoder d(0, nullptr, nullptr);  // no keys: nothing decrypts
  feed(d, Direction::ClientToServer, c.welcome() + "\r\n", sink);
  feed(d, Direction::ServerToClient, c.server_welcome() + "\r\n", sink);
  const std::string cipher = c.up.encrypt("MP-0 S80.0,K,0,0.00,stopped,standard,250,230,and,more,fields");
  feed(d, Direction::ClientToServer, cipher + "\r\n\r\n", sink);
  ASSERT_EQ(sink.records.size(), 4u);
  const present::RecordView undecrypted = present::view_of(sink.records[2]);
  EXPECT_EQ(present::label(undecrypted), "(not decrypted)");
  EXPECT_EQ(present::summary(undecrypted), cipher.substr(0, 48) + "...");
  EXPECT_EQ(present::label(present::view_of(sink.records[3])), "(empty line)");
  EXPECT_EQ(present::column_text(Column::Vehicle, present::view_of(sink.records[3])), "DEMO");
}

TEST(Present, SecretsAreRedactedUnlessAsked) {
  LoggedIn s('A');
  s.up(s.c.up.encrypt("MP-0 pAPP1,gcm,production,DEMO,pa,ss,KEY") + "\r\n");
  const present::RecordView v = present::view_of(s.last());
  EXPECT_EQ(present::summary(v).find("pa,ss"), std::string::npos);
  EXPECT_NE(present::summary(v, present::Options{true}).find("pa,ss"), std::string::npos);
}

TEST(Present, AParanoidInnerMessageIsNamedOuterSlashInner) {
  Collect sink;
  decode_sample("paranoid", sink);
  const LineRecord* em = find(sink.records, [](const LineRecord& r) { return r.inner && r.inner->msg.code == 'S'; });
  ASSERT_TRUE(em) << "paranoid.pcap has a status inside an EM";
  const present::RecordView v = present::view_of(*em);
  EXPECT_EQ(present::code_text('E', 'S'), "E/S");
  EXPECT_EQ(present::label(v), "E/S status");
  EXPECT_EQ(present::stat_key(StatTable::Message, v), "E/S status");
  // The summary is the inner message's, not the envelope's.
  EXPECT_EQ(present::summary(v), summarize(em->inner->msg));
  EXPECT_EQ(present::fields_title(em->inner->msg, "paranoid message"), "Car status (S)");
}

TEST(Present, EveryRecordOfEverySampleIsWorded) {
  for (const std::string& name : sample_names()) {
    Collect sink;
    decode_sample(name, sink);
    for (const LineRecord& r : sink.records) {
      const present::RecordView v = present::view_of(r);
      const std::string label = present::label(v);
      EXPECT_FALSE(label.empty()) << name << " frame " << r.frame;
      EXPECT_EQ(present::headline(v).rfind(present::title(v), 0), 0u) << name << " frame " << r.frame;
      EXPECT_EQ(present::info(v).find(std::string(role_name(r.role)) + " " + present::vehicle_text(v) + " " + label), 0u)
          << present::info(v);
      for (std::size_t t = 0; t < static_cast<std::size_t>(StatTable::kCount); ++t)
        EXPECT_FALSE(present::stat_key(static_cast<StatTable>(t), v).empty());
      for (const Diagnostic& d : r.diags)
        EXPECT_EQ(present::diagnostic_line(d),
                  std::string("! ") + severity_name(d.severity()) + " " + d.def().key + ": " + d.message);
    }
  }
}

TEST(Present, ColumnsAndTablesHaveTitles) {
  for (std::size_t c = 0; c < static_cast<std::size_t>(Column::kCount); ++c)
    EXPECT_STRNE(present::column_title(static_cast<Column>(c)), "?");
  EXPECT_STREQ(present::stat_table_title(StatTable::Message), "Lines by message");
  EXPECT_EQ(present::time_text(3723.5), "01:02:03.500000");
}
