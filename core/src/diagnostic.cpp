#include "ovms/diagnostic.h"

namespace ovms {
namespace {

using S = Severity;
using G = DiagGroup;

// Indexed by DiagId: keep in the enum's order (checked by a unit test).
constexpr DiagDef kDiags[] = {
    {DiagId::TcpMissingStart, "tcp.missing_start", S::Warning, G::Sequence, "Connection began before the capture"},
    {DiagId::TcpGap, "tcp.gap", S::Error, G::Sequence, "Bytes missing from the capture"},
    {DiagId::TcpLineUnterminated, "tcp.line_unterminated", S::Warning, G::Malformed, "Stream ended inside a line"},
    {DiagId::LineEmpty, "line.empty", S::Warning, G::Protocol, "Empty line after login (peers drop the connection)"},
    {DiagId::LineBareLf, "line.bare_lf", S::Note, G::Protocol, "Line ends with LF only (as Android sends)"},
    {DiagId::LineTooLongForCar, "line.too_long_for_car", S::Warning, G::Protocol, "Line longer than the v3 car can receive"},
    {DiagId::LineTooLong, "line.too_long", S::Error, G::Malformed, "Line longer than the decoder's 64 MiB bound: cut, not decoded"},
    {DiagId::HandshakeMissing, "handshake.missing", S::Warning, G::Decryption, "No welcome seen: cannot decrypt"},
    {DiagId::HandshakeMalformed, "handshake.malformed", S::Error, G::Malformed, "Malformed welcome line"},
    {DiagId::HandshakeUnexpected, "handshake.unexpected", S::Warning, G::Protocol, "Welcome or message out of place"},
    {DiagId::SchemeUnsupported, "handshake.scheme_unsupported", S::Warning, G::Protocol, "Unsupported protection scheme"},
    {DiagId::KeyMissing, "key.missing", S::Warning, G::Decryption, "No key for this vehicle"},
    {DiagId::KeyFoundByDigest, "key.found_by_digest", S::Note, G::Decryption, "Key found by trying every secret against the digest"},
    {DiagId::DigestMismatch, "handshake.digest_mismatch", S::Error, G::Decryption, "Welcome digest does not match the secret (wrong secret)"},
    {DiagId::ServerDigestMismatch, "handshake.server_digest_mismatch", S::Error, G::Decryption, "Server digest does not match the secret"},
    {DiagId::ServerRefused, "handshake.server_refused", S::Warning, G::Protocol, "Server closed the connection without answering the welcome (login refused)"},
    {DiagId::TokenReplay, "handshake.token_replay", S::Error, G::Protocol, "Server token equals client token (replay)"},
    {DiagId::NotDecrypted, "session.not_decrypted", S::Note, G::Decryption, "Line not decrypted"},
    {DiagId::Base64Invalid, "session.base64_invalid", S::Error, G::Malformed, "Invalid base64"},
    {DiagId::BadPrefix, "session.bad_prefix", S::Error, G::Decryption, "Decrypted text does not start with \"MP-0 \""},
    {DiagId::Resynchronised, "session.resynchronised", S::Note, G::Sequence, "Keystream resynchronised after a gap"},
    {DiagId::UnknownCode, "message.unknown_code", S::Note, G::Protocol, "Unknown message code"},
    {DiagId::MalformedField, "message.malformed_field", S::Warning, G::Malformed, "Malformed field"},
    {DiagId::MissingField, "message.missing_field", S::Warning, G::Malformed, "Required field missing"},
    {DiagId::ExtraFields, "message.extra_fields", S::Note, G::Protocol, "Trailing fields not in the catalog (kept)"},
    {DiagId::DiffersFromGuide, "protocol.differs_from_guide", S::Note, G::Protocol, "Real code differs from the 2013 protocol guide"},
    {DiagId::ParanoidNoToken, "paranoid.no_token", S::Warning, G::Decryption, "Paranoid message before any paranoid token"},
    {DiagId::ParanoidNoKey, "paranoid.no_key", S::Warning, G::Decryption, "No module password for paranoid payloads"},
    {DiagId::ParanoidTruncated, "paranoid.truncated", S::Warning, G::Malformed, "Paranoid payload truncated (v3 firmware defect)"},
    {DiagId::ParanoidServerPassword, "paranoid.server_password", S::Note, G::Decryption, "Paranoid payload decrypted with the server password (as Android)"},
    {DiagId::ParanoidUndecodable, "paranoid.undecodable", S::Warning, G::Decryption, "Paranoid payload did not decrypt with any password"},
    {DiagId::ApDigestMismatch, "ap.digest_mismatch", S::Error, G::Decryption, "Auto-provisioning digest does not match the ICCID"},
    {DiagId::ApNoKey, "ap.no_key", S::Warning, G::Decryption, "No ICCID for this auto-provisioning exchange"},
    {DiagId::ApRejected, "ap.rejected", S::Note, G::Protocol, "Server has no auto-provisioning record (AP-X)"},
    {DiagId::WebSocketMalformed, "websocket.malformed", S::Error, G::Malformed, "Malformed WebSocket frame or upgrade"},
    {DiagId::ResponseUnmatched, "command.response_unmatched", S::Note, G::Sequence, "Command response without a request in this connection"},
    {DiagId::KeyUnused, "key.unused", S::Note, G::Decryption, "Key never matched any connection"},
    {DiagId::KeyWrongSecret, "key.wrong_secret", S::Warning, G::Decryption, "Key matched a vehicle, but its secret never verified"},
    {DiagId::KeyLearned, "key.learned", S::Note, G::Decryption, "Secrets learned from decrypted traffic"},
    {DiagId::KeyFromTraffic, "key.from_traffic", S::Note, G::Decryption, "Secret learned earlier in this capture used"},
    {DiagId::CaptureDropped, "capture.dropped", S::Warning, G::Sequence, "Packets dropped by the kernel before the capture saw them"},
    {DiagId::RelayPassThrough, "relay.pass_through", S::Warning, G::Decryption, "Proxy passes bytes through undecrypted"},
    {DiagId::RelayLineTooLong, "relay.line_too_long", S::Warning, G::Malformed, "Line longer than the proxy's bound: not decoded"},
    {DiagId::RelayNotReencoded, "relay.not_reencoded", S::Warning, G::Sequence, "Undecrypted line passed on as it came, out of step"},
    {DiagId::RelayRefused, "relay.refused", S::Warning, G::Protocol, "Proxy could not carry out a verdict or injection"},
    {DiagId::RelayClosing, "relay.closing", S::Error, G::Sequence, "Proxy closes both legs"},
    {DiagId::CaptureSnaplen, "capture.snaplen", S::Warning, G::Malformed, "Capture file's snapshot length is 0 or past libpcap's maximum"},
    {DiagId::CaptureTimestamp, "capture.timestamp", S::Warning, G::Malformed, "Frame time stamp outside the years 1970 to 9999"},
};
static_assert(sizeof kDiags / sizeof kDiags[0] == static_cast<std::size_t>(DiagId::kCount),
              "one DiagDef per DiagId");

}  // namespace

const DiagDef& diag_def(DiagId id) { return kDiags[static_cast<std::size_t>(id)]; }

const DiagDef* diag_defs(std::size_t* count) {
  *count = sizeof kDiags / sizeof kDiags[0];
  return kDiags;
}

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "?";
}

}  // namespace ovms
