// The relay where it cannot decrypt or must not wait: no key or a wrong secret (bytes pass at once,
// with the reason), auto-provisioning, a first line that is not OVMS; held lines against the peers'
// receive timers; half-closes and resets; lines over max_line; a front end that holds too much.
#include <cmath>
#include <random>

#include "relay_playbook.h"

using namespace ovms;
using namespace ovms::test;

namespace {

const std::string kStatus = "S55.3,K,0,0.00,stopped,standard,186,172";
const std::string kDoors = "D4,0,5,22,22,20,4562,0,32,0,12.7";

RelayOptions intercepting(const Peers& p, char code) {
  RelayOptions o = options_for(p);
  o.intercept = [code](const LineRecord& r, Leg) { return r.effective().code == code; };
  return o;
}

Expect hold_until(char code, double deadline, std::string who) {
  return {"Hold(" + std::string(1, code) + " until " + std::to_string(deadline) + ")",
          [=](const Command& c, Playbook& pb) -> std::string {
            auto* h = std::get_if<relay::Hold>(&c);
            if (!h || h->record->effective().code != code) return "not a Hold of that line";
            if (h->deadline != deadline) return "deadline " + std::to_string(h->deadline);
            if (h->who != who) return "who: " + h->who;
            pb.last_hold = h->hold_id;
            return {};
          }};
}

// A car's reply to `C7` whose shell output is `n` characters long: one long line.
std::string long_reply(std::size_t n) { return "c7,0," + std::string(n, 'x'); }

}  // namespace

TEST(RelayPassThrough, WithoutTheKeyBytesPassAtOnceAndTheNoteSaysWhy) {
  Peers p;
  Peers other;
  other.vehicle = "OTHER";
  other.secret = "another-secret";
  RelayOptions o = options_for(other);  // a keys file without this vehicle
  Playbook pb(o);
  std::string w = p.welcome();
  pb >> from_car(w) << to_server(w) << show(LineKind::Welcome)
     << note(DiagId::RelayPassThrough, "no key for vehicle RELAY1");
  EXPECT_EQ(pb.relay.state(), Relay::State::PassThrough);
  std::string s = p.server_welcome(), z = p.server_says("Z0");
  pb >> from_server(s + z) << to_car(s + z) << show(LineKind::ServerWelcome) << show_undecrypted();
  // Not even a line end is waited for.
  std::string line = p.car_says(kStatus);
  pb >> from_car(line.substr(0, 10)) << to_server(line.substr(0, 10));
  pb >> from_car(line.substr(10)) << to_server(line.substr(10)) << show_undecrypted();
  pb >> inject_to(Leg::Server, "A") << note(DiagId::RelayRefused, "passes bytes through");
  EXPECT_EQ(pb.received[static_cast<int>(Leg::Server)], p.car_sent);
  EXPECT_EQ(pb.received[static_cast<int>(Leg::Client)], p.server_sent);
}

TEST(RelayPassThrough, AWrongSecretIsNamed) {
  Peers p;
  Peers wrong;
  wrong.secret = "not-the-secret";
  Playbook pb(options_for(wrong));
  std::string w = p.welcome();
  pb >> from_car(w) << to_server(w) << show(LineKind::Welcome) << note(DiagId::RelayPassThrough, "wrong secret");
}

TEST(RelayPassThrough, NoKeysAtAll) {
  Peers p;
  Playbook pb(RelayOptions{});
  std::string w = p.welcome();
  pb >> from_car(w) << to_server(w) << show(LineKind::Welcome) << note(DiagId::RelayPassThrough, "no keys file");
}

TEST(RelayPassThrough, AutoProvisioningPassesAndItsRecordIsShownDecrypted) {
  Peers p;
  auto keys = std::make_shared<KeyStore>();
  VehicleKey v;
  v.id = "APCAR";
  v.server_password = "unused";
  v.vin = "VF1AGVYA012345678";
  v.iccid = "8944100000000000001";
  keys->add_vehicle(v);
  RelayOptions o;
  o.keys = keys;
  Playbook pb(o);
  std::string apc = p.car_raw(p.car.encode_plain(ap_request_line(*v.vin)));
  pb >> from_car(apc) << to_server(apc) << show(LineKind::ApRequest);
  const std::string stoken = "ApTok0123456789abcdefg", record = "APCAR server-pw - ovms.example";
  std::string aps = p.server_raw(p.server.encode_plain(
      ap_reply_line(stoken, welcome_digest(*v.iccid, stoken, false), ap_encrypt_record(*v.iccid, stoken, record))));
  pb >> from_server(aps) << to_car(aps) << show(LineKind::ApReply)
     << note(DiagId::RelayPassThrough, "auto-provisioning");
  ASSERT_TRUE(pb.last_shown && pb.last_shown->plain);
  EXPECT_EQ(*pb.last_shown->plain, record);
  EXPECT_EQ(pb.relay.state(), Relay::State::PassThrough);
}

TEST(RelayPassThrough, AFirstLineThatIsNotOvms) {
  Playbook pb(RelayOptions{});
  pb >> from_car("HELLO world\r\nmore") << to_server("HELLO world\r\n") << show(LineKind::Unrecognised)
     << note(DiagId::RelayPassThrough, "not an OVMS welcome") << to_server("more");
}

TEST(RelayTimers, HeldCarLineWarnsBeforeTheServerDropsTheCar) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  log_in(pb, p);  // at t=0: the server last heard from the car then
  pb >> tick(100) >> from_car(p.car_says(kStatus)) << hold_until('S', 960, "the server (timeout_car 960 s)");
  pb >> tick(900);
  pb >> tick(931) << warn("drops the connection in 29 s");
  pb >> tick(940);  // warned once for this deadline
  pb >> tick(960) << warn("drops the connection now");
  pb >> tick(1000);
  // A line the proxy sends the server meanwhile restarts its timer: a new deadline, warned anew.
  pb >> inject_to(Leg::Server, "A") << to_server_any() << show('A').injected();
  pb >> tick(1920);
  pb >> tick(1931) << warn("in 29 s");
  pb >> forward() << to_server_any() << show('S');
  pb >> tick(5000);
}

TEST(RelayTimers, HeldServerLineWarnsBeforeTheCarRestarts) {
  Peers p;
  RelayOptions o = intercepting(p, 'C');
  o.timeouts.car_rx = 120;
  o.warn_before = 10;
  Playbook pb(o);
  log_in(pb, p);
  pb >> tick(50) >> from_server(p.server_says("C7,stat")) << hold_until('C', 120, "the car (timeout.rx 120 s)");
  pb >> tick(111) << warn("the car (timeout.rx 120 s) drops the connection in 9 s");
  pb >> drop() << show('C').dropped();
  pb >> tick(500);  // nothing held: no more warnings
}

TEST(RelayTimers, AppsHaveNoKnownReceiveTimerButTheServerTimesThemOut) {
  Peers p;
  p.type = 'A';
  RelayOptions o = options_for(p);
  o.intercept = [](const LineRecord& r, Leg) { return r.effective().code == 'T' || r.effective().code == 'C'; };
  Playbook pb(o);
  log_in(pb, p);
  pb >> from_server(p.server_says("T0")) << hold_until('T', std::numeric_limits<double>::infinity(),
                                                       "the app (no receive timeout known)");
  pb >> tick(1e6);
  // The server last heard from the app at login (t=0): a line held now is already too late.
  pb >> from_car(p.car_says("C1")) << hold_until('C', 1200, "the server (timeout_app 1200 s)")
     << warn("the server (timeout_app 1200 s) has had no data for 1200 s");
}

TEST(RelayClose, HalfClosesPassOnAfterWhatIsOwed) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  log_in(pb, p);
  std::string s = p.car_says(kStatus);
  pb >> from_car(s) << hold('S');
  pb >> closed_by(Leg::Client);  // the car's FIN waits behind its held line
  pb >> from_car("late") << note(DiagId::RelayRefused, "after it closed");
  pb >> forward() << to_server(s) << show('S') << close_of(Leg::Server, false);
  std::string t = p.server_says("T0");  // the other direction still flows
  pb >> from_server(t) << to_car(t) << show('T');
  EXPECT_NE(pb.relay.state(), Relay::State::Closed);
  pb >> closed_by(Leg::Server) << close_of(Leg::Client, false);
  EXPECT_EQ(pb.relay.state(), Relay::State::Closed);
  pb >> from_server("ignored");
}

TEST(RelayClose, APartialLineAtTheEndPassesOnWhileInStep) {
  Peers p;
  Playbook pb(options_for(p));
  log_in(pb, p);
  std::string d = p.car_says(kDoors);
  pb >> from_car(d.substr(0, 12));
  pb >> closed_by(Leg::Client) << to_server(d.substr(0, 12)) << note(DiagId::TcpLineUnterminated, "passed on")
     << close_of(Leg::Server, false);
}

TEST(RelayClose, APartialLineAfterAChangeIsNotPassedOn) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  log_in(pb, p);
  pb >> from_car(p.car_says(kStatus)) << hold('S') >> drop() << show('S').dropped();
  std::string d = p.car_says(kDoors);
  pb >> from_car(d.substr(0, 12)) >> closed_by(Leg::Client) << note(DiagId::TcpLineUnterminated, "not passed on")
     << close_of(Leg::Server, false);
}

TEST(RelayClose, AServerThatClosesInsteadOfAnsweringRefusedTheLogin) {
  Peers p;
  Playbook pb(options_for(p));
  std::string w = p.welcome();
  pb >> from_car(w) << to_server(w) << show(LineKind::Welcome);
  pb >> closed_by(Leg::Server) << note(DiagId::ServerRefused, "login refused") << close_of(Leg::Client, false);
}

TEST(RelayClose, ResetIsPassedOnAndHeldLinesAreDropped) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  log_in(pb, p);
  pb >> from_car(p.car_says(kStatus)) << hold('S');
  pb >> closed_by(Leg::Server, true) << note(DiagId::RelayClosing, "1 line(s) still waiting")
     << close_of(Leg::Client, true);
  EXPECT_EQ(pb.relay.state(), Relay::State::Closed);
  pb >> forward() >> from_car("x");  // nothing more happens
}

TEST(RelayBounds, ALineOverMaxLineIsNotDecodedButPassesWhileInStep) {
  Peers p;
  RelayOptions o = options_for(p);
  o.max_line = 300;
  Playbook pb(o);
  log_in(pb, p);
  std::string big = p.car_says(long_reply(1000));
  std::string d = p.car_says(kDoors);
  pb >> from_car(big.substr(0, 200));  // not over the bound yet: kept
  EXPECT_EQ(pb.relay.buffered(Leg::Client), 200u);
  pb >> from_car(big.substr(200, 200)) << note(DiagId::RelayLineTooLong, "more than 300 bytes")
     << to_server(big.substr(0, 400));
  EXPECT_EQ(pb.relay.buffered(Leg::Client), 0u) << "nothing of it is kept";
  pb >> from_car(big.substr(400, 500)) << to_server(big.substr(400, 500));
  pb >> from_car(big.substr(900) + d) << to_server(big.substr(900)) << to_server(d) << show('D').received_as(kDoors);
  // Both legs' decoders went on in step, and the lines around it decode on the server too.
  Views v(p, pb);
  EXPECT_EQ(v.server_received(), (std::vector<std::string>{long_reply(1000), kDoors}));
  pb >> inject_to(Leg::Server, "A") << to_server_any() << show('A').injected();
  Views after(p, pb);
  EXPECT_EQ(after.server_received().back(), "A");
}

TEST(RelayBounds, ALineOverMaxLineAfterAChangeClosesBothLegs) {
  Peers p;
  RelayOptions o = intercepting(p, 'S');
  o.max_line = 300;
  Playbook pb(o);
  log_in(pb, p);
  pb >> from_car(p.car_says(kStatus)) << hold('S') >> drop() << show('S').dropped();
  pb >> from_car(p.car_says(long_reply(1000))) << note(DiagId::RelayLineTooLong)
     << note(DiagId::RelayClosing, "cannot be re-encoded") << close_of(Leg::Client, true) << close_of(Leg::Server, true);
  EXPECT_EQ(pb.relay.state(), Relay::State::Closed);
}

TEST(RelayBounds, AWebSocketFrameOverMaxLinePassesWhileInStep) {
  Peers p;
  RelayOptions o = options_for(p);
  o.max_line = 300;
  Playbook pb(o);
  const std::string request = p.car_raw("GET /apiv2 HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
  const std::string response = p.server_raw("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
  pb >> from_car(request) << to_server(request) << show(LineKind::WebSocketUpgrade);
  pb >> from_server(response) << to_car(response) << show(LineKind::WebSocketUpgrade);
  p.car.set_framing(LineFraming::websocket_client());
  p.server.set_framing(LineFraming::websocket_server());
  log_in(pb, p);
  std::string big = p.car_says(long_reply(1000)), d = p.car_says(kDoors);
  pb >> from_car(big.substr(0, 500)) << note(DiagId::RelayLineTooLong) << to_server(big.substr(0, 500));
  pb >> from_car(big.substr(500) + d) << to_server(big.substr(500)) << to_server(d) << show('D').received_as(kDoors);
  Views v(p, pb);
  EXPECT_EQ(v.server_received(), (std::vector<std::string>{long_reply(1000), kDoors}));
}

TEST(RelayBounds, AWelcomeOverMaxLineTurnsToPassThrough) {
  RelayOptions o;
  o.max_line = 64;
  Playbook pb(o);
  const std::string junk(100, 'M');
  pb >> from_car(junk) << note(DiagId::RelayLineTooLong) << note(DiagId::RelayPassThrough, "before login")
     << to_server(junk);
  pb >> from_car("\r\nnext") << to_server("\r\nnext");
}

TEST(RelayBounds, HoldingMoreThanMaxBufferedResetsBothLegs) {
  Peers p;
  RelayOptions o = intercepting(p, 'S');
  o.max_buffered = 2000;
  Playbook pb(o);
  log_in(pb, p);
  pb >> from_car(p.car_says(kStatus)) << hold('S');
  std::string flood;
  while (flood.size() < 2000) flood += p.car_says(kDoors);
  pb >> from_car(flood) << note(DiagId::RelayClosing, "max_buffered") << close_of(Leg::Client, true)
     << close_of(Leg::Server, true);
}

TEST(RelayBounds, InjectionBeforeLoginIsRefused) {
  Peers p;
  Playbook pb(options_for(p));
  pb >> inject_to(Leg::Client, "C1") << note(DiagId::RelayRefused, "has not started");
  EXPECT_TRUE(pb.received[0].empty() && pb.received[1].empty());
}

// Whatever arrives, in whatever order and pieces, the relay answers with commands and never throws:
// junk, real lines cut anywhere, WebSocket heads and frames, verdicts for any id, injections, closes.
TEST(RelayRobustness, RandomInputNeverThrows) {
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    Peers p(round % 3 == 0 ? LineFraming::websocket_client() : LineFraming::crlf(),
            round % 3 == 0 ? LineFraming::websocket_server() : LineFraming::crlf());
    RelayOptions o = options_for(p);
    o.max_line = 64 + rng() % 400;
    o.intercept = [&rng](const LineRecord&, Leg) { return rng() % 3 == 0; };
    Relay relay(o);
    std::string car, server;
    if (round % 3 == 0) {
      car = "GET /apiv2 HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
      server = "HTTP/1.1 101 Switching Protocols\r\n\r\n";
    }
    car += p.welcome();
    server += p.server_welcome();
    for (int i = 0; i < 20; ++i) {
      car += rng() % 5 ? p.car_says("S" + std::string(rng() % 600, '1')) : std::string(rng() % 50, char(rng()));
      server += rng() % 5 ? p.server_says("C" + std::to_string(rng() % 50)) : std::string(rng() % 50, char(rng()));
    }
    double now = 0;
    std::size_t at[2] = {0, 0};
    const std::string* bytes[2] = {&car, &server};
    for (int step = 0; step < 200; ++step) {
      now += rng() % 100;
      relay::Event e = relay::Tick{now};
      const Leg leg = rng() % 2 ? Leg::Client : Leg::Server;
      const int l = static_cast<int>(leg);
      switch (rng() % 8) {
        case 0: e = relay::Verdict{rng() % 6, relay::Verdict::Action(rng() % 3), rng() % 2 ? "S1" : "", rng() % 2 == 0, now}; break;
        case 1: e = relay::Inject{leg, rng() % 2 ? "C7,stat" : "", now}; break;
        case 2: if (step > 150) e = relay::Closed{leg, rng() % 4 == 0, now}; break;
        default: {
          std::size_t n = std::min<std::size_t>(bytes[l]->size() - at[l], 1 + rng() % 300);
          e = relay::Received{leg, bytes[l]->substr(at[l], n), now};
          at[l] += n;
        }
      }
      ASSERT_NO_THROW(relay.handle(e)) << "round " << round << " step " << step;
    }
  }
}
