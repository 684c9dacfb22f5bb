#include "websocket.h"

#include <openssl/evp.h>

#include <cctype>
#include <stdexcept>

#include "ovms/crypto.h"

namespace ovms::sim {

std::string ws_upgrade_request(const std::string& host, uint16_t port, const std::string& key_b64) {
  std::string r;
  r += "GET /apiv2 HTTP/1.1\r\n";
  r += "Host: " + host + ":" + std::to_string(port) + "\r\n";
  r += "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0\r\n";
  r += "Upgrade: websocket\r\n";
  r += "Connection: Upgrade\r\n";
  r += "Sec-WebSocket-Key: " + key_b64 + "\r\n";
  r += "Sec-WebSocket-Version: 13\r\n";
  r += "Origin: https://" + host + "\r\n";
  r += "\r\n";
  return r;
}

std::string ws_accept_value(const std::string& key_b64) {
  std::string material = key_b64 + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(material.data(), material.size(), md, &md_len, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("SHA-1 is not available from OpenSSL");
  return base64_encode(md, md_len);
}

std::string ws_upgrade_response(const std::string& key_b64) {
  std::string r;
  r += "HTTP/1.1 101 Switching Protocols\r\n";
  r += "Upgrade: websocket\r\n";
  r += "Connection: Upgrade\r\n";
  r += "Sec-WebSocket-Accept: " + ws_accept_value(key_b64) + "\r\n";
  r += "\r\n";
  return r;
}

std::string http_header(std::string_view head, std::string_view name) {
  std::size_t pos = head.find('\n');  // the header lines follow the request or status line
  while (pos != std::string_view::npos && pos + 1 < head.size()) {
    std::size_t begin = pos + 1;
    std::size_t end = head.find('\n', begin);
    std::string_view line = head.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the blank line ends the head
    std::size_t colon = line.find(':');
    if (colon == name.size()) {
      bool same = true;
      for (std::size_t i = 0; i < colon && same; ++i)
        same = std::tolower(static_cast<unsigned char>(line[i])) == std::tolower(static_cast<unsigned char>(name[i]));
      if (same) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
        return std::string(value);
      }
    }
    pos = end;
  }
  return {};
}

}  // namespace ovms::sim
