// The plain-text lines before login, as the clients and the server build them (PROTOCOL.md §2.1,
// §2.6, §3; vectors V3, V4, V8, V11, V12). The wire bytes come from LineEncoder::encode_plain, which
// adds the line end or the WebSocket frame.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ovms {

// "MP-<type> 0 <token> <digest> <vehicle id>[ <rest>]": a scheme-0 welcome of a car (C), an app (A) or
// a batch client (B), with the padded digest HMAC-MD5(secret, token). `rest` is what some clients add
// after the vehicle id (iOS: the car's image name).
std::string client_welcome_line(char type, std::string_view token, std::string_view secret,
                                std::string_view vehicle_id, std::string_view rest = {});
// "MP-<type> 1 <username> <password> <vehicle id | *>[ <rest>]": a scheme-1 welcome (an account).
std::string client_account_welcome_line(char type, std::string_view username, std::string_view password,
                                        std::string_view vehicle_id, std::string_view rest = {});
// "MP-S 0 <server token> <digest>": the server's scheme-0 reply.
std::string server_welcome_line(std::string_view server_token, std::string_view secret);
// "MP-S 1 <username> <vehicle id> <every vehicle id of the owner>": the server's scheme-1 reply (the
// list includes the selected vehicle).
std::string server_account_welcome_line(std::string_view username, std::string_view vehicle_id,
                                        const std::vector<std::string>& owner_vehicles);

// Auto-provisioning (§3): "AP-C 0 <apkey>", "AP-S 0 <stoken> <digest> <record>" (the unpadded digest
// and the record from ap_encrypt_record) and the refusal "AP-X".
std::string ap_request_line(std::string_view apkey);
std::string ap_reply_line(std::string_view server_token, std::string_view digest, std::string_view record);
std::string ap_refusal_line();

}  // namespace ovms
