// The WebSocket variant of the protocol (PROTOCOL.md §1.4): the RFC 6455 upgrade, as a browser asks
// for it and the server grants it. The text frames after it come from the core's LineEncoder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ovms::sim {

// "GET /apiv2 HTTP/1.1" with Upgrade: websocket and the client's Sec-WebSocket-Key (base64 of 16
// random bytes).
std::string ws_upgrade_request(const std::string& host, uint16_t port, const std::string& key_b64);
// base64(SHA-1(key || 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)), RFC 6455 §4.2.2.
std::string ws_accept_value(const std::string& key_b64);
// "HTTP/1.1 101 Switching Protocols" with the matching Sec-WebSocket-Accept.
std::string ws_upgrade_response(const std::string& key_b64);
// The value of header `name` (case-insensitive) in an HTTP head ("Name: value" lines up to the blank
// line), without surrounding spaces; empty when it is absent.
std::string http_header(std::string_view head, std::string_view name);

}  // namespace ovms::sim
