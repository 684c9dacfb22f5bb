#!/usr/bin/env python3
"""End-to-end tests of the simulator's live endpoints on real sockets: `ovms-sim serve` on a free
port of 127.0.0.1 (port 0, the port read from its first stdout line), `ovms-sim car` and
`ovms-sim app` connected to it, raw sockets where a client must misbehave, tcpdump on lo for a
capture that ovmsdump must decode completely, and a TLS certificate made here with the openssl CLI.

Run by ctest as: simulator_live_test.py OVMS_SIM OVMSDUMP
The capture needs root or cap_net_raw (CI runs as root). Every process is killed at the end.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

SIM, OVMSDUMP = sys.argv[1:3]

SECRET = "live-demo-secret"
MODULE = "live-demo-module"
KEYS_YAML = f"""vehicles:
  - id: DEMO
    server_password: "{SECRET}"
    module_password: "{MODULE}"
  - id: PARA
    server_password: "live-para-secret"
    module_password: "live-para-module"
  - id: APCAR
    server_password: "live-ap-secret"
    vin: "WVWZZZAAZLD000077"
    iccid: "8944500102198300077"
accounts:
  - username: alice
    password: "alice-pass"
"""
SECRETS = [SECRET, MODULE, "live-para-secret", "live-para-module", "live-ap-secret", "alice-pass", "8944500102198300077"]


def welcome(vehicle, secret, token="PyToken0123456789abcd+"):
    digest = base64.b64encode(hmac.new(secret.encode(), token.encode(), hashlib.md5).digest()).decode()
    return f"MP-A 0 {token} {digest} {vehicle}\r\n".encode()


def read_line(stream, timeout):
    """One line from a pipe within `timeout` seconds, or None."""
    buf, deadline = b"", time.monotonic() + timeout
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([stream], [], [], left)[0]:
            return None
        chunk = os.read(stream.fileno(), 1)
        if not chunk:
            return None
        buf += chunk
    return buf.decode()


class LiveCase(unittest.TestCase):
    """Starts processes in a private folder and kills every one of them at the end."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ovms-live-")
        self.procs = []
        self.keys = self.write("keys.yaml", KEYS_YAML)

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            for pipe in (p.stdout, p.stderr):
                if pipe:
                    pipe.close()
        subprocess.run(["rm", "-rf", self.dir])

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return path

    def start(self, name, args, stdout=None):
        with open(os.path.join(self.dir, name + ".err"), "wb") as err:  # the child keeps its own copy
            p = subprocess.Popen(args, stdout=stdout or subprocess.DEVNULL, stderr=err)
        p.err_path = err.name
        self.procs.append(p)
        return p

    def log(self, p):
        with open(p.err_path, "rb") as f:
            return f.read().decode()

    def wait_for(self, p, text, timeout=15, count=1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log(p).count(text) >= count:
                return
            if p.poll() is not None and self.log(p).count(text) < count:
                break
            time.sleep(0.05)
        self.fail(f"{text!r} (x{count}) not in the log of {p.args[:2]} within {timeout} s:\n{self.log(p)}")

    def serve(self, *extra):
        """ovms-sim serve on 127.0.0.1 port 0; returns (process, port)."""
        p = self.start("serve", [SIM, "serve", "--listen", "127.0.0.1:0", "-k", self.keys, *extra],
                       stdout=subprocess.PIPE)
        line = read_line(p.stdout, 15)
        self.assertIsNotNone(line, f"no 'listening on' line: {self.log(p)}")
        m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", line)
        self.assertIsNotNone(m, line)
        self.server = p
        return p, int(m.group(1))

    def car(self, port, *extra, vehicle="DEMO", keys=None, name="car"):
        return self.start(name, [SIM, "car", "--connect", f"127.0.0.1:{port}", "--vehicle", vehicle,
                                 "-k", keys or self.keys, "--interval", "1", *extra])

    def app(self, port, *extra, vehicle="DEMO", keys=None, timeout=30):
        """Runs ovms-sim app to its end; returns (exit status, JSON records or text lines, stderr)."""
        args = [SIM, "app", "--connect", f"127.0.0.1:{port}", "--vehicle", vehicle, "-k", keys or self.keys, *extra]
        p = subprocess.run(args, capture_output=True, timeout=timeout)
        out = p.stdout.decode().splitlines()
        if "--json" in extra:
            out = [json.loads(line) for line in out]
        return p.returncode, out, p.stderr.decode()

    def assertNoSecrets(self, text):
        for s in SECRETS:
            self.assertNotIn(s, text)


def messages(records):
    return [r for r in records if r["kind"] == "message"]


def codes(records):
    return [r["code"] for r in messages(records)]


def commands(records, code, number):
    return [r for r in messages(records) if r["code"] == code and r["fields"].get("command") == number]


class CarAndApp(LiveCase):
    def test_an_app_gets_the_cars_status_and_its_commands_answered(self):
        server, port = self.serve()
        car = self.car(port)
        self.wait_for(car, "logged in")
        rc, recs, err = self.app(port, "--json", "--send", "C7,stat", "--send", "C30", "--send", "A", "--duration", "4")
        self.assertEqual(rc, 0, err)
        self.assertEqual(recs[0]["kind"], "server_welcome")
        self.assertTrue(recs[0]["handshake"]["ok"], recs[0])
        self.assertTrue(all(r["dir"] == "s2c" and r["role"] == "server" for r in recs))
        # Z1 (the car is online), the replay (F first, then S, then the rest ascending), T<secs>.
        self.assertEqual(codes(recs)[:7], ["Z", "F", "S", "D", "L", "Y", "T"])
        self.assertEqual(messages(recs)[0]["fields"]["count"], 1)
        self.assertTrue(messages(recs)[2]["plain"].startswith("MP-0 S"))
        # C7 went to the car and its answer came back, paired with the request.
        c7 = commands(recs, "c", 7)
        self.assertEqual(len(c7), 1, codes(recs))
        self.assertEqual(c7[0]["fields"]["result"], 0)
        self.assertIn("SOC:", c7[0]["fields"]["output"])
        self.assertIn("response_to", c7[0])
        # C30 is answered by the server itself, A by a.
        c30 = commands(recs, "c", 30)
        self.assertEqual(len(c30), 1)
        self.assertEqual(c30[0]["fields"]["result"], 0)
        self.assertIn("a", codes(recs))
        # Live updates (every second here): every F is followed by f<server version>, every car line by T0.
        live = codes(recs)[7:]
        f_at = [i for i, c in enumerate(live) if c == "F"]
        self.assertGreaterEqual(len(f_at), 2, live)
        for i in f_at:
            self.assertEqual(live[i + 1:i + 3], ["f", "T"], live)
        self.assertIn("command 7 from an app", self.log(car))
        self.assertIn("Z1: 1 app(s) connected", self.log(car))
        for p in (server, car):
            self.assertNoSecrets(self.log(p))
        self.assertNoSecrets(err)

    def test_text_output_is_one_line_per_message_as_ovmsdump_words_it(self):
        _, port = self.serve()
        car = self.car(port)
        self.wait_for(car, "logged in")
        rc, lines, err = self.app(port, "--exit-after", "3")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(lines), 4, lines)  # the server welcome and three messages
        self.assertRegex(lines[0], r"^\d\d:\d\d:\d\d\.\d{6} #0 s2c server DEMO server_welcome scheme=0 verified key=vehicle_id \(DEMO\)$")
        self.assertRegex(lines[1], r" s2c server DEMO Z peers count=1$")
        self.assertRegex(lines[2], r" s2c server DEMO F firmware version=3\.3\.005")
        self.assertRegex(lines[3], r" s2c server DEMO S status soc=\d+\.\d K ")

    def test_commands_answered_by_the_car_go_to_the_app_that_asked(self):
        _, port = self.serve()
        car = self.car(port)
        self.wait_for(car, "logged in")
        # Two apps ask C1 at once, a third asks nothing: each asker gets its own 32 lines (§6.4).
        args = lambda *send: [SIM, "app", "--connect", f"127.0.0.1:{port}", "--vehicle", "DEMO", "-k", self.keys,
                              "--json", "--duration", "4", *send]
        apps = [subprocess.Popen(args("--send", "C1"), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL),
                subprocess.Popen(args("--send", "C1"), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL),
                subprocess.Popen(args(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)]
        self.procs += apps
        got = [[json.loads(l) for l in p.communicate(timeout=30)[0].decode().splitlines()] for p in apps]
        for recs in got[:2]:
            c1 = commands(recs, "c", 1)
            self.assertEqual([r["fields"]["index"] for r in c1], list(range(32)))
        self.assertEqual(commands(got[2], "c", 1), [])

    def test_c31_is_answered_by_the_server_while_the_car_is_offline(self):
        _, port = self.serve()
        rc, recs, err = self.app(port, "--json", "--send", "C31", "--exit-after", "3")
        self.assertEqual(rc, 0, err)
        self.assertEqual(codes(recs), ["Z", "T", "c"])
        self.assertEqual(messages(recs)[0]["fields"]["count"], 0)  # Z0: the car is offline
        self.assertEqual(messages(recs)[2]["fields"]["command"], 31)

    def test_exit_on_stops_the_app_at_the_first_message_with_that_code(self):
        _, port = self.serve()
        rc, recs, err = self.app(port, "--json", "--send", "C31", "--exit-on", "c", "--duration", "20")
        self.assertEqual(rc, 0, err)
        self.assertEqual(codes(recs)[-1], "c")
        self.assertEqual(codes(recs).count("c"), 1)
        rc, _, err = self.app(port, "--exit-on", "cc")
        self.assertEqual(rc, 2)
        self.assertIn("--exit-on needs one message code", err)

    def test_a_second_car_login_closes_the_first_which_reconnects(self):
        server, port = self.serve()
        first = self.car(port, "--retry", "0.5", name="first")
        self.wait_for(first, "logged in")
        second = self.car(port, "--duration", "2", name="second")
        self.wait_for(server, "a second car logged in as DEMO")
        self.wait_for(first, "the server closed the connection; reconnecting in 0.5 s")
        self.wait_for(first, "logged in", count=2)
        self.assertEqual(second.wait(timeout=15), 0)


class Refusals(LiveCase):
    def test_a_wrong_secret_or_an_unknown_vehicle_is_refused_by_closing_without_a_word(self):
        server, port = self.serve()
        for vehicle, secret in (("DEMO", "not-the-secret"), ("GHOST", "ghost-secret")):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(welcome(vehicle, secret))
                self.assertEqual(s.recv(4096), b"", f"{vehicle}: the server said something")
        self.assertIn("refused: wrong digest for vehicle DEMO (wrong secret)", self.log(server))
        self.assertIn("refused: unknown vehicle GHOST", self.log(server))
        # The right secret over the same kind of socket gets MP-S.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(welcome("DEMO", SECRET))
            self.assertTrue(s.recv(4096).startswith(b"MP-S 0 "))

    def test_the_app_and_the_car_say_why_and_stop(self):
        server, port = self.serve()
        wrong = self.write("wrong.yaml", KEYS_YAML.replace(SECRET, "an-old-secret"))
        rc, out, err = self.app(port, keys=wrong)
        self.assertEqual(rc, 1)
        self.assertEqual(out, [])
        self.assertIn("the server closed the connection while authenticating", err)
        car = self.car(port, keys=wrong)
        self.assertEqual(car.wait(timeout=15), 1)
        self.assertIn("the v3 car stops retrying until its configuration changes", self.log(car))
        self.assertNoSecrets(self.log(server) + self.log(car) + err)
        self.assertNotIn("an-old-secret", self.log(server) + self.log(car) + err)

    def test_read_timeouts_close_silent_clients(self):
        server, port = self.serve("--timeout-welcome", "1", "--timeout-app", "2")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            started = time.monotonic()
            self.assertEqual(s.recv(4096), b"")
            self.assertLess(time.monotonic() - started, 5)
        started = time.monotonic()
        rc, recs, err = self.app(port, "--json")
        self.assertEqual(rc, 1)
        self.assertGreaterEqual(time.monotonic() - started, 2)
        self.assertIn("the server closed the connection", err)
        self.assertEqual(codes(recs), ["Z", "T"])
        self.assertIn("no welcome within 1 s", self.log(server))
        self.assertIn("nothing from the app for 2 s (timeout_app)", self.log(server))


class Variants(LiveCase):
    def test_websocket_scheme1_paranoid_and_autoprovisioning(self):
        server, port = self.serve()
        car = self.car(port, "--paranoid", vehicle="PARA")
        self.wait_for(car, "logged in")
        # WebSocket: the 101, then the welcome; paranoid rows come as ET once, then EM (decrypted inside).
        rc, recs, err = self.app(port, "--json", "--websocket", "--exit-after", "4", vehicle="PARA")
        self.assertEqual(rc, 0, err)
        self.assertEqual([r["kind"] for r in recs[:2]], ["websocket_upgrade", "server_welcome"])
        self.assertEqual(codes(recs), ["Z", "E", "E", "E"])
        self.assertEqual(messages(recs)[1]["fields"]["subtype"], "T")
        self.assertEqual(messages(recs)[2]["inner"]["code"], "F")
        self.assertTrue(messages(recs)[3]["inner"]["plain"].startswith("MP-0 S"))
        # Scheme 1: plain lines without MP-0; the account owns every vehicle of the keys file.
        rc, recs, err = self.app(port, "--json", "--account", "alice", "--exit-after", "2", vehicle="PARA")
        self.assertEqual(rc, 0, err)
        self.assertEqual(recs[0]["wire"], "MP-S 1 alice PARA APCAR DEMO PARA")
        self.assertEqual([r["wire"] for r in messages(recs)][0], "Z1")
        # Auto-provisioning: AP-C with the VIN, the record from the keys file, then a normal login.
        ap = self.car(port, "--autoprovision", vehicle="APCAR", name="ap")
        self.wait_for(ap, "auto-provisioned as vehicle APCAR; logging in")
        self.wait_for(server, "car APCAR logged in (scheme 0)")
        self.assertIn("AP-C WVWZZZAAZLD000077: sent its auto-provisioning record", self.log(server))

    def test_tls_with_a_certificate_made_here(self):
        cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-days", "1"],
                       check=True, capture_output=True, timeout=60)
        server, port = self.serve("--tls", "--cert", cert, "--key", key)
        car = self.car(port, "--tls", "--cafile", cert)
        self.wait_for(car, "logged in")
        rc, recs, err = self.app(port, "--json", "--tls", "--cafile", cert, "--send", "C7,stat", "--duration", "3")
        self.assertEqual(rc, 0, err)
        self.assertEqual(codes(recs)[:3], ["Z", "F", "S"])
        self.assertEqual(len(commands(recs, "c", 7)), 1)
        # Without the CA the app does not trust the server; a plain client gets nothing from it.
        rc, out, err = self.app(port, "--tls")
        self.assertEqual(rc, 1)
        self.assertIn("certificate verify failed", err)
        rc, out, err = self.app(port)
        self.assertEqual(rc, 1)
        self.assertEqual(out, [])


class Capture(LiveCase):
    def test_a_capture_of_live_sessions_decodes_completely(self):
        server, port = self.serve("--timeout-car", "62")  # the server pings a car it told nothing for 2 s
        cap = os.path.join(self.dir, "live.pcap")
        dump = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "-w", cap, f"tcp port {port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.procs.append(dump)
        self.assertIsNotNone(read_line(dump.stderr, 20), "tcpdump did not start")
        car = self.car(port, "--interval", "1")
        para = self.car(port, "--paranoid", vehicle="PARA", name="para")
        self.wait_for(car, "logged in")
        self.wait_for(para, "logged in")
        rc, app_recs, err = self.app(port, "--json", "--send", "C1", "--send", "C3", "--send", "C7,stat",
                                     "--send", "A", "--duration", "4")
        self.assertEqual(rc, 0, err)
        rc, _, err = self.app(port, "--websocket", "--android", "--send", "C6", "--duration", "2", vehicle="PARA")
        self.assertEqual(rc, 0, err)
        rc, _, err = self.app(port, "--account", "alice", "--batch", "--send", "C30", "--duration", "1")
        self.assertEqual(rc, 0, err)
        time.sleep(0.5)
        dump.send_signal(signal.SIGINT)
        dump.wait(timeout=20)

        p = subprocess.run([OVMSDUMP, "-r", cap, "-k", self.keys, "--json"], capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
        self.assertGreater(len(recs), 100)
        for r in recs:
            self.assertTrue(r["kind"] != "message" or r["plain"] is not None, r)
            if r["inner"] is not None:
                self.assertIsNotNone(r["inner"]["plain"], r)
            bad = [d for d in r["diag"] + (r["inner"] or {}).get("diag", []) if d["severity"] != "note"]
            self.assertEqual(bad, [], r)
        welcomes = [r for r in recs if r["kind"] in ("welcome", "server_welcome")]
        self.assertEqual(len(welcomes), 2 * 5)
        self.assertTrue(all(r["handshake"]["ok"] for r in welcomes), welcomes)
        car_conn = next(r["client"] for r in welcomes if r["role"] == "car" and r["vehicle"] == "DEMO")
        to_car = [r for r in recs if r["dir"] == "s2c" and r["kind"] == "message" and r["client"] == car_conn]
        self.assertIn("MP-0 AFA", [r["plain"] for r in to_car])
        self.assertIn("MP-0 Z1", [r["plain"] for r in to_car])
        # What the app printed is what ovmsdump decodes from the capture for its connection.
        app_conn = app_recs[0]["client"]
        from_capture = [r for r in recs if r["client"] == app_conn and r["dir"] == "s2c"]
        key = lambda r: (r["kind"], r["wire"], r["plain"], r["code"], json.dumps(r["fields"], sort_keys=True))
        self.assertEqual([key(r) for r in app_recs], [key(r) for r in from_capture])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
