// The capture analyzer: parsed TCP segments in, LineRecords out, as they are decoded (a live source
// never ends, so nothing waits for finish()). Tracks connections (numbered in order of their first
// packet), reassembles each direction with the core's TCP layer, decides which connections are OVMS
// (by port, or by content on any port), and drives a ConnectionDecoder for each. A connection's state
// goes as soon as it is over (a RST, or a FIN each way with every byte delivered); only its small
// ConnectionInfo stays.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ovms/connection.h"
#include "ovms/packet.h"
#include "ovms/tcp_stream.h"

namespace ovms {

struct AnalyzerOptions {
  std::set<uint16_t> ports{6867, 6870};  // OVMS server ports
  bool detect_by_content = true;         // also claim connections whose first bytes look like OVMS
  TcpStreamOptions tcp;                  // when bytes missing from the capture are declared lost
  DecoderOptions decoder;
};

struct ConnectionInfo {
  uint32_t id = 0;
  Endpoint client, server;
  std::string client_text, server_text;  // "ip:port", formatted once
  uint64_t first_frame = 0;
  double first_ts = 0;
  bool is_ovms = false;
};

// Where the analyzer's connections are decoded. By default the analyzer owns one ConnectionDecoder
// per connection, all over its KeyRing, and calls them as segments arrive. A front end that decodes
// connections elsewhere (ovmsdump on several threads: cli/parallel_decode.*) gives a host of its own
// and gets the same calls in the same order; the analyzer keeps everything that needs every
// connection in frame order (numbering, TCP reassembly, which connections are OVMS, when one is over,
// closed tuples), so that a host only decodes, and its output is the default's.
class DecoderHost {
 public:
  virtual ~DecoderHost() = default;
  virtual void open(uint32_t conn) = 0;  // a new connection, maybe OVMS
  virtual void drop(uint32_t conn) = 0;  // not OVMS after all, or released undecided: no more calls for it
  virtual void started_mid_stream(uint32_t conn, Direction dir, uint64_t frame) = 0;
  virtual void feed(uint32_t conn, Direction dir, const uint8_t* data, std::size_t len, uint64_t frame, double ts) = 0;
  virtual void gap(uint32_t conn, Direction dir, uint64_t missing, uint64_t frame) = 0;
  virtual void closed(uint32_t conn, Direction dir, uint64_t frame, double ts) = 0;
  virtual void finish(uint32_t conn, uint64_t frame, double ts) = 0;  // the last call for it
  virtual std::vector<Diagnostic> report_unused_keys() = 0;           // at the end of the capture
};

class CaptureAnalyzer {
 public:
  // `keys` (may be null) is only read; what the capture teaches (AP records) goes to keys().
  CaptureAnalyzer(const KeyStore* keys, RecordSink& sink, AnalyzerOptions options = {});
  // Connections decoded by `host` (which outlives the analyzer); `sink` gets the analyzer's own
  // diagnostics (frames cut short or unreadable), in order with the host's calls.
  CaptureAnalyzer(DecoderHost& host, RecordSink& sink, AnalyzerOptions options = {});
  ~CaptureAnalyzer();

  // One parsed segment from capture frame `frame`.
  void on_segment(const TcpSegment& seg, uint64_t frame, double ts);
  // A frame that could not be parsed (reported once per reason as an orphan diagnostic).
  void on_bad_frame(uint64_t frame, const std::string& why);
  // End of capture: flush every connection still open; report keys that never matched.
  void finish();

  // Every connection seen, by id (kept after a connection's state is released).
  const std::vector<ConnectionInfo>& connections() const { return infos_; }
  const KeyRing& keys() const { return keys_; }
  // Connections whose state is held: neither over nor released yet.
  std::size_t live_connections() const { return conns_.size(); }
  uint64_t records() const { return next_id_; }  // with the default host

  // How long a finished connection's 4-tuple is remembered, so that its last ACK or a retransmitted
  // FIN is not taken for a new connection (Linux's TIME_WAIT), and how many tuples at the most.
  static constexpr double kClosedLingerSeconds = 60;
  static constexpr std::size_t kClosedRemembered = 65536;

 private:
  struct Conn;
  // The unordered 4-tuple, so that both directions find the same connection; fixed size, no allocation.
  struct TupleKey {
    std::array<uint8_t, 40> bytes{};
    bool operator==(const TupleKey& o) const { return bytes == o.bytes; }
  };
  struct TupleHash {
    std::size_t operator()(const TupleKey& k) const {
      // Five 64-bit words mixed multiplicatively: cheap, and enough for a connection table.
      uint64_t h = 0x9e3779b97f4a7c15ull;
      for (std::size_t i = 0; i < k.bytes.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, &k.bytes[i], 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
      }
      return static_cast<std::size_t>(h);
    }
  };
  static TupleKey tuple_key(const Endpoint& a, const Endpoint& b);
  // The segment's connection (opened if new), or nullptr for a late segment of one that is over.
  Conn* lookup(const TupleKey& key, const TcpSegment& seg, uint64_t frame, double ts);
  Conn* open(const TupleKey& key, const TcpSegment& seg, uint64_t frame, double ts);
  void decide_by_content(Conn& c, const TcpSegment& seg);
  void feed(Conn& c, const TcpSegment& seg, uint64_t frame, double ts);
  // Flushes what is held and finishes the decoder; `remember` keeps the tuple for kClosedLingerSeconds.
  void release(const TupleKey& key, uint64_t frame, double ts, bool remember);
  void forget_closed_before(double ts);
  void forget_oldest_closed();

  class OwnDecoders;

  KeyRing keys_;  // the configured keys and those learned from this capture, for every connection
  RecordSink& sink_;
  AnalyzerOptions options_;
  uint64_t next_id_ = 0;
  std::unique_ptr<DecoderHost> own_host_;  // the default host
  DecoderHost* host_;
  uint64_t last_frame_ = 0;
  double last_ts_ = 0;
  std::unordered_map<TupleKey, std::unique_ptr<Conn>, TupleHash> conns_;
  std::unordered_map<TupleKey, double, TupleHash> closed_;  // tuples of connections over lately -> when
  std::deque<std::pair<TupleKey, double>> closed_order_;    // the same, oldest first
  std::vector<ConnectionInfo> infos_;
};

}  // namespace ovms
