#!/usr/bin/env python3
"""ovmsdump --threads N (cli/parallel_decode.*) through the real binary: the output with 2 and 3 decoding
threads is byte for byte the one of --threads 1 (today's single-threaded path), over every sample and a
generated capture with many connections, in text, -v/-vv, --json, -T fields and --stats, with -Y, -c and -w
(the written files compared byte for byte, -w with -Y's second pass too), and over a sample with frames dropped,
swapped, repeated or cut short; a key learned from an AP record
in connection #0 decrypts connection #1 on another worker; SIGINT mid-file still writes output and stats.

Run by ctest as: parallel_decode_test.py OVMSDUMP SAMPLES_DIR OVMS_SIM
"""
import glob
import random
import struct
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

OVMSDUMP, SAMPLES, SIM = sys.argv[1:4]
KEYS = os.path.join(SAMPLES, "keys.yaml")
TMP = tempfile.mkdtemp(prefix="parallel_decode_")
FORMATS = ([], ["-l"], ["-v"], ["-vv"], ["--json"], ["--stats"], ["--stats", "--json", "-q"], ["-t", "e", "--stats", "-v"],
           ["-T", "fields", "-E", "header=y", "-e", "frame", "-e", "ovms.conn", "-e", "vehicle", "-e", "status.soc"])


def run(*args, threads, stdin=None):
    p = subprocess.run([OVMSDUMP, "--no-progress", "--threads", str(threads), *args], capture_output=True,
                       timeout=300, env=dict(os.environ, TZ="UTC"), stdin=stdin)
    return p.returncode, p.stdout, p.stderr


def load_capture():
    """The benchmark's kind of capture, smaller: 100 connections, every line encrypted."""
    path = os.path.join(TMP, "load.pcap")
    if not os.path.exists(path):
        subprocess.run([SIM, "--scenario", "load", "--cars", "50", "--apps", "50", "--messages", "40000", "--seed", "1",
                        "--out", path, "--keys-out", os.path.join(TMP, "load.yaml"), "--quiet"], check=True,
                       timeout=300)
    return path, os.path.join(TMP, "load.yaml")


class SameOutput(unittest.TestCase):
    def assert_same(self, *args, threads=(2, 3)):
        want = run(*args, threads=1)
        for n in threads:
            got = run(*args, threads=n)
            self.assertEqual(got[0], want[0], f"--threads {n} {args}: exit code")
            self.assertEqual(got[2].decode(), want[2].decode(), f"--threads {n} {args}: stderr")
            if got[1] != want[1]:
                a, b = want[1].decode().splitlines(), got[1].decode().splitlines()
                first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
                self.fail(f"--threads {n} {args}: stdout differs at line {first + 1} ({len(a)} lines with 1 thread, "
                          f"{len(b)} with {n}):\n1: {a[first] if first < len(a) else '(end)'}\n"
                          f"{n}: {b[first] if first < len(b) else '(end)'}")
        return want

    def test_every_sample_in_every_format(self):
        samples = sorted(glob.glob(os.path.join(SAMPLES, "*.pcap")))
        self.assertGreater(len(samples), 10)
        for pcap in samples:
            for fmt in FORMATS:
                with self.subTest(pcap=os.path.basename(pcap), fmt=fmt):
                    self.assert_same("-r", pcap, "-k", KEYS, *fmt)
            with self.subTest(pcap=os.path.basename(pcap), keys="none"):
                self.assert_same("-r", pcap, "--stats")

    def test_many_connections(self):
        pcap, keys = load_capture()
        for fmt in ([], ["--json"], ["--stats", "-q"], ["--stats", "--json"], ["-v"]):
            with self.subTest(fmt=fmt):
                rc, out, _ = self.assert_same("-r", pcap, "-k", keys, *fmt)
                self.assertEqual(rc, 0)
        out = self.assert_same("-r", pcap, "-k", keys, "--json")[1].decode()
        conns = {m.group(1) for m in re.finditer(r'"conn":(\d+)', out)}
        self.assertGreaterEqual(len(conns), 100, "the capture should spread over many connections")

    def test_stream_on_standard_input(self):
        # -r -: batched, written out whenever the input pauses (the idle flush through the merger).
        pcap, keys = load_capture()
        outs = {}
        for n in (1, 2):
            with open(pcap, "rb") as f:
                outs[n] = run("-r", "-", "-k", keys, "--json", "--stats", threads=n, stdin=f)
        self.assertEqual(outs[1][0], 0, outs[1][2])
        self.assertEqual(outs[1], outs[2])

    def test_display_filter_and_count(self):
        pcap, keys = load_capture()
        for extra in (["-Y", 'code == "S"'], ["-Y", 'status.soc < 50 && dir == "c2s"', "--stats"], ["-c", "500"],
                      ["-Y", 'code == "D"', "-c", "50", "--json"]):
            with self.subTest(extra=extra):
                self.assert_same("-r", pcap, "-k", keys, *extra)

    def test_written_files_are_identical(self):
        pcap, keys = load_capture()
        for extra in ([], ["-Y", 'vehicle == "LOAD00007"'], ["-c", "300"]):
            files = {}
            for n in (1, 2):
                path = os.path.join(TMP, "w.pcapng")  # the same name: the keys file beside it names it
                rc, out, err = run("-r", pcap, "-k", keys, "-q", "-w", path, *extra, threads=n)
                self.assertEqual(rc, 0, err)
                with open(path, "rb") as f:
                    files[n] = f.read()
                with open(path + ".keys.yaml", "rb") as f:
                    files[n] += f.read()
            with self.subTest(extra=extra):
                self.assertGreater(len(files[1]), 1000)
                self.assertEqual(files[1], files[2], f"-w {extra}: the written files differ")

    def test_key_learned_in_one_connection_decrypts_another_workers(self):
        # APDEMO known only by VIN and ICCID: connection #0's AP-S record teaches its server password,
        # which connection #1's login needs. With 2 threads, connections #0 and #1 are on different
        # workers (each run of N consecutive connections goes to all N workers).
        path = os.path.join(TMP, "ap-keys.yaml")
        with open(path, "w") as f:
            f.write('vehicles:\n  - vin: "WVWZZZAAZLD000042"\n    iccid: "8944500102198304826"\n')
        os.chmod(path, 0o600)
        pcap = os.path.join(SAMPLES, "autoprovision.pcap")
        for fmt in ([], ["-vv"], ["--json"], ["--stats"]):
            with self.subTest(fmt=fmt):
                self.assert_same("-r", pcap, "-k", path, *fmt)
        out = run("-r", pcap, "-k", path, "--json", threads=2)[1].decode()
        self.assertIn("key.from_traffic", out)
        self.assertRegex(out, r'"conn":1,.*"kind":"message".*"plain":"')


def mangled(src, name, how, seed):
    """A copy of classic pcap `src` with frames dropped, swapped with the next one, or the file cut short:
    gaps, out-of-order segments, retransmissions and a read error, all decoded on the analyzer's side."""
    with open(src, "rb") as f:
        data = f.read()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    frames, at = [], 24
    while at + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        frames.append(data[at:at + 16 + incl])
        at += 16 + incl
    rng = random.Random(seed)
    if how == "drop":
        frames = [f for f in frames if rng.random() > 0.03]
    elif how == "swap":
        for i in range(len(frames) - 1):
            if rng.random() < 0.05:
                frames[i], frames[i + 1] = frames[i + 1], frames[i]
    elif how == "repeat":
        frames = [g for f in frames for g in ([f, f] if rng.random() < 0.05 else [f])]
    body = b"".join(frames)
    if how == "cut":
        body = body[:len(body) * 2 // 3]  # mid-frame: a read error after what was decoded
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data[:24] + body)
    return path


class Mangled(unittest.TestCase):
    def test_gaps_reordering_duplicates_and_a_cut_file(self):
        for how in ("drop", "swap", "repeat", "cut"):
            for seed in (1, 2):
                pcap = mangled(os.path.join(SAMPLES, "all.pcap"), f"{how}{seed}.pcap", how, seed)
                for fmt in (["--json"], ["-vv", "--stats"]):
                    with self.subTest(how=how, seed=seed, fmt=fmt):
                        SameOutput.assert_same(self, "-r", pcap, "-k", KEYS, *fmt)


class Signals(unittest.TestCase):
    def test_sigint_mid_file_writes_what_was_decoded_and_the_stats(self):
        pcap, keys = load_capture()
        # A slow reader (a pipe we do not read yet) keeps ovmsdump mid-file when the signal comes.
        p = subprocess.Popen([OVMSDUMP, "--threads", "2", "-r", pcap, "-k", keys, "--stats"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, err)
        m = re.search(rb"== OVMS statistics: (\d+) lines", out)
        self.assertTrue(m, out[-2000:])
        lines = int(m.group(1))
        self.assertGreater(lines, 0)
        self.assertGreater(out[:m.start()].count(b"\n"), lines // 2, "the decoded records were written")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
