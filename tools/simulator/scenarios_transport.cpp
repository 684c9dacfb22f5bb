// Scenarios about the transport under the lines: segmentation, midstream, websocket.
#include <algorithm>

#include "car_messages.h"
#include "scenarios.h"

namespace ovms::sim {
namespace {

using Piece = TcpConnection::Piece;

// Cuts a block at the given byte offsets, one piece every `gap` seconds.
OvmsSession::SegmentPlan cut_at(std::vector<std::size_t> cuts, double gap) {
  return [cuts, gap](std::size_t n, double t) {
    std::vector<Piece> out;
    std::size_t start = 0;
    for (std::size_t c : cuts) {
      if (c <= start || c >= n) continue;
      out.push_back(Piece{start, c - start, t});
      t += gap;
      start = c;
    }
    out.push_back(Piece{start, n - start, t});
    return out;
  };
}

}  // namespace

void scenario_segmentation(Sim& sim, double t0) {
  const double d = duration(sim, 120);
  CarProfile p;
  p.vehicle_id = "SEGM";
  p.server_password = "segment-secret";
  p.vin = "SJNFAAZE1U6001010";
  p.home_lat = 41.902782;
  p.home_lon = 12.496366;
  Car& car = add_car(sim, p, "owner11", key_note("segmentation: odd TCP segments"));
  car.connect(t0 + 1);
  AppProfile a;
  a.vehicle_id = "SEGM";
  a.secret = p.server_password;
  App& app = add_app(sim, a);
  app.connect(t0 + 4);

  // full_set(): F, S, D, L, W, Y.
  // 1. Three lines cut into three segments at odd places (mid-line, mid-base64).
  sim.at(t0 + 12, [&car, &sim] {
    auto set = car.full_set(sim.now());
    car.send_planned(sim.now(), {set[1], set[2], set[3]}, cut_at({37, 260}, 0.004));
  });
  // 2. The first bytes of a line one segment each, then the rest.
  sim.at(t0 + 17, [&car, &sim] {
    car.send_planned(sim.now(), {car.full_set(sim.now())[1]}, cut_at({1, 2, 3, 4, 5, 6, 7, 8}, 0.0002));
  });
  // 3. Out of order: the last third arrives before the middle third.
  sim.at(t0 + 22, [&car, &sim] {
    auto set = car.full_set(sim.now());
    car.send_planned(sim.now(), {set[1], set[2]}, [](std::size_t n, double t) {
      std::size_t a = n / 3, b = 2 * n / 3;
      return std::vector<Piece>{{0, a, t}, {b, n - b, t + 0.002}, {a, b - a, t + 0.005}};
    });
  });
  // 4. An exact duplicate: the segment again after a retransmission timeout.
  sim.at(t0 + 32, [&car, &sim] {
    car.send_planned(sim.now(), {car.full_set(sim.now())[3]}, [](std::size_t n, double t) {
      return std::vector<Piece>{{0, n, t}, {0, n, t + 0.42}};
    });
  });
  // 5. Partial overlaps: a repacketised retransmission covering the end of one segment and the
  //    start of the next, then one that is half old, half new data.
  sim.at(t0 + 42, [&car, &sim] {
    auto set = car.full_set(sim.now());
    car.send_planned(sim.now(), {set[1], set[2], set[3]}, [](std::size_t n, double t) {
      std::size_t h = n / 2, q = n / 4;
      return std::vector<Piece>{{0, h, t}, {h, q, t + 0.001}, {q, h, t + 0.31}, {h + q / 2, n - h - q / 2, t + 0.32}};
    });
  });
  // 6. The app's command in two segments, the second one first.
  sim.at(t0 + 52, [&app, &sim] {
    app.send_planned(sim.now(), "C7,stat", [](std::size_t n, double t) {
      return std::vector<Piece>{{3, n - 3, t}, {0, 3, t + 0.003}};
    });
  });
  // 7. A long burst that needs more than one MSS: the full set twice in one write.
  sim.at(t0 + 70, [&car, &sim] {
    auto set = car.full_set(sim.now());
    auto twice = set;
    twice.insert(twice.end(), set.begin(), set.end());
    car.send(sim.now(), twice);
  });
  app_script(sim, app, {{t0 + 60, "C6"}});
  sim.at(t0 + 66, [&app, &sim] { app.disconnect(sim.now()); });
  // The car's network restarts at the end: its FIN closes the capture.
  sim.at(t0 + std::max(d, 75.0), [&car, &sim] { car.disconnect(sim.now()); });
}

void scenario_midstream(Sim& sim, double t0) {
  const double d = duration(sim, 330);
  const double capture_start = t0 + 150;
  CarProfile p;
  p.vehicle_id = "MIDS";
  p.server_password = "midstream-secret";
  p.vin = "SJNFAAZE1U6001111";
  p.home_lat = 55.676098;
  p.home_lon = 12.568337;
  Car& car = add_car(sim, p, "owner12", key_note("midstream: the first connections began before the capture"));
  // Both connections were set up long before the capture started.
  car.connect(t0 + 1).simulated()->hide_until(capture_start);
  car.run_updates(t0 + 2, t0 + d);
  AppProfile a;
  a.vehicle_id = "MIDS";
  a.secret = p.server_password;
  App& app = add_app(sim, a);
  app.connect(t0 + 20).simulated()->hide_until(capture_start);
  app_script(sim, app, {{t0 + 170, "C10,1"}});
  app.ping_every(60, t0 + 185, t0 + 280);
  // The car's connection drops; it reconnects at once: this connection decodes.
  sim.at(t0 + 230, [&car, &sim] { car.disconnect(sim.now()); });
  sim.at(t0 + 242, [&car, &sim] { car.connect(sim.now()); });
  // The app restarts too: a fresh login that decodes.
  sim.at(t0 + 300, [&app, &sim] { app.disconnect(sim.now()); });
  sim.at(t0 + 305, [&app, &sim] { app.connect(sim.now()); });
  app_script(sim, app, {{t0 + 320, "C6"}});
}

void scenario_websocket(Sim& sim, double t0) {
  const double d = duration(sim, 90);
  CarProfile p;
  p.vehicle_id = "WSOCK";
  p.server_password = "websocket-secret";
  p.vin = "SJNFAAZE1U6001212";
  p.home_lat = 59.329323;
  p.home_lon = 18.068581;
  Car& car = add_car(sim, p, "owner13", key_note("websocket: a web app over GET /apiv2"));
  car.connect(t0 + 1);
  car.run_updates(t0 + 2, t0 + d);
  AppProfile a;
  a.vehicle_id = "WSOCK";
  a.secret = p.server_password;
  a.websocket = true;
  a.rtt = 0.035;
  App& app = add_app(sim, a);
  app.connect(t0 + 10);
  app_script(sim, app, {{t0 + 25, "C10,0"}, {t0 + 40, "A"}, {t0 + 55, "C7,stat"}});
  sim.at(t0 + d - 10, [&app, &sim] { app.disconnect(sim.now()); });
}

}  // namespace ovms::sim
