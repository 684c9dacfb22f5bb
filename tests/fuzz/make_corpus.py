#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/) from the bundled samples
and a few hand-written inputs. Run from anywhere: python3 tests/fuzz/make_corpus.py. The seeds are
small on purpose (the first few KB of each sample); libFuzzer grows its own corpus from them.
"""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SAMPLES = os.path.join(ROOT, "samples")
SEED_BYTES = 6000  # per seed: enough for the welcomes and a few dozen lines


def pcap_frames(path):
    data = open(path, "rb").read()
    assert data[:4] == b"\xd4\xc3\xb2\xa1", path  # little-endian microsecond pcap, as our simulator writes
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + incl], data[off:off + 16 + incl]
        off += 16 + incl


def tcp_payload(frame):
    """(client_to_server?, payload, key) of an Ethernet/IPv4 or IPv6 TCP frame, or None."""
    eth_type = struct.unpack(">H", frame[12:14])[0]
    ip = frame[14:]
    if eth_type == 0x0800:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 6:
            return None
        src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:total]
    elif eth_type == 0x86DD:
        if ip[6] != 6:
            return None
        src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + struct.unpack(">H", ip[4:6])[0]]
    else:
        return None
    sport, dport = struct.unpack(">HH", tcp[:4])
    payload = tcp[(tcp[12] >> 4) * 4:]
    to_server = dport in (6867, 6870) or (sport not in (6867, 6870) and dport < sport)
    key = (src, sport, dst, dport) if to_server else (dst, dport, src, sport)
    return to_server, payload, key


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def samples():
    for name in sorted(os.listdir(SAMPLES)):
        if name.endswith(".pcap") and name != "all.pcap":
            yield name[:-5], os.path.join(SAMPLES, name)


def main():
    for name, path in samples():
        frames = list(pcap_frames(path))
        # connection / relay: the first connection's payloads as events, in capture order.
        conn, relay, first = b"", b"", None
        for frame, _ in frames:
            p = tcp_payload(frame)
            if not p or not p[1]:
                continue
            to_server, payload, key = p
            first = first or key
            if key != first:
                continue
            event = struct.pack(">BH", 0 if to_server else 1, len(payload)) + payload
            if len(conn) + len(event) > SEED_BYTES:
                break
            conn += event
            relay += event  # op 0/1: received on the client / server leg
        write("connection", name, conn)
        write("relay", name, relay)
        # tcp: whole frames, Ethernet.
        tcp = b""
        for frame, _ in frames:
            rec = struct.pack(">BH", 0, len(frame)) + frame
            if len(tcp) + len(rec) > SEED_BYTES:
                break
            tcp += rec
        write("tcp", name, tcp)
        # capture: the file cut after its first records (a truncated tail is an input too).
        data = open(path, "rb").read()
        cut = 24
        for _, rec in frames:
            if cut + len(rec) > SEED_BYTES:
                break
            cut += len(rec)
        write("capture", name + ".pcap", data[:cut])
        # framer: each direction of the first connection as one stream (WebSocket mode for that sample).
        for to_server in (True, False):
            stream = b"".join(p[1] for p in map(tcp_payload, (f for f, _ in frames))
                              if p and p[0] == to_server and p[2] == first)[:SEED_BYTES]
            mode = b"\x00"
            chunks = b""
            for i in range(0, len(stream), 200):
                part = stream[i:i + 200]
                chunks += b"\x01" + struct.pack(">H", len(part)) + part
            write("framer", "%s-%s" % (name, "up" if to_server else "down"), mode + chunks)
    write("capture", "basic.pcap.gz", gzip.compress(open(os.path.join(SAMPLES, "basic.pcap"), "rb").read()[:3000], mtime=0))
    # framer: WebSocket frames, fragments, a 64-bit length, a ping.
    ws = b"\x81\x05hello" + b"\x01\x03abc" + b"\x80\x03def" + b"\x89\x00" + b"\x82\x7f" + b"\x00" * 7 + b"\x04data"
    write("framer", "websocket-frames", b"\x03" + b"\x01" + struct.pack(">H", len(ws)) + ws)
    # json: 8 bytes of time stamp, then a message body.
    for i, body in enumerate([b"S55.3,K,0,0.00,stopped,standard,200,180", b"Snan,K,inf", b"Z1e300",
                              b"PIcaf\xc3\xa9 \xed\xa0\x80 \xf4\x90\x80\x80", b"c1,0,0,-9223372036854775808,x",
                              b"C7,stat", b"F3.3.001,VIN,5,0,TR,,,", b"W30,40,30,40,30,40,30,40,1"]):
        write("json", "body%d" % i, struct.pack("<d", 1.7e9 + i) + body)
    write("json", "ts-2-64-us", struct.pack("<d", 18446744073709.551615) + b"S1")
    # keys: the samples' keys file and hostile ones.
    write("keys", "samples.yaml", open(os.path.join(SAMPLES, "keys.yaml"), "rb").read())
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        "%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n" % ((chr(98 + i),) * 2 + (chr(97 + i),) * 9)
        for i in range(8)) + "vehicles:\n  - id: DEMO\n    server_password: *i\n"
    write("keys", "alias-bomb.yaml", bomb.encode())
    write("keys", "bad-indent.yaml", b"vehicles:\n - id: X\n  server_password: y\n\t- z\n")
    # rules: the proxy's rules files (proxy/README.md's example and broken ones).
    write("rules", "set-soc.yaml", b"- match: 'status.soc < 100'\n  set: {field: status.soc, value: \"12.5\"}\n"
          b"- match: 'code == \"S\"'\n  replace: {from: \"stopped\", to: \"\"}\n")
    write("rules", "bad-filter.yaml", b"- match: 'code =='\n  drop: true\n")
    write("rules", "bad-field.yaml", b"- match: 'code == S'\n  set: {field: status.nosuch, value: 1}\n")
    write("rules", "bad-delay-leg.yaml", b"- match: 'true'\n  delay: -1e308\n- match: 'code == \"S\"'\n  from: moon\n  drop: yes\n")
    write("rules", "alias-broken.yaml", b"a: &a [x, x, x]\n- match: *a\n  drop: true\n{]\n")
    # filter: expressions of docs/filters.md's kinds.
    for i, f in enumerate(["status.soc < 20 && vehicle == \"DEMO\"", "ovms.code == \"S\" or paranoid",
                           "diag matches \"^tcp\\\\.\" and not ovms.inner", "command in {7 10..20}",
                           "fields.extra[0] contains \"x\"", "!(dir == c2s) || frame >= 3", "diag.id == \"session.bad_prefix\""]):
        write("filter", "f%d" % i, f.encode())


if __name__ == "__main__":
    main()
