#include "server.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "ovms/line_encoder.h"
#include "ovms/protocol.h"
#include "ovms/welcome_lines.h"
#include "session.h"
#include "sim.h"

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

std::size_t Server::wire_size(const OvmsSession& s, std::size_t body_len) const {
  return message_text_length(s.params().scheme, body_len);
}

void Server::account(OvmsSession& s, VehicleRecord& v, double t, std::size_t rx, std::size_t tx) {
  const double midnight = std::floor((kEpoch + t) / 86400.0) * 86400.0 - kEpoch;
  if (midnight != usage_day_) {  // formatting the date for every line would be slow
    usage_day_ = midnight;
    usage_date_ = Sim::utc_date(t);
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

void Server::tx(OvmsSession& s, double t, const std::string& body) {
  Conn& c = conn(s);
  if (s.closed() || c.gone) return;
  s.send(kServer, t, body);
  if (VehicleRecord* v = vehicle(c.vehicle)) account(s, *v, t, 0, wire_size(s, body.size()) + 2);
}

void Server::clients_tx(VehicleRecord& v, double t, const std::string& body) {
  for (OvmsSession* a : v.apps) tx(*a, t, body);
  for (OvmsSession* b : v.batches) tx(*b, t, body);
}

void Server::car_tx(VehicleRecord& v, double t, const std::string& body) {
  if (v.car) tx(*v.car, t, body);
}

void Server::on_first_line(OvmsSession& s, double t, const std::string& line) {
  Conn& c = conn(s);
  if (c.gone) return;
  if (starts_with(line, "MP-")) {
    welcome(s, c, t, line);
  } else if (starts_with(line, "AP-C")) {
    auto w = words(line);
    if (w.size() >= 3 && w[1] == "0") autoprovision(s, c, t, w[2]);
    else terminate(s, t);
  } else {
    terminate(s, t);  // "unrecognised message from vehicle"
  }
}

void Server::welcome(OvmsSession& s, Conn& c, double t, const std::string& line) {
  auto w = words(line);
  if (w.size() < 5 || w[0].size() != 4) {
    terminate(s, t);
    return;
  }
  c.type = w[0][3];
  if (w[1] == "0") {
    VehicleRecord* v = vehicle(w[4]);
    // Unknown vehicle, or a digest that does not match: closed without a word (§2.2).
    if (!v || !digest_matches(w[3], hmac_md5(v->carpass, w[2])) || c.type == 'S') {
      terminate(s, t);
      return;
    }
    c.scheme = 0;
    c.vehicle = v->id;
    c.logged_in = true;
    s.accept(t, v->carpass);
    account(s, *v, t, line.size() + 2, 24 + 7 + 22 + 2);
    login(s, c, *v, t);
  } else if (w[1] == "1") {
    auto acc = accounts_.find(w[2]);
    if (acc == accounts_.end() || acc->second != w[3]) {
      terminate(s, t);
      return;
    }
    std::vector<std::string> cars;
    for (const auto& [id, rec] : vehicles_)
      if (rec.owner == w[2]) cars.push_back(id);
    std::string vid = w[4] == "*" ? (cars.empty() ? "" : cars.front()) : upper(w[4]);
    VehicleRecord* v = vid.empty() ? nullptr : vehicle(vid);
    if (!v || v->owner != w[2]) {
      terminate(s, t);
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
    terminate(s, t);  // unsupported protection scheme
  }
}

void Server::autoprovision(OvmsSession& s, Conn& c, double t, const std::string& apkey) {
  auto it = ap_records_.find(apkey);
  if (c.ap_done || it == ap_records_.end()) {
    s.send_raw(kServer, t, ap_refusal_line());
  } else {
    const ApRecord& r = it->second;
    s.send_raw(kServer, t, ap_reply_line(r.stoken, r.sdigest, r.record));
  }
  c.ap_done = true;
}

void Server::login(OvmsSession& s, Conn& c, VehicleRecord& v, double t) {
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
    if (v.car && v.car != &s) terminate(*v.car, t);  // duplicate car login: the first one goes
    v.car = &s;
    clients_tx(v, t, "Z1");
    tx(s, t, "Z" + std::to_string(v.apps.size()));
  }
}

void Server::replay(OvmsSession& s, VehicleRecord& v, double t) {
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

void Server::terminate(OvmsSession& s, double t) {
  Conn& c = conn(s);
  if (c.gone) return;
  c.gone = true;
  cleanup(s, c, t);
  s.close(kServer, t);
}

void Server::on_closed(OvmsSession& s, double t) {
  Conn& c = conn(s);
  if (c.gone) return;
  c.gone = true;
  cleanup(s, c, t);
}

void Server::cleanup(OvmsSession& s, Conn& c, double t) {
  if (!c.logged_in) return;
  VehicleRecord* v = vehicle(c.vehicle);
  if (!v) return;
  auto forget = [&](std::vector<OvmsSession*>& list) { list.erase(std::remove(list.begin(), list.end(), &s), list.end()); };
  if (c.type == 'C') {
    if (v->car == &s) {
      v->car = nullptr;
      clients_tx(*v, t, "Z0");
    }
    return;
  }
  // An app or batch client: its queued command responses are discarded from now on.
  if (v->car)
    for (OvmsSession*& q : conn(*v->car).cmdqueue)
      if (q == &s) q = nullptr;
  if (c.type == 'A') {
    forget(v->apps);
    car_tx(*v, t, "Z" + std::to_string(v->apps.size()));
  } else if (c.type == 'B') {
    forget(v->batches);
  }
}

void Server::on_line(OvmsSession& s, double t, const std::string& body) {
  Conn& c = conn(s);
  if (c.gone || !c.logged_in) return;
  VehicleRecord* v = vehicle(c.vehicle);
  if (!v) return;
  account(s, *v, t, wire_size(s, body.size()) + 2, 0);
  if (body.empty()) {
    terminate(s, t);  // "Unable to decode message"
    return;
  }
  message(s, c, *v, t, body[0], body.substr(1));
}

void Server::message(OvmsSession& s, Conn& c, VehicleRecord& v, double t, char code, const std::string& data) {
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
  OvmsSession* target = c.cmdqueue.front();
  if (!((func == 1 || func == 3) && (result != 0 || now < max - 1))) c.cmdqueue.pop_front();
  if (target) tx(*target, t, body);
}

// C30/C31/C32 sent as plain C: answered by the server, rows numbered 1..N of N (§6.3).
bool Server::server_command(OvmsSession& s, VehicleRecord& v, double t, const std::string& data) {
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
    rows.erase(std::remove_if(rows.begin(), rows.end(), [&](const HistoryRow& r) { return Sim::utc_time(r.ts) <= args; }),
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
                   "," + Sim::utc_time(sm.first) + "," + Sim::utc_time(sm.last));
    if (n == 0) tx(s, t, "c31,1,No historical data available");
    return true;
  }

  auto a = split(args, 2);
  std::string type = a[0];
  std::string since = a.size() > 1 ? a[1] : "0000-00-00";
  std::vector<const HistoryRow*> hits;
  for (const HistoryRow& r : rows)
    if (r.type == type && Sim::utc_time(r.ts) > since) hits.push_back(&r);
  std::size_t k = 0;
  for (const HistoryRow* r : hits)
    tx(s, t, "c32,0," + std::to_string(++k) + "," + std::to_string(hits.size()) + "," + r->type + "," +
                 Sim::utc_time(r->ts) + "," + std::to_string(r->recno) + "," + r->data);
  if (hits.empty()) tx(s, t, "c32,1,No historical data available");
  return true;
}

}  // namespace ovms::sim
