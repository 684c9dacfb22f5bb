// The OVMS server (the Perl v3 server's ApiV2 behaviour, PROTOCOL.md §2.2, §4.3, §4.5, §5.5, §6.3,
// §6.4, §7): authenticates welcomes, stores the last message of each code, replays them to apps,
// relays car messages (then f and T0), forwards commands with the per-car response queue, answers
// C30/C31/C32 itself, stores and acknowledges history records, answers pings, and hands out
// auto-provisioning records. It talks to each client through a ServerLink, so it runs the same over
// simulated TCP (the captures) and real sockets (ovms-sim serve). The read timeouts of §1.5 and the
// server's AFA ping apply only when the owner calls check_timeouts() (live; the captures have none).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "clock.h"
#include "links.h"

namespace ovms::sim {

struct HistoryRow {
  std::string type;
  int64_t recno = 0;
  double ts = 0;  // simulated time
  std::string data;
};

struct VehicleRecord {
  std::string id;
  std::string carpass;
  std::string owner;              // the account that owns it (scheme 1); "*": every account
  ServerLink* car = nullptr;
  std::vector<ServerLink*> apps;
  std::vector<ServerLink*> batches;
  struct Stored {
    std::string data;
    bool paranoid = false;
    std::string ptoken;
  };
  std::map<char, Stored> stored;  // the last message per code (ovms_carmessages)
  std::string ptoken;             // v_ptoken
  double last_update = -1;
  std::vector<HistoryRow> history;
  struct Usage {
    uint64_t car_rx = 0, car_tx = 0, app_rx = 0, app_tx = 0;
    double midnight = 0;  // the day's start, in simulated time
  };
  std::map<std::string, Usage> usage;  // per UTC day: the *-OVM-Utilisation rows
};

struct ApRecord {
  std::string stoken;
  std::string sdigest;  // unpadded base64 (Perl b64digest)
  std::string record;
};
// A record as ap_generate.pl makes it: a fresh server token, the digest of it under the SIM's ICCID,
// and the module parameters (space-separated, "-" for empty) encrypted with that digest (§3).
ApRecord make_ap_record(Rng& rng, const std::string& iccid, const std::string& params);

// The read timeouts of PROTOCOL.md §1.5, in seconds (the conf defaults).
struct ServerTimeouts {
  double welcome = 30;  // no welcome yet
  double car = 960;     // timeout_car; the server pings a car it sent nothing to for car - 60 s
  double app = 1200;    // timeout_app
  double batch = 300;   // timeout_api
};

class Server {
 public:
  // What `git describe` gives on the server (sent as f after every F).
  static constexpr const char* kVersion = "v3.2.4-41-g1822ce2";

  // `epoch`: the Unix time of t = 0 (dates in C30-C32 answers and the daily counters).
  explicit Server(double epoch) : epoch_(epoch) {}

  // Registering the same vehicle again is harmless (scenarios run together in "all").
  void add_vehicle(const std::string& id, const std::string& carpass, const std::string& owner);
  void add_account(const std::string& username, const std::string& password);
  void add_ap_record(const std::string& apkey, ApRecord record);
  VehicleRecord* vehicle(const std::string& id);

  // From the links. on_connect is optional (it starts the welcome timeout).
  void on_connect(ServerLink& s, double t);
  void on_first_line(ServerLink& s, double t, const std::string& line);
  void on_line(ServerLink& s, double t, const std::string& body);
  // A line that does not decrypt to "MP-0 ": "Unable to decode message", the server drops the client.
  void on_bad_line(ServerLink& s, double t);
  void on_closed(ServerLink& s, double t);
  // The link is gone for good (after on_closed, or after the server closed it): forget it.
  void forget(ServerLink& s);
  // Closes a client without a word (§2.2); only the log (on_event) says why.
  void refuse(ServerLink& s, double t, const std::string& why);

  // Read timeouts and the car ping (§1.5), for a server on the real clock: call it every second.
  void check_timeouts(double t, const ServerTimeouts& limits);

  // What happened, in a few words, for a log ("car DEMO logged in"); never secrets.
  std::function<void(ServerLink& s, const std::string& what)> on_event;
  std::size_t connections() const { return conns_.size(); }

 private:
  struct Conn {
    char type = 0;
    int scheme = -1;
    std::string vehicle;
    bool logged_in = false;
    bool gone = false;
    bool ap_done = false;
    std::string ptoken;
    std::deque<ServerLink*> cmdqueue;  // car connections: who asked (nullptr: since disconnected)
    // For the timeouts (live only).
    double opened = -1, last_rx = -1, last_tx = -1, last_ping = -1;
  };

  Conn& conn(ServerLink& s) { return conns_[&s]; }
  void event(ServerLink& s, const std::string& what) {
    if (on_event) on_event(s, what);
  }
  void tx(ServerLink& s, double t, const std::string& body);
  void clients_tx(VehicleRecord& v, double t, const std::string& body);
  void car_tx(VehicleRecord& v, double t, const std::string& body);
  void welcome(ServerLink& s, Conn& c, double t, const std::string& line);
  void autoprovision(ServerLink& s, Conn& c, double t, const std::string& apkey);
  void login(ServerLink& s, Conn& c, VehicleRecord& v, double t);
  void replay(ServerLink& s, VehicleRecord& v, double t);
  void terminate(ServerLink& s, double t, const std::string& why = {});
  void cleanup(ServerLink& s, Conn& c, double t);
  void message(ServerLink& s, Conn& c, VehicleRecord& v, double t, char code, const std::string& data);
  bool server_command(ServerLink& s, VehicleRecord& v, double t, const std::string& data);
  void route_response(Conn& car, VehicleRecord& v, double t, const std::string& body, const std::string& data);
  void account(ServerLink& s, VehicleRecord& v, double t, std::size_t rx, std::size_t tx);
  std::string utc_time(double t) const { return utc_time_text(epoch_ + t); }

  double epoch_;
  std::unordered_map<const ServerLink*, Conn> conns_;
  std::map<std::string, VehicleRecord> vehicles_;  // by upper-case id
  std::map<std::string, std::string> accounts_;
  std::map<std::string, ApRecord> ap_records_;
  double usage_day_ = -1;
  std::string usage_date_;
};

}  // namespace ovms::sim
