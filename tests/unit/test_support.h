// Helpers shared by the unit tests: a recording sink and a scripted OVMS conversation built with the
// core's own encoders.
#pragma once

#include <string>
#include <vector>

#include "ovms/connection.h"
#include "ovms/protocol.h"

namespace ovms::test {

// The records a sink kept (by their shared pointers), read as plain records: records[2].plain.
class KeptRecords {
 public:
  struct const_iterator {
    std::vector<RecordPtr>::const_iterator it;
    const LineRecord& operator*() const { return **it; }
    const LineRecord* operator->() const { return it->get(); }
    const_iterator& operator++() { ++it; return *this; }
    bool operator!=(const const_iterator& o) const { return it != o.it; }
    bool operator==(const const_iterator& o) const { return it == o.it; }
  };
  void push_back(RecordPtr r) { kept_.push_back(std::move(r)); }
  const LineRecord& operator[](std::size_t i) const { return *kept_[i]; }
  const LineRecord& at(std::size_t i) const { return *kept_.at(i); }
  const LineRecord& back() const { return *kept_.back(); }
  const RecordPtr& ptr(std::size_t i) const { return kept_.at(i); }
  std::size_t size() const { return kept_.size(); }
  bool empty() const { return kept_.empty(); }
  const_iterator begin() const { return {kept_.begin()}; }
  const_iterator end() const { return {kept_.end()}; }

 private:
  std::vector<RecordPtr> kept_;
};

struct Collect : RecordSink {
  KeptRecords records;
  std::vector<Diagnostic> orphans;
  void on_record(const RecordPtr& r) override { records.push_back(r); }
  void on_orphan_diagnostic(uint32_t, const Diagnostic& d) override { orphans.push_back(d); }
};

inline bool has_diag(const LineRecord& r, DiagId id) {
  for (const auto& d : r.diags)
    if (d.id == id) return true;
  return false;
}

// A scheme-0 session whose lines are encrypted with the core's LineCipher.
struct Conversation {
  explicit Conversation(std::string secret_ = "s3cret-pass", std::string stoken_ = "ServerTok0123456789wxyz")
      : secret(std::move(secret_)), stoken(std::move(stoken_)) {}
  std::string secret, vehicle = "DEMO", ctoken = "ClientTok0123456789abcd", stoken;
  char type = 'C';
  Bytes key() const { return session_key(secret, stoken, ctoken); }
  std::string welcome() const {
    return std::string("MP-") + type + " 0 " + ctoken + " " + welcome_digest(secret, ctoken) + " " + vehicle;
  }
  std::string server_welcome() const { return "MP-S 0 " + stoken + " " + welcome_digest(secret, stoken); }
  LineCipher up{key()}, down{key()};
};

inline void feed(ConnectionDecoder& d, Direction dir, const std::string& bytes, Collect& sink, uint64_t frame = 1) {
  d.feed(dir, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), frame, 0, sink);
}

inline KeyStore keys_for(const std::string& id, const std::string& secret) {
  KeyStore k;
  VehicleKey v;
  v.id = id;
  v.server_password = secret;
  v.line = 2;
  k.add_vehicle(v);
  return k;
}

// A decoder that has seen both welcomes of `c`, with the right secret in its keys: the starting point
// of every test about what happens after login.
struct LoggedIn {
  explicit LoggedIn(char type = 'C') : keys(keys_for("DEMO", c.secret)) {
    c.type = type;
    feed(d, Direction::ClientToServer, c.welcome() + "\r\n", sink);
    feed(d, Direction::ServerToClient, c.server_welcome() + "\r\n", sink);
  }
  void up(const std::string& bytes, uint64_t frame = 1) { feed(d, Direction::ClientToServer, bytes, sink, frame); }
  void down(const std::string& bytes, uint64_t frame = 1) { feed(d, Direction::ServerToClient, bytes, sink, frame); }
  const LineRecord& last() const { return sink.records.back(); }

  Conversation c;
  KeyStore keys;
  Collect sink;
  ConnectionDecoder d{0, &keys, nullptr};
};

}  // namespace ovms::test
