#!/usr/bin/env python3
"""ovms-proxy --replay end to end, on 127.0.0.1 with free ports: a sample capture's car (and app) replayed by
meaning over a fresh session to the simulator's live server (ovms-sim serve); a live ovms-sim app (or car)
checks it receives the replayed values. The expected values come from ovmsdump decoding the same capture.

usage: replay_test.py OVMS_PROXY OVMS_SIM OVMSDUMP SAMPLES_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

PROXY, SIM, OVMSDUMP, SAMPLES = sys.argv[1:5]
TMP = tempfile.mkdtemp(prefix="replay_test.")
KEYS = os.path.join(TMP, "keys.yaml")
with open(os.path.join(SAMPLES, "keys.yaml")) as f, open(KEYS, "w") as g:
    g.write(f.read())
os.chmod(KEYS, 0o600)
FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def start_listening(cmd, name):
    """Starts a command whose first stdout line is 'listening on ADDR:PORT'; returns (proc, port)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(os.path.join(TMP, name + ".err"), "w"), text=True)
    first = p.stdout.readline()
    if not first.startswith("listening on "):
        raise SystemExit(f"{name}: no 'listening on' line: {first!r}")
    p.lines = []
    threading.Thread(target=lambda: p.lines.extend(iter(p.stdout.readline, "")), daemon=True).start()
    return p, int(first.strip().rsplit(":", 1)[1])


def capture_messages(pcap, vehicle, role, code):
    """The decrypted messages `role` sent for `vehicle` with `code`, as ovmsdump decodes the capture."""
    out = subprocess.run([OVMSDUMP, "-r", pcap, "-k", KEYS, "--json"], capture_output=True, text=True, check=True).stdout
    recs = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    return [r for r in recs if r.get("dir") == "c2s" and r.get("role") == role and r.get("vehicle") == vehicle
            and r.get("code") == code]


def replay(port, *args, timeout=60):
    return subprocess.run([PROXY, "--replay", *args, "--upstream", f"127.0.0.1:{port}", "-k", KEYS, "--json"],
                          capture_output=True, text=True, timeout=timeout)


def json_lines(text):
    return [json.loads(l) for l in text.splitlines() if l.startswith("{")]


def test_replay_car():
    """basic.pcap's car DEMO replayed as fast as the server reads: a live app gets every S the car sent."""
    pcap = os.path.join(SAMPLES, "basic.pcap")
    want = [m["fields"]["soc"] for m in capture_messages(pcap, "DEMO", "car", "S")]
    check(len(want) >= 2, f"the capture's car sent S lines: {want}")
    serve, port = start_listening([SIM, "serve", "--listen", "127.0.0.1:0", "-k", KEYS], "serve")
    app = subprocess.Popen([SIM, "app", "--connect", f"127.0.0.1:{port}", "--vehicle", "DEMO", "-k", KEYS, "--json",
                            "--duration", "6"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)  # the app logged in: the server relays the car's lines to it as they come
    r = replay(port, os.path.join(SAMPLES, "basic.pcap"), "--vehicle", "DEMO", "--as", "car", "--speed", "0",
               "--linger", "1")
    check(r.returncode == 0, f"the replay ended well (rc {r.returncode}: {r.stderr.strip()[-300:]})")
    lines = json_lines(r.stdout)
    check(any(l.get("kind") == "server_welcome" and l.get("handshake", {}).get("ok") for l in lines)
          or any(l.get("dir") == "s2c" and l.get("kind") == "server_welcome" for l in lines),
          "the server accepted the fresh session (its welcome is shown)")
    sent = [l for l in lines if l.get("dir") == "c2s" and l.get("code") == "S"]
    check([l["fields"]["soc"] for l in sent] == want, f"the replay sent the capture's S lines: {len(sent)} of {len(want)}")
    check(any(l.get("dir") == "s2c" and l.get("code") for l in lines), "what the server answered is shown")
    out, err = app.communicate(timeout=20)
    got_msgs = json_lines(out)
    got = [m["fields"]["soc"] for m in got_msgs if m.get("code") == "S"]
    check(got[-len(want):] == want, f"the live app decoded the replayed S values in order: {got} vs {want}")
    # Every kind of message the car recorded (not only S) reaches the app with the same fields.
    for code in ("D", "L", "W"):
        rec = [m["fields"] for m in capture_messages(pcap, "DEMO", "car", code)]
        app_got = [m["fields"] for m in got_msgs if m.get("code") == code]
        check(rec and app_got[-len(rec):] == rec, f"the app got the car's {code} lines with their fields ({len(app_got)} of {len(rec)})")
    serve.terminate()
    serve.wait()


def test_replay_timing():
    """--speed 1 keeps the capture's spacing: two lines recorded t apart go out about t apart."""
    pcap = os.path.join(SAMPLES, "basic.pcap")
    serve, port = start_listening([SIM, "serve", "--listen", "127.0.0.1:0", "-k", KEYS], "serve")
    # At 100 times the capture's speed the car's minutes of updates take seconds.
    ts = [m["ts"] for m in capture_messages(pcap, "DEMO", "car", "S")]
    start = time.time()
    r = replay(port, pcap, "--vehicle", "DEMO", "--speed", "100", "--linger", "0")
    took = time.time() - start
    span = (ts[-1] - ts[0]) / 100
    check(r.returncode == 0 and took >= span * 0.9, f"--speed 100 took {took:.2f} s for a {span:.2f} s span")
    serve.terminate()
    serve.wait()


def test_replay_app():
    """basic.pcap's app replayed: its commands reach a live car, whose answers the replay shows."""
    pcap = os.path.join(SAMPLES, "basic.pcap")
    cmds = capture_messages(pcap, "DEMO", "app", "C")
    serve, port = start_listening([SIM, "serve", "--listen", "127.0.0.1:0", "-k", KEYS], "serve")
    car = subprocess.Popen([SIM, "car", "--connect", f"127.0.0.1:{port}", "--vehicle", "DEMO", "-k", KEYS],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    r = replay(port, pcap, "--vehicle", "DEMO", "--as", "app", "--speed", "0", "--linger", "2")
    lines = json_lines(r.stdout)
    sent = [l for l in lines if l.get("dir") == "c2s" and l.get("code") == "C"]
    answers = {l["fields"].get("command") for l in lines if l.get("dir") == "s2c" and l.get("code") == "c"}
    want = {c["fields"].get("command") for c in cmds}
    check(r.returncode == 0 and len(sent) == len(cmds), f"the app's {len(cmds)} commands were replayed ({len(sent)})")
    check(want <= answers, f"the live car answered every replayed command: {sorted(want)} in {sorted(answers)}")
    car.terminate()
    car.wait()
    serve.terminate()
    serve.wait()


def test_replay_errors():
    r = replay(1, os.path.join(SAMPLES, "basic.pcap"), "--vehicle", "NOSUCH")
    check(r.returncode == 2 and "no decrypted message sent by car NOSUCH" in r.stderr, f"an unknown vehicle is named: {r.stderr.strip()}")
    r = replay(1, os.path.join(TMP, "missing.pcap"), "--vehicle", "DEMO")
    check(r.returncode == 2 and "missing.pcap" in r.stderr, f"a missing capture is named: {r.stderr.strip()}")
    r = replay(1, os.path.join(SAMPLES, "basic.pcap"), "--vehicle", "DEMO", "--speed", "0")
    check(r.returncode == 1 and "127.0.0.1:1" in r.stderr, f"an unreachable server is said: {r.stderr.strip()}")


def test_replay_tls():
    """--tls: the replay's session to a TLS server (6870's way), verified against --upstream-cafile; without
    it the unknown certificate is refused."""
    cert, key = os.path.join(TMP, "cert.pem"), os.path.join(TMP, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    pcap = os.path.join(SAMPLES, "basic.pcap")
    serve, port = start_listening([SIM, "serve", "--listen", "127.0.0.1:0", "-k", KEYS, "--tls", "--cert", cert,
                                   "--key", key], "serve_tls")
    app = subprocess.Popen([SIM, "app", "--connect", f"127.0.0.1:{port}", "--vehicle", "DEMO", "-k", KEYS, "--json",
                            "--tls", "--cafile", cert, "--duration", "5"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    time.sleep(1)
    r = replay(port, pcap, "--vehicle", "DEMO", "--speed", "0", "--linger", "0.5", "--tls", "--upstream-cafile", cert)
    check(r.returncode == 0, f"the replay over TLS ended well ({r.stderr.strip()[-200:]})")
    out, _ = app.communicate(timeout=20)
    got = [m for m in json_lines(out) if m.get("code") == "S"]
    check(len(got) >= 4, f"the TLS app got the replayed S lines ({len(got)})")
    r = replay(port, pcap, "--vehicle", "DEMO", "--speed", "0", "--tls")
    check(r.returncode == 1 and "TLS" in r.stderr, f"an unverified server certificate stops the replay: {r.stderr.strip()[-200:]}")
    serve.terminate()
    serve.wait()


for t in [test_replay_errors, test_replay_car, test_replay_timing, test_replay_app, test_replay_tls]:
    print(f"--- {t.__name__}", flush=True)
    t()
print("FAILED: " + "; ".join(FAILS) if FAILS else "all passed")
sys.exit(1 if FAILS else 0)
