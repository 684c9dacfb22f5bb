#include "ovms/welcome_lines.h"

#include <initializer_list>

#include "ovms/protocol.h"

namespace ovms {
namespace {

// The words joined by single spaces, each kept even when empty (as the peers build their lines).
std::string words(std::initializer_list<std::string_view> parts) {
  std::string line;
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) line += ' ';
    line.append(p);
    first = false;
  }
  return line;
}

// Optional trailing words (iOS adds its car image name after the vehicle id).
std::string with_rest(std::string line, std::string_view rest) {
  if (!rest.empty()) line.append(" ").append(rest);
  return line;
}

std::string welcome_opening(char type) { return std::string("MP-") + type; }

}  // namespace

std::string client_welcome_line(char type, std::string_view token, std::string_view secret,
                                std::string_view vehicle_id, std::string_view rest) {
  return with_rest(words({welcome_opening(type), "0", token, welcome_digest(secret, token), vehicle_id}), rest);
}

std::string client_account_welcome_line(char type, std::string_view username, std::string_view password,
                                        std::string_view vehicle_id, std::string_view rest) {
  return with_rest(words({welcome_opening(type), "1", username, password, vehicle_id}), rest);
}

std::string server_welcome_line(std::string_view server_token, std::string_view secret) {
  return words({"MP-S 0", server_token, welcome_digest(secret, server_token)});
}

std::string server_account_welcome_line(std::string_view username, std::string_view vehicle_id,
                                        const std::vector<std::string>& owner_vehicles) {
  std::string line = words({"MP-S 1", username, vehicle_id});
  for (const std::string& id : owner_vehicles) line += ' ' + id;
  return line;
}

std::string ap_request_line(std::string_view apkey) { return words({"AP-C 0", apkey}); }

std::string ap_reply_line(std::string_view server_token, std::string_view digest, std::string_view record) {
  return words({"AP-S 0", server_token, digest, record});
}

std::string ap_refusal_line() { return "AP-X"; }

}  // namespace ovms
