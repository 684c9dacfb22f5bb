#!/usr/bin/env python3
"""ovms-proxy end to end, on 127.0.0.1 with free ports: the simulator's live server, car and app
(ovms-sim serve|car|app) talk through ovms-proxy. Every check reads what a real peer received.

usage: proxy_test.py OVMS_PROXY OVMS_SIM KEYS OVMSDUMP
"""
import hashlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

PROXY, SIM, KEYS_SRC, OVMSDUMP = sys.argv[1:5]
TMP = tempfile.mkdtemp(prefix="proxy_test.")
KEYS = os.path.join(TMP, "keys.yaml")
with open(KEYS_SRC) as f, open(KEYS, "w") as g:
    g.write(f.read())
os.chmod(KEYS, 0o600)
FAILS = []
# One certificate for the test's TLS server and the proxy's car leg (127.0.0.1 in its names).
CERT, CERT_KEY = os.path.join(TMP, "cert.pem"), os.path.join(TMP, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", CERT_KEY, "-out", CERT,
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
               check=True, capture_output=True)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def start_listening(cmd, name):
    """Starts a command whose first stdout line is 'listening on ADDR:PORT'; returns (proc, port)."""
    err = open(os.path.join(TMP, name + ".err"), "w")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, errors="replace")
    first = p.stdout.readline()
    if not first.startswith("listening on "):
        raise SystemExit(f"{name}: no 'listening on' line: {first!r}")
    # Always read its output (a proxy that cannot write its stdout stops relaying, as it should).
    p.lines = []
    p.reader = threading.Thread(target=lambda: p.lines.extend(iter(p.stdout.readline, "")), daemon=True)
    p.reader.start()
    return p, int(first.strip().rsplit(":", 1)[1])


class Rig:
    """ovms-sim serve, ovms-proxy in front of it, an ovms-sim car through the proxy."""

    def __init__(self, proxy_args=(), keys=True, car=True, tls=None, vehicle="DEMO", car_args=(), proxy_soft_nofile=None):
        self.vehicle = vehicle
        self.tls = tls or []  # the car's and app's TLS options
        serve_tls = ["--tls", "--cert", CERT, "--key", CERT_KEY] if tls else []
        self.serve, self.sport = start_listening([SIM, "serve", "--listen", "127.0.0.1:0", "-k", KEYS, *serve_tls],
                                                 "serve")
        args = [PROXY, "--listen", "127.0.0.1:0", "--upstream", f"127.0.0.1:{self.sport}", "--json", *proxy_args]
        if keys:
            args += ["-k", KEYS]
        if proxy_soft_nofile:  # the proxy starts under a low soft limit of open files, as on many systems
            args = ["sh", "-c", f'ulimit -Sn {proxy_soft_nofile} && exec "$0" "$@"', *args]
        self.proxy, self.pport = start_listening(args, "proxy")
        self.car = None
        if car:
            self.car = subprocess.Popen([SIM, "car", "--connect", f"127.0.0.1:{self.pport}", "--vehicle", vehicle,
                                         "-k", KEYS, "--interval", "1", *self.tls, *car_args],
                                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(TMP, "car.err"), "w"))
            self.wait_for(lambda l: l.get("leg") == "client" and "S" in (l.get("code"), (l.get("inner") or {}).get("code")), 10)

    @property
    def lines(self):
        return [json.loads(l) for l in list(self.proxy.lines)]

    def wait_for(self, pred, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if any(pred(l) for l in list(self.lines)):
                return True
            time.sleep(0.05)
        return False

    def app(self, *args, n=12, until=None, timeout=20):
        """Runs an app through the proxy until it has N messages, or (until=CODE) until it gets a message with
        that code: how many of the car's periodic lines come first depends on timing, never count on it."""
        stop = ["--exit-after", str(n)] if until is None else ["--exit-on", until, "--duration", str(timeout - 5)]
        r = subprocess.run([SIM, "app", "--connect", f"127.0.0.1:{self.pport}", "--vehicle", self.vehicle, "-k", KEYS,
                            "--json", *stop, *self.tls, *args], capture_output=True, text=True, timeout=timeout)
        return r.returncode, [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")], r.stderr

    def stop(self):
        if self.car:
            self.car.terminate()
            self.car.wait()
        self.proxy.send_signal(signal.SIGINT)
        rc = self.proxy.wait(timeout=10)
        self.serve.terminate()
        self.serve.wait()
        return rc


def rules_file(text):
    path = os.path.join(TMP, "rules.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def test_relayed_and_shown():
    rig = Rig()
    rc, got, err = rig.app("--send", "C7,stat", until="c")
    check(rc == 0, f"app through the proxy logged in and read its messages (rc {rc}: {err.strip()[-200:]})")
    codes = [m.get("code") for m in got]
    check("S" in codes and "F" in codes, f"the app decoded the car's F and S through the proxy: {codes}")
    check(any(m.get("code") == "c" and m.get("fields", {}).get("command") == 7 for m in got),
          "the app got the car's answer to its C7 through the proxy")
    check(rig.wait_for(lambda l: l.get("code") == "C" and l.get("leg") == "client" and l.get("role") == "app", 5),
          "the proxy showed the app's C7 on the client leg")
    check(rig.wait_for(lambda l: l.get("code") == "S" and l.get("leg") == "server", 5),
          "the proxy showed the server's S to the app on the server leg")
    check(all(not l["changed"] and not l["dropped"] for l in rig.lines), "without rules nothing is marked changed")
    check(rig.stop() == 0, "SIGINT ends ovms-proxy with status 0")


def test_edit_drop():
    rules = rules_file("""
- match: 'code == "S"'
  from: car
  set: {field: status.soc, value: "99.5"}
- match: 'code == "D"'
  drop: true
""")
    rig = Rig(["--rules", rules, "--stats"])
    rc, got, err = rig.app("--send", "C7,stat", until="c")
    socs = [m["fields"].get("soc") for m in got if m.get("code") == "S"]
    check(socs and all(s == 99.5 for s in socs), f"the app decoded the edited soc 99.5 in every S: {socs}")
    check(not any(m.get("code") == "D" for m in got), "the dropped D never reached the app")
    check(any(m.get("code") == "c" and m.get("fields", {}).get("command") == 7 for m in got),
          "after the edit and the drop the app still decodes later lines (its C7 answer)")
    check(all("diag" not in m or not any(d["severity"] in ("warning", "error") for d in m["diag"]) for m in got),
          "the app's decoder saw no damage after the edits")
    check(rig.wait_for(lambda l: l.get("code") == "S" and l["changed"] and l["sent"]["fields"]["soc"] == 99.5, 5),
          "the proxy showed the S as changed, with what was sent")
    check(rig.wait_for(lambda l: l.get("code") == "D" and l["dropped"], 5), "the proxy showed the D as dropped")
    rig.stop()
    err = open(os.path.join(TMP, "proxy.err")).read()
    check("line 2: set" in err and "line 5: drop" in err, f"--stats counts each rule's uses: {err[-300:]}")


def test_paranoid_edit():
    """A paranoid car (EM lines under the module password): the edit is re-wrapped, the app decodes it."""
    rules = rules_file("""
- match: 'inner.code == "S"'
  from: car
  set: {field: status.soc, value: "12.5"}
""")
    rig = Rig(["--rules", rules], vehicle="PARA2", car_args=["--paranoid"])
    rc, got, err = rig.app("--send", "C7,stat", until="c")
    inner = [m["inner"] for m in got if m.get("inner") and m["inner"].get("code") == "S"]
    socs = [i["fields"].get("soc") for i in inner]
    check(socs and all(s == 12.5 for s in socs), f"the app decoded the paranoid S with the edited soc: {socs} ({err.strip()[-150:]})")
    check(any(m.get("code") == "c" or (m.get("inner") or {}).get("code") == "c" for m in got),
          "later paranoid lines still decode on the app's side (its C7 answer)")
    rig.stop()


def test_answer_and_delay():
    """answer: the app's C6 never reaches the car, the proxy answers it; delay: the L comes, later."""
    rules = rules_file("""
- match: 'code == "C" && command_name == "charge_alert"'
  answer: "c6,1,answered by the proxy"
- match: 'code == "L"'
  from: server
  delay: 1.5
""")
    rig = Rig(["--rules", rules])
    rc, got, err = rig.app("--send", "C6", n=12)
    c6 = [m for m in got if m.get("code") == "c" and m.get("fields", {}).get("command") == 6]
    check(len(c6) == 1 and c6[0]["fields"].get("result") == 1, f"the proxy answered the app's C6 itself: {c6}")
    check(rig.wait_for(lambda l: l.get("code") == "C" and l["dropped"], 3), "the C6 was shown as not passed on")
    app_l = [m["ts"] for m in got if m.get("code") == "L"]
    check(bool(app_l), "the delayed L still reached the app")
    proxy_l = [l["ts"] for l in rig.lines if l.get("code") == "L" and l["leg"] == "server"]
    check(app_l and proxy_l and app_l[0] - proxy_l[0] >= 1.4,
          f"the L reached the app 1.5 s after it reached the proxy: {app_l[:1]} vs {proxy_l[:1]}")
    rig.stop()


def test_inject_reply_kept():
    # When the server says Z to the car, the proxy asks the car C7,stat itself.
    rules = rules_file("""
- match: 'code == "Z"'
  from: server
  inject: "C7,stat"
""")
    rig = Rig(["--rules", rules])
    rc, got, err = rig.app(n=10)
    check(rig.wait_for(lambda l: l.get("code") == "C" and l["injected"], 5), "the proxy showed its injected C7")
    check(rig.wait_for(lambda l: l.get("code") == "c" and l["to_proxy"], 10),
          "the car's answer to the injected C7 was kept by the proxy")
    check(not any(m.get("code") == "c" for m in got), "the app never got an answer to a command it did not send")
    rig.stop()


def test_pass_through_without_keys():
    rig = Rig(keys=False)
    rc, got, err = rig.app("--send", "C7,stat", until="c")
    check(rc == 0 and any(m.get("code") == "S" for m in got),
          "without keys the proxy passes bytes exactly: the app still decodes the car's S")
    check(any(m.get("code") == "c" for m in got), f"... and the car's answer to the app's command: {[m.get('code') for m in got]}")
    rig.stop()


def test_upstream_refused():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    p, pport = start_listening([PROXY, "--listen", "127.0.0.1:0", "--upstream", f"127.0.0.1:{port}"], "proxy_refused")
    c = socket.create_connection(("127.0.0.1", pport))
    c.settimeout(5)
    try:
        data = c.recv(100)
    except ConnectionResetError:
        data = b""
    check(data == b"", "an unreachable upstream closes the client's leg")
    p.send_signal(signal.SIGINT)
    p.wait(timeout=10)
    p.reader.join(timeout=5)  # the note is on stdout: read it all before looking (a race under load)
    err = "".join(p.lines) + open(os.path.join(TMP, "proxy_refused.err")).read()
    check("upstream_unreachable" in err or "unreachable" in err, f"... and says why: {err.strip()[-200:]}")


def test_tls_both_legs():
    rig = Rig(["--tls", "--cert", CERT, "--key", CERT_KEY, "--upstream-cafile", CERT],
              tls=["--tls", "--cafile", CERT])
    rc, got, err = rig.app("--send", "C7,stat", until="c")
    check(rc == 0 and any(m.get("code") == "S" for m in got), f"TLS on both legs: the app decodes the car's S ({err.strip()[-200:]})")
    check(rig.wait_for(lambda l: l.get("code") == "c" and l["leg"] == "client", 5), "the proxy decrypted the car's TLS leg")
    rig.stop()


def test_tls_local_ca():
    """--tls without --cert/--key: the proxy's own CA (created once, key 0600), exported by --print-ca,
    issues the car leg's certificate; clients that trust the exported CA verify the proxy, others do not."""
    import ssl
    import stat
    ca_dir = os.path.join(TMP, "config", "proxy-ca")
    r = subprocess.run([PROXY, "--print-ca", "--ca-dir", ca_dir], capture_output=True, text=True)
    ca = r.stdout.splitlines()[0] if r.stdout else ""
    check(r.returncode == 0 and ca == os.path.join(ca_dir, "ca.pem") and "tls trust reload" in r.stdout
          and "/store/trustedca" in r.stdout, f"--print-ca gives the CA's path and the module's steps: {r.stdout[:300]}")
    key_mode = stat.S_IMODE(os.stat(os.path.join(ca_dir, "ca.key")).st_mode)
    dir_mode = stat.S_IMODE(os.stat(ca_dir).st_mode)
    check(key_mode == 0o600 and dir_mode == 0o700, f"the CA's key is 0600 in a 0700 folder: {oct(key_mode)} {oct(dir_mode)}")
    first = open(ca).read()
    rig = Rig(["--tls", "--ca-dir", ca_dir, "--upstream-cafile", CERT], tls=["--tls", "--cafile", ca])
    check(open(ca).read() == first, "the CA is created once and reused")
    rc, got, err = rig.app("--send", "C7,stat", until="c")
    check(rc == 0 and any(m.get("code") == "S" for m in got),
          f"car and app trusting the exported CA talk through the proxy: {err.strip()[-200:]}")
    for name in ("127.0.0.1", "localhost"):
        ctx = ssl.create_default_context(cafile=ca)
        try:
            with socket.create_connection(("127.0.0.1", rig.pport), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname=name) as tls:
                    ok = tls.version() is not None
        except (ssl.SSLError, OSError) as e:
            ok = False
            print(f"     {name}: {e}")
        check(ok, f"a TLS client trusting only the exported CA verifies the proxy as {name}")
    try:
        with socket.create_connection(("127.0.0.1", rig.pport), timeout=5) as raw:
            with ssl.create_default_context().wrap_socket(raw, server_hostname="127.0.0.1"):
                refused = False
    except ssl.SSLCertVerificationError:
        refused = True
    check(refused, "a client that does not trust the CA refuses the proxy's certificate")
    rig.stop()
    os.chmod(os.path.join(ca_dir, "ca.key"), 0o644)
    r = subprocess.run([PROXY, "--tls", "--ca-dir", ca_dir, "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1"],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "ca.key" in r.stderr and "chmod 600" in r.stderr,
          f"a CA key readable by others is refused: {r.stderr.strip()}")


def test_scheme1_and_websocket():
    """Through sockets: a scheme-1 app (an account, plain lines) and a WebSocket app (GET /apiv2, one
    frame per line, its frames re-masked) both decode the car's lines through the proxy, and the proxy
    decodes both."""
    rig = Rig()
    rc, got, err = rig.app("--account", "alice", "--send", "C7,stat", until="c")
    check(rc == 0 and any(m.get("code") == "S" for m in got)
          and any(m.get("code") == "c" and m.get("fields", {}).get("command") == 7 for m in got),
          f"a scheme-1 app decodes the car's S and its C7 answer through the proxy ({err.strip()[-200:]})")
    check(rig.wait_for(lambda l: l.get("leg") == "client" and l.get("code") == "C" and l.get("role") == "app", 5),
          "the proxy decoded the scheme-1 app's C7")
    rc, got, err = rig.app("--websocket", "--send", "C7,stat", until="c")
    check(rc == 0 and any(m.get("code") == "S" for m in got)
          and any(m.get("code") == "c" and m.get("fields", {}).get("command") == 7 for m in got),
          f"a WebSocket app decodes the car's S and its C7 answer through the proxy ({err.strip()[-200:]})")
    check(all(not l["changed"] for l in rig.lines), "nothing was marked changed")
    rig.stop()


class Tap:
    """A plain byte relay in front of a port that keeps every byte of each direction of each
    connection: the test's own capture, independent of the proxy's."""

    def __init__(self, target):
        self.lst = socket.socket()
        self.lst.bind(("127.0.0.1", 0))
        self.lst.listen(16)
        self.port = self.lst.getsockname()[1]
        self.target = target
        self.conns = []  # [{"up": bytearray (toward target), "down": bytearray, "ended": [bool, bool]}]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                a, _ = self.lst.accept()
            except OSError:
                return
            b = socket.create_connection(("127.0.0.1", self.target))
            c = {"up": bytearray(), "down": bytearray(), "ended": [False, False]}
            self.conns.append(c)
            threading.Thread(target=self._pump, args=(a, b, c["up"], c["ended"], 0), daemon=True).start()
            threading.Thread(target=self._pump, args=(b, a, c["down"], c["ended"], 1), daemon=True).start()

    @staticmethod
    def _pump(src, dst, keep, ended, i):
        while True:
            try:
                d = src.recv(65536)
            except OSError:
                d = b""
            if not d:
                break
            keep.extend(d)
            try:
                dst.sendall(d)
            except OSError:
                break
        ended[i] = True
        try:
            dst.shutdown(socket.SHUT_WR)  # a half-close passed on, as the proxy does
        except OSError:
            pass

    def ended(self):
        return self.conns and all(all(c["ended"]) for c in self.conns)


def test_identical_bytes():
    """Without rules both legs carry the same bytes: a tap before the proxy (the car's and the app's
    side) and a tap behind it (the server's side) capture each connection, compared byte for byte."""
    serve, sport = start_listening([SIM, "serve", "--listen", "127.0.0.1:0", "-k", KEYS], "serve_tap")
    behind = Tap(sport)
    proxy, pport = start_listening([PROXY, "--listen", "127.0.0.1:0", "--upstream", f"127.0.0.1:{behind.port}",
                                    "--json", "-k", KEYS], "proxy_tap")
    before = Tap(pport)
    car = subprocess.Popen([SIM, "car", "--connect", f"127.0.0.1:{before.port}", "--vehicle", "DEMO", "-k", KEYS,
                            "--interval", "1"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(TMP, "car_tap.err"), "w"))
    end = time.time() + 15
    while time.time() < end and not (before.conns and len(before.conns[0]["down"]) > 0):
        time.sleep(0.05)  # the car's welcome answered: it is the first connection on both sides
    r = subprocess.run([SIM, "app", "--connect", f"127.0.0.1:{before.port}", "--vehicle", "DEMO", "-k", KEYS, "--json",
                        "--send", "C7,stat", "--exit-on", "c", "--duration", "20"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"the app got the car's C7 answer through taps and proxy ({r.stderr.strip()[-200:]})")
    car.terminate()  # SIGTERM: the car closes its connection, the FIN goes through and the server's comes back
    car.wait()
    end = time.time() + 15
    while time.time() < end and not (before.ended() and behind.ended() and len(before.conns) == 2 == len(behind.conns)):
        time.sleep(0.05)
    check(len(before.conns) == 2 and len(behind.conns) == 2 and before.ended() and behind.ended(),
          f"both connections (car, app) ended on both sides: {len(before.conns)} and {len(behind.conns)}")
    for a, b, who in zip(before.conns, behind.conns, ("car", "app")):
        # Connections are matched in the order they were accepted: the car's first, the app's after it.
        check(len(a["up"]) > 50 and a["up"] == b["up"], f"{who}: the bytes toward the server are identical on both legs "
              f"({len(a['up'])} and {len(b['up'])} bytes)")
        check(len(a["down"]) > 100 and a["down"] == b["down"], f"{who}: the bytes toward the {who} are identical on both "
              f"legs ({len(a['down'])} and {len(b['down'])} bytes)")
    proxy.send_signal(signal.SIGINT)
    proxy.wait(timeout=10)
    lines = [json.loads(l) for l in proxy.lines]
    check(any(l.get("code") == "S" and l["leg"] == "client" for l in lines) and not any(l["changed"] for l in lines),
          "the proxy decrypted the car's lines it passed on unchanged")
    serve.terminate()
    serve.wait()


def test_upstream_gone():
    """The server dies while car and app are connected through the proxy: the car's leg is closed
    with a clear message from the proxy, and the app's too."""
    rig = Rig()
    app = subprocess.Popen([SIM, "app", "--connect", f"127.0.0.1:{rig.pport}", "--vehicle", "DEMO", "-k", KEYS,
                            "--json", "--duration", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(rig.wait_for(lambda l: l.get("code") == "S" and l["leg"] == "server", 15), "the app is logged in through the proxy")
    car_err = os.path.join(TMP, "car.err")
    # The car says "...; reconnecting in 10 s" whenever its connection ends (a FIN or, when the dying
    # server had unread bytes, a reset passed on as one).
    said_before = open(car_err).read().count("reconnecting in")
    rig.serve.kill()  # SIGKILL: the server's sockets are closed by the kernel
    rig.serve.wait()
    out, err = app.communicate(timeout=30)
    check(app.returncode == 1 and ("closed the connection" in err or "reset" in err),
          f"the app's leg was closed once the server was gone (rc {app.returncode}: {err.strip()[-150:]})")
    end = time.time() + 15
    while time.time() < end and open(car_err).read().count("reconnecting in") == said_before:
        time.sleep(0.05)
    check(open(car_err).read().count("reconnecting in") > said_before,
          f"the car's leg was closed: {open(car_err).read().strip()[-200:]}")
    rig.car.terminate()
    rig.car.wait()
    rig.proxy.send_signal(signal.SIGINT)
    rig.proxy.wait(timeout=10)
    perr = open(os.path.join(TMP, "proxy.err")).read()
    check("upstream_gone" in perr and "the client's leg" in perr,
          f"the proxy said the server went away and it closes the client's leg: {perr.strip()[-300:]}")


def test_many_sessions():
    """1,000 concurrent app sessions through one proxy with keys (one ovms-sim app --sessions process,
    each session its own login and tokens): every one decodes the car's S, and the proxy decoded the S
    it passed to each of them."""
    n = 1000
    # The car answers every rise of Z (an app connected) with a full update to all connected apps: 1,000
    # rises would make a million lines, a load test of the car's fan-out, not of the proxy's sessions.
    # So the car is paused (SIGSTOP) once it has sent its status: the server keeps its S and replays
    # it to each app at login (PROTOCOL.md §4.3). -Y: the proxy shows only the S lines. The proxy
    # starts with a soft limit of 1,024 open files (2,000 sockets needed): it raises it to the hard limit.
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    check(hard == resource.RLIM_INFINITY or hard > 2 * n + 100, f"the hard limit of open files allows {n} sessions: {hard}")
    rig = Rig(["-Y", 'code == "S"'], car_args=["--interval", "600"], proxy_soft_nofile=1024)
    rig.car.send_signal(signal.SIGSTOP)
    t0 = time.time()
    r = subprocess.run([SIM, "app", "--connect", f"127.0.0.1:{rig.pport}", "--vehicle", "DEMO", "-k", KEYS,
                        "--sessions", str(n), "--duration", "100"], capture_output=True, text=True, timeout=150)
    took = time.time() - t0
    check(r.returncode == 0 and f"{n} sessions: {n} logged in, {n} got the car's S" in r.stdout,
          f"{n} concurrent app sessions through the proxy each decoded the car's S in {took:.1f} s: "
          f"{r.stdout.strip()} (rc {r.returncode}: {r.stderr.strip()[-200:]})")
    # Each app session is its own proxy session (the car's is another): one decoded S toward each.
    def toward_apps():
        return {l["conn"] for l in rig.lines if l.get("code") == "S" and l["leg"] == "server"}
    end = time.time() + 20  # the proxy's stdout reader may lag behind under load
    while len(toward_apps()) < n and time.time() < end:
        time.sleep(0.2)
    check(len(toward_apps()) >= n, f"the proxy decrypted the S it relayed to every one of them: {len(toward_apps())}")
    rig.car.send_signal(signal.SIGCONT)
    check(rig.stop() == 0, "the proxy ends cleanly after 1,000 sessions")


def test_record():
    """--record, ended by SIGINT: ovmsdump decodes every line of both legs with the keys written beside."""
    cap = os.path.join(TMP, "rec.pcapng")
    rig = Rig(["--record", cap])
    rc, got, err = rig.app("--send", "C7,stat", until="c")
    check(rig.stop() == 0, "SIGINT with --record ends with status 0")
    keys = os.path.join(TMP, "rec.keys.yaml")
    check(os.stat(cap).st_mode & 0o777 == 0o600 and os.stat(keys).st_mode & 0o777 == 0o600,
          "the capture and its keys are 0600")
    r = subprocess.run([OVMSDUMP, "-r", cap, "-k", keys, "--json"], capture_output=True, text=True)
    recs = [json.loads(l) for l in r.stdout.splitlines()]
    check(r.returncode == 0 and recs, f"ovmsdump reads the recording (rc {r.returncode}: {r.stderr.strip()[-200:]})")
    msgs = [m for m in recs if m.get("kind") == "message"]
    check(msgs and all(m.get("plain") is not None for m in msgs), "every message line of the recording decrypts")
    conns = {m["conn"] for m in msgs}
    check(len(conns) == 4, f"both legs of both sessions are in it: connections {sorted(conns)}")
    s_count = sum(1 for m in msgs if m.get("code") == "S")
    check(s_count >= 4, f"the car's S is on its leg and the server's leg, and the app's two: {s_count}")
    check(any(m.get("code") == "c" and m.get("fields", {}).get("command") == 7 for m in msgs),
          "the C7 answer is in the recording")


def test_backpressure():
    """A receiver that does not read while the sender floods: the proxy stops reading the sender (its
    memory stays bounded), and once the receiver reads, every byte arrives in order."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    port = lst.getsockname()[1]
    p, pport = start_listening([PROXY, "--listen", "127.0.0.1:0", "--upstream", f"127.0.0.1:{port}", "--bound", "65536"],
                               "proxy_bp")
    sender = socket.create_connection(("127.0.0.1", pport))
    receiver, _ = lst.accept()
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sender.setblocking(False)
    block = os.urandom(65536)
    sent = hashlib.sha256()
    total = 0
    end = time.time() + 3
    while time.time() < end:
        try:
            n = sender.send(block)
            sent.update(block[:n])
            total += n
        except BlockingIOError:
            time.sleep(0.01)
    rss = 0
    with open(f"/proc/{p.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    check(total < 32 << 20, f"the sender was slowed down while nobody read: {total} bytes accepted in 3 s")
    check(rss < 64 << 20, f"the proxy's memory stayed bounded: RSS {rss >> 20} MiB")
    sender.setblocking(True)
    sender.shutdown(socket.SHUT_WR)
    got = hashlib.sha256()
    n = 0
    receiver.settimeout(10)
    while n < total:
        try:
            d = receiver.recv(1 << 20)
        except socket.timeout:
            break
        if not d:
            break
        got.update(d)
        n += len(d)
    check(n == total and got.digest() == sent.digest(), f"every byte arrived in order once read ({n} of {total})")
    p.send_signal(signal.SIGINT)
    p.wait(timeout=10)


def test_bad_rules():
    path = rules_file("- match: 'code =='\n  drop: true\n")
    r = subprocess.run([PROXY, "--upstream", "127.0.0.1:1", "--rules", path], capture_output=True, text=True)
    check(r.returncode == 2 and "rules.yaml:1: match: column" in r.stderr, f"a bad rule filter is named: {r.stderr.strip()}")
    path = rules_file("- match: 'code == S'\n  set: {field: status.nosuch, value: 1}\n")
    r = subprocess.run([PROXY, "--upstream", "127.0.0.1:1", "--rules", path], capture_output=True, text=True)
    check(r.returncode == 2 and "status.nosuch" in r.stderr, f"an unknown field is named: {r.stderr.strip()}")


ONLY = sys.argv[5:]
for t in [test_bad_rules, test_relayed_and_shown, test_edit_drop, test_paranoid_edit, test_answer_and_delay, test_inject_reply_kept, test_pass_through_without_keys,
          test_upstream_refused, test_upstream_gone, test_identical_bytes, test_record, test_tls_both_legs, test_tls_local_ca, test_scheme1_and_websocket, test_many_sessions, test_backpressure]:
    if ONLY and t.__name__ not in ONLY:
        continue
    print(f"--- {t.__name__}", flush=True)
    t()
print("FAILED: " + "; ".join(FAILS) if FAILS else "all passed")
sys.exit(1 if FAILS else 0)
