// ovms-proxy's output: each relayed line as ovmsdump words it (present.h), or ovmsdump's JSON Lines
// object (json.h), plus the leg it came on and what the proxy did to it.
#pragma once

#include <functional>
#include <string>

#include "session.h"

namespace ovms::proxy {

// `show` says whether to print a diagnostic (ovms-proxy prints each distinct note once).
void append_shown_text(std::string& out, const ShownLine& l, bool show_secrets,
                       const std::function<bool(const std::string& diag_line)>& show = {});
void append_shown_json(std::string& out, const ShownLine& l);

}  // namespace ovms::proxy
