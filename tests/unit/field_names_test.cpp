// The one naming rule: every catalog field has exactly one name, the plugin's; short spellings resolve
// to the same names; completions come from the same table.
#include <gtest/gtest.h>

#include <set>

#include "ovms/field_names.h"

using namespace ovms;

TEST(FieldNames, EveryCatalogFieldHasOneNameUnderItsMessage) {
  std::size_t n = 0;
  const MessageDef* messages = message_defs(&n);
  for (std::size_t m = 0; m < n; ++m) {
    for (uint8_t i = 0; i < messages[m].n_fields; ++i) {
      const FieldDef* f = &messages[m].fields[i];
      const FieldName* name = field_name_of(f);
      ASSERT_NE(name, nullptr) << messages[m].name << "." << f->name;
      EXPECT_EQ(name->abbrev, std::string("ovms.") + messages[m].name + "." + f->name);
      EXPECT_NE(name->codes.find(messages[m].code), std::string::npos) << name->abbrev;
    }
  }
  std::size_t nc = 0;
  const CommandDef* commands = command_defs(&nc);
  for (std::size_t c = 0; c < nc; ++c) {
    for (uint8_t i = 0; i < commands[c].n_params; ++i)
      EXPECT_EQ(field_name_of(&commands[c].params[i])->abbrev, std::string("ovms.command.") + commands[c].params[i].name);
    for (uint8_t i = 0; i < commands[c].n_response; ++i)
      EXPECT_EQ(field_name_of(&commands[c].response[i])->abbrev,
                std::string("ovms.command_response.") + commands[c].response[i].name);
  }
  std::size_t np = 0;
  const FieldDef* params = module_params(&np);
  for (std::size_t i = 0; i < np; ++i)
    EXPECT_EQ(field_name_of(&params[i])->abbrev, std::string("ovms.ap_record.") + params[i].name);
  EXPECT_EQ(field_name_of(nullptr), nullptr);
}

TEST(FieldNames, NamesAreUniqueAndTheCatalogHasNoTypeConflicts) {
  std::set<std::string> seen;
  for (const FieldName& n : field_names()) {
    EXPECT_TRUE(seen.insert(n.abbrev).second) << "twice: " << n.abbrev;
    EXPECT_FALSE(n.label.empty()) << n.abbrev;
    // A second type under one name would be registered as <name>_<type>: the catalog promises it is not.
    if (n.source == NameSource::CatalogField) {
      const std::string field = n.abbrev.substr(n.abbrev.rfind('.') + 1);
      EXPECT_EQ(field, n.field()->name) << n.abbrev;
      for (const FieldDef* d : n.defs) EXPECT_EQ(field_name_of(d), &n);
    }
  }
  EXPECT_GT(field_names().size(), 300u);
}

TEST(FieldNames, FlagBitsAndTypes) {
  const FieldName* doors = find_field_name("ovms.environment.doors1");
  ASSERT_NE(doors, nullptr);
  EXPECT_EQ(doors->type, NameType::Flags);
  EXPECT_EQ(doors->bits, 8);
  EXPECT_EQ(doors->max, 0xffu);
  ASSERT_FALSE(doors->bits_of.empty());
  const FieldName& port = field_names()[doors->bits_of[2]];
  EXPECT_EQ(port.abbrev, "ovms.environment.doors1.charge_port");
  EXPECT_EQ(port.type, NameType::Bool);
  EXPECT_EQ(port.flag->mask, 0x04u);
  EXPECT_EQ(&field_names()[port.parent], doors);
  EXPECT_EQ(find_field_name("ovms.status.soc")->type, NameType::Double);
  EXPECT_EQ(find_field_name("ovms.status.charge_state")->type, NameType::Text);  // a keyword enum
  EXPECT_EQ(find_field_name("ovms.environment.lock_state")->type, NameType::Int);
  EXPECT_EQ(find_field_name("ovms.scheme")->bits, 32);
  EXPECT_EQ(find_field_name("ovms.firmware.service_time")->type, NameType::Time);
  EXPECT_EQ(find_field_name("time")->type, NameType::Time);
  EXPECT_EQ(find_field_name("ovms.handshake_ok")->type, NameType::Bool);
  EXPECT_EQ(find_field_name("ovms.expert.tcp.gap")->diag, DiagId::TcpGap);
}

TEST(FieldNames, ShortSpellingsResolveToTheSameNames) {
  struct Pair {
    const char* spelling;
    const char* abbrev;
  };
  for (Pair p : {Pair{"status.soc", "ovms.status.soc"}, Pair{"vehicle_id", "ovms.vehicle_id"},
                 Pair{"vehicle", "ovms.vehicle_id"}, Pair{"location.latitude", "ovms.location.latitude"},
                 Pair{"code", "ovms.code"}, Pair{"dir", "ovms.direction"}, Pair{"direction", "ovms.direction"},
                 Pair{"wire", "ovms.line"}, Pair{"plain", "ovms.plaintext"}, Pair{"diag", "ovms.diag"},
                 Pair{"paranoid", "ovms.paranoid"}, Pair{"inner.code", "ovms.paranoid.code"},
                 Pair{"paranoid.code", "ovms.paranoid.code"}, Pair{"expert.tcp.gap", "ovms.expert.tcp.gap"},
                 Pair{"frame.number", "frame"}, Pair{"ovms", "ovms"}}) {
    const FieldName* n = find_field_name(p.spelling);
    ASSERT_NE(n, nullptr) << p.spelling;
    EXPECT_EQ(n->abbrev, p.abbrev) << p.spelling;
  }
  for (const FieldName& n : field_names()) EXPECT_EQ(find_field_name(n.abbrev), &n);
  EXPECT_EQ(find_field_name("ovms.dir"), nullptr);  // "ovms." takes the full name only
  EXPECT_EQ(find_field_name("ovms.frame"), nullptr);
  EXPECT_EQ(find_field_name("status.nope"), nullptr);
  EXPECT_EQ(find_field_name(""), nullptr);
}

TEST(FieldNames, ScopesSayWhoKnowsTheValues) {
  EXPECT_EQ(find_field_name("ovms.retransmitted")->scope, NameScope::Segment);
  EXPECT_EQ(find_field_name("ovms.response_in")->scope, NameScope::TwoPass);
  EXPECT_EQ(find_field_name("frame")->scope, NameScope::Record);
  EXPECT_FALSE(find_field_name("frame")->in_plugin());
  EXPECT_FALSE(find_field_name("ovms")->in_plugin());  // the protocol itself, registered by Wireshark
  EXPECT_TRUE(find_field_name("ovms.paranoid")->in_plugin());
}

TEST(FieldNames, CompletionsOfAPrefix) {
  auto has = [](const std::vector<NameCompletion>& v, const std::string& name) {
    for (const auto& c : v)
      if (c.name == name) return true;
    return false;
  };
  auto c = complete_field_names("status.so");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].name, "status.soc");
  EXPECT_NE(c[0].description.find("State of charge"), std::string::npos) << c[0].description;
  EXPECT_NE(c[0].description.find("%"), std::string::npos) << c[0].description;
  EXPECT_EQ(c[0].description.find('\n'), std::string::npos);
  for (const auto& x : c) EXPECT_EQ(x.name.compare(0, 9, "status.so"), 0) << x.name;

  c = complete_field_names("ovms.status.so");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].name, "ovms.status.soc");

  c = complete_field_names("inner.");
  EXPECT_TRUE(has(c, "inner.code"));
  EXPECT_TRUE(has(c, "inner.plain"));

  c = complete_field_names("di");
  EXPECT_TRUE(has(c, "diag"));
  EXPECT_TRUE(has(c, "dir"));
  EXPECT_TRUE(has(c, "direction"));
  EXPECT_FALSE(has(c, "ovms.diag"));

  c = complete_field_names("ovms.expert.tcp.");
  EXPECT_TRUE(has(c, "ovms.expert.tcp.gap"));

  c = complete_field_names("", 1000000);
  EXPECT_GT(c.size(), 300u);
  for (const auto& x : c) EXPECT_NE(x.name.compare(0, 5, "ovms."), 0) << x.name;  // short spellings only
  EXPECT_TRUE(std::is_sorted(c.begin(), c.end(), [](const auto& a, const auto& b) { return a.name < b.name; }));

  EXPECT_EQ(complete_field_names("status.", 3).size(), 3u);
  EXPECT_TRUE(complete_field_names("zzz").empty());
}

TEST(FieldNames, NearestNameForATypo) {
  EXPECT_EQ(nearest_field_name("status.sco"), "status.soc");
  EXPECT_EQ(nearest_field_name("ovms.vehicle_di"), "ovms.vehicle_id");
  EXPECT_EQ(nearest_field_name("qqqqqqqqqqqq"), "");
}

TEST(FieldNames, HowThePluginShowsAFieldValue) {
  const FieldName* soc = find_field_name("ovms.status.soc");
  FieldValue v;
  v.def = soc->field();
  v.kind = FieldValue::Kind::Float;
  EXPECT_EQ(field_shown(v, soc), FieldShown::Value);
  v.kind = FieldValue::Kind::Text;
  EXPECT_EQ(field_shown(v, soc), FieldShown::Malformed);
  v.kind = FieldValue::Kind::Empty;
  EXPECT_EQ(field_shown(v, soc), FieldShown::Empty);
  v.def = nullptr;
  EXPECT_EQ(field_shown(v, nullptr), FieldShown::Extra);
  const FieldName* doors = find_field_name("ovms.environment.doors1");
  v.def = doors->field();
  v.kind = FieldValue::Kind::Int;
  v.i = 0x1ff;  // wider than the 8-bit field
  EXPECT_EQ(field_shown(v, doors), FieldShown::Malformed);
  v.i = 0x44;
  EXPECT_EQ(field_shown(v, doors), FieldShown::Value);
  // Times: 0 and -1 are "none" (shown as ovms.empty_field), past the year 9999 not a time.
  const FieldName* service = find_field_name("ovms.firmware.service_time");
  v.def = service->field();
  v.kind = FieldValue::Kind::Int;
  v.i = -1;
  EXPECT_EQ(field_shown(v, service), FieldShown::Empty);
  v.i = 1767225600;
  EXPECT_EQ(field_shown(v, service), FieldShown::Value);
  v.i = 253402300800;
  EXPECT_EQ(field_shown(v, service), FieldShown::Malformed);
  std::size_t n = 0;
  const EnumValue* labels = value_labels(*find_field_name("ovms.location.gps_lock")->field(), &n);
  ASSERT_EQ(n, 3u);
  EXPECT_STREQ(labels[1].label, "True");
  EXPECT_EQ(value_labels(*find_field_name("ovms.status.charge_state")->field(), &n), nullptr);
}
