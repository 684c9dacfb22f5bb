#include "links.h"

#include "ovms/protocol.h"

namespace ovms::sim {

const char* link_end_text(LinkEnd why) {
  switch (why) {
    case LinkEnd::Closed: return "the server closed the connection";
    case LinkEnd::AuthRefused: return "the server closed the connection while authenticating (wrong vehicle id or password?)";
    case LinkEnd::ServerRejected: return "the server did not authenticate (wrong digest, or it replayed our token)";
    case LinkEnd::InvalidMessage: return "invalid server message (not \"MP-0 \" after decryption, or an empty line)";
    case LinkEnd::Silent: return "no line from the server for timeout.rx: restarting the connection";
    case LinkEnd::Failed: return "connection failed";
  }
  return "?";
}

std::optional<std::string> check_server_welcome(const std::string& line, const std::string& secret,
                                                const std::string& client_token) {
  if (line.compare(0, 7, "MP-S 0 ") != 0) return std::nullopt;
  std::size_t sep = line.find(' ', 7);
  std::string stoken = line.substr(7, sep == std::string::npos ? std::string::npos : sep - 7);
  std::string sdigest = sep == std::string::npos ? std::string() : line.substr(sep + 1);
  if (stoken == client_token || sdigest != welcome_digest(secret, stoken)) return std::nullopt;
  return stoken;
}

}  // namespace ovms::sim
