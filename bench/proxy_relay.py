#!/usr/bin/env python3
"""ovms-proxy against a plain TCP relay (socat) and a direct connection, on 127.0.0.1 (a benchmark,
not a test). The bytes are not OVMS, so the proxy runs its pass-through path: what its sockets,
buffers and event loop cost, the relay's decoding aside (bench/relay_lines.cpp measures that).

  proxy_relay.py throughput proxy|socat|direct MIB OVMS_PROXY   # for farm-bench: A vs B wall time
  proxy_relay.py latency SESSIONS ROUNDS OVMS_PROXY             # p50/p99 round trip, all three, one run
  proxy_relay.py idle SESSIONS OVMS_PROXY                       # proxy memory per idle session
"""
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


def start_relay(kind, target, proxy):
    """A relay from a new port to `target`; returns (process, port) (None for direct)."""
    if kind == "direct":
        return None, target
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
    for kind in ("direct", "socat", "proxy"):
        p, port = start_relay(kind, target, proxy)
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(sessions)]
        for c in conns:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
    d50, d99 = results["direct"]
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


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "throughput":
        throughput(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif mode == "latency":
        latency(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif mode == "idle":
        idle(int(sys.argv[2]), sys.argv[3])
