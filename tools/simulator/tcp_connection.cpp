#include "tcp_connection.h"

#include <algorithm>

#include "ovms/capture_writer.h"

namespace ovms::sim {
namespace {
constexpr double kBurstGap = 12e-6;     // between the segments of one burst
constexpr double kServerTurn = 50e-6;   // the server kernel answering (SYN-ACK, FIN-ACK, dup ACK)
}  // namespace

TcpConnection::TcpConnection(FrameOutput& out, const Endpoint& client, const Endpoint& server, uint32_t isn_client,
                             uint32_t isn_server, TcpParams params)
    : out_(out), params_(params) {
  ep_[kClient] = client;
  ep_[kServer] = server;
  dir_[kClient].isn = isn_client;
  dir_[kServer].isn = isn_server;
}

void TcpConnection::push(double ts, int side, Kind kind, uint64_t offset, std::string payload, bool force) {
  SegmentJob job;
  job.conn = this;
  job.side = static_cast<uint8_t>(side);
  job.kind = kind;
  job.force = force;
  job.offset = offset;
  job.payload = std::move(payload);
  out_.schedule(ts, std::move(job));
}

double TcpConnection::next_send_time(int side, double t) const {
  return std::max(t, last_send_[side] + kBurstGap);
}

double TcpConnection::open(double t) {
  push(t, kClient, kSyn, 0, {});
  push(t + kServerTurn, kServer, kSynAck, 0, {});
  double established = t + params_.rtt;
  push(established, kClient, kAck, 0, {}, true);
  last_send_[kClient] = established;
  last_send_[kServer] = t + kServerTurn;
  return established;
}

double TcpConnection::send(int side, double t, std::string_view bytes) {
  Direction& d = dir_[side];
  if (closed_ || d.fin_sent || bytes.empty()) return t;
  double ts = next_send_time(side, t);
  for (std::size_t off = 0; off < bytes.size(); off += params_.mss) {
    std::size_t len = std::min(params_.mss, bytes.size() - off);
    if (off) ts += kBurstGap;
    push(ts, side, kData, d.sent, std::string(bytes.substr(off, len)));
    d.sent += len;
  }
  last_send_[side] = ts;
  return ts;
}

void TcpConnection::send_pieces(int side, std::string_view bytes, const std::vector<Piece>& pieces) {
  Direction& d = dir_[side];
  if (closed_ || d.fin_sent) return;
  uint64_t base = d.sent;
  d.sent += bytes.size();
  for (const Piece& p : pieces) {
    if (p.offset >= bytes.size() || p.len == 0) continue;
    std::size_t len = std::min(p.len, bytes.size() - p.offset);
    push(p.at, side, kData, base + p.offset, std::string(bytes.substr(p.offset, len)));
    last_send_[side] = std::max(last_send_[side], p.at);
  }
}

double TcpConnection::close(int side, double t) {
  if (closed_) return t;
  closed_ = true;
  const int other = peer(side);
  double t_fin = next_send_time(side, t);
  push(t_fin, side, kFin, dir_[side].sent, {});
  dir_[side].fin_sent = true;
  // The peer sees the FIN one way later; the capture point is the server.
  double t_reply = next_send_time(other, t_fin + (side == kClient ? kServerTurn * 4 : params_.rtt));
  push(t_reply, other, kFin, dir_[other].sent, {});
  dir_[other].fin_sent = true;
  double t_last = t_reply + (side == kClient ? params_.rtt : kServerTurn);
  push(t_last, side, kAck, 0, {}, true);
  last_send_[side] = t_last;
  last_send_[other] = t_reply;
  return t_last;
}

uint32_t TcpConnection::ack_value(int side) const {
  const Direction& d = dir_[peer(side)];
  return d.isn + 1 + static_cast<uint32_t>(d.rcv_nxt) + (d.fin_rcvd ? 1 : 0);
}

void TcpConnection::receive(int from, uint64_t start, uint64_t end, bool& in_order, bool& duplicate) {
  Direction& d = dir_[from];
  duplicate = end <= d.rcv_nxt;
  in_order = start <= d.rcv_nxt;
  if (duplicate) return;
  if (!in_order) {
    uint64_t& e = d.held[start];
    e = std::max(e, end);
    return;
  }
  d.rcv_nxt = std::max(d.rcv_nxt, end);
  while (!d.held.empty() && d.held.begin()->first <= d.rcv_nxt) {
    d.rcv_nxt = std::max(d.rcv_nxt, d.held.begin()->second);
    d.held.erase(d.held.begin());
    in_order = false;  // a hole was filled: the receiver acknowledges at once
  }
}

void TcpConnection::schedule_ack(int side, double ts, bool force) {
  // The capture is on the server: the client's ACKs show up one round trip after the data left.
  double delay = side == kServer ? (force ? kServerTurn : params_.server_ack_delay)
                                 : params_.rtt + (force ? 0.0005 : params_.client_ack_delay);
  if (force) {
    push(ts + delay, side, kAck, 0, {}, true);
  } else if (!ack_pending_[side]) {
    ack_pending_[side] = true;
    push(ts + delay, side, kAck, 0, {});
  }
}

void TcpConnection::materialize(double ts, SegmentJob& job, FrameOutput& out) {
  const int s = job.side;
  Direction& d = dir_[s];
  uint32_t seq = 0, ack = 0;
  uint8_t flags = ovms::kAck;
  switch (job.kind) {
    case kSyn:
      seq = d.isn;
      flags = ovms::kSyn;
      break;
    case kSynAck:
      seq = d.isn;
      flags = ovms::kSyn | ovms::kAck;
      ack = ack_value(s);
      break;
    case kData: {
      seq = d.isn + 1 + static_cast<uint32_t>(job.offset);
      flags = ovms::kAck | ovms::kPsh;
      ack = ack_value(s);
      d.emitted = std::max<uint64_t>(d.emitted, job.offset + job.payload.size());
      bool in_order = true, duplicate = false;
      receive(s, job.offset, job.offset + job.payload.size(), in_order, duplicate);
      schedule_ack(peer(s), ts, !in_order || duplicate);
      break;
    }
    case kAck:
      seq = d.isn + 1 + static_cast<uint32_t>(d.emitted) + (d.fin_emitted ? 1 : 0);
      ack = ack_value(s);
      if (!job.force) ack_pending_[s] = false;
      if (!job.force && acked_once_[s] && ack == last_ack_[s]) return;  // nothing new: no ACK
      break;
    case kFin:
      seq = d.isn + 1 + static_cast<uint32_t>(job.offset);
      flags = ovms::kFin | ovms::kAck;
      ack = ack_value(s);
      d.fin_emitted = true;
      if (d.rcv_nxt == job.offset) d.fin_rcvd = true;
      schedule_ack(peer(s), ts, false);
      break;
  }
  if (flags & ovms::kAck) {
    last_ack_[s] = ack;
    acked_once_[s] = true;
  }
  if (ts < visible_from_) return;
  const auto* payload = reinterpret_cast<const uint8_t*>(job.payload.data());
  out.write(ts, build_tcp_frame(out.dlt(), ep_[s], ep_[peer(s)], seq, ack, flags, payload, job.payload.size()));
}

}  // namespace ovms::sim
