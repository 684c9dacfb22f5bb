#include "server.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "ovms/line_encoder.h"
#include "ovms/protocol.h"
#include "ovms/welcome_lines.h"

namespace ovms::sim {
namespace {

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Perl's split /,/, $s, limit.
std::vector<std::string> split(const std::string& s, std::size_t limit) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (out.size() + 1 < limit) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string::npos) break;
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  out.push_back(s.substr(start));
  return out;
}

// Perl's numeric value of a string: the leading number, or 0 ("Mc1,..." is 0).
long perl_num(const std::vector<std::string>& f, std::size_t i) {
  if (i >= f.size()) return 0;
  return std::strtol(f[i].c_str(), nullptr, 10);
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// ORDER BY FIELD(m_code,"S","F") DESC, m_code: F, then S, then the rest (case-insensitive collation).
bool replay_before(char a, char b) {
  auto rank = [](char c) { return c == 'F' ? 0 : c == 'S' ? 1 : 2; };
  if (rank(a) != rank(b)) return rank(a) < rank(b);
  int ua = std::toupper(static_cast<unsigned char>(a)), ub = std::toupper(static_cast<unsigned char>(b));
  return ua != ub ? ua < ub : a < b;
}

}  // namespace

void Server::add_vehicle(const std::string& id, const std::string& carpass, const std::string& owner) {
  VehicleRecord& v = vehicles_[upper(id)];
  v.id = upper(id);
  v.carpass = carpass;
  v.owner = owner;
}

void Server::add_account(const std::string& username, const std::string& password) {
  accounts_[username] = password;
}

void Server::add_ap_record(const std::string& apkey, ApRecord record) { ap_records_[apkey] = std::move(record); }

VehicleRecord* Server::vehicle(const std::string& id) {
  auto it = vehicles_.find(upper(id));
  return it == vehicles_.end() ? nullptr : &it->second;
}

void Server::account(ServerLink& s, VehicleRecord& v, double t, std::size_t rx, std::size_t tx) {
  const double midnight = std::floor((epoch_ + t) / 86400.0) * 86400.0 - epoch_;
  if (midnight != usage_day_) {  // formatting the date for every line would be slow
    usage_day_ = midnight;
    usage_date_ = utc_time(t).substr(0, 10);
  }
  VehicleRecord::Usage& u = v.usage[usage_date_];
  u.midnight = midnight;
  if (conn(s).type == 'C') {
    u.car_rx += tx;  // the server's counters are named from the car's side
    u.car_tx += rx;
  } else {
    u.app_rx += tx;
    u.app_tx += rx;
  }
}

void Server::tx(ServerLink& s, double t, const std::string& body) {
  Conn& c = conn(s);
  if (s.closed() || c.gone) return;
  s.send(t, body);
  c.last_tx = t;
  if (VehicleRecord* v = vehicle(c.vehicle)) account(s, *v, t, 0, message_text_length(c.scheme, body.size()) + 2);
}

void Server::clients_tx(VehicleRecord& v, double t, const std::string& body) {
  for (ServerLink* a : v.apps) tx(*a, t, body);
  for (ServerLink* b : v.batches) tx(*b, t, body);
}

void Server::car_tx(VehicleRecord& v, double t, const std::string& body) {
  if (v.car) tx(*v.car, t, body);
}

void Server::on_connect(ServerLink& s, double t) {
  Conn& c = conn(s);
  c.opened = c.last_rx = t;
}

void Server::on_first_line(ServerLink& s, double t, const std::string& line) {
  Conn& c = conn(s);
  if (c.gone) return;
  c.last_rx = t;
  if (starts_with(line, "MP-")) {
    welcome(s, c, t, line);
  } else if (starts_with(line, "AP-C")) {
    auto w = words(line);
    if (w.size() >= 3 && w[1] == "0") autoprovision(s, c, t, w[2]);
    else refuse(s, t, "AP-C with a scheme other than 0");
  } else {
    refuse(s, t, "first line is not MP-, AP-C or GET /apiv2");  // "unrecognised message from vehicle"
  }
}

void Server::refuse(ServerLink& s, double t, const std::string& why) {
  event(s, "refused: " + why);
  terminate(s, t);
}

void Server::welcome(ServerLink& s, Conn& c, double t, const std::string& line) {
  auto w = words(line);
  if (w.size() < 5 || w[0].size() != 4) {
    refuse(s, t, "a welcome needs five words");
    return;
  }
  c.type = w[0][3];
  if (w[1] == "0") {
    VehicleRecord* v = vehicle(w[4]);
    // Unknown vehicle, or a digest that does not match: closed without a word (§2.2).
    if (!v || !digest_matches(w[3], hmac_md5(v->carpass, w[2])) || c.type == 'S') {
      refuse(s, t, !v ? "unknown vehicle " + upper(w[4])
                   : c.type == 'S' ? "type S on a vehicle that is not a server"
                                   : "wrong digest for vehicle " + v->id + " (wrong secret)");
      return;
    }
    c.scheme = 0;
    c.vehicle = v->id;
    c.logged_in = true;
    s.accept(t, v->carpass, w[2]);
    account(s, *v, t, line.size() + 2, 24 + 7 + 22 + 2);
    login(s, c, *v, t);
  } else if (w[1] == "1") {
    auto acc = accounts_.find(w[2]);
    if (acc == accounts_.end() || acc->second != w[3]) {
      refuse(s, t, "unknown account or wrong password (scheme 1)");
      return;
    }
    auto owns = [&](const VehicleRecord& rec) { return rec.owner == w[2] || rec.owner == "*"; };
    std::vector<std::string> cars;
    for (const auto& [id, rec] : vehicles_)
      if (owns(rec)) cars.push_back(id);
    std::string vid = w[4] == "*" ? (cars.empty() ? "" : cars.front()) : upper(w[4]);
    VehicleRecord* v = vid.empty() ? nullptr : vehicle(vid);
    if (!v || !owns(*v)) {
      refuse(s, t, "vehicle " + vid + " is not one of the account's (scheme 1)");
      return;
    }
    c.scheme = 1;
    c.vehicle = v->id;
    c.logged_in = true;
    std::string reply = server_account_welcome_line(w[2], v->id, cars);
    s.accept_account(t, reply);
    account(s, *v, t, line.size() + 2, reply.size() + 2);
    login(s, c, *v, t);
  } else {
    refuse(s, t, "unsupported scheme " + w[1]);
  }
}

void Server::autoprovision(ServerLink& s, Conn& c, double t, const std::string& apkey) {
  auto it = ap_records_.find(apkey);
  if (c.ap_done || it == ap_records_.end()) {
    s.send_raw(t, ap_refusal_line());
    event(s, "AP-C " + apkey + ": no record, AP-X");
  } else {
    const ApRecord& r = it->second;
    s.send_raw(t, ap_reply_line(r.stoken, r.sdigest, r.record));
    event(s, "AP-C " + apkey + ": sent its auto-provisioning record");
  }
  c.ap_done = true;
}

void Server::login(ServerLink& s, Conn& c, VehicleRecord& v, double t) {
  if (on_event) {
    const char* who = c.type == 'C' ? "car" : c.type == 'A' ? "app" : c.type == 'B' ? "batch client" : "client";
    event(s, std::string(who) + " " + v.id + " logged in (scheme " + std::to_string(c.scheme) + ")");
  }
  if (c.type == 'A') {
    v.apps.push_back(&s);
    car_tx(v, t, "Z" + std::to_string(v.apps.size()));
    tx(s, t, std::string("Z") + (v.car ? "1" : "0"));
    replay(s, v, t);
  } else if (c.type == 'B') {
    v.batches.push_back(&s);
    tx(s, t, std::string("Z") + (v.car ? "1" : "0"));
    replay(s, v, t);
  } else if (c.type == 'C') {
    if (v.car && v.car != &s) terminate(*v.car, t, "a second car logged in as " + v.id);  // the first one goes
    v.car = &s;
    clients_tx(v, t, "Z1");
    tx(s, t, "Z" + std::to_string(v.apps.size()));
  }
}

void Server::replay(ServerLink& s, VehicleRecord& v, double t) {
  std::vector<char> codes;
  for (const auto& [code, row] : v.stored) codes.push_back(code);
  std::sort(codes.begin(), codes.end(), replay_before);
  std::string ptoken = v.ptoken;
  for (char code : codes) {
    const VehicleRecord::Stored& row = v.stored[code];
    if (row.paranoid) {
      if (!ptoken.empty()) {
        tx(s, t, "ET" + ptoken);
        ptoken.clear();  // only once
      }
      tx(s, t, std::string("EM") + code + row.data);
    } else {
      tx(s, t, std::string(1, code) + row.data);
    }
  }
  // v_lastupdatesecs; a vehicle that never reported has an old default time stamp.
  long secs = v.last_update < 0 ? static_cast<long>(t) + 3 * 86400 : static_cast<long>(t - v.last_update);
  tx(s, t, "T" + std::to_string(secs));
}

void Server::terminate(ServerLink& s, double t, const std::string& why) {
  Conn& c = conn(s);
  if (c.gone) return;
  c.gone = true;
  if (!why.empty()) event(s, "closing: " + why);
  cleanup(s, c, t);
  s.close(t);
}

void Server::on_closed(ServerLink& s, double t) {
  Conn& c = conn(s);
  if (c.gone) return;
  c.gone = true;
  event(s, "closed by the client");
  cleanup(s, c, t);
}

void Server::forget(ServerLink& s) { conns_.erase(&s); }

void Server::cleanup(ServerLink& s, Conn& c, double t) {
  if (!c.logged_in) return;
  VehicleRecord* v = vehicle(c.vehicle);
  if (!v) return;
  auto drop = [&](std::vector<ServerLink*>& list) { list.erase(std::remove(list.begin(), list.end(), &s), list.end()); };
  if (c.type == 'C') {
    if (v->car == &s) {
      v->car = nullptr;
      clients_tx(*v, t, "Z0");
    }
    return;
  }
  // An app or batch client: its queued command responses are discarded from now on.
  if (v->car)
    for (ServerLink*& q : conn(*v->car).cmdqueue)
      if (q == &s) q = nullptr;
  if (c.type == 'A') {
    drop(v->apps);
    car_tx(*v, t, "Z" + std::to_string(v->apps.size()));
  } else if (c.type == 'B') {
    drop(v->batches);
  }
}

void Server::on_line(ServerLink& s, double t, const std::string& body) {
  Conn& c = conn(s);
  if (c.gone || !c.logged_in) return;
  c.last_rx = t;
  VehicleRecord* v = vehicle(c.vehicle);
  if (!v) return;
  account(s, *v, t, message_text_length(c.scheme, body.size()) + 2, 0);
  if (body.empty()) {
    terminate(s, t, "an empty line (unable to decode message)");
    return;
  }
  message(s, c, *v, t, body[0], body.substr(1));
}

void Server::on_bad_line(ServerLink& s, double t) {
  Conn& c = conn(s);
  if (c.gone) return;
  terminate(s, t, "a line that does not decrypt to \"MP-0 \" (unable to decode message)");
}

void Server::message(ServerLink& s, Conn& c, VehicleRecord& v, double t, char code, const std::string& data) {
  const std::string body = std::string(1, code) + data;
  switch (code) {
    case 'A': tx(s, t, "a"); return;
    case 'a': return;
    case 'P': clients_tx(v, t, body); return;  // relayed live (and pushed to phones), not stored
    case 'p': return;                          // push subscription: no reply
    default: break;
  }
  bool paranoid = false;
  char m_code = code;
  std::string m_data = data;
  if (code == 'E') {
    if (data.size() < 2) return;
    if (data[0] == 'T') {
      std::string token = data.substr(1);
      c.ptoken = token;
      clients_tx(v, t, body);
      if (v.ptoken != token) {
        for (auto it = v.stored.begin(); it != v.stored.end();)
          it = it->second.paranoid && it->second.ptoken != token ? v.stored.erase(it) : std::next(it);
        v.ptoken = token;
      }
      return;
    }
    if (data[0] != 'M' || data.size() < 3) return;
    paranoid = true;
    m_code = data[1];
    m_data = data.substr(2);
  }
  if (m_code == 'C') {
    if (c.type != 'A' && c.type != 'B') return;
    if (!paranoid && server_command(s, v, t, data)) return;
    if (v.car) conn(*v.car).cmdqueue.push_back(&s);
    car_tx(v, t, body);
    return;
  }
  if (m_code == 'c') {
    if (c.type == 'C') route_response(c, v, t, body, data);
    return;
  }
  if (m_code == 'g' || m_code == 'G') return;  // groups are not simulated
  if (m_code == 'H') {
    auto f = split(data, 4);
    if (c.type == 'C' && f.size() == 4) v.history.push_back(HistoryRow{f[0], perl_num(f, 1), t, f[3]});
    return;
  }
  if (m_code == 'h') {
    if (c.type != 'C') return;
    // The raw data is split, even for a paranoid record (whose ack is then bogus, §5.5).
    auto f = split(data, 6);
    if (f.size() == 6) v.history.push_back(HistoryRow{f[2], perl_num(f, 3), t + perl_num(f, 1), f[5]});
    tx(s, t, "h" + f[0]);
    return;
  }
  if (c.type == 'C') {
    v.stored[m_code] = VehicleRecord::Stored{m_data, paranoid, c.ptoken};
    v.last_update = t;
    clients_tx(v, t, body);
    if (m_code == 'F') clients_tx(v, t, std::string("f") + kVersion);
    clients_tx(v, t, "T0");
  } else if (c.type == 'A') {
    car_tx(v, t, body);  // anything else from an app goes to the car
  }
}

// §6.4: the queue head gets the response; for 1/3 it stays queued until the last line.
void Server::route_response(Conn& c, VehicleRecord& v, double t, const std::string& body, const std::string& data) {
  if (c.cmdqueue.empty()) {
    clients_tx(v, t, body);
    return;
  }
  auto f = split(data, 5);
  long func = perl_num(f, 0), result = perl_num(f, 1), now = perl_num(f, 2), max = perl_num(f, 3);
  ServerLink* target = c.cmdqueue.front();
  if (!((func == 1 || func == 3) && (result != 0 || now < max - 1))) c.cmdqueue.pop_front();
  if (target) tx(*target, t, body);
}

// C30/C31/C32 sent as plain C: answered by the server, rows numbered 1..N of N (§6.3).
bool Server::server_command(ServerLink& s, VehicleRecord& v, double t, const std::string& data) {
  auto f = split(data, 2);
  long cmd = perl_num(f, 0);
  std::string args = f.size() > 1 ? f[1] : "";
  if (cmd == 30) {
    std::size_t n = v.usage.size(), k = 0;
    for (const auto& [date, u] : v.usage)
      tx(s, t, "c30,0," + std::to_string(++k) + "," + std::to_string(n) + "," + date + "," + std::to_string(u.car_rx) +
                   "," + std::to_string(u.car_tx) + "," + std::to_string(u.app_rx) + "," + std::to_string(u.app_tx));
    if (n == 0) tx(s, t, "c30,1,No GPRS utilisation data available");
    return true;
  }
  if (cmd != 31 && cmd != 32) return false;

  // The historical table: the car's records plus the server's own utilisation counters.
  std::vector<HistoryRow> rows = v.history;
  for (const auto& [date, u] : v.usage) {
    uint64_t counters[4] = {u.car_rx, u.car_tx, u.app_rx, u.app_tx};
    (void)date;
    for (int r = 0; r < 4; ++r) rows.push_back(HistoryRow{"*-OVM-Utilisation", r, u.midnight, std::to_string(counters[r])});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const HistoryRow& a, const HistoryRow& b) {
    return a.type != b.type ? a.type < b.type : a.ts < b.ts;
  });

  // "since": only rows after that time stamp ('0000-00-00' when absent).
  if (cmd == 31 && !args.empty()) {
    rows.erase(std::remove_if(rows.begin(), rows.end(), [&](const HistoryRow& r) { return utc_time(r.ts) <= args; }),
               rows.end());
  }
  if (cmd == 31) {
    struct Summary {
      std::vector<int64_t> recnos;
      std::size_t rows = 0, bytes = 0;
      double first = 0, last = 0;
    };
    std::map<std::string, Summary> by_type;
    for (const HistoryRow& r : rows) {
      Summary& sm = by_type[r.type];
      if (sm.rows == 0) sm.first = r.ts;
      sm.last = r.ts;
      ++sm.rows;
      sm.bytes += r.type.size() + r.data.size();
      if (std::find(sm.recnos.begin(), sm.recnos.end(), r.recno) == sm.recnos.end()) sm.recnos.push_back(r.recno);
    }
    std::size_t n = by_type.size(), k = 0;
    for (const auto& [type, sm] : by_type)
      tx(s, t, "c31,0," + std::to_string(++k) + "," + std::to_string(n) + "," + type + "," +
                   std::to_string(sm.recnos.size()) + "," + std::to_string(sm.rows) + "," + std::to_string(sm.bytes) +
                   "," + utc_time(sm.first) + "," + utc_time(sm.last));
    if (n == 0) tx(s, t, "c31,1,No historical data available");
    return true;
  }

  auto a = split(args, 2);
  std::string type = a[0];
  std::string since = a.size() > 1 ? a[1] : "0000-00-00";
  std::vector<const HistoryRow*> hits;
  for (const HistoryRow& r : rows)
    if (r.type == type && utc_time(r.ts) > since) hits.push_back(&r);
  std::size_t k = 0;
  for (const HistoryRow* r : hits)
    tx(s, t, "c32,0," + std::to_string(++k) + "," + std::to_string(hits.size()) + "," + r->type + "," +
                 utc_time(r->ts) + "," + std::to_string(r->recno) + "," + r->data);
  if (hits.empty()) tx(s, t, "c32,1,No historical data available");
  return true;
}

// §1.5: a client without a login is closed after `welcome` seconds of silence; a car after `car`
// (and pinged with AFA when nothing was sent to it for car - 60 s, at most every 300 s); an app after
// `app`, a batch client after `batch`. The real server checks when its 30 s read timer fires; this
// runs every second, so a limit is met to the second rather than to the next 30 s.
void Server::check_timeouts(double t, const ServerTimeouts& limits) {
  std::vector<std::pair<ServerLink*, std::string>> expired;
  std::vector<ServerLink*> to_ping;
  for (auto& [link, c] : conns_) {
    if (c.gone || c.last_rx < 0) continue;
    const double quiet = t - c.last_rx;
    auto* s = const_cast<ServerLink*>(link);
    if (!c.logged_in) {
      if (quiet >= limits.welcome) expired.emplace_back(s, "no welcome within " + std::to_string(int(limits.welcome)) + " s");
    } else if (c.type == 'C') {
      if (quiet >= limits.car) expired.emplace_back(s, "nothing from the car for " + std::to_string(int(limits.car)) + " s (timeout_car)");
      else if (t - std::max(c.last_tx, c.opened) >= limits.car - 60 && (c.last_ping < 0 || t - c.last_ping > 300))
        to_ping.push_back(s);
    } else if (c.type == 'B') {
      if (quiet >= limits.batch) expired.emplace_back(s, "nothing from the batch client for " + std::to_string(int(limits.batch)) + " s (timeout_api)");
    } else if (quiet >= limits.app) {
      expired.emplace_back(s, "nothing from the app for " + std::to_string(int(limits.app)) + " s (timeout_app)");
    }
  }
  for (ServerLink* s : to_ping) {
    conn(*s).last_ping = t;
    tx(*s, t, "AFA");  // a ping that carries the payload "FA"
  }
  for (auto& [s, why] : expired) terminate(*s, t, why);
}

ApRecord make_ap_record(Rng& rng, const std::string& iccid, const std::string& params) {
  std::string stoken = rng.token(22);
  return ApRecord{stoken, welcome_digest(iccid, stoken, false), ap_encrypt_record(iccid, stoken, params)};
}

}  // namespace ovms::sim
