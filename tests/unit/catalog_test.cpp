// Invariants of the message catalog (core/src/catalog_data.cpp). The catalog's names are an API: the
// Wireshark plugin, the JSON output and the docs are generated from it.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ovms/catalog.h"

namespace ovms {
namespace {

std::string str(const char* s) { return s ? std::string(s) : std::string("<null>"); }

bool same_str(const char* a, const char* b) {
  if (!a || !b) return a == b;
  return std::strcmp(a, b) == 0;
}

bool is_snake_case(const char* s) {
  if (!s || !*s) return false;
  if (!(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (const char* p = s; *p; ++p)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
  return true;
}

std::vector<const MessageDef*> all_messages() {
  std::size_t n = 0;
  const MessageDef* defs = message_defs(&n);
  std::vector<const MessageDef*> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(&defs[i]);
  return out;
}

std::vector<const CommandDef*> all_commands() {
  std::size_t n = 0;
  const CommandDef* defs = command_defs(&n);
  std::vector<const CommandDef*> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(&defs[i]);
  return out;
}

const MessageDef& msg(char code) {
  const MessageDef* m = find_message(code);
  if (!m) {
    ADD_FAILURE() << "message '" << code << "' missing";
    static const MessageDef kEmpty{};
    return kEmpty;
  }
  return *m;
}

std::vector<std::string> field_names(const FieldDef* fields, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(str(fields[i].name));
  return out;
}

std::vector<std::string> field_names(const MessageDef& m) { return field_names(m.fields, m.n_fields); }

const FieldDef* field(const MessageDef& m, const char* name) {
  const FieldDef* f = find_field(m, name);
  EXPECT_NE(f, nullptr) << m.name << "." << name << " missing";
  return f;
}

// Checks one field table: names, labels, enum/flag/list consistency. `where` names it in failures.
void check_field_table(const std::string& where, const FieldDef* fields, std::size_t n) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < n; ++i) {
    const FieldDef& f = fields[i];
    const std::string id = where + "." + str(f.name);
    EXPECT_TRUE(is_snake_case(f.name)) << id << " is not snake_case";
    EXPECT_TRUE(seen.insert(str(f.name)).second) << id << " is not unique";
    EXPECT_TRUE(f.label && *f.label) << id << " has no label";
    if (f.unit) {
      EXPECT_TRUE(*f.unit) << id << " has an empty unit (use nullptr)";
    }
    if (f.doc_diff) {
      EXPECT_TRUE(*f.doc_diff) << id << " has an empty doc_diff (use nullptr)";
    }

    if (f.type == FieldType::Enum) {
      EXPECT_GT(f.n_enums, 0) << id << " is an Enum without values";
      EXPECT_NE(f.enums, nullptr) << id;
    } else {
      EXPECT_EQ(f.n_enums, 0) << id << " has enum values but is not an Enum";
    }
    if (f.type == FieldType::Flags) {
      EXPECT_GT(f.n_flags, 0) << id << " is Flags without bits";
      EXPECT_NE(f.flags, nullptr) << id;
    } else {
      EXPECT_EQ(f.n_flags, 0) << id << " has flag bits but is not Flags";
    }
    std::set<std::string> keywords;
    std::set<int64_t> numbers;
    bool keyword_enum = f.n_enums > 0 && f.enums[0].keyword != nullptr;
    for (uint8_t k = 0; k < f.n_enums; ++k) {
      const EnumValue& e = f.enums[k];
      EXPECT_TRUE(e.label && *e.label) << id << " enum value " << e.value << " has no label";
      EXPECT_EQ(e.keyword != nullptr, keyword_enum) << id << " mixes keyword and numeric enum values";
      if (e.keyword) {
        EXPECT_TRUE(keywords.insert(e.keyword).second) << id << " duplicate keyword " << e.keyword;
      }
      EXPECT_TRUE(numbers.insert(e.value).second) << id << " duplicate enum value " << e.value;
    }
    std::set<std::string> flag_names;
    uint32_t masks = 0;
    for (uint8_t k = 0; k < f.n_flags; ++k) {
      const FlagBit& b = f.flags[k];
      EXPECT_TRUE(is_snake_case(b.name)) << id << " flag " << str(b.name) << " is not snake_case";
      EXPECT_TRUE(flag_names.insert(str(b.name)).second) << id << " duplicate flag " << str(b.name);
      EXPECT_TRUE(b.label && *b.label) << id << " flag without label";
      EXPECT_NE(b.mask, 0u) << id;
      EXPECT_EQ(masks & b.mask, 0u) << id << " overlapping flag masks";
      masks |= b.mask;
    }

    if (f.shape == FieldShape::List) {
      ASSERT_NE(f.count_field, nullptr) << id << " is a List without count_field";
      bool found = false;
      for (std::size_t j = 0; j < i; ++j) {
        if (same_str(fields[j].name, f.count_field)) {
          found = true;
          EXPECT_EQ(fields[j].type, FieldType::Int) << id << " count field " << f.count_field << " is not Int";
          EXPECT_EQ(fields[j].shape, FieldShape::Scalar) << id << " count field is not Scalar";
        }
      }
      EXPECT_TRUE(found) << id << " count field " << str(f.count_field) << " is not an earlier field";
    } else {
      EXPECT_EQ(f.count_field, nullptr) << id << " has count_field but is not a List";
    }
    if (f.shape == FieldShape::Rest) {
      EXPECT_EQ(i + 1, n) << id << " is Rest but not the last field";
    }
  }
}

// --------------------------------------------------------------------------------------------------

TEST(Catalog, EveryCodeWithItsName) {
  const std::map<char, std::string> expected = {
      {'A', "ping"},          {'a', "ping_ack"},          {'C', "command"},
      {'c', "command_response"}, {'D', "environment"},    {'E', "paranoid"},
      {'F', "firmware"},      {'f', "server_firmware"},   {'G', "group_subscribe"},
      {'g', "group_update"},  {'H', "history"},           {'h', "history_ack_record"},
      {'L', "location"},      {'P', "notification"},      {'p', "push_subscription"},
      {'R', "server_record"}, {'r', "server_replication"}, {'S', "status"},
      {'T', "update_time"},   {'V', "capabilities"},      {'W', "tpms_legacy"},
      {'X', "generator"},     {'Y', "tpms"},              {'Z', "peers"},
  };
  for (const auto& [code, name] : expected) {
    const MessageDef* m = find_message(code);
    ASSERT_NE(m, nullptr) << "code " << code;
    EXPECT_EQ(m->code, code);
    EXPECT_EQ(str(m->name), name) << "code " << code;
  }
  EXPECT_EQ(all_messages().size(), expected.size());
}

TEST(Catalog, MessagesWellFormed) {
  std::set<std::string> names;
  std::set<char> codes;
  for (const MessageDef* m : all_messages()) {
    const std::string id = std::string("message '") + m->code + "' " + str(m->name);
    EXPECT_TRUE(is_snake_case(m->name)) << id;
    EXPECT_TRUE(names.insert(str(m->name)).second) << id << " name not unique";
    EXPECT_TRUE(codes.insert(m->code).second) << id << " code not unique";
    EXPECT_TRUE(m->label && *m->label) << id;
    EXPECT_EQ(find_message(m->code), m) << id << " lookup does not return the table entry";
    if (m->layout != Layout::Csv) {
      EXPECT_GT(m->n_fields, 0) << id << " needs its fixed fields";
    }
    if (m->layout == Layout::Opaque) {
      EXPECT_EQ(m->n_fields, 1) << id << " Opaque has exactly one field";
    }
    check_field_table(str(m->name), m->fields, m->n_fields);
  }
}

TEST(Catalog, UnknownLookups) {
  EXPECT_EQ(find_message('?'), nullptr);
  EXPECT_EQ(find_message('\0'), nullptr);
  EXPECT_EQ(find_message(static_cast<char>(0xff)), nullptr);
  EXPECT_EQ(find_message('B'), nullptr);
  EXPECT_EQ(find_command(999), nullptr);
  EXPECT_EQ(find_command(0), nullptr);
  EXPECT_EQ(find_command(-1), nullptr);
  EXPECT_EQ(find_command(8), nullptr);
  EXPECT_EQ(find_command(211), nullptr);
  EXPECT_EQ(find_result_code(4), nullptr);
  EXPECT_EQ(find_field(msg('S'), "no_such_field"), nullptr);
}

TEST(Catalog, StatusFields) {
  const MessageDef& s = msg('S');
  EXPECT_EQ(s.layout, Layout::Csv);
  ASSERT_EQ(s.n_fields, 42);
  const std::vector<std::string> first = {"soc",          "units",       "line_voltage", "charge_current",
                                          "charge_state", "charge_mode", "ideal_range",  "est_range"};
  auto names = field_names(s);
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(names[i], first[i]) << "S #" << i;
  EXPECT_EQ(names[8], "charge_limit");
  EXPECT_EQ(names[9], "charge_duration");
  EXPECT_EQ(names[10], "charger_b4");
  EXPECT_EQ(names[11], "charge_kwh");
  EXPECT_EQ(names[12], "charge_substate");
  EXPECT_EQ(names[13], "charge_state_code");
  EXPECT_EQ(names[14], "charge_mode_code");
  EXPECT_EQ(names[15], "timer_mode");
  EXPECT_EQ(names[16], "timer_start");
  EXPECT_EQ(names[17], "timer_stale");
  EXPECT_EQ(names[18], "cac");
  EXPECT_EQ(names[19], "mins_to_full");
  EXPECT_EQ(names[20], "mins_to_limit");
  EXPECT_EQ(names[21], "range_limit");
  EXPECT_EQ(names[22], "soc_limit");
  EXPECT_EQ(names[23], "cooldown_active");
  EXPECT_EQ(names[41], "last_charge_end");

  EXPECT_EQ(s.fields[0].type, FieldType::Float);
  EXPECT_STREQ(s.fields[0].unit, "%");
  const FieldDef* dur = field(s, "charge_duration");
  ASSERT_NE(dur, nullptr);
  EXPECT_STREQ(dur->unit, "s");
  ASSERT_NE(dur->doc_diff, nullptr);
  EXPECT_NE(std::string(dur->doc_diff).find("minutes"), std::string::npos);
  EXPECT_STREQ(field(s, "charge_kwh")->unit, "0.1 kWh");
  EXPECT_EQ(field(s, "charge_substate")->type, FieldType::Enum);
  EXPECT_EQ(field(s, "charge_state_code")->type, FieldType::Enum);
  EXPECT_EQ(field(s, "charge_mode_code")->type, FieldType::Enum);
  EXPECT_NE(field(s, "timer_stale")->doc_diff, nullptr);
  const FieldDef* cool = field(s, "cooldown_active");
  EXPECT_EQ(cool->type, FieldType::Enum);
  EXPECT_NE(cool->doc_diff, nullptr);
  EXPECT_EQ(field(s, "last_charge_end")->type, FieldType::Timestamp);
  EXPECT_NE(field(s, "last_charge_end")->doc_diff, nullptr);
  EXPECT_STREQ(field(s, "ideal_range")->unit, "distance unit");

  // Keyword enums of the text state and mode.
  const FieldDef* state = field(s, "charge_state");
  ASSERT_EQ(state->type, FieldType::Enum);
  std::set<std::string> kw;
  for (uint8_t k = 0; k < state->n_enums; ++k) kw.insert(str(state->enums[k].keyword));
  EXPECT_EQ(kw, (std::set<std::string>{"charging", "topoff", "done", "prepare", "timerwait", "heating", "stopped"}));
  const FieldDef* mode = field(s, "charge_mode");
  kw.clear();
  for (uint8_t k = 0; k < mode->n_enums; ++k) kw.insert(str(mode->enums[k].keyword));
  EXPECT_EQ(kw, (std::set<std::string>{"standard", "storage", "range", "performance"}));

  // Numeric keys of S #13 match the keyword values of S #4.
  const FieldDef* code = field(s, "charge_state_code");
  for (uint8_t k = 0; k < state->n_enums; ++k) {
    bool found = false;
    for (uint8_t j = 0; j < code->n_enums; ++j) found |= code->enums[j].value == state->enums[k].value;
    EXPECT_TRUE(found) << state->enums[k].keyword;
  }
}

TEST(Catalog, EnvironmentFields) {
  const MessageDef& d = msg('D');
  ASSERT_EQ(d.n_fields, 21);
  const std::vector<std::string> expected = {
      "doors1",          "doors2",         "lock_state",     "inverter_temp",   "motor_temp",
      "battery_temp",    "trip",           "odometer",       "speed",           "park_time",
      "ambient_temp",    "doors3",         "temps_stale",    "ambient_stale",   "aux_12v_voltage",
      "doors4",          "aux_12v_reference", "doors5",      "charger_temp",    "aux_12v_current",
      "cabin_temp"};
  EXPECT_EQ(field_names(d), expected);
  for (const char* doors : {"doors1", "doors2", "doors3", "doors4", "doors5"})
    EXPECT_EQ(field(d, doors)->type, FieldType::Flags) << doors;

  auto mask_of = [](const FieldDef* f, const char* name) -> uint32_t {
    for (uint8_t k = 0; k < f->n_flags; ++k)
      if (same_str(f->flags[k].name, name)) return f->flags[k].mask;
    return 0;
  };
  const FieldDef* d1 = field(d, "doors1");
  EXPECT_EQ(mask_of(d1, "charge_port"), 0x04u);
  EXPECT_EQ(mask_of(d1, "car_on"), 0x80u);
  for (uint8_t k = 0; k < d1->n_flags; ++k) EXPECT_NE(d1->flags[k].mask, 0x20u) << "doors1 bit5 is undefined";
  EXPECT_NE(d1->doc_diff, nullptr);
  EXPECT_EQ(mask_of(field(d, "doors2"), "headlights"), 0x20u);
  EXPECT_NE(field(d, "doors2")->doc_diff, nullptr);
  EXPECT_EQ(mask_of(field(d, "doors4"), "alarm_sounding"), 0x02u);
  EXPECT_NE(field(d, "doors4")->doc_diff, nullptr);

  const FieldDef* lock = field(d, "lock_state");
  ASSERT_EQ(lock->type, FieldType::Enum);
  std::map<int64_t, std::string> lv;
  for (uint8_t k = 0; k < lock->n_enums; ++k) lv[lock->enums[k].value] = str(lock->enums[k].label);
  EXPECT_EQ(lv.count(4), 1u);
  EXPECT_EQ(lv.count(5), 1u);

  EXPECT_STREQ(field(d, "speed")->unit, "km/h");
  EXPECT_NE(field(d, "speed")->doc_diff, nullptr);
}

TEST(Catalog, LocationFields) {
  const MessageDef& l = msg('L');
  ASSERT_EQ(l.n_fields, 19);
  const std::vector<std::string> first = {"latitude",  "longitude", "direction",  "altitude",
                                          "gps_lock",  "gps_stale", "speed",      "trip",
                                          "drive_mode", "battery_power", "energy_used", "energy_recovered"};
  auto names = field_names(l);
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(names[i], first[i]) << "L #" << i;
  EXPECT_EQ(field(l, "drive_mode")->type, FieldType::Hex);
  EXPECT_STREQ(field(l, "energy_used")->unit, "kWh");
  ASSERT_NE(field(l, "energy_used")->doc_diff, nullptr);
  EXPECT_NE(std::string(field(l, "energy_used")->doc_diff).find("Wh"), std::string::npos);
  EXPECT_STREQ(field(l, "energy_recovered")->unit, "kWh");
}

TEST(Catalog, FirmwareFields) {
  const MessageDef& f = msg('F');
  const std::vector<std::string> expected = {"version",      "vin",           "signal_quality", "canwrite",
                                             "vehicle_type", "network_provider", "service_range", "service_time",
                                             "hardware",     "modem_mode"};
  EXPECT_EQ(field_names(f), expected);
  EXPECT_EQ(field(f, "service_time")->type, FieldType::Timestamp);
  EXPECT_NE(field(f, "service_time")->doc_diff, nullptr);
}

TEST(Catalog, GeneratorAndTpms) {
  const MessageDef& x = msg('X');
  EXPECT_EQ(x.n_fields, 24);
  EXPECT_NE(x.note, nullptr);  // was G before 3.3.005

  const MessageDef& w = msg('W');
  ASSERT_EQ(w.n_fields, 9);
  EXPECT_STREQ(w.fields[0].unit, "psi");
  EXPECT_EQ(str(w.fields[0].name).substr(0, 2), "fr");
  EXPECT_EQ(str(w.fields[2].name).substr(0, 2), "rr");
  EXPECT_EQ(str(w.fields[4].name).substr(0, 2), "fl");
  EXPECT_EQ(str(w.fields[6].name).substr(0, 2), "rl");

  const MessageDef& y = msg('Y');
  const std::vector<std::string> expected = {
      "wheel_count",  "wheel_names",   "pressure_count", "pressures",      "pressure_validity", "temp_count",
      "temps",        "temp_validity", "health_count",   "health",         "health_validity",   "alert_count",
      "alerts",       "alert_validity", "sensor_count",  "sensors",        "sensor_validity"};
  EXPECT_EQ(field_names(y), expected);
  const FieldDef* p = field(y, "pressures");
  EXPECT_EQ(p->shape, FieldShape::List);
  EXPECT_STREQ(p->count_field, "pressure_count");
  EXPECT_EQ(p->type, FieldType::Float);
  EXPECT_STREQ(p->unit, "kPa");
  EXPECT_STREQ(field(y, "wheel_names")->count_field, "wheel_count");
  const FieldDef* alerts = field(y, "alerts");
  EXPECT_EQ(alerts->type, FieldType::Enum);
  EXPECT_EQ(alerts->n_enums, 3);
}

TEST(Catalog, SpecialLayouts) {
  const MessageDef& c = msg('C');
  EXPECT_EQ(c.layout, Layout::Command);
  ASSERT_GE(c.n_fields, 1);
  EXPECT_STREQ(c.fields[0].name, "command");

  const MessageDef& r = msg('c');
  EXPECT_EQ(r.layout, Layout::CommandResponse);
  ASSERT_GE(r.n_fields, 2);
  EXPECT_STREQ(r.fields[0].name, "command");
  EXPECT_STREQ(r.fields[1].name, "result");
  EXPECT_EQ(r.fields[1].type, FieldType::Enum);
  // The result enum and the result-code table agree.
  std::size_t n = 0;
  const ResultCode* codes = result_codes(&n);
  ASSERT_EQ(n, 4u);
  ASSERT_EQ(r.fields[1].n_enums, n);
  const char* names[] = {"ok", "failed", "unsupported", "unimplemented"};
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(codes[i].value, static_cast<int>(i));
    EXPECT_STREQ(codes[i].name, names[i]);
    EXPECT_EQ(find_result_code(static_cast<int>(i)), &codes[i]);
    EXPECT_EQ(r.fields[1].enums[i].value, codes[i].value);
  }

  const MessageDef& e = msg('E');
  EXPECT_EQ(e.layout, Layout::Paranoid);
  EXPECT_EQ(field_names(e), (std::vector<std::string>{"subtype", "token", "inner_code", "payload"}));
  const FieldDef* sub = field(e, "subtype");
  ASSERT_EQ(sub->n_enums, 2);
  EXPECT_STREQ(sub->enums[0].keyword, "T");
  EXPECT_STREQ(sub->enums[1].keyword, "M");

  const MessageDef& pn = msg('P');
  EXPECT_EQ(pn.layout, Layout::Notification);
  EXPECT_EQ(field_names(pn),
            (std::vector<std::string>{"kind", "text", "vehicle_type", "error_code", "error_data"}));
  std::set<std::string> kinds;
  const FieldDef* kind = field(pn, "kind");
  for (uint8_t k = 0; k < kind->n_enums; ++k) kinds.insert(str(kind->enums[k].keyword));
  EXPECT_EQ(kinds, (std::set<std::string>{"I", "A", "E"}));

  const MessageDef& ps = msg('p');
  EXPECT_EQ(ps.layout, Layout::PushSubscription);
  EXPECT_EQ(field_names(ps), (std::vector<std::string>{"app_id", "push_type", "push_key_type", "vehicle_id",
                                                       "netpass", "push_key"}));
  EXPECT_TRUE(field(ps, "netpass")->secret);

  const MessageDef& h = msg('h');
  EXPECT_EQ(h.layout, Layout::Csv);
  EXPECT_EQ(field_names(h), (std::vector<std::string>{"ack_code", "time_diff", "record_type", "record_no",
                                                      "lifetime", "data"}));
  EXPECT_EQ(field(h, "data")->shape, FieldShape::Rest);
  const MessageDef& hh = msg('H');
  EXPECT_EQ(field_names(hh), (std::vector<std::string>{"record_type", "record_no", "lifetime", "data"}));
  EXPECT_EQ(field(hh, "data")->shape, FieldShape::Rest);

  const MessageDef& a = msg('A');
  ASSERT_EQ(a.n_fields, 1);
  EXPECT_STREQ(a.fields[0].name, "payload");
  EXPECT_NE(a.note, nullptr);

  const MessageDef& g = msg('g');
  ASSERT_GE(g.n_fields, 2);
  EXPECT_STREQ(g.fields[0].name, "vehicle_id");
  EXPECT_STREQ(g.fields[1].name, "group");

  EXPECT_EQ(msg('V').layout, Layout::Opaque);
  EXPECT_EQ(msg('R').layout, Layout::Opaque);
  EXPECT_FALSE(msg('R').sent_by_v3);
  EXPECT_FALSE(msg('r').sent_by_v3);
  EXPECT_FALSE(msg('H').sent_by_v3);
  EXPECT_FALSE(msg('V').sent_by_v3);
  EXPECT_FALSE(msg('g').sent_by_v3);
  EXPECT_TRUE(msg('S').sent_by_v3);
  EXPECT_TRUE(msg('h').sent_by_v3);
  EXPECT_STREQ(msg('T').fields[0].unit, "s");
  EXPECT_STREQ(msg('Z').fields[0].name, "count");
}

TEST(Catalog, CommandsPresent) {
  std::vector<int> numbers = {1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
                              30, 31, 32, 40, 41, 49};
  for (int n = 200; n <= 210; ++n) numbers.push_back(n);
  for (int n : numbers) {
    const CommandDef* c = find_command(n);
    ASSERT_NE(c, nullptr) << "command " << n;
    EXPECT_EQ(c->number, n);
  }
  EXPECT_EQ(all_commands().size(), numbers.size());

  const std::set<int> multi = {1, 3, 30, 31, 32, 41};
  const std::set<int> server = {30, 31, 32};
  for (const CommandDef* c : all_commands()) {
    EXPECT_EQ(c->multi_line, multi.count(c->number) == 1) << "command " << c->number;
    EXPECT_EQ(c->answered_by_server, server.count(c->number) == 1) << "command " << c->number;
  }

  const std::map<int, std::string> names = {
      {1, "feature_list"},      {2, "set_feature"},     {3, "parameter_list"},     {4, "set_parameter"},
      {5, "reboot"},            {6, "charge_alert"},    {7, "execute"},            {10, "set_charge_mode"},
      {11, "start_charge"},     {12, "stop_charge"},    {15, "set_charge_current"}, {16, "set_charge_mode_current"},
      {17, "set_charge_timer"}, {18, "wakeup"},         {19, "wakeup_temp"},       {20, "lock"},
      {21, "valet_on"},         {22, "unlock"},         {23, "valet_off"},         {24, "homelink"},
      {25, "cooldown"},         {26, "climate_control"}, {30, "gprs_utilisation"}, {31, "history_summary"},
      {32, "history_records"},  {40, "send_sms"},       {41, "ussd"},              {49, "at_command"},
      {200, "vehicle_200"},     {210, "vehicle_210"}};
  for (const auto& [n, name] : names) EXPECT_EQ(str(find_command(n)->name), name) << "command " << n;
}

TEST(Catalog, CommandsWellFormed) {
  std::set<std::string> names;
  const std::set<std::string> leading = {"command", "result", "reason"};
  for (const CommandDef* c : all_commands()) {
    const std::string id = "command " + std::to_string(c->number);
    EXPECT_TRUE(is_snake_case(c->name)) << id;
    EXPECT_TRUE(names.insert(str(c->name)).second) << id << " name not unique";
    EXPECT_TRUE(c->label && *c->label) << id;
    EXPECT_EQ(find_command(c->number), c) << id;
    check_field_table(id + " params", c->params, c->n_params);
    check_field_table(id + " response", c->response, c->n_response);
    for (const auto& n : field_names(c->params, c->n_params)) EXPECT_EQ(leading.count(n), 0u) << id << " " << n;
    for (const auto& n : field_names(c->response, c->n_response)) EXPECT_EQ(leading.count(n), 0u) << id << " " << n;
  }
  // The leading fields of C/c must not collide with any command field name either way.
  for (const MessageDef* m : {&msg('C'), &msg('c')})
    for (const auto& n : field_names(*m)) EXPECT_EQ(leading.count(n), 1u) << m->name << "." << n;
}

// One Wireshark field per distinct name: ovms.command.<param> and ovms.command_response.<field>.
void check_same_definitions(bool params) {
  std::map<std::string, std::pair<const FieldDef*, int>> first;
  for (const CommandDef* c : all_commands()) {
    const FieldDef* fields = params ? c->params : c->response;
    std::size_t n = params ? c->n_params : c->n_response;
    for (std::size_t i = 0; i < n; ++i) {
      const FieldDef& f = fields[i];
      auto [it, inserted] = first.emplace(str(f.name), std::make_pair(&f, c->number));
      if (inserted) continue;
      const FieldDef& g = *it->second.first;
      const std::string id = std::string(params ? "param " : "response field ") + str(f.name) + " (commands " +
                             std::to_string(it->second.second) + " and " + std::to_string(c->number) + ")";
      EXPECT_EQ(f.type, g.type) << id << ": type differs";
      EXPECT_TRUE(same_str(f.unit, g.unit)) << id << ": unit differs";
      EXPECT_EQ(f.shape, g.shape) << id << ": shape differs";
      EXPECT_EQ(f.n_enums, g.n_enums) << id << ": enum values differ";
      for (uint8_t k = 0; k < f.n_enums && k < g.n_enums; ++k) {
        EXPECT_EQ(f.enums[k].value, g.enums[k].value) << id;
        EXPECT_TRUE(same_str(f.enums[k].keyword, g.enums[k].keyword)) << id;
      }
      EXPECT_EQ(f.n_flags, g.n_flags) << id;
    }
  }
}

TEST(Catalog, CommandFieldNamesHaveOneDefinition) {
  check_same_definitions(true);
  check_same_definitions(false);
}

TEST(Catalog, CommandDetails) {
  const CommandDef* c1 = find_command(1);
  ASSERT_EQ(c1->n_response, 3);
  EXPECT_EQ(field_names(c1->response, c1->n_response), (std::vector<std::string>{"index", "count", "value"}));
  EXPECT_EQ(c1->response[0].type, FieldType::Int);
  EXPECT_EQ(c1->response[1].type, FieldType::Int);
  EXPECT_EQ(c1->response[2].type, FieldType::Text);
  const CommandDef* c3 = find_command(3);
  ASSERT_EQ(c3->n_response, 3);
  EXPECT_TRUE(c3->response[2].secret);
  const CommandDef* c4 = find_command(4);
  EXPECT_EQ(field_names(c4->params, c4->n_params), (std::vector<std::string>{"parameter", "value"}));
  EXPECT_TRUE(c4->params[1].secret);
  EXPECT_EQ(field_names(find_command(2)->params, 2), (std::vector<std::string>{"feature", "value"}));
  EXPECT_NE(find_command(5)->note, nullptr);
  EXPECT_NE(find_command(5)->doc_diff, nullptr);
  const CommandDef* c7 = find_command(7);
  ASSERT_EQ(c7->n_params, 1);
  EXPECT_STREQ(c7->params[0].name, "command_line");
  EXPECT_EQ(c7->params[0].shape, FieldShape::Rest);
  ASSERT_EQ(c7->n_response, 1);
  EXPECT_STREQ(c7->response[0].name, "output");
  EXPECT_EQ(c7->response[0].shape, FieldShape::Rest);
  EXPECT_NE(c7->doc_diff, nullptr);

  const CommandDef* c10 = find_command(10);
  ASSERT_EQ(c10->n_params, 1);
  EXPECT_EQ(c10->params[0].type, FieldType::Enum);
  std::set<int64_t> modes;
  for (uint8_t k = 0; k < c10->params[0].n_enums; ++k) modes.insert(c10->params[0].enums[k].value);
  EXPECT_EQ(modes, (std::set<int64_t>{0, 1, 3, 4}));
  EXPECT_EQ(field_names(find_command(15)->params, 1), (std::vector<std::string>{"amps"}));
  EXPECT_EQ(field_names(find_command(16)->params, 2), (std::vector<std::string>{"mode", "amps"}));
  EXPECT_EQ(field_names(find_command(17)->params, 2), (std::vector<std::string>{"timer_mode", "timer_start"}));
  for (int n : {20, 21, 22, 23}) {
    const CommandDef* c = find_command(n);
    ASSERT_EQ(c->n_params, 1) << n;
    EXPECT_STREQ(c->params[0].name, "pin");
    EXPECT_TRUE(c->params[0].secret);
  }
  EXPECT_STREQ(find_command(24)->params[0].name, "button");
  EXPECT_EQ(find_command(26)->params[0].type, FieldType::Bool);

  const CommandDef* c30 = find_command(30);
  EXPECT_EQ(field_names(c30->response, c30->n_response),
            (std::vector<std::string>{"index", "count", "date", "car_rx", "car_tx", "app_rx", "app_tx"}));
  const CommandDef* c31 = find_command(31);
  EXPECT_EQ(field_names(c31->params, c31->n_params), (std::vector<std::string>{"since"}));
  EXPECT_EQ(field_names(c31->response, c31->n_response),
            (std::vector<std::string>{"index", "count", "record_type", "distinct_recnos", "rows", "bytes", "first_ts",
                                      "last_ts"}));
  const CommandDef* c32 = find_command(32);
  EXPECT_EQ(field_names(c32->params, c32->n_params), (std::vector<std::string>{"record_type", "since"}));
  EXPECT_EQ(field_names(c32->response, c32->n_response),
            (std::vector<std::string>{"index", "count", "record_type", "timestamp", "record_no", "data"}));
  EXPECT_EQ(c32->response[5].shape, FieldShape::Rest);

  const CommandDef* c40 = find_command(40);
  EXPECT_EQ(field_names(c40->params, c40->n_params), (std::vector<std::string>{"phone", "text"}));
  EXPECT_NE(c40->note, nullptr);
  const CommandDef* c41 = find_command(41);
  EXPECT_EQ(field_names(c41->params, c41->n_params), (std::vector<std::string>{"ussd"}));
  EXPECT_EQ(field_names(c41->response, c41->n_response), (std::vector<std::string>{"text"}));
  const CommandDef* c49 = find_command(49);
  EXPECT_EQ(field_names(c49->params, c49->n_params), (std::vector<std::string>{"at_command"}));
  EXPECT_EQ(field_names(c49->response, c49->n_response), (std::vector<std::string>{"output"}));

  for (int n = 200; n <= 210; ++n) {
    const CommandDef* c = find_command(n);
    EXPECT_EQ(str(c->name), "vehicle_" + std::to_string(n));
    ASSERT_EQ(c->n_response, 1) << n;
    EXPECT_STREQ(c->response[0].name, "text");
    EXPECT_EQ(c->response[0].shape, FieldShape::Rest);
  }
}

TEST(Catalog, FindFieldCoversCommandTables) {
  const FieldDef* pin = find_field(msg('C'), "pin");
  ASSERT_NE(pin, nullptr);
  EXPECT_TRUE(pin->secret);
  EXPECT_NE(find_field(msg('C'), "command"), nullptr);
  EXPECT_NE(find_field(msg('c'), "first_ts"), nullptr);
  EXPECT_NE(find_field(msg('c'), "result"), nullptr);
  EXPECT_EQ(find_field(msg('c'), "pin"), nullptr);   // a parameter, not a response field
  EXPECT_EQ(find_field(msg('S'), "pin"), nullptr);
  EXPECT_EQ(find_field(msg('S'), "soc"), &msg('S').fields[0]);
}

}  // namespace
}  // namespace ovms
