// The OVMS server (the Perl v3 server's ApiV2 behaviour, PROTOCOL.md §2.2, §4.3, §4.5, §5.5, §6.3,
// §6.4, §7): authenticates welcomes, stores the last message of each code, replays them to apps,
// relays car messages (then f and T0), forwards commands with the per-car response queue, answers
// C30/C31/C32 itself, stores and acknowledges history records, answers pings, and hands out
// auto-provisioning records.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace ovms::sim {

class Sim;
class OvmsSession;

struct HistoryRow {
  std::string type;
  int64_t recno = 0;
  double ts = 0;  // simulated time
  std::string data;
};

struct VehicleRecord {
  std::string id;
  std::string carpass;
  std::string owner;
  OvmsSession* car = nullptr;
  std::vector<OvmsSession*> apps;
  std::vector<OvmsSession*> batches;
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

class Server {
 public:
  // What `git describe` gives on the server (sent as f after every F).
  static constexpr const char* kVersion = "v3.2.4-41-g1822ce2";

  explicit Server(Sim& sim) : sim_(sim) {}

  // Registering the same vehicle again is harmless (scenarios run together in "all").
  void add_vehicle(const std::string& id, const std::string& carpass, const std::string& owner);
  void add_account(const std::string& username, const std::string& password);
  void add_ap_record(const std::string& apkey, ApRecord record);
  VehicleRecord* vehicle(const std::string& id);

  // From the sessions.
  void on_first_line(OvmsSession& s, double t, const std::string& line);
  void on_line(OvmsSession& s, double t, const std::string& body);
  void on_closed(OvmsSession& s, double t);

 private:
  struct Conn {
    char type = 0;
    int scheme = -1;
    std::string vehicle;
    bool logged_in = false;
    bool gone = false;
    bool ap_done = false;
    std::string ptoken;
    std::deque<OvmsSession*> cmdqueue;  // car connections: who asked (nullptr: since disconnected)
  };

  Conn& conn(OvmsSession& s) { return conns_[&s]; }
  void tx(OvmsSession& s, double t, const std::string& body);
  void clients_tx(VehicleRecord& v, double t, const std::string& body);
  void car_tx(VehicleRecord& v, double t, const std::string& body);
  void welcome(OvmsSession& s, Conn& c, double t, const std::string& line);
  void autoprovision(OvmsSession& s, Conn& c, double t, const std::string& apkey);
  void login(OvmsSession& s, Conn& c, VehicleRecord& v, double t);
  void replay(OvmsSession& s, VehicleRecord& v, double t);
  void terminate(OvmsSession& s, double t);
  void cleanup(OvmsSession& s, Conn& c, double t);
  void message(OvmsSession& s, Conn& c, VehicleRecord& v, double t, char code, const std::string& data);
  bool server_command(OvmsSession& s, VehicleRecord& v, double t, const std::string& data);
  void route_response(Conn& car, VehicleRecord& v, double t, const std::string& body, const std::string& data);
  void account(OvmsSession& s, VehicleRecord& v, double t, std::size_t rx, std::size_t tx);
  std::size_t wire_size(const OvmsSession& s, std::size_t body_len) const;

  Sim& sim_;
  std::unordered_map<const OvmsSession*, Conn> conns_;
  std::map<std::string, VehicleRecord> vehicles_;  // by upper-case id
  std::map<std::string, std::string> accounts_;
  std::map<std::string, ApRecord> ap_records_;
  double usage_day_ = -1;
  std::string usage_date_;
};

}  // namespace ovms::sim
