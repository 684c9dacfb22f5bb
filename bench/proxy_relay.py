#!/usr/bin/env python3
"""ovms-proxy against a plain TCP relay (socat) and a direct connection, on 127.0.0.1 (a benchmark,
not a test). throughput, latency and idle send bytes that are not OVMS, so the proxy runs its
pass-through path: what its sockets, buffers and event loop cost. lines sends a real, encrypted OVMS
session (the v2 handshake, then RC4 lines of the car's status messages) through the proxy with the
vehicle's keys, so every line is decrypted, decoded, shown and re-encrypted on its way.

  proxy_relay.py throughput proxy|socat|direct MIB OVMS_PROXY   # whole-process timing: A vs B wall time
  proxy_relay.py latency SESSIONS ROUNDS OVMS_PROXY             # p50/p99 round trip, all three, one run
  proxy_relay.py idle SESSIONS OVMS_PROXY                       # proxy memory per idle session
  proxy_relay.py lines LINES RUNS OVMS_PROXY KEYS               # lines/s through one decrypting session
"""
import base64
import hashlib
import hmac
import random
import os
import socket
import statistics
import subprocess
import sys
import threading
import time


def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(4096)
    return s, s.getsockname()[1]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def listening(port):
    """True once something listens on 127.0.0.1:port (read from /proc/net/tcp, without connecting)."""
    with open("/proc/net/tcp") as f:
        return any(l.split()[1] == f"0100007F:{port:04X}" and l.split()[3] == "0A" for l in f.readlines()[1:])


def start_relay(kind, target, proxy, extra=()):
    """A relay from a new port to `target`; returns (process, port) (None for direct)."""
    if kind == "direct":
        return None, target
    if kind == "socat1":
        # One connection, no fork: its CPU time is the process's own (lines measures it).
        port = free_port()
        p = subprocess.Popen(["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", f"TCP:127.0.0.1:{target}"],
                             stderr=subprocess.DEVNULL)
        for _ in range(500):
            if listening(port):
                break
            time.sleep(0.01)
        return p, port
    if kind == "socat":
        port = free_port()
        p = subprocess.Popen(["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork",
                              f"TCP:127.0.0.1:{target}"], stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.01)
        return p, port
    if extra:
        # What the proxy shows (a line for each line it decrypted) goes to a file: a pipe read by this
        # process would take CPU from the measurement.
        import tempfile
        out = tempfile.NamedTemporaryFile(prefix="proxy_bench.", delete=False)
        p = subprocess.Popen([proxy, "--listen", "127.0.0.1:0", "--upstream", f"127.0.0.1:{target}", *extra],
                             stdout=out, stderr=subprocess.DEVNULL)
        p.shown = out.name
        for _ in range(1000):
            first = open(out.name).readline()
            if first.endswith("\n"):
                return p, int(first.strip().rsplit(":", 1)[1])
            time.sleep(0.01)
        raise SystemExit("ovms-proxy did not say where it listens")
    p = subprocess.Popen([proxy, "--listen", "127.0.0.1:0", "--upstream", f"127.0.0.1:{target}"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = int(p.stdout.readline().strip().rsplit(":", 1)[1])
    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    return p, port


def throughput(kind, mib, proxy):
    lst, target = listener()
    total = mib << 20
    got = [0]

    def sink():
        # Connections that end at once are the readiness probes of start_relay (socat forks for them).
        while got[0] < total:
            c, _ = lst.accept()
            while got[0] < total:
                d = c.recv(1 << 20)
                if not d:
                    break
                got[0] += len(d)

    t = threading.Thread(target=sink)
    t.start()
    p, port = start_relay(kind, target, proxy)
    c = socket.create_connection(("127.0.0.1", port))
    block = b"x" * (1 << 20)
    for _ in range(mib):
        c.sendall(block)
    t.join()
    c.close()
    if p:
        p.terminate()
        p.wait()
    if got[0] != total:
        sys.exit(f"only {got[0]} of {total} bytes arrived")


def latency(sessions, rounds, proxy):
    lst, target = listener()

    def echo(c):
        while True:
            d = c.recv(65536)
            if not d:
                return
            c.sendall(d)

    def acceptor():
        while True:
            c, _ = lst.accept()
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=echo, args=(c,), daemon=True).start()

    threading.Thread(target=acceptor, daemon=True).start()
    line = b"MP-0 S80.0,K,0,0,stopped,standard,250,200,0,0,0,0,0,0,0,0,0,0,0,0,0,0\r\n"
    results = {}
    for kind in os.environ.get("KINDS", "direct socat proxy").split():
        p, port = start_relay(kind, target, proxy)
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(sessions)]
        for c in conns:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # One round trip on every session first: the relay's upstream connections are made, and the
        # echo server's threads started, before anything is timed.
        for c in conns:
            c.sendall(line)
            n = 0
            while n < len(line):
                n += len(c.recv(65536))
        times = []
        for i in range(rounds):
            c = conns[i % sessions]
            t0 = time.perf_counter()
            c.sendall(line)
            n = 0
            while n < len(line):
                n += len(c.recv(65536))
            times.append(time.perf_counter() - t0)
        for c in conns:
            c.close()
        if p:
            p.terminate()
            p.wait()
        times.sort()
        results[kind] = (statistics.median(times), times[int(len(times) * 0.99)])
    d50, d99 = results.get("direct", (0, 0))
    for kind, (p50, p99) in results.items():
        print(f"{kind:7s} sessions={sessions} p50={p50 * 1e6:.0f} us p99={p99 * 1e6:.0f} us "
              f"added p50={(p50 - d50) * 1e6:.0f} us p99={(p99 - d99) * 1e6:.0f} us")


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def idle(sessions, proxy):
    lst, target = listener()
    held = []
    threading.Thread(target=lambda: [held.append(lst.accept()) for _ in range(sessions)], daemon=True).start()
    p, port = start_relay("proxy", target, proxy)
    time.sleep(0.3)
    before = rss(p.pid)
    conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(sessions)]
    for _ in range(500):
        if len(held) == sessions:
            break
        time.sleep(0.01)
    time.sleep(0.5)
    after = rss(p.pid)
    print(f"proxy RSS {before >> 10} KiB idle, {after >> 10} KiB with {sessions} idle sessions: "
          f"{(after - before) / sessions / 1024:.1f} KiB per session")
    for c in conns:
        c.close()
    p.terminate()
    p.wait()


# --- an encrypted OVMS session (PROTOCOL.md §2.1-2.4), for lines

# The car's status set as a v3 module sends it (the simulator's values): every line a real message.
CAR_LINES = [
    "MP-0 S80.5,K,220,16,charging,standard,310,280,32,7200,3,1,22,0,0,0,0,1,0,0,100,0,0,0,350,0,0",
    "MP-0 D117,0,5,21,22,23,456789,3,15,12,13.2,0,0,1,1,0,10,0",
    "MP-0 L51.507351,-0.127758,90,15,1,1,0,0,0,12,1.2,4,0",
    "MP-0 F3.4.0/ota_0/main (build idf v3.3.4-849-g6e214dc2 Dec 14 2023 07:00:00),SIM-VIN-123456789,5,0,TST,,,",
    "MP-0 Y4,0,0,0,0,0,0,0",
]
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def token():
    return "".join(random.choice(ALPHABET) for _ in range(22))


def digest(secret, text):
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.md5).digest()).decode()


def rc4(key):
    """A standard RC4 state, primed by 1024 bytes thrown away (§2.4)."""
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
    from cryptography.hazmat.primitives.ciphers import Cipher
    enc = Cipher(ARC4(key), mode=None).encryptor()
    enc.update(b"\0" * 1024)
    return enc


def read_line(sock, buf):
    while b"\n" not in buf:
        d = sock.recv(65536)
        if not d:
            raise SystemExit("the peer closed during the handshake")
        buf.extend(d)
    i = buf.index(b"\n")
    line = bytes(buf[:i + 1])
    del buf[:i + 1]
    return line


def server_secret(keys, vehicle):
    import yaml
    for v in yaml.safe_load(open(keys)).get("vehicles", []):
        if v.get("id") == vehicle:
            return v["server_password"]
    raise SystemExit(f"{vehicle} is not in {keys}")


def lines_run(kind, n, proxy, keys, vehicle="DEMO"):
    """One car session: the handshake with a counting server, then N encrypted lines sent at once.
    Returns lines per second from the first line sent to the last byte received."""
    secret = server_secret(keys, vehicle)
    lst, target = listener()
    result = {}

    def server():
        while True:  # connections that end at once are the readiness probes of start_relay (socat)
            c, _ = lst.accept()
            buf = bytearray()
            try:
                welcome = read_line(c, buf).decode().split()
                break
            except SystemExit:
                c.close()
        ctoken = welcome[2]
        stoken = token()
        c.sendall(f"MP-S 0 {stoken} {digest(secret, stoken)}\r\n".encode())
        got = len(buf)
        while "total" not in result:  # the client says how much follows once it has encrypted it
            time.sleep(0.001)
        want = result["total"]
        while got < want:
            d = c.recv(1 << 20)
            if not d:
                break
            got += len(d)
        result["end"] = time.perf_counter()
        result["got"] = got
        c.close()

    t = threading.Thread(target=server)
    t.start()
    extra = ["-k", keys] if kind == "proxy" else []
    p, port = start_relay(kind, target, proxy, extra)
    c = socket.create_connection(("127.0.0.1", port))
    ctoken = token()
    c.sendall(f"MP-C 0 {ctoken} {digest(secret, ctoken)} {vehicle}\r\n".encode())
    buf = bytearray()
    reply = read_line(c, buf).decode().split()
    stoken = reply[2]
    key = hmac.new(secret.encode(), (stoken + ctoken).encode(), hashlib.md5).digest()
    tx = rc4(key)
    plain = [(CAR_LINES[i % len(CAR_LINES)]).encode() for i in range(n)]
    wire = b"".join(base64.b64encode(tx.update(l)) + b"\r\n" for l in plain)
    result["total"] = len(wire)
    cpu0 = cpu_seconds(p.pid) if p else 0
    t0 = time.perf_counter()
    c.sendall(wire)
    t.join()
    cpu = cpu_seconds(p.pid) - cpu0 if p else 0
    c.close()
    c.close()
    if p:
        p.terminate()
        p.wait()
        if kind == "proxy" and hasattr(p, "shown"):
            # Every line was decrypted: the proxy showed each of them decoded (a status S among them).
            shown = open(p.shown).read()
            os.unlink(p.shown)
            if shown.count(" S ") + shown.count("status") == 0:
                raise SystemExit("the proxy decoded none of the lines: " + shown[:300])
    if result.get("got") != len(wire):
        raise SystemExit(f"{kind}: only {result.get('got')} of {len(wire)} bytes arrived")
    return n / (result["end"] - t0), cpu


def cpu_seconds(pid):
    """User + system seconds the process has used (socat: its parent only; its work is in the child)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def lines(n, runs, proxy, keys):
    rates = {k: [] for k in ("direct", "socat1", "proxy")}
    cpus = {"socat1": [], "proxy": []}
    for _ in range(runs):  # in turn, so that a drift of the machine's speed touches all three alike
        for kind in rates:
            rate, cpu = lines_run(kind, n, proxy, keys)
            rates[kind].append(rate)
            if kind in cpus:
                cpus[kind].append(cpu)
    med = {k: statistics.median(v) for k, v in rates.items()}
    for kind, v in rates.items():
        print(f"{kind:7s} {n} lines x {runs}: median {med[kind]:.0f} lines/s (min {min(v):.0f}, max {max(v):.0f})")
    ratios = sorted(p / s for p, s in zip(rates["proxy"], rates["socat1"]))
    print(f"proxy / socat lines per second (wall): median {statistics.median(ratios):.3f} "
          f"(min {ratios[0]:.3f}, max {ratios[-1]:.3f})")
    # On a shared machine the wall rate is mostly how often the relay is scheduled; the CPU time a
    # line costs is what bounds the rate on a free core.
    for kind, v in cpus.items():
        c = statistics.median(v)
        print(f"{kind:7s} CPU (user + system) for {n} lines: median {c:.3f} s = {c / n * 1e6:.2f} us a line, "
              f"{n / c if c else float('inf'):.0f} lines per CPU second")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "throughput":
        throughput(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif mode == "latency":
        latency(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif mode == "idle":
        idle(int(sys.argv[2]), sys.argv[3])
    elif mode == "lines":
        lines(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
