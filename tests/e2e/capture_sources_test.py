#!/usr/bin/env python3
"""End-to-end tests of where ovmsdump reads packets from: .gz files, standard input as a stream
(a pipe that pauses, Ctrl-C on it), a live interface (-i lo, with traffic this test makes on a free
port of its own), the permission error of an unprivileged user, and -D.

Run by ctest as: capture_sources_test.py OVMSDUMP SAMPLES_DIR
Live capture needs root or cap_net_raw,cap_net_admin (CI runs as root).
"""
import atexit
import gzip
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

OVMSDUMP, SAMPLES = sys.argv[1:3]
# A private copy of the sample keys: a checkout leaves samples/keys.yaml 0644, and ovmsdump warns about
# a keys file others may read on stderr, where this test reads the 'capturing on' banner.
_KEYS_DIR = tempfile.mkdtemp(prefix="ovms-keys-")
atexit.register(shutil.rmtree, _KEYS_DIR, True)
KEYS = os.path.join(_KEYS_DIR, "keys.yaml")
shutil.copyfile(os.path.join(SAMPLES, "keys.yaml"), KEYS)
os.chmod(KEYS, 0o600)
BASIC = os.path.join(SAMPLES, "basic.pcap")


def run(*args, stdin=None, check=True):
    p = subprocess.run([OVMSDUMP, *args], input=stdin, capture_output=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"ovmsdump {' '.join(args)} exited {p.returncode}: {p.stderr.decode()}")
    return p


def pcap_records(data):
    """(offset, bytes) of each record of a little-endian classic pcap file, header included."""
    out, at = [], 24
    while at + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, at + 8)[0]
        out.append((at, data[at:at + 16 + caplen]))
        at += 16 + caplen
    return out


def tcp_segments(data):
    """(src, dst, flags, payload) of each IPv4 TCP segment of an Ethernet pcap (what the simulator writes)."""
    segs = []
    for _, rec in pcap_records(data):
        frame = rec[16:]
        if struct.unpack_from("!H", frame, 12)[0] != 0x0800:
            continue
        ip = frame[14:]
        ihl, total, proto = (ip[0] & 15) * 4, struct.unpack_from("!H", ip, 2)[0], ip[9]
        if proto != 6:
            continue
        src, dst = (ip[12:16], ip[16:20])
        tcp = ip[ihl:total]
        sport, dport = struct.unpack_from("!HH", tcp, 0)
        off, flags = (tcp[12] >> 4) * 4, tcp[13]
        segs.append(((bytes(src), sport), (bytes(dst), dport), flags, bytes(tcp[off:])))
    return segs


def read_lines(stream, count, timeout):
    """Reads from a pipe until at least `count` whole lines came, or `timeout` seconds passed.
    Returns the whole lines and the start of the next one."""
    lines, buf, deadline = [], b"", time.monotonic() + timeout
    fd = stream.fileno()
    while len(lines) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
        *done, buf = buf.split(b"\n")
        lines += done
    return lines, buf


def close(p):
    """Ends a child that a failed test left running, and closes its pipes."""
    if p.poll() is None:
        p.kill()
        p.wait()
    for f in (p.stdin, p.stdout, p.stderr):
        if f and not f.closed:
            f.close()


def line_view(rec):
    return (rec["conn"], rec["dir"], rec["role"], rec["vehicle"], rec["kind"], rec["code"], rec["wire"], rec["plain"])


class GzipFiles(unittest.TestCase):
    def test_gz_gives_exactly_the_output_of_the_plain_file(self):
        with tempfile.TemporaryDirectory() as d:
            gz = os.path.join(d, "basic.pcap.gz")
            unnamed = os.path.join(d, "basic.capture")  # gzip is known by its bytes, not its name
            with open(BASIC, "rb") as f, gzip.open(gz, "wb") as g:
                shutil.copyfileobj(f, g)
            shutil.copy(gz, unnamed)
            for opts in ([], ["--json"], ["--stats"]):
                with self.subTest(opts=opts):
                    want = run("-r", BASIC, "-k", KEYS, *opts).stdout
                    self.assertGreater(len(want.splitlines()), 100)
                    self.assertEqual(run("-r", gz, "-k", KEYS, *opts).stdout, want)
                    self.assertEqual(run("-r", unnamed, "-k", KEYS, *opts).stdout, want)

    def test_truncated_gz_names_the_file_the_frame_and_the_byte(self):
        with open(BASIC, "rb") as f:
            packed = gzip.compress(f.read())
        with tempfile.TemporaryDirectory() as d:
            cut = os.path.join(d, "cut.pcap.gz")
            with open(cut, "wb") as f:
                f.write(packed[: len(packed) // 2])
            p = run("-r", cut, "-k", KEYS, check=False)
            self.assertEqual(p.returncode, 1)
            err = p.stderr.decode()
            self.assertIn(f"ovmsdump: '{cut}': frame ", err)
            self.assertIn(f"gzip data truncated: the input ends at compressed byte {len(packed) // 2} ", err)
            self.assertIn("everything before it was decoded", err)
            self.assertGreater(len(p.stdout.splitlines()), 10, "what came before the cut is decoded")


class StandardInput(unittest.TestCase):
    def test_cat_into_r_dash_gives_the_output_of_the_file(self):
        want = run("-r", BASIC, "-k", KEYS).stdout
        for cmd in (f"cat '{BASIC}' | '{OVMSDUMP}' -r - -k '{KEYS}'",
                    f"gzip -c '{BASIC}' | '{OVMSDUMP}' -r - -k '{KEYS}'"):
            with self.subTest(cmd=cmd):
                p = subprocess.run(cmd, shell=True, capture_output=True, timeout=120)
                self.assertEqual(p.returncode, 0, p.stderr.decode())
                self.assertEqual(p.stdout, want)

    def _start_paused(self, *opts):
        """ovmsdump reading a pipe that gets the first half of basic.pcap and then pauses."""
        with open(BASIC, "rb") as f:
            data = f.read()
        recs = pcap_records(data)
        split = recs[len(recs) // 2][0]
        p = subprocess.Popen([OVMSDUMP, "-r", "-", "-k", KEYS, *opts], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdin.write(data[:split])
        p.stdin.flush()
        return p, data[split:]

    def test_a_pipe_that_pauses_is_decoded_before_it_ends(self):
        want = run("-r", BASIC, "-k", KEYS, "--json").stdout.splitlines()
        p, rest = self._start_paused("--json")
        try:
            first, partial = read_lines(p.stdout, 5, timeout=10)
            self.assertGreaterEqual(len(first), 5, "no output while the pipe was open and paused")
            p.stdin.write(rest)
            p.stdin.close()
            out = b"\n".join(first) + b"\n" + partial + p.stdout.read()
            self.assertEqual(p.wait(timeout=60), 0, p.stderr.read().decode())
        finally:
            close(p)
        self.assertEqual(out.splitlines(), want)

    def test_ctrl_c_on_a_paused_pipe_writes_what_was_decoded_and_the_statistics(self):
        p, _ = self._start_paused("--stats")
        try:
            first, partial = read_lines(p.stdout, 3, timeout=10)
            self.assertGreaterEqual(len(first), 3, "no output while the pipe was open and paused")
            p.send_signal(signal.SIGINT)
            rc = p.wait(timeout=20)
            out = (b"\n".join(first) + b"\n" + partial + p.stdout.read()).decode()
            err = p.stderr.read().decode()
        finally:
            close(p)
        self.assertEqual(rc, 0, err)
        self.assertIn("Lines by vehicle:", out)
        self.assertIn("DEMO", out)


def replay(segments, listener):
    """Plays a capture's TCP conversations over real connections to `listener`, in capture order:
    each payload from its own side, waiting until the other side has it before the next."""
    port = listener.getsockname()[1]
    conns = {}  # client endpoint -> (client socket, server socket)
    try:
        for src, dst, flags, payload in segments:
            if flags & 0x02 and not flags & 0x10:  # SYN: a new connection
                c = socket.create_connection(("127.0.0.1", port))
                s, _ = listener.accept()
                conns[src] = (c, s)
            if not payload:
                continue
            from_client = src in conns
            c, s = conns[src] if from_client else conns[dst]
            sender, receiver = (c, s) if from_client else (s, c)
            sender.sendall(payload)
            got = b""
            while len(got) < len(payload):
                chunk = receiver.recv(len(payload) - len(got))
                if not chunk:
                    raise AssertionError("connection closed during replay")
                got += chunk
    finally:
        for c, s in conns.values():
            c.close()
            s.close()


class LiveInterface(unittest.TestCase):
    def test_i_lo_decodes_a_real_conversation_as_it_happens(self):
        with open(BASIC, "rb") as f:
            segments = tcp_segments(f.read())
        want = [line_view(json.loads(l)) for l in run("-r", BASIC, "-k", KEYS, "--json").stdout.splitlines()]
        self.assertGreater(len(want), 100)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))  # a free port of our own
        listener.listen(8)
        port = listener.getsockname()[1]
        p = subprocess.Popen([OVMSDUMP, "-i", "lo", "-p", str(port), "-k", KEYS, "--json", "--stats"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            # ovmsdump says on stderr when it is capturing; traffic before that would be missed.
            banner, _ = read_lines(p.stderr, 1, timeout=10)
            self.assertEqual(len(banner), 1, "no 'capturing on' line")
            self.assertIn(f"capturing on interface 'lo', filter 'tcp port 6867 or tcp port 6870 or tcp port {port}'",
                          banner[0].decode())
            replay(segments, listener)
            # Every line is printed while the capture still runs: a live source has no end to wait for.
            lines, partial = read_lines(p.stdout, len(want), timeout=20)
            self.assertGreaterEqual(len(lines), len(want), "records not written while capturing")
            p.send_signal(signal.SIGINT)
            rc = p.wait(timeout=20)
            lines += (partial + p.stdout.read()).splitlines()
            err = p.stderr.read().decode()
        finally:
            listener.close()
            close(p)
        self.assertEqual(rc, 0, err)
        got = [line_view(json.loads(l)) for l in lines]
        self.assertEqual(got, want)
        self.assertIn('"Lines by vehicle":{', err, "--stats (one JSON object with --json) after Ctrl-C")
        self.assertNotIn("capture.dropped", err)

    def test_without_permission_the_error_names_the_capability(self):
        # As root (CI), run it as nobody; as anyone else, this very user already lacks the capabilities.
        prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        binary, where = OVMSDUMP, None
        if prefix:
            # The build tree may sit in a folder nobody cannot enter (mktemp -d is 0700): run a copy from
            # a folder of its own that nobody can reach.
            where = tempfile.mkdtemp(prefix="ovmsdump-nobody-")
            os.chmod(where, 0o755)
            binary = os.path.join(where, "ovmsdump")
            shutil.copy2(OVMSDUMP, binary)
            os.chmod(binary, 0o755)
        try:
            p = subprocess.run([*prefix, binary, "-i", "lo"], capture_output=True, timeout=60)
        finally:
            if where:
                shutil.rmtree(where, ignore_errors=True)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 1, err)
        self.assertIn("cannot capture on interface 'lo': permission denied", err)
        self.assertIn("CAP_NET_RAW", err)
        self.assertIn("Run it as root", err)
        self.assertIn(f"setcap cap_net_raw,cap_net_admin=eip {os.path.realpath(binary)}", err)
        self.assertEqual(p.stdout, b"")

    def test_D_lists_interfaces_and_a_missing_one_points_to_it(self):
        p = run("-D")
        listing = p.stdout.decode().splitlines()
        self.assertTrue(any(l.split(". ", 1)[1].startswith("lo ") and "Loopback" in l for l in listing), listing)
        p = run("-i", "ovms-no-such0", check=False)
        self.assertEqual(p.returncode, 1)
        err = p.stderr.decode()
        self.assertIn("cannot capture on interface 'ovms-no-such0': no such interface", err)
        self.assertIn("ovmsdump -D lists the interfaces", err)
        self.assertEqual(run("-r", BASIC, "-i", "lo", check=False).returncode, 2)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
