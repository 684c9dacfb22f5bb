#include "ovms/connection.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace ovms {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// Splits on runs of whitespace, as the server's welcome regex (\s+) does.
std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string printable(std::string_view s, std::size_t max = 40) {
  std::string out;
  for (char c : s.substr(0, max)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) out += c;
    else out += "\\x" + to_hex(&u, 1);
  }
  if (s.size() > max) out += "...";
  return out;
}

Role role_from_type(char t) {
  switch (t) {
    case 'C': return Role::Car;
    case 'A': return Role::App;
    case 'B': return Role::Batch;
    case 'S': return Role::Server;
    default: return Role::Unknown;
  }
}

constexpr std::size_t kV3CarReceiveLimit = 1024;  // PROTOCOL.md §1.3: the v3 car's inbound ring buffer

// Where a key came from, for messages: "keys file line 3", "learned in frame 5, connection #0".
std::string origin(const VehicleKey& k) {
  if (k.learned)
    return "learned in frame " + std::to_string(k.learned->frame) + ", connection #" + std::to_string(k.learned->conn);
  return "keys file line " + std::to_string(k.line);
}

// "vehicle 'DEMO' (keys file line 3)".
std::string describe(const VehicleKey& k) { return "vehicle '" + k.name() + "' (" + origin(k) + ")"; }

}  // namespace

const char* role_name(Role r) {
  switch (r) {
    case Role::Car: return "car";
    case Role::App: return "app";
    case Role::Batch: return "batch";
    case Role::Server: return "server";
    case Role::AutoProvision: return "autoprovision";
    case Role::Unknown: break;
  }
  return "unknown";
}

const char* line_kind_name(LineKind k) {
  switch (k) {
    case LineKind::Welcome: return "welcome";
    case LineKind::ServerWelcome: return "server_welcome";
    case LineKind::ApRequest: return "ap_request";
    case LineKind::ApReply: return "ap_reply";
    case LineKind::WebSocketUpgrade: return "websocket_upgrade";
    case LineKind::Message: return "message";
    case LineKind::Unrecognised: return "unrecognised";
  }
  return "?";
}

const char* key_source_name(KeySource k) {
  switch (k) {
    case KeySource::None: return "none";
    case KeySource::VehicleId: return "vehicle_id";
    case KeySource::DigestSearch: return "digest_search";
    case KeySource::Account: return "account";
    case KeySource::Iccid: return "iccid";
  }
  return "?";
}

ConnectionDecoder::ConnectionDecoder(uint32_t conn, KeyRing& keys, uint64_t* next_id, DecoderOptions options)
    : conn_(conn), keys_(&keys), next_id_(next_id ? next_id : &own_next_id_), options_(options) {}

ConnectionDecoder::ConnectionDecoder(uint32_t conn, const KeyStore* keys, uint64_t* next_id, DecoderOptions options)
    : conn_(conn),
      own_keys_(std::make_unique<KeyRing>(keys)),
      keys_(own_keys_.get()),
      next_id_(next_id ? next_id : &own_next_id_),
      options_(options) {}

ConnectionDecoder::~ConnectionDecoder() = default;

Role ConnectionDecoder::sender(Direction dir) const {
  if (dir == Direction::ServerToClient) return Role::Server;
  return client_role_;
}

void ConnectionDecoder::add(LineRecord& r, DiagId id, std::string message, int64_t pos) {
  r.diags.push_back(Diagnostic{id, r.frame, pos < 0 ? static_cast<int64_t>(r.stream_pos) : pos, std::move(message)});
}

void ConnectionDecoder::feed(Direction dir, const uint8_t* data, std::size_t len, uint64_t frame, double ts,
                             RecordSink& sink) {
  DirState& st = dirs_[static_cast<int>(dir)];
  st.framer.feed(data, len, [&](const FramedLine& line) { on_line(dir, line, frame, ts, sink); });
}

void ConnectionDecoder::gap(Direction dir, uint64_t missing, uint64_t frame) {
  DirState& st = dirs_[static_cast<int>(dir)];
  st.pending.push_back(Diagnostic{DiagId::TcpGap, frame, static_cast<int64_t>(st.framer.position()),
                                  std::to_string(missing) + " bytes of the " + direction_name(dir) +
                                      " stream are missing from the capture"});
  if (st.cipher && !st.lost_sync) {
    st.resync.reset();
    st.at_gap = std::make_unique<Rc4>(st.cipher->rc4());
    st.gap_wire_bytes = 0;
    st.lost_sync = true;
  }
  st.gap_wire_bytes += missing;
  st.framer.gap(missing);
}

void ConnectionDecoder::skip_line(Direction dir, uint64_t wire_bytes, uint64_t keystream_bytes) {
  DirState& st = dirs_[static_cast<int>(dir)];
  if (!st.framer.between_lines()) {
    // The caller's idea of where lines end differs from ours: what we cannot place is lost to us.
    gap(dir, wire_bytes, 0);
    return;
  }
  st.framer.skip(wire_bytes);
  if (st.cipher && !st.lost_sync) st.cipher->rc4().skip(keystream_bytes);
}

void ConnectionDecoder::started_mid_stream(Direction dir, uint64_t frame) {
  DirState& st = dirs_[static_cast<int>(dir)];
  st.mid_stream = true;
  st.pending.push_back(Diagnostic{DiagId::TcpMissingStart, frame, 0,
                                  std::string("the ") + direction_name(dir) +
                                      " stream began before the capture: its TCP handshake is missing"});
}

void ConnectionDecoder::closed(Direction dir, uint64_t frame, double /*ts*/, RecordSink& sink) {
  bool& done = closed_[static_cast<int>(dir)];
  if (done) return;  // a retransmitted FIN, or a RST after it
  done = true;
  // Only a server that closes first, before it sent a byte after the welcome, refused the login; a
  // client that gives up first was not refused. The real server closes without a word when the vehicle
  // is unknown or the digest is wrong (PROTOCOL.md §2.2), and for a welcome it cannot parse.
  const bool client_closed_first = closed_[static_cast<int>(Direction::ClientToServer)];
  if (dir != Direction::ServerToClient || client_closed_first || phase_ != Phase::AwaitServerWelcome ||
      dirs_[static_cast<int>(dir)].framer.position() != server_pos_at_welcome_)
    return;
  std::string who = vehicle_.empty() ? "the client" : "vehicle " + vehicle_;
  sink.on_orphan_diagnostic(conn_, Diagnostic{DiagId::ServerRefused, frame, static_cast<int64_t>(server_pos_at_welcome_),
                                              "the server closed the connection without answering the welcome of " +
                                                  who + ": login refused. " + refusal_suspect()});
}

// Which secret a refused login points at, from what the welcome showed us (one sentence).
std::string ConnectionDecoder::refusal_suspect() const {
  const std::string v = vehicle_.empty() ? "the vehicle" : vehicle_;
  if (scheme_ == 1) {
    if (!account_ok_) return "No keys-file account for this username: its password cannot be checked";
    if (*account_ok_)
      return "The password is the keys-file account's: the server holds another password for it, does not know it, "
             "or does not let it use " + v;
    return "The password differs from the keys-file account's: the client's password is wrong";
  }
  if (scheme_ != 0 || client_token_.empty()) return "The welcome itself is the suspect (see its diagnostic)";
  if (key_verified_)
    return "The client's digest verifies with our key (" + origin(*key_) + "): the server holds another secret for " +
           v + ", or does not know " + v;
  if (key_)
    return "The client's digest does not verify with our key (" + origin(*key_) + ") either: the client's secret is "
           "wrong";
  return "No key for " + v + ": the client's secret may be wrong, or the server does not know " + v;
}

void ConnectionDecoder::finish(uint64_t frame, double ts, RecordSink& sink) {
  for (int d = 0; d < 2; ++d) {
    Direction dir = static_cast<Direction>(d);
    DirState& st = dirs_[d];
    st.framer.finish([&](const FramedLine& line) { on_line(dir, line, frame, ts, sink); });
    for (const Diagnostic& diag : st.pending) sink.on_orphan_diagnostic(conn_, diag);
    st.pending.clear();
  }
}

void ConnectionDecoder::on_line(Direction dir, const FramedLine& line, uint64_t frame, double ts,
                                RecordSink& sink) {
  DirState& st = dirs_[static_cast<int>(dir)];
  if (!st.http_head.empty() || (phase_ == Phase::WebSocketHandshake && !line.websocket)) {
    on_http_line(dir, line, frame, ts, sink);
    return;
  }
  // Built in place, then handed to the sinks read-only (they share it; see RecordPtr).
  auto record = std::make_shared<LineRecord>();
  LineRecord& r = *record;
  r.id = (*next_id_)++;
  r.frame = frame;
  r.ts = ts;
  r.conn = conn_;
  r.dir = dir;
  r.wire.assign(line.text.data(), line.text.size());
  r.stream_pos = line.begin;
  r.stream_end = line.end;
  r.diags = std::move(st.pending);
  st.pending.clear();
  if (!line.error.empty()) add(r, DiagId::WebSocketMalformed, line.error);
  if (line.unterminated) add(r, DiagId::TcpLineUnterminated, "the stream ended before this line's end");
  if (line.bare_lf && !line.websocket && !line.unterminated && !st.told_bare_lf) {
    st.told_bare_lf = true;
    add(r, DiagId::LineBareLf, "lines in this direction end with LF only (Android's PrintWriter.println); "
                               "the 2013 guide says CRLF");
  }

  bool first_line_of_client = dir == Direction::ClientToServer && phase_ == Phase::AwaitWelcome;
  if (line.cut_bytes) {
    too_long_line(st, line, r);
  } else if (line.after_gap) {
    // Part of this line is lost: it cannot be trusted, and in scheme 0 its length is unknown.
    r.kind = LineKind::Message;
    st.gap_wire_bytes += line.end - line.begin;
    add(r, DiagId::NotDecrypted, "part of this line was lost in a capture gap");
  } else if (first_line_of_client && st.mid_stream && !looks_like_ovms_opening(r.wire)) {
    // The capture began after the welcome: this is session traffic we have no tokens for.
    session_line(dir, r);
  } else if (first_line_of_client) {
    if (starts_with(r.wire, "MP-")) client_welcome(r);
    else if (starts_with(r.wire, "AP-C")) ap_request(r);
    else if (starts_with(r.wire, "GET /apiv2")) {
      // The WebSocket variant: collect the HTTP request head, then switch both directions to frames.
      phase_ = Phase::WebSocketHandshake;
      st.http_head = r.wire;
      st.http_begin = line.begin;
      st.http_frame = frame;
      --*next_id_;
      return;
    } else {
      r.kind = LineKind::Unrecognised;
      phase_ = Phase::NotOvms;
      add(r, DiagId::HandshakeMalformed, "first line is not an OVMS welcome (MP-, AP-C or GET /apiv2): \"" +
                                             printable(r.wire) + "\"");
    }
  } else if (dir == Direction::ServerToClient && phase_ == Phase::AwaitServerWelcome && starts_with(r.wire, "MP-S ")) {
    server_welcome(r);
  } else if (dir == Direction::ServerToClient && phase_ == Phase::AutoProvision &&
             (starts_with(r.wire, "AP-S") || starts_with(r.wire, "AP-X"))) {
    ap_reply(r);
  } else if (phase_ == Phase::NotOvms) {
    r.kind = LineKind::Unrecognised;
  } else {
    session_line(dir, r);
  }
  r.role = sender(dir);
  r.vehicle = vehicle_;
  if (dir == Direction::ServerToClient && client_role_ == Role::Car && r.wire.size() + 2 > kV3CarReceiveLimit)
    add(r, DiagId::LineTooLongForCar, std::to_string(r.wire.size()) + "-byte line: the v3 car's 1024-byte receive "
                                      "buffer cannot take it, and its receive path stalls");
  if (r.kind == LineKind::Message) {
    note_guide_differences(r);
    pair_command(r, sink);
  }
  sink.on_record(std::move(record));
}

// WebSocket upgrade: both heads are shown as one record each; then both directions carry frames.
void ConnectionDecoder::on_http_line(Direction dir, const FramedLine& line, uint64_t frame, double ts,
                                     RecordSink& sink) {
  DirState& st = dirs_[static_cast<int>(dir)];
  if (st.http_head.empty()) {
    st.http_begin = line.begin;
    st.http_frame = frame;
  }
  if (!line.text.empty()) {
    if (!st.http_head.empty()) st.http_head += "\r\n";
    st.http_head.append(line.text.data(), line.text.size());
    if (!line.unterminated) return;
  }
  auto record = std::make_shared<LineRecord>();
  LineRecord& r = *record;
  r.id = (*next_id_)++;
  r.frame = frame;
  r.ts = ts;
  r.conn = conn_;
  r.dir = dir;
  r.kind = LineKind::WebSocketUpgrade;
  r.role = sender(dir);
  r.wire = st.http_head.substr(0, st.http_head.find("\r\n"));
  r.stream_pos = st.http_begin;
  r.stream_end = line.end;
  r.diags = std::move(st.pending);
  st.pending.clear();
  std::string head = std::move(st.http_head);
  st.http_head.clear();
  if (dir == Direction::ClientToServer) {
    if (head.find("Upgrade: websocket") == std::string::npos && head.find("upgrade: websocket") == std::string::npos)
      add(r, DiagId::WebSocketMalformed, "GET /apiv2 without an 'Upgrade: websocket' header");
    st.framer.start_websocket(true);  // the server strips a trailing LF from inbound frames
  } else {
    if (!starts_with(head, "HTTP/1.1 101")) {
      add(r, DiagId::WebSocketMalformed, "upgrade refused: \"" + printable(r.wire) + "\"");
      phase_ = Phase::NotOvms;
    } else {
      phase_ = Phase::AwaitWelcome;  // the welcome now arrives in the first frame
    }
    st.framer.start_websocket(false);
  }
  sink.on_record(std::move(record));
}

// The key for a welcome: by vehicle id, else by trying every secret against the digest. The
// candidates are the ring's: the keys file's and those learned earlier in this capture.
void ConnectionDecoder::select_key(LineRecord& r, std::string_view token, std::string_view digest) {
  if (keys_->empty()) {
    add(r, DiagId::KeyMissing, "no keys file: vehicle " + vehicle_ + " cannot be decrypted");
    return;
  }
  auto matches = [&](const VehicleKey& k) {
    return k.server_password && digest_matches(digest, hmac_md5(*k.server_password, token));
  };
  const std::vector<const VehicleKey*> by_id = keys_->by_id(vehicle_, r.frame);
  for (const VehicleKey* k : by_id) {
    if (!matches(*k)) continue;
    use_key(r, k, KeySource::VehicleId);
    break;
  }
  if (!key_verified_) {
    for (const VehicleKey* k : keys_->all(r.frame)) {
      if (std::find(by_id.begin(), by_id.end(), k) != by_id.end() || !matches(*k)) continue;
      add(r, DiagId::KeyFoundByDigest, "the secret of " +
                                           (k->learned ? describe(*k) : "keys-file vehicle '" + k->name() + "' (line " +
                                                                            std::to_string(k->line) + ")") +
                                           " matches the digest of vehicle " + vehicle_);
      use_key(r, k, KeySource::DigestSearch);
      break;
    }
  }
  // Keys of this vehicle id whose secret did not reproduce the digest are wrong (or outdated).
  const VehicleKey* wrong = nullptr;
  for (const VehicleKey* k : by_id) {
    if (!k->server_password || k == key_) continue;
    keys_->note_wrong_secret(k, conn_);
    if (!wrong) wrong = k;
  }
  if (key_verified_) return;
  if (wrong) {
    key_ = wrong;  // keep it to name it, but do not decrypt with it
    add(r, DiagId::DigestMismatch, "the welcome digest does not match the server password of " + describe(*wrong) +
                                       ": wrong secret");
  } else if (!by_id.empty()) {
    add(r, DiagId::KeyMissing, describe(*by_id.front()) + " has no server password, and no secret in the keys file "
                               "matches the digest of vehicle " + vehicle_);
  } else {
    add(r, DiagId::KeyMissing, "no key for vehicle " + vehicle_ + ", and no secret in the keys file matches its digest");
  }
}

void ConnectionDecoder::use_key(LineRecord& r, const VehicleKey* key, KeySource source) {
  key_ = key;
  key_source_ = source;
  key_verified_ = true;
  keys_->note_verified(key);
  if (!key->learned) return;
  std::string msg = "the server password of vehicle " + key->name() + " was learned from the AP-S record in frame " +
                    std::to_string(key->learned->frame) + " (connection #" + std::to_string(key->learned->conn) + ")";
  for (const VehicleKey* k : keys_->by_id(key->id, r.frame))
    if (!k->learned && k->server_password) {
      msg += "; the keys file's (line " + std::to_string(k->line) + ") does not match";
      break;
    }
  add(r, DiagId::KeyFromTraffic, msg);
}

void ConnectionDecoder::client_welcome(LineRecord& r) {
  r.kind = LineKind::Welcome;
  auto w = words(r.wire);
  r.handshake = std::make_unique<HandshakeInfo>();
  if (w.size() < 5 || w[0].size() != 4) {
    add(r, DiagId::HandshakeMalformed, "a client welcome needs 5 words (MP-<type> <scheme> <token> <digest> <vehicle>), "
                                       "this has " + std::to_string(w.size()));
    phase_ = Phase::AwaitServerWelcome;
    server_pos_at_welcome_ = dirs_[static_cast<int>(Direction::ServerToClient)].framer.position();
    return;
  }
  char type = w[0][3];
  client_role_ = role_from_type(type);
  if (client_role_ == Role::Unknown)
    add(r, DiagId::HandshakeUnexpected, std::string("client type '") + type + "' is not C, A, B or S; the server "
                                        "accepts it after authentication but it does nothing");
  if (type == 'B')
    add(r, DiagId::DiffersFromGuide, "client type B (batch) is not in the 2013 guide; the server treats it like an "
                                     "app that is not counted in the car's Z");
  scheme_ = w[1] == "0" ? 0 : w[1] == "1" ? 1 : -1;
  r.handshake->scheme = scheme_;
  phase_ = Phase::AwaitServerWelcome;
  server_pos_at_welcome_ = dirs_[static_cast<int>(Direction::ServerToClient)].framer.position();
  if (scheme_ == 1) {
    // MP-<type> 1 <username> <password> <vehicleid|*>
    vehicle_ = upper(w[4]);
    r.handshake->key_id = std::string(w[2]);
    if (const Account* a = keys_->find_account(w[2])) {
      r.handshake->ok = a->password == w[3];
      account_ok_ = r.handshake->ok;
      r.handshake->key_source = KeySource::Account;
      if (!r.handshake->ok) add(r, DiagId::DigestMismatch, "password differs from keys-file account '" + a->username + "'");
    }
    return;
  }
  if (scheme_ != 0) {
    add(r, DiagId::SchemeUnsupported, "scheme '" + std::string(w[1]) + "': the server closes the connection");
    return;
  }
  client_token_ = std::string(w[2]);
  client_digest_ = std::string(w[3]);
  vehicle_ = upper(w[4]);  // the server upper-cases the vehicle id before the lookup
  r.handshake->client_token = client_token_;
  select_key(r, client_token_, client_digest_);
  r.handshake->ok = key_verified_;
  r.handshake->key_source = key_source_;
  if (key_) r.handshake->key_id = key_->name();
  if (key_ && key_verified_ && key_->learned) r.handshake->key_learned_frame = key_->learned->frame;
}

void ConnectionDecoder::server_welcome(LineRecord& r) {
  r.kind = LineKind::ServerWelcome;
  r.handshake = std::make_unique<HandshakeInfo>();
  r.handshake->client_token = client_token_;
  r.handshake->scheme = scheme_;
  auto w = words(r.wire);
  phase_ = Phase::Session;
  if (w.size() >= 2 && w[1] == "1") {
    // MP-S 1 <username> <vehicleid> <all vehicle ids>
    if (w.size() >= 4) vehicle_ = upper(w[3]);
    if (scheme_ != 1) add(r, DiagId::HandshakeUnexpected, "server answered scheme 1 to a scheme " + std::to_string(scheme_) + " welcome");
    scheme_ = 1;
    r.handshake->ok = true;
    r.handshake->key_source = KeySource::Account;
    if (w.size() >= 5 && std::find(w.begin() + 4, w.end(), w[3]) != w.end())
      add(r, DiagId::DiffersFromGuide, "the vehicle list includes the selected vehicle (the rst page says 'all other vehicles')");
    return;
  }
  if (w.size() < 4 || w[1] != "0") {
    add(r, DiagId::HandshakeMalformed, "server welcome must be 'MP-S 0 <token> <digest>', got " +
                                           std::to_string(w.size()) + " words");
    return;
  }
  std::string stoken(w[2]);
  std::string_view sdigest = w[3];
  r.handshake->server_token = stoken;
  if (scheme_ != 0) return;
  if (stoken == client_token_)
    add(r, DiagId::TokenReplay, "server token equals the client token: the car aborts (token replay), the server and "
                                "Android do not check");
  if (!key_ || !key_verified_) {
    r.handshake->key_source = key_source_;
    return;
  }
  r.handshake->key_id = key_->name();
  r.handshake->key_source = key_source_;
  if (key_->learned) r.handshake->key_learned_frame = key_->learned->frame;
  const std::string& secret = *key_->server_password;  // verified keys have one
  bool server_ok = digest_matches(sdigest, hmac_md5(secret, stoken));
  if (!server_ok)
    add(r, DiagId::ServerDigestMismatch, "the server digest does not match the server password of vehicle '" + key_->name() + "'");
  r.handshake->ok = server_ok;
  session_key_ = ovms::session_key(secret, stoken, client_token_);
  dirs_[0].cipher = std::make_unique<LineCipher>(session_key_);
  dirs_[1].cipher = std::make_unique<LineCipher>(session_key_);
}

void ConnectionDecoder::ap_request(LineRecord& r) {
  r.kind = LineKind::ApRequest;
  client_role_ = Role::AutoProvision;
  phase_ = Phase::AutoProvision;
  auto w = words(r.wire);
  if (w.size() < 3) {
    add(r, DiagId::HandshakeMalformed, "AP-C needs 'AP-C 0 <apkey>'");
    return;
  }
  if (w[1] != "0") add(r, DiagId::SchemeUnsupported, "AP-C scheme '" + std::string(w[1]) + "': the server closes the connection");
  r.handshake = std::make_unique<HandshakeInfo>();
  r.handshake->scheme = w[1] == "0" ? 0 : -1;
  ap_key_ = keys_->by_vin(w[2]);
  if (ap_key_) {
    vehicle_ = upper(ap_key_->id);
    r.handshake->key_id = ap_key_->name();
  }
  add(r, DiagId::DiffersFromGuide, "auto-provisioning: no current firmware sends AP-C, and the server's handler calls "
                                   "an undefined subroutine (PROTOCOL.md §3)");
}

void ConnectionDecoder::ap_reply(LineRecord& r) {
  r.kind = LineKind::ApReply;
  phase_ = Phase::NotOvms;  // after AP the server ignores a welcome on the same connection
  if (starts_with(r.wire, "AP-X")) {
    add(r, DiagId::ApRejected, "the server has no auto-provisioning record for this key");
    return;
  }
  auto w = words(r.wire);
  if (w.size() < 5) {
    add(r, DiagId::HandshakeMalformed, "AP-S needs 'AP-S 0 <token> <digest> <record>', got " + std::to_string(w.size()) + " words");
    return;
  }
  std::string_view stoken = w[2], sdigest = w[3], record = w[4];
  r.handshake = std::make_unique<HandshakeInfo>();
  r.handshake->server_token = std::string(stoken);
  // The ICCID: from the vehicle whose VIN the car sent, else any ICCID that matches the digest.
  const VehicleKey* match = nullptr;
  Bytes digest_raw;
  auto try_key = [&](const VehicleKey& k) {
    if (!k.iccid) return false;
    Bytes d = hmac_md5(*k.iccid, stoken);
    if (!digest_matches(sdigest, d)) return false;
    match = &k;
    digest_raw = std::move(d);
    return true;
  };
  if (ap_key_ && !try_key(*ap_key_) && ap_key_->iccid) {
    keys_->note_wrong_secret(ap_key_, conn_);
    add(r, DiagId::ApDigestMismatch, "the AP-S digest does not match the ICCID of vehicle '" + ap_key_->name() + "'");
  }
  if (!match)
    for (const VehicleKey* k : keys_->all(r.frame))
      if (k != ap_key_ && try_key(*k)) break;
  if (!match) {
    add(r, DiagId::ApNoKey, "no ICCID in the keys file matches the AP-S digest: the record cannot be decrypted");
    return;
  }
  keys_->note_verified(match);
  vehicle_ = upper(match->id);
  r.handshake->ok = true;
  r.handshake->key_source = KeySource::Iccid;
  r.handshake->key_id = match->name();
  if (sdigest.size() != 22)
    add(r, DiagId::DiffersFromGuide, "AP digest is " + std::to_string(sdigest.size()) + " characters; the server writes "
                                     "it unpadded (22), unlike the welcome digest");
  auto raw = base64_decode(record);
  if (raw.bad_at != std::string_view::npos)
    add(r, DiagId::Base64Invalid, "invalid base64 in the AP record at character " + std::to_string(raw.bad_at));
  Bytes plain = ap_decrypt_record(digest_raw, raw.data);
  r.plain = std::string(plain.begin(), plain.end());
  // The record is the module's parameters #0, #1, ... separated by spaces; "-" means empty.
  std::size_t n_params = 0;
  const FieldDef* params = module_params(&n_params);
  auto items = words(*r.plain);
  for (std::size_t i = 0; i < items.size(); ++i) {
    FieldValue v;
    v.def = i < n_params ? &params[i] : nullptr;
    v.index = static_cast<uint16_t>(i);
    v.offset = static_cast<uint32_t>(items[i].data() - r.plain->data());
    v.length = static_cast<uint32_t>(items[i].size());  // "-" (an empty parameter) is still its byte
    v.text = items[i] == "-" ? std::string_view() : items[i];
    v.kind = v.text.empty() ? FieldValue::Kind::Empty : FieldValue::Kind::Text;
    r.msg.fields.push_back(std::move(v));
  }
  learn_from_ap_record(r, *match);
}

// The AP record holds the parameters the car is to use (PROTOCOL.md §3, numbered as in §6.2's C3): its
// vehicle id, server password and module password. Later connections of that vehicle in this capture
// decrypt with them, even when the keys file knows the car only by its VIN and ICCID.
void ConnectionDecoder::learn_from_ap_record(LineRecord& r, const VehicleKey& from) {
  std::string taught;  // "server password (parameter 9)", for the message
  int secrets = 0;
  auto param = [&](const char* name, const char* what) -> std::optional<std::string> {
    const FieldValue* f = r.msg.field(name);
    if (!f || f->text.empty()) return std::nullopt;
    if (what) {
      taught += std::string(secrets++ ? " and " : "") + what + " (parameter " + std::to_string(f->index) + ")";
    }
    return std::string(f->text);
  };
  VehicleKey k;
  k.id = param("vehicle_id", nullptr).value_or(from.id);
  k.server_password = param("server_password", "server password");
  k.module_password = param("module_password", "module password");
  if (taught.empty()) return;  // the record sets no secret
  // What the record leaves out stays what the keys file says of this car.
  if (!k.server_password) k.server_password = from.server_password;
  if (!k.module_password) k.module_password = from.module_password;
  k.iccid = from.iccid;
  k.vin = from.vin;
  if (!k.id.empty()) vehicle_ = upper(k.id);
  const VehicleKey* learned = keys_->learn(std::move(k), r.frame, conn_);
  if (!learned) return;  // the keys file (or an earlier record) already has these secrets
  std::string msg = "learned from this record: vehicle " + learned->name() + "'s " + taught + "; later connections of " +
                    learned->name() + " in this capture use " + (secrets > 1 ? "them" : "it");
  for (const VehicleKey* c : keys_->by_id(learned->id, r.frame))
    if (!c->learned && c->server_password && c->server_password != learned->server_password) {
      msg += " (keys-file line " + std::to_string(c->line) + " has another server password)";
      break;
    }
  add(r, DiagId::KeyLearned, msg);
}

// A line past the framer's bound is not decoded (it is no OVMS message: the real peers' buffers are
// far smaller), but the keystream moves past all of it, so that the lines after it still decrypt.
void ConnectionDecoder::too_long_line(DirState& st, const FramedLine& line, LineRecord& r) {
  r.kind = LineKind::Message;
  const uint64_t total = line.text.size() + line.cut_bytes;
  add(r, DiagId::LineTooLong, std::to_string(total) + "-byte " + (line.websocket ? "WebSocket message" : "line") +
                                  ": longer than the decoder's " + std::to_string(Framer::kMaxLine) +
                                  "-byte bound; its first " + std::to_string(line.text.size()) +
                                  " bytes are kept, not decoded");
  if (phase_ != Phase::Session || scheme_ != 0 || !st.cipher || st.lost_sync) return;
  // Its keystream length is what its base64 decodes to, up to the first byte that is not base64
  // (decrypt_line's rule); of the part not kept only the end is known: its padding.
  uint64_t symbols = base64_symbol_run(line.text);
  if (symbols == line.text.size()) {
    uint64_t pad = line.cut_end[1] == '=' ? (line.cut_end[0] == '=' ? 2 : 1) : 0;
    symbols += line.cut_bytes - std::min<uint64_t>(pad, line.cut_bytes);
  }
  st.cipher->rc4().skip(base64_decoded_size(symbols));
}

void ConnectionDecoder::session_line(Direction dir, LineRecord& r) {
  DirState& st = dirs_[static_cast<int>(dir)];
  r.kind = LineKind::Message;
  if (r.wire.empty()) {
    add(r, DiagId::LineEmpty, "empty line after login: the server and the car drop the connection "
                              "(the v3 car sends one in reply to command 5)");
    return;
  }
  if (phase_ == Phase::AwaitWelcome) {
    if (!st.told_mid_stream) {
      st.told_mid_stream = true;
      add(r, DiagId::HandshakeMissing, "the welcome of this connection is not in the capture: tokens unknown, "
                                       "nothing can be decrypted");
    }
    add(r, DiagId::NotDecrypted, "no welcome: tokens unknown");
    return;
  }
  if (scheme_ == 1) {
    // Scheme 1: plain text without the MP-0 prefix (the server adds it internally).
    r.plain = r.wire;
    decode_plain(r, r.wire);
    return;
  }
  if (!st.cipher) {
    std::string why = !key_ ? "no key for vehicle " + vehicle_
                      : !key_verified_ ? "the secret for vehicle " + vehicle_ + " is wrong"
                      : phase_ != Phase::Session ? "server welcome not seen"
                      : "no session key";
    add(r, DiagId::NotDecrypted, why);
    return;
  }
  decrypt_line(st, r);
}

bool ConnectionDecoder::decrypt_line(DirState& st, LineRecord& r) {
  std::string plain;  // decoded, then decrypted in place: the string the record keeps
  Base64Result b = base64_decode(r.wire, plain);
  if (b.bad_at != std::string_view::npos) {
    unsigned char c = static_cast<unsigned char>(r.wire[b.bad_at]);
    add(r, DiagId::Base64Invalid, "invalid base64 character '" + printable(std::string_view(r.wire).substr(b.bad_at, 1)) +
                                      "' (0x" + to_hex(&c, 1) + ") at byte " + std::to_string(b.bad_at) +
                                      " of the line; decrypted the " + std::to_string(plain.size()) + " bytes before it",
        static_cast<int64_t>(r.stream_pos + b.bad_at));
  }
  if (st.lost_sync) return resynchronise(st, Bytes(plain.begin(), plain.end()), r);
  st.cipher->rc4().apply(reinterpret_cast<uint8_t*>(plain.data()), plain.size());
  if (!starts_with(plain, kMsgPrefix)) {
    add(r, DiagId::BadPrefix, "decrypted text starts with \"" + printable(plain, 12) + "\", not \"MP-0 \": wrong key, "
                              "or the keystream is out of step (a lost or injected line)");
    return false;
  }
  r.plain = std::move(plain);
  decode_plain(r, std::string_view(*r.plain).substr(kMsgPrefix.size()));
  return true;
}

// The index of the keystream after the gap, covering at least `window` offsets. It grows by doubling,
// so a window that widens line by line costs its size in keystream, not its size per line.
const ConnectionDecoder::ResyncIndex& ConnectionDecoder::resync_index(DirState& st, std::size_t window) {
  if (!st.resync) st.resync = std::make_unique<ResyncIndex>();
  ResyncIndex& ix = *st.resync;
  if (ix.capacity >= window && !ix.group.empty()) return ix;
  std::size_t cap = std::max({window, ix.capacity * 2, std::size_t(4096)});
  cap = std::min(cap, std::max(window, options_.resync_window));
  ix.capacity = cap;
  ix.keystream.assign(cap + 1 + kMsgPrefix.size(), 0);
  Rc4 gen(*st.at_gap);
  gen.apply(ix.keystream.data(), ix.keystream.size());
  resync_keystream_bytes_ += ix.keystream.size();
  // Counting sort of the offsets 0..cap by the cipher bytes that decrypt to "MP" there.
  const auto m = static_cast<uint8_t>(kMsgPrefix[0]), p = static_cast<uint8_t>(kMsgPrefix[1]);
  auto key = [&](std::size_t o) { return (unsigned(ix.keystream[o] ^ m) << 8) | unsigned(ix.keystream[o + 1] ^ p); };
  ix.group.assign(65537, 0);
  for (std::size_t o = 0; o <= cap; ++o) ++ix.group[key(o) + 1];
  for (std::size_t k = 1; k < ix.group.size(); ++k) ix.group[k] += ix.group[k - 1];
  ix.offsets.assign(cap + 1, 0);
  std::vector<uint32_t> next(ix.group.begin(), ix.group.end() - 1);
  for (std::size_t o = 0; o <= cap; ++o) ix.offsets[next[key(o)]++] = static_cast<uint32_t>(o);
  return ix;
}

// After lost bytes the keystream offset is unknown, but every line starts with "MP-0 ": find the
// offset in the keystream from the state at the gap where this line decrypts to that prefix (the
// first such offset whose whole line reads as text).
bool ConnectionDecoder::resynchronise(DirState& st, const Bytes& cipher, LineRecord& r) {
  if (!options_.resync_after_gap || cipher.size() < kMsgPrefix.size()) {
    st.gap_wire_bytes += r.wire.size() + 2;  // its keystream is spent all the same: widen the search
    add(r, DiagId::NotDecrypted, "keystream position lost in a capture gap");
    return false;
  }
  std::size_t window = static_cast<std::size_t>(
      std::min<uint64_t>(options_.resync_window, st.gap_wire_bytes + 4));
  const ResyncIndex& ix = resync_index(st, window);
  const unsigned k = (unsigned(cipher[0]) << 8) | cipher[1];
  for (uint32_t g = ix.group[k]; g < ix.group[k + 1]; ++g) {
    const std::size_t o = ix.offsets[g];
    if (o > window) break;  // ascending: the rest are past the window too
    bool prefix = true;
    for (std::size_t i = 2; i < kMsgPrefix.size() && prefix; ++i)
      prefix = (ix.keystream[o + i] ^ cipher[i]) == static_cast<uint8_t>(kMsgPrefix[i]);
    if (!prefix) continue;
    Bytes plain(cipher);
    if (o + cipher.size() <= ix.keystream.size()) {
      for (std::size_t i = 0; i < cipher.size(); ++i) plain[i] ^= ix.keystream[o + i];
    } else {  // a line longer than the index's keystream: generate its own (rare: the prefix matched)
      Rc4 at(*st.at_gap);
      at.skip(o);
      at.apply(plain.data(), plain.size());
    }
    if (!looks_like_text(plain.data(), plain.size())) continue;
    Rc4 resumed(*st.at_gap);
    resumed.skip(o + cipher.size());
    st.cipher->rc4() = std::move(resumed);
    st.lost_sync = false;
    st.at_gap.reset();
    st.resync.reset();
    add(r, DiagId::Resynchronised, "found \"MP-0 \" at keystream offset +" + std::to_string(o) +
                                       " after the gap; decrypting again from here");
    r.plain = std::string(plain.begin(), plain.end());
    decode_plain(r, std::string_view(*r.plain).substr(kMsgPrefix.size()));
    return true;
  }
  st.gap_wire_bytes += r.wire.size() + 2;
  add(r, DiagId::NotDecrypted, "keystream position lost in a capture gap (no \"MP-0 \" within " +
                                   std::to_string(window) + " keystream bytes)");
  return false;
}

void ConnectionDecoder::decode_plain(LineRecord& r, std::string_view body) {
  int64_t pos = static_cast<int64_t>(r.stream_pos);
  r.body_offset = static_cast<int32_t>(r.plain->size() - body.size());
  r.msg = decode_message(*r.plain, static_cast<std::size_t>(r.body_offset), r.diags, r.frame, pos);
  if (r.msg.code == 'E') paranoid(r);
}

void ConnectionDecoder::paranoid(LineRecord& r) {
  const FieldValue* sub = r.msg.field("subtype");
  if (!sub) return;
  if (sub->text == "T") {
    if (const FieldValue* tok = r.msg.field("token")) {
      if (tok->text != ptoken_) truncating_sender_[0] = truncating_sender_[1] = false;  // a new token: judge anew
      ptoken_ = tok->text;
    }
    return;
  }
  if (sub->text != "M") return;
  const FieldValue* code = r.msg.field("inner_code");
  const FieldValue* payload = r.msg.field("payload");
  if (!code || code->text.empty()) return;
  std::string_view b64 = payload ? std::string_view(payload->text) : std::string_view();
  // Diagnostics about the payload point at its field (front ends attach them to its tree item).
  auto about_payload = [&] {
    if (payload) r.diags.back().field = static_cast<int32_t>(payload - r.msg.fields.data());
  };
  if (ptoken_.empty()) {
    add(r, DiagId::ParanoidNoToken, "EM message before any ET token in this connection: the paranoid key is unknown");
    return;
  }
  std::vector<std::pair<const std::string*, bool>> passwords;  // (password, is_server_password)
  if (key_ && key_->module_password) passwords.emplace_back(&*key_->module_password, false);
  if (key_ && key_->server_password) passwords.emplace_back(&*key_->server_password, true);
  if (passwords.empty()) {
    add(r, DiagId::ParanoidNoKey, "no module password (nor server password) for vehicle " + vehicle_);
    return;
  }
  auto inner = std::make_unique<InnerMessage>();
  Base64Result b = base64_decode(b64);
  // A proper payload is padded base64 of the RC4 output: a length that is not a multiple of 4 means
  // the v3 firmware cut it off (PROTOCOL.md §5.3). Decode every whole byte that survived.
  // When the surviving part happens to be a multiple of 4 it looks whole; but a sender seen cutting
  // payloads under this token is v3 firmware, which cuts every one of them.
  bool& truncating = truncating_sender_[static_cast<int>(r.dir)];
  bool padded = !b64.empty() && b64.back() == '=';
  if (b64.size() % 4 != 0 || (truncating && !padded)) {
    inner->truncated = true;
    std::string why = b64.size() % 4 != 0
                          ? "cut off after " + std::to_string(b64.size()) + " base64 characters"
                          : "whole-looking, but this sender cut off earlier payloads under this token";
    truncating = true;
    add(r, DiagId::ParanoidTruncated, "paranoid payload " + why + " (v3 firmware sends only the original "
                                      "message's length); decoded the " + std::to_string(b.data.size()) +
                                      " bytes that survive");
    about_payload();
  }
  if (b.bad_at != std::string_view::npos) {
    add(r, DiagId::Base64Invalid, "invalid base64 in the paranoid payload at character " + std::to_string(b.bad_at));
    about_payload();
  }
  for (auto [password, is_server] : passwords) {
    Bytes plain = paranoid_crypt(paranoid_key(*password, ptoken_), b.data.data(), b.data.size());
    if (!looks_like_text(plain.data(), plain.size())) continue;
    if (is_server)
      add(r, DiagId::ParanoidServerPassword, key_->module_password
                                                 ? "the module password did not decrypt this payload; the server password did (Android's behaviour)"
                                                 : "no module password in the keys file: decrypted with the server password, as Android does");
    std::string body(1, code->text[0]);
    body.append(plain.begin(), plain.end());
    inner->plain = std::string(kMsgPrefix) + body;
    inner->msg = decode_message(inner->plain, kMsgPrefix.size(), inner->diags, r.frame,
                                static_cast<int64_t>(r.stream_pos));
    if (inner->truncated) {
      // Fields lost to the truncation are explained by paranoid.truncated; do not report each again.
      auto& d = inner->diags;
      d.erase(std::remove_if(d.begin(), d.end(), [](const Diagnostic& x) {
                return x.id == DiagId::MissingField || x.id == DiagId::MalformedField;
              }), d.end());
    }
    r.inner = std::move(inner);
    return;
  }
  add(r, DiagId::ParanoidUndecodable, "the paranoid payload does not decrypt to text with the module or server "
                                      "password of vehicle " + vehicle_);
  about_payload();
}

// Each c is paired with the earliest unanswered C of the same command in the other direction.
void ConnectionDecoder::pair_command(LineRecord& r, RecordSink& sink) {
  const DecodedMessage& m = r.effective();
  if (m.code != 'C' && m.code != 'c') return;
  const FieldValue* num = m.field("command");
  if (!num || num->kind != FieldValue::Kind::Int) return;
  if (num->i < INT32_MIN || num->i > INT32_MAX) return;  // no command has such a number: nothing to pair
  int cmd = static_cast<int>(num->i);
  if (m.code == 'C') {
    pending_commands_[{static_cast<int>(r.dir), cmd}].push_back(Pending{r.id, r.frame});
    return;
  }
  auto it = pending_commands_.find({static_cast<int>(opposite(r.dir)), cmd});
  if (it == pending_commands_.end() || it->second.empty()) {
    add(r, DiagId::ResponseUnmatched, "no C" + std::to_string(cmd) + " request seen before this response in this connection");
    return;
  }
  Pending req = it->second.front();
  r.response_to = req.id;
  r.response_to_frame = req.frame;
  sink.on_response_link(req.id, r.id, r.frame);
  // Multi-line responses keep the request open until their last line.
  bool last = true;
  const FieldValue* result = m.field("result");
  const FieldValue* index = m.field("index");
  const FieldValue* count = m.field("count");
  if (m.command && m.command->multi_line && result && result->kind == FieldValue::Kind::Int && result->i == 0) {
    if (index && count && index->kind == FieldValue::Kind::Int && count->kind == FieldValue::Kind::Int) {
      // The car numbers 0..N-1 of N; the server (30-32) numbers 1..N of N.
      // Compared as index + 1 >= count for the car: count - 1 overflows for a count of INT64_MIN.
      last = m.command->answered_by_server ? index->i >= count->i
                                           : index->i == INT64_MAX || index->i + 1 >= count->i;
    } else if (cmd == 41) {
      last = m.fields.size() > 2;  // c41,0 is the ack; c41,0,<reply> follows asynchronously
    }
  }
  if (last) it->second.pop_front();
}

// Explains, once per connection and code, where the real code differs from the 2013 guides.
void ConnectionDecoder::note_guide_differences(LineRecord& r) {
  const DecodedMessage& m = r.effective();
  if (!m.def) return;
  unsigned char c = static_cast<unsigned char>(m.code);
  uint32_t& word = guide_notes_done_[c >> 5];
  uint32_t bit = 1u << (c & 31);
  if (word & bit) return;
  word |= bit;
  std::string text;
  if (m.def->doc_diff) text = m.def->doc_diff;
  for (uint8_t i = 0; i < m.def->n_fields; ++i) {
    const FieldDef& f = m.def->fields[i];
    if (!f.doc_diff) continue;
    if (!text.empty()) text += "; ";
    text += f.name;
    text += ": ";
    text += f.doc_diff;
  }
  if (!text.empty()) add(r, DiagId::DiffersFromGuide, std::string(1, m.code) + " (" + m.def->name + "): " + text);
}

}  // namespace ovms
