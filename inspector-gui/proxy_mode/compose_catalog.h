// What Compose offers to start from: every command and every message of the catalog (core), by number
// or code and name ("7 · execute (C7)", "status (S)"), each with the form of a fresh one (message_form.h).
// No widgets: the compose dialog lists these.
#pragma once

#include <string>
#include <vector>

#include "proxy_mode/message_form.h"

namespace inspector {

struct ComposeEntry {
  std::string text;   // "7 · execute (C7)", "status (S)"
  std::string label;  // the catalog's label ("Execute command", "Car status")
  const ovms::CommandDef* command = nullptr;  // a command (code C), else a message
  const ovms::MessageDef* message = nullptr;
  MessageForm form() const;  // blank, with the catalog's fields
};

// The commands in catalog order, then the messages other than C (commands are listed one by one).
std::vector<ComposeEntry> compose_entries();

}  // namespace inspector
