// JSON output for any message text: the input is decoded as a message body ("<code><data>") and as a
// paranoid-free record, with every string field of the record set to raw input bytes. The JSON must be
// strict (RFC 8259 with strict UTF-8) whatever the bytes.
#include <cstring>

#include "fuzz_support.h"
#include "ovms/message.h"

using namespace ovms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  double ts;
  uint8_t raw[8] = {};
  for (auto& b : raw) b = in.byte();
  std::memcpy(&ts, raw, sizeof ts);  // any double: NaN, infinities, 2^64 microseconds
  std::string_view body = in.rest();
  LineRecord r;
  r.ts = ts;
  r.wire.assign(body);
  r.vehicle.assign(body.substr(0, 16));
  r.plain = "MP-0 " + std::string(body);
  r.body_offset = 5;
  r.msg = decode_message(*r.plain, 5, r.diags, 1, 0);
  std::string out;
  append_record_json(out, r, nullptr);
  fuzz::check_json(out);
  for (const Diagnostic& d : r.diags)
    if (d.field >= static_cast<int32_t>(r.msg.fields.size())) fuzz::fail("diagnostic names a field that is not there");
  return 0;
}
