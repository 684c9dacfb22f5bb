// The message catalog's data: every message code, field, enum value, flag bit, command and result code
// of the OVMS v2 protocol, as the real code sends them (see /work/shared/PROTOCOL.md, "the code wins").
//
// Names are an API. They become Wireshark field names (ovms.<message>.<field>, ovms.command.<param>,
// ovms.command_response.<field>), JSON keys and doc anchors. Never rename; add new names instead.
//
// Conventions used in these tables:
//  * unit "distance unit" means kilometres or miles, as given by the car's unit flag (S #1 "K"/"M");
//    "0.1 distance unit" is a tenth of that; "distance unit/h" is km/h or mph.
//  * doc_diff records where the 2013 protocol guides (v2.1.3, v2.5.1) or the current rst pages say
//    something else than the code (PROTOCOL.md §9). Fields the guides simply do not list yet (they were
//    appended later) carry no doc_diff.
//  * MessageDef::sent_by_v3 is true for codes that appear in current traffic (v3 car, current server,
//    current apps). It is false only for codes that are v2-PIC-only, stubs, or never implemented.
//  * Commands: a parameter or response field name has the same type, unit, shape and enum table in
//    every command that uses it, because the plugin declares one field per distinct name.
#include <array>
#include <iterator>

#include "ovms/catalog.h"

namespace ovms {
namespace {

// ---------------------------------------------------------------------------------------------------
// Field builder: constexpr, so every table below is constant-initialised (no static-init order issues).

struct Fld {
  FieldDef d;

  constexpr Fld(const char* name, const char* label, FieldType type, const char* unit = nullptr)
      : d{name, label, type, unit, nullptr, 0, nullptr, 0, FieldShape::Scalar, nullptr, nullptr, false} {}

  template <std::size_t N>
  constexpr Fld en(const EnumValue (&values)[N]) const {
    static_assert(N > 0 && N < 256, "enum table size");
    Fld r = *this;
    r.d.enums = values;
    r.d.n_enums = static_cast<uint8_t>(N);
    return r;
  }
  template <std::size_t N>
  constexpr Fld fl(const FlagBit (&bits)[N]) const {
    static_assert(N > 0 && N < 256, "flag table size");
    Fld r = *this;
    r.d.flags = bits;
    r.d.n_flags = static_cast<uint8_t>(N);
    return r;
  }
  constexpr Fld diff(const char* text) const {
    Fld r = *this;
    r.d.doc_diff = text;
    return r;
  }
  constexpr Fld rest() const {
    Fld r = *this;
    r.d.shape = FieldShape::Rest;
    return r;
  }
  constexpr Fld list(const char* count_field) const {
    Fld r = *this;
    r.d.shape = FieldShape::List;
    r.d.count_field = count_field;
    return r;
  }
  constexpr Fld secret() const {
    Fld r = *this;
    r.d.secret = true;
    return r;
  }
  constexpr operator FieldDef() const { return d; }
};

constexpr Fld Int(const char* n, const char* l, const char* u = nullptr) { return Fld(n, l, FieldType::Int, u); }
constexpr Fld Num(const char* n, const char* l, const char* u = nullptr) { return Fld(n, l, FieldType::Float, u); }
constexpr Fld Txt(const char* n, const char* l) { return Fld(n, l, FieldType::Text); }
constexpr Fld Boo(const char* n, const char* l) { return Fld(n, l, FieldType::Bool); }
constexpr Fld Tim(const char* n, const char* l) { return Fld(n, l, FieldType::Timestamp, "s"); }
constexpr Fld Hex(const char* n, const char* l) { return Fld(n, l, FieldType::Hex); }
template <std::size_t N>
constexpr Fld Enm(const char* n, const char* l, const EnumValue (&v)[N], const char* u = nullptr) {
  return Fld(n, l, FieldType::Enum, u).en(v);
}
template <std::size_t N>
constexpr Fld Flg(const char* n, const char* l, const FlagBit (&b)[N]) {
  return Fld(n, l, FieldType::Flags).fl(b);
}

// "array, count" for the MessageDef / CommandDef initialisers.
#define OVMS_TABLE(arr) arr, static_cast<uint8_t>(std::size(arr))
#define OVMS_NONE nullptr, 0

// Units.
constexpr const char* kPct = "%";
constexpr const char* kVolt = "V";
constexpr const char* kAmp = "A";
constexpr const char* kSec = "s";
constexpr const char* kMin = "min";
constexpr const char* kKwh = "kWh";
constexpr const char* kKw = "kW";
constexpr const char* kCel = "°C";
constexpr const char* kDeg = "deg";
constexpr const char* kMetre = "m";
constexpr const char* kDist = "distance unit";
constexpr const char* kDist10 = "0.1 distance unit";
constexpr const char* kSpeed = "distance unit/h";
constexpr const char* kBytes = "bytes";

// ---------------------------------------------------------------------------------------------------
// Enum tables.

constexpr EnumValue kDistanceUnits[] = {
    {0, "K", "Kilometres"},
    {1, "M", "Miles"},
};

// S #4: text state. The values are the numeric keys of S #13, so both read alike.
constexpr EnumValue kChargeStateKeyword[] = {
    {1, "charging", "Charging"},   {2, "topoff", "Topping off"},      {4, "done", "Done"},
    {13, "prepare", "Preparing"},  {14, "timerwait", "Waiting for timer"}, {15, "heating", "Heating"},
    {21, "stopped", "Stopped"},
};

// S #5: text mode. The values are the numeric keys of S #14.
constexpr EnumValue kChargeModeKeyword[] = {
    {0, "standard", "Standard"},
    {1, "storage", "Storage"},
    {3, "range", "Range"},
    {4, "performance", "Performance"},
};

constexpr EnumValue kChargeSubstateCode[] = {
    {0, nullptr, "None / other"},     {1, nullptr, "Scheduled stop"},    {2, nullptr, "Scheduled start"},
    {3, nullptr, "On request"},       {5, nullptr, "Waiting for timer"}, {7, nullptr, "Waiting for power"},
    {13, nullptr, "Stopped"},         {14, nullptr, "Interrupted"},
};

constexpr EnumValue kChargeStateCode[] = {
    {0, nullptr, "Other"},     {1, nullptr, "Charging"},           {2, nullptr, "Topping off"},
    {4, nullptr, "Done"},      {13, nullptr, "Preparing"},         {14, nullptr, "Waiting for timer"},
    {15, nullptr, "Heating"},  {21, nullptr, "Stopped"},
};

constexpr EnumValue kChargeModeStatusCode[] = {
    {-1, nullptr, "Other"},    {0, nullptr, "Standard"}, {1, nullptr, "Storage"},
    {3, nullptr, "Range"},     {4, nullptr, "Performance"},
};

// Commands 10 and 16 (`mode`).
constexpr EnumValue kChargeModeCommand[] = {
    {0, nullptr, "Standard"},
    {1, nullptr, "Storage"},
    {3, nullptr, "Range"},
    {4, nullptr, "Performance"},
};

constexpr EnumValue kTimerMode[] = {
    {0, nullptr, "On plug-in"},
    {1, nullptr, "Timer"},
};

// Stale indicators. 2013 guides: -1 none, 0 stale, >0 ok; v3 sends 0/1 only.
constexpr EnumValue kStale[] = {
    {-1, nullptr, "No data"},
    {0, nullptr, "Stale"},
    {1, nullptr, "Fresh"},
};

constexpr EnumValue kCooldown[] = {
    {0, nullptr, "Cooling down"},
    {-1, nullptr, "Not cooling down"},
};

constexpr EnumValue kLockState[] = {
    {4, nullptr, "Locked"},
    {5, nullptr, "Unlocked"},
};

constexpr EnumValue kParanoidSubtype[] = {
    {0, "T", "Paranoid token"},
    {1, "M", "Paranoid message"},
};

constexpr EnumValue kNotificationKind[] = {
    {0, "I", "Info"},
    {1, "A", "Alert"},
    {2, "E", "Error (expanded by the server)"},
};

constexpr EnumValue kResultEnum[] = {
    {0, nullptr, "OK"},
    {1, nullptr, "Failed"},
    {2, nullptr, "Unsupported"},
    {3, nullptr, "Unimplemented"},
};

constexpr EnumValue kTpmsValidity[] = {
    {-1, nullptr, "Undefined"},
    {0, nullptr, "Stale"},
    {1, nullptr, "Valid"},
};

constexpr EnumValue kTpmsAlert[] = {
    {0, nullptr, "None"},
    {1, nullptr, "Warning"},
    {2, nullptr, "Alert"},
};

// ---------------------------------------------------------------------------------------------------
// Flag tables (D). Bits not listed are undefined: v3 builds each byte in an uninitialised union.

constexpr FlagBit kDoors1[] = {
    {0x01, "fl_door", "Front-left door open"},
    {0x02, "fr_door", "Front-right door open"},
    {0x04, "charge_port", "Charge port open"},
    {0x08, "pilot", "Pilot signal present"},
    {0x10, "charging", "Charging"},
    {0x40, "handbrake", "Handbrake applied"},
    {0x80, "car_on", "Car on"},
};

constexpr FlagBit kDoors2[] = {
    {0x08, "locked", "Car locked"},
    {0x10, "valet", "Valet mode active"},
    {0x20, "headlights", "Headlights on"},
    {0x40, "bonnet", "Bonnet open"},
    {0x80, "trunk", "Trunk open"},
};

constexpr FlagBit kDoors3[] = {
    {0x01, "awake", "Car awake"},
    {0x02, "cooling_pump", "Cooling pump on"},
    {0x40, "ctrl_login", "Logged into the controller"},
    {0x80, "ctrl_config", "Controller in configuration mode"},
};

constexpr FlagBit kDoors4[] = {
    {0x02, "alarm_sounding", "Alarm sounding"},
};

constexpr FlagBit kDoors5[] = {
    {0x01, "rl_door", "Rear-left door open"},
    {0x02, "rr_door", "Rear-right door open"},
    {0x04, "frunk", "Frunk open (always 0)"},
    {0x10, "aux_12v_charging", "12 V battery charging"},
    {0x20, "aux_12v", "Auxiliary 12 V on"},
    {0x80, "hvac", "HVAC on"},
};

// ---------------------------------------------------------------------------------------------------
// Message field tables.

constexpr FieldDef kPingFields[] = {
    Txt("payload", "Payload"),
};

constexpr FieldDef kPingAckFields[] = {
    Txt("payload", "Payload"),
};

// C: the leading field; the rest comes from CommandDef::params.
constexpr FieldDef kCommandFields[] = {
    Int("command", "Command number"),
};

// c: leading fields; after a result of 0 the rest comes from CommandDef::response. `reason` is only
// used when the result is not 0 (the failure text, which may contain commas).
constexpr FieldDef kCommandResponseFields[] = {
    Int("command", "Command number"),
    Enm("result", "Result", kResultEnum)
        .diff("2013 guides: 3 = unimplemented; v3 never sends 3 (it answers 2 for anything it does not handle)"),
    Txt("reason", "Failure reason").rest(),
};

constexpr FieldDef kEnvironmentFields[] = {
    Flg("doors1", "Door state #1", kDoors1)
        .diff("2013 guides: bit5 (0x20) 'always 1'; v3 leaves it undefined (uninitialised), like every unlisted bit"),
    Flg("doors2", "Door state #2", kDoors2).diff("2013 guides do not document bit5 (0x20 headlights)"),
    Enm("lock_state", "Lock state", kLockState),
    Num("inverter_temp", "Inverter (PEM) temperature", kCel),
    Num("motor_temp", "Motor temperature", kCel),
    Num("battery_temp", "Battery temperature", kCel),
    Int("trip", "Trip meter", kDist10),
    Int("odometer", "Odometer", kDist10),
    Num("speed", "Speed", "km/h")
        .diff("2013 guides: distance units per hour; v3 sends native km/h, not converted (L speed is converted)"),
    Int("park_time", "Parked for", kSec),
    Num("ambient_temp", "Ambient temperature", kCel),
    Flg("doors3", "Door state #3", kDoors3).diff("2013 guides document only bit1 (0x02 cooling pump)"),
    Enm("temps_stale", "Temperatures stale indicator", kStale)
        .diff("2013 guides: -1 = none, 0 = stale, >0 = ok; v3 sends only 0 (all six temperatures stale) or 1"),
    Enm("ambient_stale", "Ambient temperature stale indicator", kStale)
        .diff("2013 guides: -1 = none, 0 = stale, >0 = ok; v3 sends only 0 or 1"),
    Num("aux_12v_voltage", "12 V battery voltage", kVolt),
    Flg("doors4", "Door state #4", kDoors4)
        .diff("2013 guides: bit2 (0x04) = alarm sounds; the code uses 0x02"),
    Num("aux_12v_reference", "12 V reference voltage", kVolt),
    Flg("doors5", "Door state #5", kDoors5),
    Num("charger_temp", "Charger temperature", kCel),
    Num("aux_12v_current", "12 V current", kAmp),
    Num("cabin_temp", "Cabin temperature", kCel),
};

// E: fixed fields of both sub-types (ET<token> | EM<code><base64>).
constexpr FieldDef kParanoidFields[] = {
    Enm("subtype", "Paranoid sub-type", kParanoidSubtype),
    Txt("token", "Paranoid token"),
    Txt("inner_code", "Inner message code"),
    Txt("payload", "Encrypted payload (base64)"),
};

constexpr FieldDef kFirmwareFields[] = {
    Txt("version", "Firmware version"),
    Txt("vin", "VIN"),
    Int("signal_quality", "Network signal quality", "SQ"),
    Boo("canwrite", "CAN write enabled"),
    Txt("vehicle_type", "Vehicle type"),
    Txt("network_provider", "Network provider / SSID").diff("2013 guides: 'GSM lock'"),
    Int("service_range", "Distance to next service", "km"),
    Tim("service_time", "Next service")
        .diff("Documented as seconds; the code sends an absolute epoch time (v.e.serv.time), or -1"),
    Txt("hardware", "Hardware"),
    Txt("modem_mode", "Modem mode / status")
        .diff("Documented as 'LTE,Online'; the comma is mp_encoded to ';' ('LTE;Online')"),
};

constexpr FieldDef kServerFirmwareFields[] = {
    Txt("version", "Server version"),
};

constexpr FieldDef kGroupSubscribeFields[] = {
    Txt("group", "Group name"),
};

// g as relayed by the server to apps (vehicle id prepended). The car's form starts at `group`.
constexpr FieldDef kGroupUpdateFields[] = {
    Txt("vehicle_id", "Vehicle ID"),
    Txt("group", "Group name"),
    Num("soc", "State of charge", kPct),
    Num("speed", "Speed", kSpeed),
    Num("direction", "Direction", kDeg),
    Num("altitude", "Altitude", kMetre),
    Boo("gps_lock", "GPS lock"),
    Enm("gps_stale", "GPS stale indicator", kStale),
    Num("latitude", "Latitude", kDeg),
    Num("longitude", "Longitude", kDeg),
};

constexpr FieldDef kHistoryFields[] = {
    Txt("record_type", "Record type")
        .diff("2013 guides: classes PWR, ENG, TRX, CHS, BDY, ELC, SAF, SEC, CMF, ENT, COM, X##; in practice LOG, OVM, "
              "GPS, OBD, BAT, ADC, 12V... are used"),
    Int("record_no", "Record number"),
    Int("lifetime", "Lifetime", kSec),
    Txt("data", "Data").rest(),
};

// h: the car's record (all fields) and the server's ack (ack_code only) share this layout.
constexpr FieldDef kHistoryAckRecordFields[] = {
    Int("ack_code", "Acknowledgement code"),
    Int("time_diff", "Time difference", kSec),
    Txt("record_type", "Record type")
        .diff("2013 guides: classes PWR, ENG, TRX, CHS, BDY, ELC, SAF, SEC, CMF, ENT, COM, X##; in practice LOG, OVM, "
              "GPS, OBD, BAT, ADC, 12V... are used"),
    Int("record_no", "Record number"),
    Int("lifetime", "Lifetime", kSec),
    Txt("data", "Data").rest(),
};

constexpr FieldDef kLocationFields[] = {
    Num("latitude", "Latitude", kDeg),
    Num("longitude", "Longitude", kDeg),
    Num("direction", "Direction", kDeg),
    Num("altitude", "Altitude", kMetre),
    Boo("gps_lock", "GPS lock"),
    Enm("gps_stale", "GPS stale indicator", kStale)
        .diff("2013 guides: -1 = none, 0 = stale, >0 = ok; v3 sends only 0 (stale) or 1 (fresh)"),
    Num("speed", "Speed", kSpeed),
    Int("trip", "Trip meter", kDist10),
    Hex("drive_mode", "Drive mode"),
    Num("battery_power", "Battery power", kKw),
    Num("energy_used", "Energy used", kKwh).diff("Documented as Wh; the code sends kWh with 3 decimals"),
    Num("energy_recovered", "Energy recovered", kKwh).diff("Documented as Wh; the code sends kWh with 3 decimals"),
    Num("inverter_power", "Inverter power", kKw),
    Num("inverter_efficiency", "Inverter efficiency", kPct),
    Txt("gps_mode", "GPS mode"),
    Int("satellites", "Satellites"),
    Num("hdop", "HDOP"),
    Num("gps_speed", "GPS speed", kSpeed),
    Int("gps_signal_quality", "GPS signal quality", kPct),
};

// P: fixed fields of the sub-types (PI<text> | PA<text> | PE<vehicletype>,<code>,<data>).
constexpr FieldDef kNotificationFields[] = {
    Enm("kind", "Notification kind", kNotificationKind),
    Txt("text", "Text"),
    Txt("vehicle_type", "Vehicle type"),
    Int("error_code", "Error code"),
    Txt("error_data", "Error data"),
};

constexpr FieldDef kPushSubscriptionFields[] = {
    Txt("app_id", "App ID"),
    Txt("push_type", "Push type"),
    Txt("push_key_type", "Push key type"),
    Txt("vehicle_id", "Vehicle ID"),
    Txt("netpass", "Vehicle server password").secret(),
    Txt("push_key", "Push key"),
};

constexpr FieldDef kServerRecordFields[] = {
    Txt("record", "Record").secret(),
};

constexpr FieldDef kServerReplicationFields[] = {
    Txt("vehicle_id", "Vehicle ID"),
    Txt("message_code", "Message code"),
    Txt("message_data", "Message data").rest(),
};

constexpr FieldDef kStatusFields[] = {
    Num("soc", "State of charge", kPct),
    Enm("units", "Distance units", kDistanceUnits),
    Int("line_voltage", "Charge line voltage", kVolt),
    Num("charge_current", "Charge current", kAmp),
    Enm("charge_state", "Charge state", kChargeStateKeyword)
        .diff("2013 guides: 'toptoff' (typo for topoff) and no 'timerwait'"),
    Enm("charge_mode", "Charge mode", kChargeModeKeyword),
    Int("ideal_range", "Ideal range", kDist),
    Int("est_range", "Estimated range", kDist),
    Int("charge_limit", "Charge current limit", kAmp),
    Int("charge_duration", "Charge duration", kSec).diff("2013 guide: minutes"),
    Int("charger_b4", "Charger B4 byte"),
    Int("charge_kwh", "Charge energy", "0.1 kWh"),
    Enm("charge_substate", "Charge sub-state", kChargeSubstateCode),
    Enm("charge_state_code", "Charge state (number)", kChargeStateCode),
    Enm("charge_mode_code", "Charge mode (number)", kChargeModeStatusCode),
    Enm("timer_mode", "Charge timer mode", kTimerMode),
    Int("timer_start", "Charge timer start"),
    Int("timer_stale", "Charge timer stale")
        .diff("2013 guides: -1 = none, 0 = stale, >0 = ok; v3 always sends 0"),
    Num("cac", "Battery capacity (CAC)", "Ah"),
    Int("mins_to_full", "Minutes to full", kMin),
    Int("mins_to_limit", "Minutes to charge limit", kMin),
    Int("range_limit", "Charge limit: range", kDist),
    Int("soc_limit", "Charge limit: SOC", kPct),
    Enm("cooldown_active", "Cooling down", kCooldown)
        .diff("2013 guide: 0 = no, 1 = yes; the code sends 0 = cooling, -1 = not"),
    Num("cooldown_temp_limit", "Cooldown battery temperature limit", kCel),
    Int("cooldown_time_limit", "Cooldown time limit", kMin),
    Int("charge_estimate", "Charge estimate"),
    Int("mins_to_range_limit", "Minutes to range limit", kMin),
    Int("mins_to_soc_limit", "Minutes to SOC limit", kMin),
    Int("full_range", "Full range", kDist),
    Int("plug_type", "Plug type"),
    Num("charge_power", "Charge power", kKw),
    Num("battery_voltage", "Battery voltage", kVolt),
    Num("soh", "State of health", kPct),
    Num("charge_power_input", "Charge power input", kKw),
    Num("charger_efficiency", "Charger efficiency", kPct),
    Num("battery_current", "Battery current", kAmp),
    Num("range_speed", "Range gain speed", kSpeed),
    Num("charge_kwh_grid", "Grid energy this charge", kKwh)
        .diff("Documented as 'energy sum running charge'; the code sends v.c.kwh.grid (grid energy this session)"),
    Num("charge_kwh_grid_total", "Grid energy total", kKwh)
        .diff("Documented as 'grid this session'; the code sends v.c.kwh.grid.total (lifetime grid energy)"),
    Num("battery_capacity", "Usable battery capacity", kKwh),
    Tim("last_charge_end", "Last charge end")
        .diff("Documented as seconds; the code sends an absolute epoch time, or -1"),
};

constexpr FieldDef kUpdateTimeFields[] = {
    Int("seconds", "Seconds since the last car update", kSec),
};

constexpr FieldDef kCapabilitiesFields[] = {
    Txt("capabilities", "Capabilities"),
};

constexpr FieldDef kTpmsLegacyFields[] = {
    Num("fr_pressure", "Front-right pressure", "psi"),
    Num("fr_temp", "Front-right temperature", kCel),
    Num("rr_pressure", "Rear-right pressure", "psi"),
    Num("rr_temp", "Rear-right temperature", kCel),
    Num("fl_pressure", "Front-left pressure", "psi"),
    Num("fl_temp", "Front-left temperature", kCel),
    Num("rl_pressure", "Rear-left pressure", "psi"),
    Num("rl_temp", "Rear-left temperature", kCel),
    Enm("stale", "TPMS stale indicator", kStale),
};

constexpr FieldDef kGeneratorFields[] = {
    Boo("generating", "Generating"),
    Boo("pilot", "Pilot present"),
    Int("voltage", "Voltage", kVolt),
    Num("current", "Current", kAmp),
    Num("power", "Power", kKw),
    Num("efficiency", "Efficiency", kPct),
    Txt("type", "Generator type"),
    Txt("state", "Generator state"),
    Txt("substate", "Generator sub-state"),
    Txt("mode", "Generator mode"),
    Num("current_limit", "Current limit", kAmp),
    Num("range_limit", "Limit: range", kDist),
    Int("soc_limit", "Limit: SOC", kPct),
    Num("kwh", "Energy", kKwh),
    Num("kwh_grid", "Grid energy this session", kKwh),
    Num("kwh_grid_total", "Grid energy total", kKwh),
    Int("duration", "Duration", kSec),
    Enm("timer_mode", "Timer mode", kTimerMode),
    Int("timer_start", "Timer start"),
    Int("mins_to_empty", "Minutes to empty", kMin),
    Int("mins_to_range_limit", "Minutes to range limit", kMin),
    Int("mins_to_soc_limit", "Minutes to SOC limit", kMin),
    Num("temp", "Generator temperature", kCel),
    Tim("timestamp", "Timestamp").diff("Documented as seconds; the code sends an absolute epoch time, or -1"),
};

constexpr FieldDef kTpmsFields[] = {
    Int("wheel_count", "Wheels"),
    Txt("wheel_names", "Wheel name").list("wheel_count"),
    Int("pressure_count", "Pressures"),
    Num("pressures", "Pressure", "kPa").list("pressure_count"),
    Enm("pressure_validity", "Pressure validity", kTpmsValidity),
    Int("temp_count", "Temperatures"),
    Num("temps", "Temperature", kCel).list("temp_count"),
    Enm("temp_validity", "Temperature validity", kTpmsValidity),
    Int("health_count", "Health values"),
    Num("health", "Health", kPct).list("health_count"),
    Enm("health_validity", "Health validity", kTpmsValidity),
    Int("alert_count", "Alerts"),
    Enm("alerts", "Alert", kTpmsAlert).list("alert_count"),
    Enm("alert_validity", "Alert validity", kTpmsValidity),
    Int("sensor_count", "Sensor mappings"),
    Int("sensors", "Sensor index").list("sensor_count"),
    Enm("sensor_validity", "Sensor mapping validity", kTpmsValidity),
};

constexpr FieldDef kPeersFields[] = {
    Int("count", "Peers connected"),
};

// ---------------------------------------------------------------------------------------------------
// Messages, in code order (upper case before lower case of the same letter).

constexpr MessageDef kMessages[] = {
    {'A', "ping", "Ping", Sender::Any, Layout::Opaque, OVMS_TABLE(kPingFields), true,
     "Any party may ping; the server answers every A with 'a'. The server pings the car with 'AFA' (payload "
     "'FA') when it has sent nothing for timeout_car-60 s; the v3 car pings every timeout.rx-60 s (900 s), "
     "Android every 5 min. Never paranoid-wrapped.",
     "2013 guides: no payload; the server's car ping carries the payload 'FA'"},
    {'a', "ping_ack", "Ping acknowledgement", Sender::Any, Layout::Opaque, OVMS_TABLE(kPingAckFields), true,
     "Reply to A. A received 'a' is only logged by the server. Never paranoid-wrapped.", nullptr},
    {'C', "command", "Command", Sender::AppOrServer, Layout::Command, OVMS_TABLE(kCommandFields), true,
     "C<cmd>[,<params>]. 30/31/32 sent as plain C are answered by the server (even if the car is offline); "
     "other commands are queued for the response routing and forwarded to the car if it is online (dropped if "
     "not). The v3 vehicle module may handle any number first (e.g. Twizy 20-24). v3 cannot decode paranoid "
     "(EM) commands.",
     "2013 guides: 'normally paranoid-encrypted'; no app sends paranoid commands and v3 cannot decode them"},
    {'c', "command_response", "Command response", Sender::CarOrServer, Layout::CommandResponse,
     OVMS_TABLE(kCommandResponseFields), true,
     "c<cmd>,<result>[,<fields or reason>]. The server sends it to the client at the head of the command queue "
     "(for 1/3 the requester stays queued until index = count-1), or to all clients if the queue is empty; not "
     "stored. A command handled by the vehicle module always answers c<cmd>,<0/1>,<text>.",
     nullptr},
    {'D', "environment", "Car environment", Sender::Car, Layout::Csv, OVMS_TABLE(kEnvironmentFields), true,
     "21 fields. Door bytes: bits not listed are undefined (stack garbage in v3); mask them. Stored (latest), "
     "relayed, then T0.",
     nullptr},
    {'E', "paranoid", "Paranoid-mode message", Sender::Any, Layout::Paranoid, OVMS_TABLE(kParanoidFields), true,
     "ET<ptoken>: first post-login line of a paranoid car, session-encrypted like any line; v3 makes a new token "
     "per login. EM<code><base64>: data RC4-encrypted with HMAC-MD5(module password, ptoken), drop 1024, a fresh "
     "cipher per message. v3 cuts every EM line to the original message length (decode the longest multiple of "
     "4 characters and flag it). Never wrapped: E, A, a, g, P. The server stores EM under the inner code and "
     "does not unwrap paranoid H/h/c.",
     "2013 guides: key from the 'paranoid secret' (param 10), every code but A, a, E wrapped, full payload, ET "
     "'sent to server'. Code: module password (Android uses the server password; param 10 unused), g and P also "
     "excluded, v3 output truncated and inbound decode broken, ET session-encrypted and new per connection (each "
     "reconnect wipes the stored paranoid rows), paranoid history dropped with a bogus h ack, multi-line routing "
     "broken"},
    {'F', "firmware", "Car firmware / identity", Sender::Car, Layout::Csv, OVMS_TABLE(kFirmwareFields), true,
     "10 fields. The server stores and relays it, then sends f<server version> and T0. Besides full updates, v3 "
     "re-sends F when the signal quality changes by more than 2 SQ units or another field changes.",
     nullptr},
    {'f', "server_firmware", "Server firmware", Sender::Server, Layout::Csv, OVMS_TABLE(kServerFirmwareFields), true,
     "Generated by the server (git describe) after every F.", nullptr},
    {'G', "group_subscribe", "Group subscription", Sender::App, Layout::Csv, OVMS_TABLE(kGroupSubscribeFields), true,
     "The server answers with every stored g of that group. v3 firmware before 3.3.005 sent its generator "
     "message (now X) as G; the server treats a car's G as a group subscription, so it is lost.",
     nullptr},
    {'g', "group_update", "Group update", Sender::CarOrServer, Layout::Csv, OVMS_TABLE(kGroupUpdateFields), false,
     "Server->app form: g<vehicleid>,<group>,<soc>,... The car's form has no vehicle_id (it starts with the "
     "group); the server prepends the vehicle id when relaying. Kept in memory per group, not stored. v3 never "
     "sends it (stub). Never paranoid-wrapped.",
     "Listed as a car message in the 2013 guides; v3 never sends it"},
    {'H', "history", "Historical data (v2)", Sender::Car, Layout::Csv, OVMS_TABLE(kHistoryFields), false,
     "v2 PIC only (e.g. *-OVM-DebugCrash). No ack, not relayed; stored with timestamp now, expiry now + lifetime. "
     "Read back with C31/C32. A paranoid H is never stored.",
     "Listed as a car message in the 2013 guides; v3 sends only h"},
    {'h', "history_ack_record", "Historical data record / ack", Sender::CarOrServer, Layout::Csv,
     OVMS_TABLE(kHistoryAckRecordFields), true,
     "Car->server: h<ackcode>,<timediff>,<type>,<recno>,<lifetime>,<data>; ackcode = notification entry id, "
     "timediff = -(age in s) <= 0; at most 5 records / 4000 bytes per second; unacked records are re-sent 10 s "
     "after the queue drains. Server->car: h<ackcode> only (the other fields are absent). The server acks even "
     "records it cannot parse; a paranoid h is never stored and gets the bogus ack 'hMh...' (parsed as 0).",
     "2013 guide: expiry = timestamp + lifetime; the server stores timestamp = now + timediff and expiry = now + "
     "lifetime - timediff"},
    {'L', "location", "Car location", Sender::Car, Layout::Csv, OVMS_TABLE(kLocationFields), true,
     "19 fields, default ostream formatting (no fixed decimals). With 'vehicle stream N' v3 sends L every N s "
     "while the car is on and apps are connected.",
     nullptr},
    {'P', "notification", "Push notification", Sender::Any, Layout::Notification, OVMS_TABLE(kNotificationFields),
     true,
     "PI<text> info, PA<text> alert (text mp_encoded); PE<vehicletype>,<code>,<data> error (not mp_encoded; the "
     "server expands it via VECE). Relayed live and pushed to mobiles, not stored. The car sends queued "
     "notifications after (re)connecting and marks them read on transmit (no ack). Never paranoid-wrapped.",
     "2013 guides: sent by the car only; the server relays and pushes a P from any logged-in client. The PE "
     "sub-type is not in the guides"},
    {'p', "push_subscription", "Push subscription", Sender::App, Layout::PushSubscription,
     OVMS_TABLE(kPushSubscriptionFields), true,
     "p<appid>,<pushtype>,<pushkeytype>,<vehicleid>,<netpass>,<pushkey>. Android sends gcm,production; iOS apns "
     "(forced to production). Registered only if netpass equals the car's server password; the netpass may "
     "contain commas (the key is taken from the end). Expo (2025): p<appid>,<pushtype>,simple,<key> without "
     "vehicle or password. The server does not reply.",
     nullptr},
    {'R', "server_record", "Server-to-server record", Sender::Server, Layout::Opaque, OVMS_TABLE(kServerRecordFields),
     false,
     "Not implemented: ApiV2.pm has no R handling, so an R from a car is stored and relayed as a generic code. "
     "The obsolete Cluster.pm pushed RV<vehicleid>,<owner>,<carpass>,<v_server>,<deleted>,<changed> (car "
     "password in clear) and RO<owner>,<name>,<mail>,<passhash>,<status>,<deleted>,<changed>.",
     "2013 guides: server-to-server record synchronisation (RV, RO); not implemented by any current code"},
    {'r', "server_replication", "Server-to-server message replication", Sender::Server, Layout::Csv,
     OVMS_TABLE(kServerReplicationFields), false,
     "Never implemented; the fields follow the 2013 guides.",
     "2013 guides: replicates a car's message between servers; never implemented"},
    {'S', "status", "Car status", Sender::Car, Layout::Csv, OVMS_TABLE(kStatusFields), true,
     "42 fields (std::fixed, 2 decimals unless stated); distances in the car's unit (field units). Stored, "
     "relayed, then T0 (the server also applies a 1.2.0 ',performance,,' kludge).",
     nullptr},
    {'T', "update_time", "Car update time", Sender::Server, Layout::Csv, OVMS_TABLE(kUpdateTimeFields), true,
     "T<seconds since the last car update> after the replay to a connecting app; T0 after every car message.",
     "The 2013 guides give the code as 0x53; 'T' is 0x54"},
    {'V', "capabilities", "Car capabilities", Sender::Car, Layout::Opaque, OVMS_TABLE(kCapabilitiesFields), false,
     "Comma-separated C<cmd> / C<lo>-<hi> items (v2 PIC only). The server stores and relays it as a generic "
     "code.",
     "Listed as a car message in the 2013 guides; v3 never sends it (stub)"},
    {'W', "tpms_legacy", "Car TPMS (legacy)", Sender::Car, Layout::Csv, OVMS_TABLE(kTpmsLegacyFields), true,
     "For old iOS clients. PSI, wheel order FR, RR, FL, RL (the v3 metric vector is FL, FR, RL, RR). With "
     "server.v2 workaround.ios_tpms_display (default on) any temperature <= 1 is sent as 1. Y is the current "
     "TPMS message (kPa, vehicle layout order).",
     nullptr},
    {'X', "generator", "Generator / export power", Sender::Car, Layout::Csv, OVMS_TABLE(kGeneratorFields), true,
     "24 fields, 1 decimal, bools 0/1. Sent periodically only while v.g.current > 0, and at once on state "
     "changes. Firmware before 3.3.005 sent it as code G, which the server takes for a group subscription.",
     nullptr},
    {'Y', "tpms", "Car TPMS", Sender::Car, Layout::Csv, OVMS_TABLE(kTpmsFields), true,
     "Sections of <count>,<values...>,<validity>: wheel names, pressures (kPa), temperatures, health %, alerts, "
     "sensor mapping. An undefined section is '0,-1'; a NaN element is an empty field; values have 1 decimal. "
     "The mapping section is '0,-1' unless the vehicle maps sensors (since 3.3.006). Order is the vehicle's "
     "wheel layout.",
     nullptr},
    {'Z', "peers", "Peer connections", Sender::Server, Layout::Csv, OVMS_TABLE(kPeersFields), true,
     "To the car: number of A apps plus HTTP-API sessions (batch clients not counted); when it rises the car "
     "sends a full update. To apps and batch clients: 1/0 = car online/offline.",
     "2013 guides: number of peers connected; to the car it also counts HTTP-API sessions and excludes batch "
     "clients"},
};

// ---------------------------------------------------------------------------------------------------
// Commands. Shared parameter and response field definitions: one definition per name.

// Parameters (ovms.command.<name>).
constexpr FieldDef kParFeature = Int("feature", "Feature number");
constexpr FieldDef kParValue = Txt("value", "Value").rest();
constexpr FieldDef kParValueSecret = Txt("value", "Value").rest().secret();
constexpr FieldDef kParParameter = Int("parameter", "Parameter number");
constexpr FieldDef kParCommandLine = Txt("command_line", "Command line").rest();
constexpr FieldDef kParMode = Enm("mode", "Charge mode", kChargeModeCommand);
constexpr FieldDef kParAmps = Int("amps", "Charge current", kAmp);
constexpr FieldDef kParTimerMode = Enm("timer_mode", "Timer mode", kTimerMode);
constexpr FieldDef kParTimerStart = Int("timer_start", "Timer start");
constexpr FieldDef kParPin = Txt("pin", "PIN").secret();
constexpr FieldDef kParButton = Int("button", "Homelink button");
constexpr FieldDef kParOn = Boo("on", "Climate control on");
constexpr FieldDef kParSince = Txt("since", "Since (timestamp condition)");
constexpr FieldDef kParRecordType = Txt("record_type", "Record type");
constexpr FieldDef kParPhone = Txt("phone", "Telephone number");
constexpr FieldDef kParText = Txt("text", "Text").rest();
constexpr FieldDef kParUssd = Txt("ussd", "USSD code").rest();
constexpr FieldDef kParAtCommand = Txt("at_command", "AT command").rest();
constexpr FieldDef kParArguments = Txt("arguments", "Arguments").rest();

// Response fields (ovms.command_response.<name>).
constexpr FieldDef kResIndex = Int("index", "Index");
constexpr FieldDef kResCount = Int("count", "Count");
constexpr FieldDef kResValue = Txt("value", "Value").rest();
constexpr FieldDef kResValueSecret = Txt("value", "Value").rest().secret();
constexpr FieldDef kResOutput = Txt("output", "Output").rest();
constexpr FieldDef kResDate = Txt("date", "Date (UTC)");
constexpr FieldDef kResCarRx = Int("car_rx", "Bytes sent to the car", kBytes);
constexpr FieldDef kResCarTx = Int("car_tx", "Bytes received from the car", kBytes);
constexpr FieldDef kResAppRx = Int("app_rx", "Bytes sent to apps", kBytes);
constexpr FieldDef kResAppTx = Int("app_tx", "Bytes received from apps", kBytes);
constexpr FieldDef kResRecordType = Txt("record_type", "Record type");
constexpr FieldDef kResDistinctRecnos = Int("distinct_recnos", "Distinct record numbers");
constexpr FieldDef kResRows = Int("rows", "Rows");
constexpr FieldDef kResBytes = Int("bytes", "Storage used", kBytes);
constexpr FieldDef kResFirstTs = Txt("first_ts", "Oldest record (UTC)");
constexpr FieldDef kResLastTs = Txt("last_ts", "Newest record (UTC)");
constexpr FieldDef kResTimestamp = Txt("timestamp", "Record time (UTC)");
constexpr FieldDef kResRecordNo = Int("record_no", "Record number");
constexpr FieldDef kResData = Txt("data", "Data").rest();
constexpr FieldDef kResText = Txt("text", "Text").rest();

constexpr FieldDef kCmd1Res[] = {kResIndex, kResCount, kResValue};
constexpr FieldDef kCmd2Par[] = {kParFeature, kParValue};
constexpr FieldDef kCmd3Res[] = {kResIndex, kResCount, kResValueSecret};
constexpr FieldDef kCmd4Par[] = {kParParameter, kParValueSecret};
constexpr FieldDef kCmd7Par[] = {kParCommandLine};
constexpr FieldDef kCmd7Res[] = {kResOutput};
constexpr FieldDef kCmd10Par[] = {kParMode};
constexpr FieldDef kCmd15Par[] = {kParAmps};
constexpr FieldDef kCmd16Par[] = {kParMode, kParAmps};
constexpr FieldDef kCmd17Par[] = {kParTimerMode, kParTimerStart};
constexpr FieldDef kCmdPinPar[] = {kParPin};
constexpr FieldDef kCmd24Par[] = {kParButton};
constexpr FieldDef kCmd26Par[] = {kParOn};
constexpr FieldDef kCmd30Res[] = {kResIndex, kResCount, kResDate, kResCarRx, kResCarTx, kResAppRx, kResAppTx};
constexpr FieldDef kCmd31Par[] = {kParSince};
constexpr FieldDef kCmd31Res[] = {kResIndex,   kResCount,   kResRecordType, kResDistinctRecnos,
                                  kResRows,    kResBytes,   kResFirstTs,    kResLastTs};
constexpr FieldDef kCmd32Par[] = {kParRecordType, kParSince};
constexpr FieldDef kCmd32Res[] = {kResIndex,     kResCount,   kResRecordType,
                                  kResTimestamp, kResRecordNo, kResData};
constexpr FieldDef kCmd40Par[] = {kParPhone, kParText};
constexpr FieldDef kCmd41Par[] = {kParUssd};
constexpr FieldDef kCmd49Par[] = {kParAtCommand};
constexpr FieldDef kCmdTextRes[] = {kResText};
constexpr FieldDef kCmdVehiclePar[] = {kParArguments};

constexpr const char* kPinNote =
    "Without a PIN the result is 1. A vehicle module may handle it itself (Twizy handles 20-24).";
constexpr const char* kVehicleNote =
    "Vehicle-specific: handled by the vehicle module (ProcessMsgCommand), which answers c<cmd>,<0/1>,<text>; "
    "vehicles without a handler answer c<cmd>,2.";
constexpr const char* kServerCmdDiff =
    "2013 guides: answered by the server. Code: only when sent as plain C (a paranoid C is forwarded to the "
    "car); rows numbered 1..N of N (the car numbers 0..N-1)";

constexpr CommandDef kCommands[] = {
    {1, "feature_list", "Request feature list", OVMS_NONE, OVMS_TABLE(kCmd1Res), true, false,
     "v3 sends 32 lines c1,0,<k>,32,<value> for k = 0..31. Base values: 8 = vehicle stream, 9 = minsoc, "
     "14 = carbits, 15 = canwrite, others 0 (vehicles may add more). Values may be text on v3.",
     "2013 guides / v2 PIC: 16 features (0..15; 8..15 stored as parameters); v3: 32 lines 0..31 of 32 and a "
     "different feature map"},
    {2, "set_feature", "Set feature", OVMS_TABLE(kCmd2Par), OVMS_TABLE(kCmdTextRes), false, false,
     "Reply c2,0, (v3 always appends ',<text>', empty on success) or c2,1,<reason> ('No active vehicle', "
     "'Missing feature key', 'Feature not supported by vehicle').",
     nullptr},
    {3, "parameter_list", "Request parameter list", OVMS_NONE, OVMS_TABLE(kCmd3Res), true, false,
     "v3 sends 32 lines c3,0,<k>,32,<value>: 0 registered phone, 1 module password, 2 distance units, 4 server, "
     "5 APN, 6 APN user, 7 APN password, 8 vehicle ID, 9 server password, 14 vehicle type, 22 DNS, 23 timezone, "
     "others empty. Values are not mp_encoded and may be passwords.",
     "2013 guides / v2 PIC: server password blanked, 10 = paranoid password; v3 reveals both the module and the "
     "server password, param 10 is empty and the map differs"},
    {4, "set_parameter", "Set parameter", OVMS_TABLE(kCmd4Par), OVMS_TABLE(kCmdTextRes), false, false,
     "Reply c4,0, (v3 always appends ',<text>', empty on success) or c4,1,Parameter key not supported / "
     "Missing parameter key.",
     nullptr},
    {5, "reboot", "Reboot", OVMS_NONE, OVMS_NONE, false, false,
     "No reply: v3 transmits an empty line (fatal for the server, which drops the car), then restarts.",
     "2013 guides: a reply, then the reboot; v3 sends no reply, just an empty line, and the server drops the car"},
    {6, "charge_alert", "Charge alert", OVMS_NONE, OVMS_NONE, false, false,
     "Reply c6,0, followed by a PI notification carrying the 'stat' output.", nullptr},
    {7, "execute", "Execute command", OVMS_TABLE(kCmd7Par), OVMS_TABLE(kCmd7Res), false, false,
     "v3 runs a shell command and answers a single line c7,0,<output> (mp_encoded: newlines become CR, commas "
     "';'). C7 without a comma crashes the module.",
     "2013 guide v2.5.1: 'execute SMS command', reply = the SMS reply, result 1 on any error; v3 runs a shell "
     "command, the result is always 0, single line, mp_encoded"},
    {10, "set_charge_mode", "Set charge mode", OVMS_TABLE(kCmd10Par), OVMS_NONE, false, false, nullptr, nullptr},
    {11, "start_charge", "Start charge", OVMS_NONE, OVMS_NONE, false, false, nullptr, nullptr},
    {12, "stop_charge", "Stop charge", OVMS_NONE, OVMS_NONE, false, false, nullptr, nullptr},
    {15, "set_charge_current", "Set charge current", OVMS_TABLE(kCmd15Par), OVMS_NONE, false, false, nullptr,
     nullptr},
    {16, "set_charge_mode_current", "Set charge mode and current", OVMS_TABLE(kCmd16Par), OVMS_NONE, false, false,
     nullptr, nullptr},
    {17, "set_charge_timer", "Set charge timer mode and start time", OVMS_TABLE(kCmd17Par), OVMS_NONE, false, false,
     nullptr, nullptr},
    {18, "wakeup", "Wake up car", OVMS_NONE, OVMS_NONE, false, false, "v3: 18 and 19 call the same wakeup.",
     nullptr},
    {19, "wakeup_temp", "Wake up temperature subsystem", OVMS_NONE, OVMS_NONE, false, false,
     "v3: 18 and 19 call the same wakeup.", nullptr},
    {20, "lock", "Lock car", OVMS_TABLE(kCmdPinPar), OVMS_NONE, false, false, kPinNote, nullptr},
    {21, "valet_on", "Activate valet mode", OVMS_TABLE(kCmdPinPar), OVMS_NONE, false, false, kPinNote, nullptr},
    {22, "unlock", "Unlock car", OVMS_TABLE(kCmdPinPar), OVMS_NONE, false, false, kPinNote, nullptr},
    {23, "valet_off", "Deactivate valet mode", OVMS_TABLE(kCmdPinPar), OVMS_NONE, false, false, kPinNote, nullptr},
    {24, "homelink", "Homelink", OVMS_TABLE(kCmd24Par), OVMS_NONE, false, false,
     "The button (0, 1, 2) is optional; v3 passes -1 without it.", nullptr},
    {25, "cooldown", "Cooldown", OVMS_NONE, OVMS_NONE, false, false, nullptr, nullptr},
    {26, "climate_control", "Climate control", OVMS_TABLE(kCmd26Par), OVMS_NONE, false, false,
     "Not in the 2013 guides (v3).", nullptr},
    {30, "gprs_utilisation", "Request GPRS utilisation", OVMS_NONE, OVMS_TABLE(kCmd30Res), true, true,
     "Answered by the server: c30,0,<k>,<N>,<YYYY-MM-DD>,<car_rx>,<car_tx>,<app_rx>,<app_tx>, or c30,1,No GPRS "
     "utilisation data available. car_rx counts bytes the server sent to the car. In practice only the current "
     "UTC day (sometimes the previous one too) comes back.",
     "2013 guides: answered by the server. Code: only when sent as plain C; rows numbered 1..N of N; the data "
     "expires after about one day (not 90 days)"},
    {31, "history_summary", "Request historical data summary", OVMS_TABLE(kCmd31Par), OVMS_TABLE(kCmd31Res), true,
     true,
     "Answered by the server: c31,0,<k>,<N>,<type>,<distinct recnos>,<rows>,<bytes>,<first ts>,<last ts>, or "
     "c31,1,No historical data available. Timestamps are UTC 'YYYY-MM-DD HH:MM:SS'.",
     kServerCmdDiff},
    {32, "history_records", "Request historical data records", OVMS_TABLE(kCmd32Par), OVMS_TABLE(kCmd32Res), true,
     true,
     "Answered by the server: c32,0,<k>,<N>,<type>,<timestamp>,<recno>,<data...> (the data keeps its commas), or "
     "c32,1,No historical data available. Timestamps are UTC 'YYYY-MM-DD HH:MM:SS'.",
     kServerCmdDiff},
    {40, "send_sms", "Send SMS", OVMS_TABLE(kCmd40Par), OVMS_NONE, false, false, "v3 always answers c40,2.",
     "2013 guides: sends an SMS; v3 always answers 2 (unsupported)"},
    {41, "ussd", "Send MMI/USSD code", OVMS_TABLE(kCmd41Par), OVMS_TABLE(kCmdTextRes), true, false,
     "v3 answers c41,0 at once, then asynchronously c41,0,<USSD reply, mp_encoded>; or c41,1,No command / "
     "Cannot send command / No modem. The second line goes to the next queued requester, or to everyone.",
     "2013 guides: one reply (submission result only); v3 sends an ack plus an asynchronous second line with "
     "the reply"},
    {49, "at_command", "Send raw AT command", OVMS_TABLE(kCmd49Par), OVMS_TABLE(kCmd7Res), false, false,
     "c49,0,<modem output>, or c49,1,<text> (output containing ERROR, 'Timeout/no response', 'No modem'); the "
     "output is not mp_encoded.",
     "2013 guides: the reply only tells whether the command was submitted; v3 returns the modem output"},
    {200, "vehicle_200", "Vehicle-specific 200 (Twizy: debug)", OVMS_TABLE(kCmdVehiclePar), OVMS_TABLE(kCmdTextRes),
     false, false, kVehicleNote, nullptr},
    {201, "vehicle_201", "Vehicle-specific 201 (Twizy: range)", OVMS_TABLE(kCmdVehiclePar), OVMS_TABLE(kCmdTextRes),
     false, false, kVehicleNote, nullptr},
    {202, "vehicle_202", "Vehicle-specific 202 (Twizy: range)", OVMS_TABLE(kCmdVehiclePar), OVMS_TABLE(kCmdTextRes),
     false, false, kVehicleNote, nullptr},
    {203, "vehicle_203", "Vehicle-specific 203 (Twizy: charge alerts; Leaf)", OVMS_TABLE(kCmdVehiclePar),
     OVMS_TABLE(kCmdTextRes), false, false, kVehicleNote, nullptr},
    {204, "vehicle_204", "Vehicle-specific 204 (Twizy: charge alerts; Leaf, smart EQ, VW e-Up)",
     OVMS_TABLE(kCmdVehiclePar), OVMS_TABLE(kCmdTextRes), false, false, kVehicleNote, nullptr},
    {205, "vehicle_205", "Vehicle-specific 205 (Twizy: battery)", OVMS_TABLE(kCmdVehiclePar),
     OVMS_TABLE(kCmdTextRes), false, false, kVehicleNote, nullptr},
    {206, "vehicle_206", "Vehicle-specific 206 (Twizy: battery)", OVMS_TABLE(kCmdVehiclePar),
     OVMS_TABLE(kCmdTextRes), false, false, kVehicleNote, nullptr},
    {207, "vehicle_207", "Vehicle-specific 207 (Twizy: power)", OVMS_TABLE(kCmdVehiclePar), OVMS_TABLE(kCmdTextRes),
     false, false, kVehicleNote, nullptr},
    {208, "vehicle_208", "Vehicle-specific 208 (Twizy: power)", OVMS_TABLE(kCmdVehiclePar), OVMS_TABLE(kCmdTextRes),
     false, false, kVehicleNote, nullptr},
    {209, "vehicle_209", "Vehicle-specific 209 (Twizy: logs)", OVMS_TABLE(kCmdVehiclePar), OVMS_TABLE(kCmdTextRes),
     false, false, kVehicleNote, nullptr},
    {210, "vehicle_210", "Vehicle-specific 210 (Twizy: logs)", OVMS_TABLE(kCmdVehiclePar), OVMS_TABLE(kCmdTextRes),
     false, false, kVehicleNote, nullptr},
};

constexpr ResultCode kResultCodes[] = {
    {0, "ok", "OK"},
    {1, "failed", "Failed (optional reason text)"},
    {2, "unsupported", "Unsupported / unknown command"},
    {3, "unimplemented", "Unimplemented (never sent by v3)"},
};

#undef OVMS_TABLE
#undef OVMS_NONE

// ---------------------------------------------------------------------------------------------------
// Lookup index: message code byte -> position in kMessages, built at compile time.

constexpr std::size_t kMessageCount = std::size(kMessages);
static_assert(kMessageCount < 256, "message table too large for the index");

constexpr std::array<int16_t, 256> build_message_index() {
  std::array<int16_t, 256> index{};
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = -1;
  for (std::size_t i = 0; i < kMessageCount; ++i)
    index[static_cast<unsigned char>(kMessages[i].code)] = static_cast<int16_t>(i);
  return index;
}

constexpr std::array<int16_t, 256> kMessageIndex = build_message_index();

constexpr bool message_codes_unique() {
  for (std::size_t i = 0; i < kMessageCount; ++i)
    if (kMessageIndex[static_cast<unsigned char>(kMessages[i].code)] != static_cast<int16_t>(i)) return false;
  return true;
}
static_assert(message_codes_unique(), "duplicate message code in kMessages");

constexpr bool command_numbers_ascending() {
  for (std::size_t i = 1; i < std::size(kCommands); ++i)
    if (kCommands[i - 1].number >= kCommands[i].number) return false;
  return true;
}
static_assert(command_numbers_ascending(), "kCommands must be sorted by number, without duplicates");

const FieldDef* find_in(const FieldDef* fields, std::size_t n, std::string_view name) {
  for (std::size_t i = 0; i < n; ++i)
    if (fields[i].name && name == fields[i].name) return &fields[i];
  return nullptr;
}

}  // namespace

const MessageDef* find_message(char code) {
  int16_t i = kMessageIndex[static_cast<unsigned char>(code)];
  return i < 0 ? nullptr : &kMessages[i];
}

const MessageDef* message_defs(std::size_t* count) {
  if (count) *count = kMessageCount;
  return kMessages;
}

const CommandDef* find_command(int number) {
  // The table is sorted (checked above): binary search.
  std::size_t lo = 0, hi = std::size(kCommands);
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    if (kCommands[mid].number == number) return &kCommands[mid];
    if (kCommands[mid].number < number)
      lo = mid + 1;
    else
      hi = mid;
  }
  return nullptr;
}

const CommandDef* command_defs(std::size_t* count) {
  if (count) *count = std::size(kCommands);
  return kCommands;
}

const ResultCode* result_codes(std::size_t* count) {
  if (count) *count = std::size(kResultCodes);
  return kResultCodes;
}

const ResultCode* find_result_code(int value) {
  for (const ResultCode& r : kResultCodes)
    if (r.value == value) return &r;
  return nullptr;
}

// The message's own fields first. For C and c, a name that is not a leading field is looked up among the
// parameters (C) or response fields (c) of every command: a name has the same definition in every command
// (apart from `secret`), so the first match describes ovms.command.<name> / ovms.command_response.<name>.
const FieldDef* find_field(const MessageDef& msg, std::string_view name) {
  if (const FieldDef* f = find_in(msg.fields, msg.n_fields, name)) return f;
  if (msg.layout == Layout::Command) {
    for (const CommandDef& c : kCommands)
      if (const FieldDef* f = find_in(c.params, c.n_params, name)) return f;
  } else if (msg.layout == Layout::CommandResponse) {
    for (const CommandDef& c : kCommands)
      if (const FieldDef* f = find_in(c.response, c.n_response, name)) return f;
  }
  return nullptr;
}

}  // namespace ovms
