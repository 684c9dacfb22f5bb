#include "proxy_mode/message_form.h"

#include <cstdlib>

namespace inspector {

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> v;
  std::size_t from = 0;
  for (;;) {
    const std::size_t c = s.find(',', from);
    v.push_back(s.substr(from, c == std::string::npos ? std::string::npos : c - from));
    if (c == std::string::npos) return v;
    from = c + 1;
  }
}

FormField field_of(const ovms::FieldDef* d, std::string text) {
  FormField f;
  f.def = d;
  f.text = std::move(text);
  if (!d) {
    f.label = "(extra field)";
    return f;
  }
  f.label = d->label;
  if (d->unit) f.label += std::string(" (") + d->unit + ")";
  for (uint8_t i = 0; i < d->n_enums; ++i) {
    const ovms::EnumValue& e = d->enums[i];
    f.choices.emplace_back(e.keyword ? e.keyword : std::to_string(e.value), e.label);
  }
  return f;
}

// Fields in catalog order over the comma-separated items; a Rest field takes what is left, commas too.
void fill(MessageForm& m, const ovms::FieldDef* defs, uint8_t n, const std::string& data) {
  std::vector<std::string> items = data.empty() ? std::vector<std::string>{} : split(data);
  std::size_t i = 0;
  for (uint8_t k = 0; k < n && i < items.size(); ++k, ++i) {
    if (defs[k].shape == ovms::FieldShape::Rest) {
      std::string rest = items[i];
      for (std::size_t j = i + 1; j < items.size(); ++j) rest += "," + items[j];
      m.fields.push_back(field_of(&defs[k], rest));
      return;
    }
    m.fields.push_back(field_of(&defs[k], items[i]));
  }
  for (; i < items.size(); ++i) m.fields.push_back(field_of(nullptr, items[i]));
}

}  // namespace

bool form_of(const std::string& body, MessageForm& out) {
  if (body.empty()) return false;
  const ovms::MessageDef* def = ovms::find_message(body[0]);
  if (!def) return false;
  out = MessageForm{};
  out.code = body[0];
  const std::string data = body.substr(1);
  if (def->layout == ovms::Layout::Csv) {
    fill(out, def->fields, def->n_fields, data);
    return true;
  }
  if (def->layout == ovms::Layout::Command) {
    const std::size_t c = data.find(',');
    const std::string number = data.substr(0, c);
    const ovms::CommandDef* cmd = ovms::find_command(std::atoi(number.c_str()));
    if (!cmd) return false;
    out.prefix = number + (c == std::string::npos ? "" : ",");
    if (c != std::string::npos) fill(out, cmd->params, cmd->n_params, data.substr(c + 1));
    return true;
  }
  return false;
}

std::string body_of(const MessageForm& form) {
  std::string s(1, form.code);
  s += form.prefix;
  for (std::size_t i = 0; i < form.fields.size(); ++i) s += (i ? "," : "") + form.fields[i].text;
  if (!form.prefix.empty() && form.fields.empty() && s.back() == ',') s.pop_back();
  return s;
}

MessageForm blank_form(char code, int command) {
  MessageForm m;
  m.code = code;
  if (code == 'C') {
    const ovms::CommandDef* cmd = ovms::find_command(command);
    m.prefix = std::to_string(command);
    if (cmd && cmd->n_params) {
      m.prefix += ",";
      for (uint8_t k = 0; k < cmd->n_params; ++k) m.fields.push_back(field_of(&cmd->params[k], ""));
    }
    return m;
  }
  if (const ovms::MessageDef* def = ovms::find_message(code))
    if (def->layout == ovms::Layout::Csv)
      for (uint8_t k = 0; k < def->n_fields; ++k) m.fields.push_back(field_of(&def->fields[k], ""));
  return m;
}

}  // namespace inspector
