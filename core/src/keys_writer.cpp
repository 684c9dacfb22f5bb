#include "ovms/keys_writer.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ovms/private_file.h"

namespace ovms {
namespace {

// A double-quoted YAML scalar: any byte string survives the loader (quotes, backslashes, line ends
// and other control characters escaped).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// Plain when it is a simple word (ids and user names usually are: the file reads as people write
// it), quoted when YAML could read it as something else.
std::string scalar(const std::string& s) {
  if (s.empty()) return quoted(s);
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return quoted(s);
  if (s == "true" || s == "false" || s == "null" || s == "yes" || s == "no" || s == "on" || s == "off" ||
      s == "~" || std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '.')
    return quoted(s);
  return s;
}

// A comment line: a line end inside it would start YAML again.
std::string comment_line(const std::string& indent, const std::string& text) {
  std::string out;
  std::size_t start = 0;
  do {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out += indent + "# " + text.substr(start, nl - start) + "\n";
    start = nl + 1;
  } while (start < text.size());
  return out;
}

bool same_entry(const VehicleKey& a, const VehicleKey& b) {
  if (!a.id.empty() || !b.id.empty()) return iequals(a.id, b.id);
  if (a.vin || b.vin) return a.vin == b.vin;
  return a.iccid == b.iccid;
}

}  // namespace

KeysWriter::KeysWriter(const KeyStore& keys, const std::function<bool(const VehicleKey&)>& select) {
  for (const VehicleKey& v : keys.vehicles())
    if (!select || select(v)) add_vehicle(v);
  for (const Account& a : keys.accounts()) add_account(a.username, a.password);
}

void KeysWriter::add_vehicle(const VehicleKey& key, const std::string& comment) {
  std::string why = comment;
  if (why.empty() && key.learned)
    why = "learned from traffic: frame " + std::to_string(key.learned->frame) + ", connection #" +
          std::to_string(key.learned->conn);
  for (Entry& e : vehicles_) {
    if (same_entry(e.key, key)) {
      e = Entry{key, why};
      return;
    }
  }
  vehicles_.push_back(Entry{key, why});
}

void KeysWriter::add_account(const std::string& username, const std::string& password) {
  for (Account& a : accounts_) {
    if (a.username == username) {
      a.password = password;
      return;
    }
  }
  accounts_.push_back(Account{username, password, 0});
}

std::string KeysWriter::render(const std::string& header) const {
  std::string y;
  if (!header.empty()) y += comment_line("", header);
  y += vehicles_.empty() ? "vehicles: []\n" : "vehicles:\n";
  for (const Entry& e : vehicles_) {
    const VehicleKey& v = e.key;
    if (!e.comment.empty()) y += comment_line("  ", e.comment);
    // The first key of an entry carries the list's dash.
    const char* lead = "  - ";
    auto field = [&](const char* name, const std::string& value) {
      y += lead;
      y += name;
      y += ": " + value + "\n";
      lead = "    ";
    };
    if (!v.id.empty()) field("id", scalar(v.id));
    if (v.server_password) field("server_password", quoted(*v.server_password));
    if (v.module_password) field("module_password", quoted(*v.module_password));
    if (v.iccid) field("iccid", quoted(*v.iccid));
    if (v.vin) field("vin", quoted(*v.vin));
  }
  if (!accounts_.empty()) {
    y += "accounts:\n";
    for (const Account& a : accounts_) {
      y += "  - username: " + scalar(a.username) + "\n";
      y += "    password: " + quoted(a.password) + "\n";
    }
  }
  return y;
}

bool KeysWriter::write(const std::string& path, const std::string& header, std::string& error) const {
  int fd = open_private_file(path, "keys file", error);
  if (fd < 0) return false;
  const std::string text = render(header);
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = "cannot write keys file '" + path + "': " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    error = "cannot write keys file '" + path + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace ovms
