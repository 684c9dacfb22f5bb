#include "proxy_mode/compose_catalog.h"

namespace inspector {

MessageForm ComposeEntry::form() const {
  if (command) return blank_form('C', command->number);
  return blank_form(message ? message->code : 0);
}

std::vector<ComposeEntry> compose_entries() {
  std::vector<ComposeEntry> v;
  std::size_t n = 0;
  const ovms::CommandDef* commands = ovms::command_defs(&n);
  for (std::size_t i = 0; i < n; ++i) {
    const ovms::CommandDef& c = commands[i];
    const std::string number = std::to_string(c.number);
    v.push_back(ComposeEntry{number + " · " + c.name + " (C" + number + ")", c.label, &c, nullptr});
  }
  const ovms::MessageDef* messages = ovms::message_defs(&n);
  for (std::size_t i = 0; i < n; ++i) {
    const ovms::MessageDef& m = messages[i];
    if (m.code == 'C') continue;
    v.push_back(ComposeEntry{std::string(m.name) + " (" + std::string(1, m.code) + ")", m.label, nullptr, &m});
  }
  return v;
}

}  // namespace inspector
