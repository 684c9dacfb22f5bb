// A message as a form: "<code><data>" split into the catalog's fields (label, unit, enum choices) and
// put back together. Only comma-separated messages (Layout::Csv) and commands (C) have a form; every
// other layout is edited as raw text. No widgets here: the edit dialog builds its rows from this.
#pragma once

#include <string>
#include <vector>

#include "ovms/catalog.h"

namespace inspector {

struct FormField {
  const ovms::FieldDef* def = nullptr;  // null: a field beyond the catalog's (kept as it is)
  std::string text;
  std::string label;  // "State of charge (%)"
  std::vector<std::pair<std::string, std::string>> choices;  // enum: (text sent, label shown)
};

struct MessageForm {
  char code = 0;
  std::string prefix;  // what precedes the fields: "" or, for C, "7," (the command number)
  std::vector<FormField> fields;
};

// The form of `body` ("S80.0,K,..." or "C7,stat"); false when its code has no form (edit it as text).
bool form_of(const std::string& body, MessageForm& out);
// The body again from the (edited) form.
std::string body_of(const MessageForm& form);
// The form of a fresh message or command to compose: empty fields, from the catalog.
MessageForm blank_form(char code, int command = -1);

}  // namespace inspector
