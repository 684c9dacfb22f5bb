// The one wording of a record, for every front end: the columns of a line (time, connection,
// direction, sender, vehicle, message name, summary), the summary line, the handshake words, the name
// of a paranoid inner message ("E/S"), the Info text, the statistics tables and their keys, the
// diagnostic line and tree titles. ovmsdump's text and --stats, the Wireshark plugin's Info column,
// tree titles and -z ovms,tree, the inspector's columns and ovms-proxy's output all word records here,
// so the same line reads the same everywhere.
//
// Layout (padding, separators, escaping for a display) stays with each front end; the words do not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ovms/record.h"

namespace ovms::present {

struct Options {
  bool show_secrets = false;  // passwords in summaries (shown as "***" unless asked)
};

// What the wording reads of a record. view_of() makes one from a LineRecord; a front end that keeps a
// compact copy of its records (the Wireshark plugin) fills one from its copy. The names need only each
// message's code and catalog entry (and command); summaries need the fields.
struct RecordView {
  double ts = 0;
  uint32_t conn = 0;
  Direction dir = Direction::ClientToServer;
  Role role = Role::Unknown;
  LineKind kind = LineKind::Message;
  std::string_view vehicle;                // empty: not known
  std::string_view wire;                   // the line as sent
  bool decrypted = false;                  // the record has a plaintext
  const DecodedMessage* msg = nullptr;     // the record's own message (null: none)
  const DecodedMessage* inner = nullptr;   // a decrypted paranoid inner message (null: none)
  const HandshakeInfo* handshake = nullptr;
  uint64_t response_to_frame = 0;          // a command response: the frame of its request (0: none)

  // The message shown for the line: the inner one of a decrypted paranoid EM, else the record's own.
  const DecodedMessage* effective() const { return inner && inner->code ? inner : msg; }
};
RecordView view_of(const LineRecord& r);

// ---- names
// The code of a message as front ends show it; a paranoid inner message is "<outer>/<inner>" ("E/S").
std::string code_text(char outer, char inner = 0);
// "S status", "E/S status" (a status inside a paranoid EM), "Q unknown".
std::string message_name(const DecodedMessage& outer, const DecodedMessage* inner = nullptr);
// What a line is, in a few words, also the key it is counted under: the message name, or the line
// kind ("welcome", "server_welcome", "ap_request", ...), or "(not decrypted)", "(empty line)" (an empty
// line after login), "(empty message)" (a plaintext with no code).
std::string label(const RecordView& v);
// The label with the command of a C or c: "C command(parameter_list)".
std::string title(const RecordView& v);

// ---- words
// "scheme=0 verified key=vehicle_id (DEMO)": whether the digest matched a secret, and which.
std::string handshake_text(const HandshakeInfo& h);
// The line's content in one line: the message's fields ("soc=80.0 K ... [reply to frame 12]"), the
// handshake words, or the start of the wire text when there is nothing decoded to show.
std::string summary(const RecordView& v, const Options& o = {});
// The title and the summary: "S status soc=80.0 K line_voltage=0 ...".
std::string headline(const RecordView& v, const Options& o = {});
// Sender, vehicle and headline: the Wireshark Info column of one line ("car DEMO S status soc=...").
std::string info(const RecordView& v, const Options& o = {});
// The vehicle, "-" when not known.
std::string vehicle_text(const RecordView& v);
// "#3": connection 3 of the capture.
std::string conn_text(uint32_t conn);
// "HH:MM:SS.uuuuuu" (UTC) of a capture time stamp.
std::string time_text(double ts);
// "! warning handshake.digest_mismatch: the welcome digest ...".
std::string diagnostic_line(const Diagnostic& d);
// The title of a message's fields in a tree: "Car status (S)", "Unknown message (0x51)", or for fields
// with no message code (the AP record) "Fields of the <what>".
std::string fields_title(const DecodedMessage& m, std::string_view what);

// ---- columns (the inspector's list, ovms-proxy's output, ovmsdump's text line)
enum class Column : uint8_t { Time, Conn, Dir, Role, Vehicle, Name, Summary, kCount };
const char* column_title(Column c);  // "Time", "Conn", "Dir", "Role", "Vehicle", "Message", "Summary"
std::string column_text(Column c, const RecordView& v, const Options& o = {});

// ---- statistics (ovmsdump --stats, tshark -z ovms,tree): one count per line in each table
enum class StatTable : uint8_t { Message, Vehicle, Direction, Sender, kCount };
const char* stat_table_title(StatTable t);  // "Lines by message", "Lines by vehicle", ...
std::string stat_key(StatTable t, const RecordView& v);  // label(), vehicle_text(), "c2s", "car"

}  // namespace ovms::present
