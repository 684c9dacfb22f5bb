// Diagnostics are data: a stable id, a severity, where (frame, byte position) and a message.
// The table of kinds (diagnostic.cpp) is the one place that lists them; the Wireshark plugin builds
// its expert infos from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ovms {

enum class Severity : uint8_t { Note, Warning, Error };

// Which Wireshark expert group fits (the core knows no Wireshark; the plugin maps these). Notes on
// the protocol itself, differences from the 2013 guides included, are Protocol: Wireshark's Comment
// group is for comments on packets (capture file comments), which none of ours is.
enum class DiagGroup : uint8_t { Decryption, Malformed, Protocol, Sequence };

enum class DiagId : uint8_t {
  TcpMissingStart,        // connection began before the capture
  TcpGap,                 // bytes missing from the capture
  TcpLineUnterminated,    // the stream ended inside a line
  LineEmpty,              // an empty line after login (fatal for the real peers)
  LineBareLf,             // line ended with LF only (Android)
  LineTooLongForCar,      // over the v3 car's ~1 KiB receive buffer
  LineTooLong,            // over the decoder's 64 MiB line bound: cut, not decoded
  HandshakeMissing,       // no welcome seen: lines cannot be decrypted
  HandshakeMalformed,     // a welcome line that does not parse
  HandshakeUnexpected,    // a welcome where a message was expected, or the reverse
  SchemeUnsupported,      // welcome with a scheme other than 0 or 1
  KeyMissing,             // no key for this vehicle (and no secret in the file matched)
  KeyFoundByDigest,       // no key under this vehicle id; a secret matched the digest
  DigestMismatch,         // client digest does not match the secret (wrong secret)
  ServerDigestMismatch,   // server digest does not match the secret
  ServerRefused,          // the server closed the connection without answering the welcome
  TokenReplay,            // server token equals the client token
  NotDecrypted,           // a line after login that could not be decrypted (reason in message)
  Base64Invalid,          // a character outside the base64 alphabet
  BadPrefix,              // decrypted text does not start with "MP-0 " (wrong key or lost sync)
  Resynchronised,         // keystream recovered after a gap by known-plaintext search
  UnknownCode,            // message code not in the catalog
  MalformedField,         // a field that should be a number is not
  MissingField,           // fewer fields than the message needs to make sense
  ExtraFields,            // trailing fields the catalog does not know (kept)
  DiffersFromGuide,       // real code differs from the 2013 protocol guides here
  ParanoidNoToken,        // EM before any ET
  ParanoidNoKey,          // no module password (nor server password) to try
  ParanoidTruncated,      // v3 firmware's cut-off EM payload (PROTOCOL.md §5.3)
  ParanoidServerPassword, // decrypted with the server password (what Android does)
  ParanoidUndecodable,    // the payload did not decrypt to text with any password
  ApDigestMismatch,       // AP-S digest does not match the ICCID
  ApNoKey,                // no ICCID for this AP exchange
  ApRejected,             // AP-X: the server has no record
  WebSocketMalformed,     // a frame or upgrade that does not parse
  ResponseUnmatched,      // a command response with no request seen
  KeyUnused,              // a key in the keys file that never matched (reported at the end)
  KeyWrongSecret,         // a key that matched a vehicle, but whose secret never verified (at the end)
  KeyLearned,             // secrets learned from decrypted traffic (an AP-S record)
  KeyFromTraffic,         // a welcome verified with a secret learned earlier in the capture
  CaptureDropped,         // a live capture lost packets in the kernel (pcap_stats)
  RelayPassThrough,       // the relay passes bytes through as they come: it cannot decrypt (why in message)
  RelayLineTooLong,       // the relay did not decode a line longer than its bound
  RelayNotReencoded,      // the relay passed an undecrypted line on as it came, out of step with the receiver
  RelayRefused,           // a verdict or injection the relay could not carry out (why in message)
  RelayClosing,           // the relay closes both legs (why in message)
  CaptureSnaplen,         // a capture file's header gives a snapshot length of 0 or past libpcap's maximum
  CaptureTimestamp,       // a frame's time stamp is outside the years 1970 to 9999 (first one reported)
  kCount
};

struct DiagDef {
  DiagId id;
  const char* key;  // stable dotted id, e.g. "handshake.digest_mismatch"
  Severity severity;
  DiagGroup group;
  const char* summary;  // one line, for expert info titles and docs
};

const DiagDef& diag_def(DiagId id);
const DiagDef* diag_defs(std::size_t* count);
const char* severity_name(Severity s);  // "note", "warning", "error"

struct Diagnostic {
  DiagId id;
  uint64_t frame = 0;  // capture frame (0: not tied to one)
  int64_t pos = -1;    // byte position in the direction's stream (-1: not applicable)
  std::string message;
  // The field it is about, by its index in the `fields` of the message it belongs to (a record's
  // diagnostics: LineRecord::msg; a paranoid inner message's: InnerMessage::msg); -1: no one field.
  int32_t field = -1;

  const DiagDef& def() const { return diag_def(id); }
  Severity severity() const { return def().severity; }
};

}  // namespace ovms
