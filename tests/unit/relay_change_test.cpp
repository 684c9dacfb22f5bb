// The relay changing the conversation: a held line edited, dropped or let through; lines injected
// toward the car and toward the server; the replies to injected commands kept from the apps (single
// and multi-line); a paranoid EM line edited inside its envelope. After each change both sides still
// decode every later line (independent decoders fed what each side received), and only the leg the
// change went out on is re-encoded: the other direction stays byte for byte.
#include "relay_playbook.h"

using namespace ovms;
using namespace ovms::test;

namespace {

RelayOptions intercepting(const Peers& p, char code) {
  RelayOptions o = options_for(p);
  o.intercept = [code](const LineRecord& r, Leg) { return r.effective().code == code; };
  return o;
}

std::string body_of_line(const std::string& plain) { return plain.substr(kMsgPrefix.size()); }

const std::string kStatus = "S55.3,K,0,0.00,stopped,standard,186,172";
const std::string kDoors = "D4,0,5,22,22,20,4562,0,32,0,12.7";
const std::string kLocation = "L51.507800,-0.127600,90,31,1,1";

// The 32 lines of a car's answer to C1 or C3 (PROTOCOL.md §6.2).
std::vector<std::string> multi_line_reply(int cmd) {
  std::vector<std::string> lines;
  for (int k = 0; k < 32; ++k) lines.push_back("c" + std::to_string(cmd) + ",0," + std::to_string(k) + ",32," +
                                               (k == 8 ? "1" : "0"));
  return lines;
}

}  // namespace

TEST(RelayChange, EditedLineReachesTheServerAndLaterLinesStillDecode) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  log_in(pb, p);
  std::string s = p.car_says(kStatus);
  pb >> from_car(s) << hold('S');
  EXPECT_EQ(pb.relay.held(), 1u);
  // Lines behind the held one wait for it (in order per direction)...
  std::string d = p.car_says(kDoors);
  pb >> from_car(d);
  EXPECT_EQ(pb.relay.buffered(Leg::Client), s.size() + d.size());
  // ...while the other direction flows, byte for byte.
  std::string t = p.server_says("T0");
  pb >> from_server(t) << to_car(t) << show('T');
  const std::string edited = "S12.5,K,0,0.00,charging,range,40,38";
  pb >> edit(edited) << to_server_any() << show('S').changed().received_as(edited) << to_server_any()
     << show('D').received_as(kDoors);
  EXPECT_EQ(pb.relay.held(), 0u);
  EXPECT_EQ(body_of_line(*pb.last_shown->plain), kDoors) << "the Show is the line as it arrived";
  std::string l = p.car_says(kLocation);
  pb >> from_car(l) << to_server_any() << show('L');
  EXPECT_NE(pb.received[static_cast<int>(Leg::Server)].substr(pb.received[1].size() - l.size()), l)
      << "after an edit of another length the car leg's lines are re-encoded for the server";
  Views v(p, pb);
  EXPECT_EQ(v.server_received(), (std::vector<std::string>{edited, kDoors, kLocation}));
  EXPECT_EQ(v.car_received(), (std::vector<std::string>{"Z0", "T0"}));
  EXPECT_EQ(pb.received[static_cast<int>(Leg::Client)], p.server_sent) << "the other leg is untouched";
}

TEST(RelayChange, EditOfTheSameLengthLeavesLaterLinesByteIdentical) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  log_in(pb, p);
  pb >> from_car(p.car_says(kStatus)) << hold('S');
  std::string same_length = kStatus;
  same_length[1] = '9';  // S95.3: the keystream stays in step
  pb >> edit(same_length) << to_server_any() << show('S').changed().received_as(same_length);
  std::string d = p.car_says(kDoors);
  pb >> from_car(d) << to_server(d) << show('D');
}

TEST(RelayChange, DroppedLineShiftsOnlyTheServerLeg) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  log_in(pb, p);
  pb >> from_car(p.car_says(kStatus)) << hold('S') >> drop() << show('S').dropped();
  EXPECT_EQ(pb.last_sent, nullptr);
  std::string d = p.car_says(kDoors), l = p.car_says(kLocation);
  pb >> from_car(d + l) << to_server_any() << show('D') << to_server_any() << show('L');
  std::string t = p.server_says("T30");
  pb >> from_server(t) << to_car(t) << show('T');
  Views v(p, pb);
  EXPECT_EQ(v.server_received(), (std::vector<std::string>{kDoors, kLocation}));
  EXPECT_EQ(v.car_received(), (std::vector<std::string>{"Z0", "T30"}));
}

TEST(RelayChange, HeldLineForwardedUnchangedGoesOnAsItCame) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  log_in(pb, p);
  std::string s = p.car_says(kStatus);
  pb >> from_car(s) << hold('S') >> forward() << to_server(s) << show('S');
}

TEST(RelayChange, InjectionTowardTheCarAndItsReplyStaysWithTheProxy) {
  Peers p;
  Playbook pb(options_for(p));
  log_in(pb, p);
  pb >> inject_to(Leg::Client, "C7,stat") << to_car_any() << show('C').injected().received_as("C7,stat");
  ASSERT_TRUE(pb.last_shown);
  EXPECT_EQ(pb.last_shown->dir, Direction::ServerToClient) << "decoded as the car receives it";
  // The server's next line is re-encoded for the car (its leg is one line ahead).
  std::string z = p.server_says("Z1");
  pb >> from_server(z) << to_car_any() << show('Z').received_as("Z1");
  // The car answers the proxy's command: shown, not passed to the server, which never asked.
  const std::string reply = "c7,0,OVMS# stat\rNot charging";
  pb >> from_car(p.car_says(reply)) << show('c').to_proxy();
  EXPECT_EQ(body_of_line(*pb.last_shown->plain), reply);
  pb >> from_car(p.car_says(kDoors)) << to_server_any() << show('D');
  Views v(p, pb);
  EXPECT_EQ(v.car_received(), (std::vector<std::string>{"Z0", "C7,stat", "Z1"}));
  EXPECT_EQ(v.server_received(), (std::vector<std::string>{kDoors}));
}

TEST(RelayChange, MultiLineRepliesGoToWhoeverAsked) {
  Peers p;
  Playbook pb(options_for(p));
  log_in(pb, p);
  // An app asks for the features (through the server), then the proxy asks too: the car answers in order.
  std::string app_c1 = p.server_says("C1");
  pb >> from_server(app_c1) << to_car(app_c1) << show('C');
  pb >> inject_to(Leg::Client, "C1") << to_car_any() << show('C').injected();
  std::string to_app, to_proxy;
  for (const std::string& line : multi_line_reply(1)) to_app += p.car_says(line);
  for (const std::string& line : multi_line_reply(1)) to_proxy += p.car_says(line);
  pb >> from_car(to_app + to_proxy);
  for (int k = 0; k < 32; ++k) pb << to_server_any() << show('c');
  for (int k = 0; k < 32; ++k) pb << show('c').to_proxy();
  Views v(p, pb);
  EXPECT_EQ(v.server_received(), multi_line_reply(1));
  EXPECT_EQ(pb.received[static_cast<int>(Leg::Server)], p.car_sent.substr(0, p.car_sent.size() - to_proxy.size()))
      << "the app's answer went on as the car sent it; the proxy's stayed";
}

TEST(RelayChange, InjectedCommandTowardTheServerIsAnsweredToTheProxy) {
  Peers p;
  p.type = 'A';  // an app's connection: the server routes a reply to the connection that asked
  Playbook pb(options_for(p));
  log_in(pb, p);
  pb >> inject_to(Leg::Server, "C3") << to_server_any() << show('C').injected().received_as("C3");
  EXPECT_EQ(pb.last_shown->dir, Direction::ClientToServer);
  std::string replies;
  for (const std::string& line : multi_line_reply(3)) replies += p.server_says(line);
  std::string t = p.server_says("T0");
  pb >> from_server(replies + t);
  for (int k = 0; k < 32; ++k) pb << show('c').to_proxy();
  pb << to_car_any() << show('T');
  std::string app_line = p.car_says("C7,stat");
  pb >> from_car(app_line) << to_server_any() << show('C');
  Views v(p, pb);
  EXPECT_EQ(v.server_received(), (std::vector<std::string>{"C3", "C7,stat"}));
  EXPECT_EQ(v.car_received(), (std::vector<std::string>{"Z0", "T0"})) << "the app never sees the replies";
}

TEST(RelayChange, InjectionTowardTheServerKeepsTheCarLegInStep) {
  Peers p;
  Playbook pb(options_for(p));
  log_in(pb, p);
  std::string first = p.car_says(kStatus);
  pb >> from_car(first) << to_server(first) << show('S');
  pb >> inject_to(Leg::Server, "PIVehicle locked") << to_server_any() << show('P').injected();
  std::string d = p.car_says(kDoors);
  pb >> from_car(d) << to_server_any() << show('D').received_as(kDoors);
  std::string z = p.server_says("Z2");
  pb >> from_server(z) << to_car(z) << show('Z');  // the other direction is untouched
  Views v(p, pb);
  EXPECT_EQ(v.server_received(), (std::vector<std::string>{kStatus, "PIVehicle locked", kDoors}));
}

TEST(RelayChange, ParanoidEditIsRewrappedUnderTheModulePassword) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));  // the EM line's inner code
  log_in(pb, p);
  const std::string ptoken = "PtokAbcdefghij0123456+";
  std::string et = p.car_says("ET" + ptoken);
  pb >> from_car(et) << to_server(et) << show('E');
  const Bytes pkey = paranoid_key(p.module_password, ptoken);
  std::string em = p.car_says(paranoid_envelope(pkey, kStatus));
  pb >> from_car(em) << hold('S');
  const std::string edited = "S99.0,K,0,0.00,stopped,standard,300,280";
  pb >> edit_inner(edited) << to_server_any() << show('S').changed().received_as(edited);
  ASSERT_TRUE(pb.last_sent && pb.last_sent->inner);
  EXPECT_EQ(pb.last_sent->msg.code, 'E') << "still an EM envelope on the wire";
  EXPECT_EQ(body_of_line(*pb.last_sent->plain), paranoid_envelope(pkey, edited)) << "a fresh RC4 under the module password";
  std::string after = p.car_says(paranoid_envelope(pkey, kDoors));
  pb >> from_car(after) << to_server_any() << show('D');
  Views v(p, pb);
  const auto& recs = v.server_sink.records;
  ASSERT_GE(recs.size(), 5u);
  EXPECT_EQ(recs[recs.size() - 2].inner->plain, "MP-0 " + edited);
  EXPECT_EQ(recs.back().inner->plain, "MP-0 " + kDoors);
}

TEST(RelayChange, ParanoidEditOfATruncatingV3CarSendsItWhole) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  log_in(pb, p);
  const std::string ptoken = "V3tokAbcdefghij012345/";
  pb >> from_car(p.car_says("ET" + ptoken)) << to_server_any() << show('E');
  const Bytes pkey = paranoid_key(p.module_password, ptoken);
  pb >> from_car(p.car_says(paranoid_envelope(pkey, kStatus, true))) << hold('S');
  pb >> edit_inner(kStatus) << to_server_any() << show('S').changed().received_as(kStatus);
  EXPECT_FALSE(pb.last_sent->inner->truncated);
}

TEST(RelayChange, InnerEditOfALineWithoutEnvelopeIsRefusedAndStaysHeld) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  log_in(pb, p);
  std::string s = p.car_says(kStatus);
  pb >> from_car(s) << hold('S') >> edit_inner("S1") << note(DiagId::RelayRefused, "paranoid EM");
  EXPECT_EQ(pb.relay.held(), 1u);
  pb >> edit("") << note(DiagId::RelayRefused, "empty");
  pb >> forward() << to_server(s) << show('S');
  pb >> forward() << note(DiagId::RelayRefused, "not held");
}

TEST(RelayChange, ReencodedWebSocketFrameKeepsTheCarsMask) {
  Peers p;
  Playbook pb(intercepting(p, 'S'));
  const std::string request = p.car_raw("GET /apiv2 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n");
  const std::string response = p.server_raw("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
  pb >> from_car(request) << to_server(request) << show(LineKind::WebSocketUpgrade);
  pb >> from_server(response) << to_car(response) << show(LineKind::WebSocketUpgrade);
  p.car.set_framing(LineFraming::websocket_client());
  p.server.set_framing(LineFraming::websocket_server());
  log_in(pb, p);
  pb >> from_car(p.car_says(kStatus)) << hold('S') >> drop() << show('S').dropped();
  std::string d = p.car_says(kDoors);
  pb >> from_car(d) << to_server_any() << show('D').received_as(kDoors);
  const std::string& out = pb.received[static_cast<int>(Leg::Server)];
  const std::string sent = out.substr(out.size() - d.size());
  ASSERT_EQ(sent.size(), d.size());
  EXPECT_EQ(sent.substr(0, 6), d.substr(0, 6)) << "same header and masking key as the car's frame";
  EXPECT_NE(sent, d) << "re-encrypted for the server's keystream";
  pb >> inject_to(Leg::Server, "A") << to_server_any() << show('A').injected();
  EXPECT_EQ(static_cast<uint8_t>(out[out.size() - 13]) & 0x80, 0x80) << "an injected client frame is masked too";
}

TEST(RelayChange, AnAndroidAppsLinesKeepTheirLfWhenReencoded) {
  Peers p(LineFraming::lf(), LineFraming::crlf());
  p.type = 'A';
  Playbook pb(intercepting(p, 'C'));
  log_in(pb, p);
  pb >> from_car(p.car_says("C7,stat")) << hold('C') >> drop() << show('C').dropped();
  pb >> from_car(p.car_says("A")) << to_server_any() << show('A').received_as("A");
  pb >> inject_to(Leg::Server, "C1") << to_server_any() << show('C').injected();
  const std::string& up = pb.received[static_cast<int>(Leg::Server)];
  EXPECT_EQ(up.find("\r\n", up.find('\n') + 1), std::string::npos) << "every line after the welcome ends in LF alone";
  EXPECT_NE(up.find("\n"), std::string::npos);
  Views v(p, pb);
  EXPECT_EQ(v.server_received(), (std::vector<std::string>{"A", "C1"}));
}

TEST(RelayChange, SchemeOneEditsAndInjectionsArePlainLines) {
  Peers p;
  p.type = 'A';
  Playbook pb(intercepting(p, 'C'));
  std::string w = p.account_welcome();
  pb >> from_car(w) << to_server(w) << show(LineKind::Welcome);
  std::string s = p.account_server_welcome();
  pb >> from_server(s) << to_car(s) << show(LineKind::ServerWelcome);
  pb >> from_car(p.car_says("C7,stat")) << hold('C') >> edit("C7,bms") << to_server("C7,bms\r\n")
     << show('C').changed().received_as("C7,bms");
  pb >> inject_to(Leg::Client, "PIhello") << to_car("PIhello\r\n") << show('P').injected();
  pb >> from_car(p.car_says("C1")) << hold('C') >> edit("C1\nC2") << note(DiagId::RelayRefused, "split it");
  pb >> forward() << to_server("C1\r\n") << show('C');
}

// The one wording of what the proxy did to a line (the inspector's Proxy column), the names of
// ovms-proxy --json's flags; a line passed as it came has none.
TEST(RelayChange, ShowMarkNamesAreTheJsonFlags) {
  relay::Show s;
  EXPECT_STREQ(relay::show_mark_name(s), "");
  s.changed = true;
  EXPECT_STREQ(relay::show_mark_name(s), "changed");
  s = {};
  s.dropped = true;
  EXPECT_STREQ(relay::show_mark_name(s), "dropped");
  s = {};
  s.injected = true;
  EXPECT_STREQ(relay::show_mark_name(s), "injected");
  s = {};
  s.to_proxy = true;
  EXPECT_STREQ(relay::show_mark_name(s), "to_proxy");
}
