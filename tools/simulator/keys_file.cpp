#include "keys_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ovms::sim {
namespace {

// A double-quoted YAML scalar.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void KeysFile::add_vehicle(KeyEntry entry) {
  for (KeyEntry& v : vehicles_) {
    if (v.id == entry.id) {
      v = std::move(entry);
      return;
    }
  }
  vehicles_.push_back(std::move(entry));
}

void KeysFile::add_account(const std::string& username, const std::string& password) {
  for (auto& a : accounts_) {
    if (a.first == username) {
      a.second = password;
      return;
    }
  }
  accounts_.emplace_back(username, password);
}

std::string KeysFile::render(const std::string& header) const {
  std::string y;
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t nl = header.find('\n', start);
    if (nl == std::string::npos) nl = header.size();
    y += "# " + header.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  y += "vehicles:\n";
  for (const KeyEntry& v : vehicles_) {
    if (!v.comment.empty()) y += "  # " + v.comment + "\n";
    y += "  - id: " + v.id + "\n";
    y += "    server_password: " + quoted(v.server_password) + "\n";
    if (v.module_password) y += "    module_password: " + quoted(*v.module_password) + "\n";
    if (v.iccid) y += "    iccid: " + quoted(*v.iccid) + "\n";
    if (v.vin) y += "    vin: " + quoted(*v.vin) + "\n";
  }
  if (!accounts_.empty()) {
    y += "accounts:\n";
    for (const auto& [user, pass] : accounts_) {
      y += "  - username: " + user + "\n";
      y += "    password: " + quoted(pass) + "\n";
    }
  }
  return y;
}

bool KeysFile::write(const std::string& path, const std::string& header, std::string& error) const {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot write keys file '" + path + "': " + std::strerror(errno);
    return false;
  }
  // The file may have existed with a wider mode: it holds secrets.
  if (::fchmod(fd, 0600) != 0) {
    error = "cannot restrict the mode of '" + path + "': " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  std::string text = render(header);
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

}  // namespace ovms::sim
