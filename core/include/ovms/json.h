// JSON Lines output of decoded records (ovmsdump --json; the inspector's export).
#pragma once

#include <string>

#include "ovms/analyzer.h"
#include "ovms/record.h"

namespace ovms {

// Appends one JSON object (no newline) describing `r` to `out`. Keys: frame, ts, conn, client, server,
// dir, role, vehicle, kind, wire, plain, code, name, fields, inner, diag, and where they apply
// handshake and response_to. Secrets inside decrypted traffic are written as sent.
void append_record_json(std::string& out, const LineRecord& r, const ConnectionInfo* conn);

// The fields of a decoded message as a JSON object (List fields become arrays, extras "extra").
void append_fields_json(std::string& out, const DecodedMessage& m);

void append_json_string(std::string& out, std::string_view s);
void append_diagnostic_json(std::string& out, const Diagnostic& d);

}  // namespace ovms
