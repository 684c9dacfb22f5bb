// One TCP connection as a capture taken on the server would show it: the three-way handshake, data
// segments cut at the MSS with correct sequence numbers, delayed ACKs (or ACKs piggybacked on data),
// duplicate ACKs for out-of-order and repeated data, and the FIN exchange. Callers say "these bytes
// leave this side at time t"; the connection schedules the segments on the FrameOutput.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string_view>
#include <vector>

#include "frame_output.h"
#include "ovms/packet.h"

namespace ovms::sim {

enum Side : int { kClient = 0, kServer = 1 };
inline int peer(int side) { return 1 - side; }

struct TcpParams {
  double rtt = 0.1;                // round trip between the client and the server (capture point)
  double server_ack_delay = 0.04;  // Linux delayed ACK
  double client_ack_delay = 0.01;  // on top of the trip back to the capture point
  std::size_t mss = 1460;
};

class TcpConnection {
 public:
  enum Kind : uint8_t { kSyn, kSynAck, kData, kAck, kFin };

  // A piece of a block of bytes, sent at an absolute time: lets a scenario split, repeat, overlap and
  // reorder segments (the sequence numbers always follow the block's place in the stream).
  struct Piece {
    std::size_t offset;
    std::size_t len;
    double at;
  };

  TcpConnection(FrameOutput& out, const Endpoint& client, const Endpoint& server, uint32_t isn_client,
                uint32_t isn_server, TcpParams params);

  const Endpoint& endpoint(int side) const { return ep_[side]; }
  const TcpParams& params() const { return params_; }

  // SYN at t, SYN-ACK just after, the client's ACK one round trip later. Returns that time: when the
  // client's first data can appear.
  double open(double t);
  // Bytes leaving `side` at t (a burst of MSS-sized segments, a few microseconds apart). Returns the
  // time of the last segment.
  double send(int side, double t, std::string_view bytes);
  // The whole block takes its place in the stream now; the pieces go out as given.
  void send_pieces(int side, std::string_view bytes, const std::vector<Piece>& pieces);
  // FIN from `side` at t, the peer's FIN in reply, the last ACK. Returns when it is over.
  double close(int side, double t);
  bool closed() const { return closed_; }

  // Segments before `t` are built (the state advances) but not written: the capture starts later.
  void set_visible_from(double t) { visible_from_ = t; }

  // Earliest time a new burst from `side` may start (after its previous burst).
  double next_send_time(int side, double t) const;

  // FrameOutput calls this when the segment's time has come.
  void materialize(double ts, SegmentJob& job, FrameOutput& out);

 private:
  struct Direction {        // bytes flowing from one side to the other
    uint32_t isn = 0;
    uint64_t sent = 0;      // stream bytes allocated by the sender
    bool fin_sent = false;
    // the receiver's view, updated as segments are written
    uint64_t rcv_nxt = 0;   // contiguous bytes received
    std::map<uint64_t, uint64_t> held;  // out-of-order ranges received: start -> end
    bool fin_rcvd = false;
    // what the capture has shown of the sender so far (a pure ACK carries this sequence number)
    uint64_t emitted = 0;
    bool fin_emitted = false;
  };

  uint32_t ack_value(int side) const;  // what `side` acknowledges of the other direction
  void receive(int from, uint64_t start, uint64_t end, bool& in_order, bool& duplicate);
  void schedule_ack(int side, double ts, bool force);
  void push(double ts, int side, Kind kind, uint64_t offset, std::string payload, bool force = false);

  FrameOutput& out_;
  Endpoint ep_[2];
  TcpParams params_;
  Direction dir_[2];
  double visible_from_ = -std::numeric_limits<double>::infinity();
  double last_send_[2] = {-1, -1};
  bool ack_pending_[2] = {false, false};
  uint32_t last_ack_[2] = {0, 0};
  bool acked_once_[2] = {false, false};
  bool closed_ = false;
};

}  // namespace ovms::sim
