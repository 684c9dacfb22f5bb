// Field positions: every decoded field says where its bytes are in the decrypted text the record
// keeps, and diagnostics about one field name it by its index.
#include <gtest/gtest.h>

#include "ovms/message.h"
#include "sample_support.h"
#include "test_support.h"

using namespace ovms;
using namespace ovms::test;

namespace {

// Every field of `m` lies in `plain` at its offset, in order; returns how many fields were checked.
std::size_t check_fields(const DecodedMessage& m, const std::string& plain, bool ap_record, const std::string& where) {
  std::size_t previous_end = 0;
  for (std::size_t k = 0; k < m.fields.size(); ++k) {
    const FieldValue& f = m.fields[k];
    EXPECT_LE(std::size_t{f.offset} + f.length, plain.size()) << where << " field " << k;
    if (std::size_t{f.offset} + f.length > plain.size()) continue;
    std::string at = plain.substr(f.offset, f.length);
    if (ap_record && f.text.empty() && at == "-") {
      // The AP record writes an empty parameter as "-": the span is that byte, the value is empty.
    } else {
      EXPECT_EQ(at, f.text) << where << " field " << k << " (" << f.name() << ") in \"" << plain << "\"";
      EXPECT_EQ(f.length, f.text.size()) << where << " field " << k;
    }
    EXPECT_GE(f.offset, previous_end) << where << " field " << k << " overlaps the one before";
    previous_end = f.offset + f.length;
  }
  return m.fields.size();
}

void check_diag_fields(const std::vector<Diagnostic>& diags, const DecodedMessage& m, const std::string& where) {
  for (const Diagnostic& d : diags) {
    EXPECT_LT(d.field, static_cast<int32_t>(m.fields.size())) << where << " " << d.def().key << ": " << d.message;
    if (d.id == DiagId::MalformedField || d.id == DiagId::ExtraFields) {
      EXPECT_GE(d.field, 0) << where << " " << d.def().key << " names no field: " << d.message;
    }
    if (d.id == DiagId::MalformedField && d.field >= 0) {
      // The message names the field the index points at.
      const FieldValue& f = m.fields[static_cast<std::size_t>(d.field)];
      EXPECT_EQ(d.message.rfind(f.name(), 0), 0u) << where << ": " << d.message << " vs field " << f.name();
    }
  }
}

}  // namespace

TEST(FieldPositions, EveryFieldOfEveryMessageOfEverySample) {
  std::size_t fields = 0, inner_fields = 0, ap_fields = 0, samples = 0;
  for (const std::string& name : sample_names()) {
    Collect sink;
    decode_sample(name, sink);
    ++samples;
    for (const LineRecord& r : sink.records) {
      const std::string where = name + " frame " + std::to_string(r.frame);
      if (!r.msg.fields.empty()) {
        ASSERT_TRUE(r.plain) << where << ": fields without a plaintext";
        bool ap = r.kind == LineKind::ApReply;
        std::size_t n = check_fields(r.msg, *r.plain, ap, where);
        (ap ? ap_fields : fields) += n;
      }
      check_diag_fields(r.diags, r.msg, where);
      if (r.inner) {
        inner_fields += check_fields(r.inner->msg, r.inner->plain, false, where + " (paranoid)");
        check_diag_fields(r.inner->diags, r.inner->msg, where + " (paranoid)");
      }
    }
  }
  EXPECT_GE(samples, 10u);
  EXPECT_GT(fields, 1000u);
  EXPECT_GT(inner_fields, 20u) << "paranoid samples have inner messages";
  EXPECT_GT(ap_fields, 3u) << "the autoprovision sample has an AP record";
}

TEST(FieldPositions, OffsetsCountFromThePlaintextTheCallerKeeps) {
  std::vector<Diagnostic> diags;
  // Scheme 0: the record keeps "MP-0 " + body, and offsets count from its start.
  DecodedMessage s = decode_message("MP-0 S80.5,K,,16.00", 5, diags);
  ASSERT_EQ(s.fields.size(), 4u);
  EXPECT_EQ(s.fields[0].offset, 6u);
  EXPECT_EQ(s.fields[0].length, 4u);
  EXPECT_EQ(s.fields[1].offset, 11u);
  EXPECT_EQ(s.fields[2].offset, 13u);  // an empty field sits between its commas
  EXPECT_EQ(s.fields[2].length, 0u);
  EXPECT_EQ(s.fields[3].offset, 14u);
  // A body alone: offsets count from its code.
  DecodedMessage alone = decode_message("S80.5,K", diags);
  EXPECT_EQ(alone.fields[0].offset, 1u);
  // Layouts that cut differently: the paranoid sub-type, a rest field with commas, the push netpass.
  DecodedMessage em = decode_message("MP-0 EMSabc=", 5, diags);
  ASSERT_EQ(em.fields.size(), 3u);
  EXPECT_EQ(em.fields[1].offset, 7u);  // inner code
  EXPECT_EQ(em.fields[2].offset, 8u);  // payload
  DecodedMessage h = decode_message("h1001,-3600,*-LOG-Trip,1,86400,a,b,c", diags);
  EXPECT_EQ(h.field("data")->offset, 31u);
  EXPECT_EQ(h.field("data")->length, 5u);
  DecodedMessage p = decode_message("pAPP1,gcm,production,DEMO,pa,ss,KEY", diags);
  EXPECT_EQ(p.field("netpass")->offset, 26u);
  EXPECT_EQ(p.field("netpass")->length, 5u);
}

TEST(FieldPositions, DiagnosticsNameTheirFieldByIndex) {
  std::vector<Diagnostic> diags;
  DecodedMessage m = decode_message("S80,K,x1,16.00", diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].id, DiagId::MalformedField);
  EXPECT_EQ(diags[0].field, 2);
  EXPECT_STREQ(m.fields[2].name(), "line_voltage");

  diags.clear();
  DecodedMessage z = decode_message("Z1,extra1,extra2", diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].id, DiagId::ExtraFields);
  EXPECT_EQ(diags[0].field, 1);  // the first extra field
  EXPECT_EQ(z.fields[1].def, nullptr);

  diags.clear();
  DecodedMessage y = decode_message("Y4,FL,FR", diags);  // four wheel names announced, two sent
  ASSERT_FALSE(diags.empty());
  EXPECT_EQ(diags[0].id, DiagId::MissingField);
  ASSERT_GE(diags[0].field, 0);
  EXPECT_EQ(y.fields[static_cast<std::size_t>(diags[0].field)].text, "4");  // the count that promised more

  diags.clear();
  decode_message("EXfoo", diags);  // an unknown paranoid sub-type: about the sub-type field
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].field, 0);

  diags.clear();
  decode_message("S80,K,230", diags);
  EXPECT_TRUE(diags.empty());
}

TEST(FieldPositions, ParanoidPayloadDiagnosticsPointAtThePayload) {
  LoggedIn s;
  s.up(s.c.up.encrypt("MP-0 ETtok3n") + "\r\n");
  s.up(s.c.up.encrypt("MP-0 EMSnot*base64") + "\r\n");  // no module password in the keys: tried, fails
  const LineRecord& r = s.last();
  const FieldValue* payload = r.msg.field("payload");
  ASSERT_TRUE(payload);
  const int32_t payload_index = static_cast<int32_t>(payload - r.msg.fields.data());
  bool seen = false;
  for (const Diagnostic& d : r.diags) {
    if (d.id != DiagId::Base64Invalid && d.id != DiagId::ParanoidTruncated && d.id != DiagId::ParanoidUndecodable)
      continue;
    EXPECT_EQ(d.field, payload_index) << d.def().key;
    seen = true;
  }
  EXPECT_TRUE(seen) << "no payload diagnostic on a broken EM payload";
}

// Field texts are views into the plaintext, not copies: a copy of a message with its plaintext must
// point at its own plaintext (InnerMessage does so itself), or it reads freed bytes once the original goes.
TEST(FieldPositions, ACopiedMessageReadsItsOwnPlaintext) {
  std::vector<Diagnostic> diags;
  auto original = std::make_unique<InnerMessage>();
  original->plain = "MP-0 S8,K";  // short: the string's own buffer, which moves with it
  original->msg = decode_message(original->plain, 5, original->diags);
  ASSERT_EQ(original->msg.fields.size(), 2u);
  InnerMessage copy(*original);
  InnerMessage moved(std::move(*original));
  original->plain.assign("MP-0 X9,Z");  // the original's bytes change: the copies must not see it
  original.reset();
  for (const InnerMessage* m : {&copy, &moved}) {
    EXPECT_EQ(m->msg.fields[0].text, "8");
    EXPECT_EQ(m->msg.fields[1].text, "K");
    EXPECT_EQ(m->msg.fields[0].text.data(), m->plain.data() + 6) << "a view into its own plaintext";
  }
  // A message copied next to a copy of its plaintext, then rebased: the same bytes at the same offsets.
  std::string plain = "MP-0 S80.5,K,,16.00";
  DecodedMessage m = decode_message(plain, 5, diags);
  std::string other = plain;
  DecodedMessage c = m;
  c.rebase(other);
  for (std::size_t k = 0; k < c.fields.size(); ++k) {
    EXPECT_EQ(c.fields[k].text, m.fields[k].text) << k;
    if (!c.fields[k].text.empty()) {
      EXPECT_EQ(c.fields[k].text.data(), other.data() + c.fields[k].offset) << k;
    }
  }
}
