#!/usr/bin/env python3
"""ovmsdump's tcpdump/tshark options through the real binary: -c, -Y with -c, -T fields with -E
(against tshark's -T fields with the plugin), -w (the pcapng and its keys re-read by ovmsdump and by
tshark), -t with a fixed TZ, -q with --stats --json, -v/-vv, combined short options, --version, the
progress indicator under a pseudo-terminal, a closed pipe, SIGINT mid-file.

Run by ctest as: ovmsdump_options_test.py OVMSDUMP SAMPLES_DIR OVMS_SIM BUILD_DIR TSHARK_WRAPPER
"""
import datetime
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

OVMSDUMP, SAMPLES, SIM, BUILD, WRAPPER = sys.argv[1:6]
KEYS = os.path.join(SAMPLES, "keys.yaml")
BASIC = os.path.join(SAMPLES, "basic.pcap")
ALL = os.path.join(SAMPLES, "all.pcap")
HAVE_TSHARK = shutil.which("tshark") is not None and os.path.exists(os.path.join(BUILD, "plugins/4.0/epan/ovms.so"))
TMP = tempfile.mkdtemp(prefix="ovmsdump_options_")


def run(*args, env=None, check=True):
    p = subprocess.run([OVMSDUMP, *args], capture_output=True, timeout=120, env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"ovmsdump {' '.join(args)} exited {p.returncode}: {p.stderr.decode()}")
    return p


def records(pcap, *extra, keys=KEYS):
    out = run("-r", pcap, "-k", keys, "--json", "--no-progress", *extra).stdout.decode()
    return [json.loads(line) for line in out.splitlines()]


def tshark(*args):
    p = subprocess.run(["sh", WRAPPER, BUILD, *args], capture_output=True, timeout=300,
                       env=dict(os.environ, WIRESHARK_CONFIG_DIR=TMP))
    if p.returncode != 0:
        raise AssertionError(f"tshark {' '.join(args)} exited {p.returncode}: {p.stderr.decode()}")
    return p.stdout.decode()


def big_capture():
    """A load capture large enough for the progress indicator (thousands of frames)."""
    path = os.path.join(TMP, "load.pcap")
    if not os.path.exists(path):
        subprocess.run([SIM, "--scenario", "load", "--cars", "20", "--messages", "60000", "--seed", "1",
                        "--out", path, "--keys-out", os.path.join(TMP, "load.yaml"), "--quiet"], check=True)
    return path


class Selection(unittest.TestCase):
    def test_c_stops_after_n_messages(self):
        everything = records(BASIC)
        self.assertEqual(records(BASIC, "-c", "5"), everything[:5])
        text = run("-r", BASIC, "-k", KEYS, "-c", "3").stdout.decode()
        self.assertEqual(len([l for l in text.splitlines() if not l.startswith("    ")]), 3, text)

    def test_c_counts_after_the_display_filter(self):
        want = [r for r in records(BASIC) if r.get("code") == "S"][:2]
        self.assertEqual(len(want), 2)
        self.assertEqual(records(BASIC, "-Y", 'code == "S"', "-c", "2"), want)

    def test_bad_values_exit_2_and_say_why(self):
        for args, words in ((["-c", "0"], "-c '0'"), (["-c", "x"], "-c 'x'"), (["-T", "xml"], "-T 'xml'"),
                            (["-t", "q"], "-t 'q'"), (["-E", "quote=x"], "quote is d, s or n"),
                            (["-T", "fields"], "-T fields needs at least one -e"),
                            (["-T", "fields", "-e", "status.socc"], "did you mean 'status.soc'"),
                            (["-Y", "code == "], "-Y: column"), (["-Z"], "unknown option '-Z'")):
            p = run("-r", BASIC, *args, check=False)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(words, p.stderr.decode(), args)


class Fields(unittest.TestCase):
    def test_header_separator_quote(self):
        out = run("-r", BASIC, "-k", KEYS, "-T", "fields", "-E", "header=y", "-E", "separator=;", "-E", "quote=d",
                  "-e", "frame", "-e", "vehicle", "-e", "status.soc", "-Y", 'code == "S"', "-c", "2").stdout.decode()
        want = [r for r in records(BASIC) if r.get("code") == "S"][:2]
        soc = [str(r["fields"]["soc"]) for r in want]
        self.assertEqual(out.splitlines(), ['"frame";"vehicle";"status.soc"'] +
                         [f'"{r["frame"]}";"DEMO";"{s}"' for r, s in zip(want, soc)])

    def test_empty_fields_are_not_quoted_and_occurrence(self):
        out = run("-r", BASIC, "-k", KEYS, "-T", "fields", "-E", "quote=s", "-e", "code", "-e", "status.soc",
                  "-c", "1").stdout.decode()
        self.assertEqual(out, "\t\n")  # the welcome: no code, no soc
        out = run("-r", BASIC, "-k", KEYS, "-T", "fields", "-E", "occurrence=f", "-e", "diag", "-c", "3").stdout
        for line in out.decode().splitlines():
            self.assertNotIn(",", line)

    @unittest.skipUnless(HAVE_TSHARK, "tshark or the plugin not available")
    def test_same_values_as_tshark_frame_by_frame(self):
        """tshark has a row per frame, ovmsdump one per line: ovmsdump's lines of a frame joined with ','
        (tshark's aggregator) are tshark's row."""
        names = ["vehicle_id", "code", "status.soc", "status.charge_state", "location.latitude", "diag",
                 "plaintext", "direction", "role"]
        for pcap in (BASIC, ALL, os.path.join(SAMPLES, "paranoid.pcap")):
            args = ["-T", "fields"] + [a for n in names for a in ("-e", n)]
            ours = [l for l in run("-r", pcap, "-k", KEYS, "-e", "frame", *args).stdout.decode().split("\n") if l]
            by_frame = {}
            for line in ours:
                cols = line.split("\t")
                by_frame.setdefault(int(cols[0]), []).append(cols[1:])
            theirs = tshark("-r", pcap, "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms", "-T", "fields",
                            "-e", "frame.number", *[a for n in names for a in ("-e", "ovms." + n)]).split("\n")
            theirs = [l for l in theirs if l]
            seen = set()
            for line in theirs:
                cols = line.split("\t")
                if int(cols[0]) not in by_frame:
                    # A frame of the protocol with no line of its own (a segment of a longer line, a
                    # close that carries a connection's diagnostic): no line values there.
                    self.assertEqual(cols[1:6], [""] * 5, f"{pcap} frame {cols[0]}: not in ovmsdump's output")
                    continue
                seen.add(int(cols[0]))
                rows = by_frame[int(cols[0])]
                joined = [",".join(v for v in col if v) for col in zip(*rows)]
                self.assertEqual(joined, cols[1:], f"{pcap} frame {cols[0]}")
            self.assertEqual(seen, set(by_frame), pcap)


class Write(unittest.TestCase):
    def test_w_writes_pcapng_and_keys_beside_it_private(self):
        out = os.path.join(TMP, "w.pcapng")
        first = run("-r", ALL, "-k", KEYS, "--json", "-c", "40", "-w", out).stdout.decode().splitlines()
        self.assertEqual(len(first), 40)
        keys = out + ".keys.yaml"
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(keys).st_mode & 0o777, 0o600)
        with open(out, "rb") as f:
            self.assertEqual(f.read(4), b"\x0a\x0d\x0d\x0a", "a pcapng section header")
        again = records(out, keys=keys)
        # The file ends with the frame that completed the 40th message: those 40 come back, in order.
        self.assertEqual([json.loads(l) for l in first], again[:40])
        self.assertLessEqual(len(again), 41)

    def test_w_with_y_writes_the_connections_of_the_matching_messages(self):
        out = os.path.join(TMP, "sel.pcapng")
        flt = 'vehicle == "PARA2" && paranoid'
        strip = lambda r: {k: v for k, v in r.items() if k not in ("frame", "conn", "response_to", "diag", "handshake")}
        want = records(ALL, "-Y", flt)
        self.assertGreater(len(want), 0)
        self.assertEqual(records(ALL, "-Y", flt, "-w", out), want)
        again = records(out, "-Y", flt, keys=out + ".keys.yaml")
        self.assertEqual([strip(r) for r in again], [strip(r) for r in want], "the filtered messages decode again")
        # Only those connections: every line of the written file is PARA2's, and it is smaller.
        self.assertEqual({r["vehicle"] for r in records(out, keys=out + ".keys.yaml")}, {"PARA2"})
        self.assertLess(os.path.getsize(out), os.path.getsize(ALL))

    @unittest.skipUnless(HAVE_TSHARK, "tshark or the plugin not available")
    def test_tshark_decodes_what_w_wrote(self):
        out = os.path.join(TMP, "t.pcapng")
        recs = [json.loads(l) for l in run("-r", BASIC, "-k", KEYS, "--json", "-w", out).stdout.decode().splitlines()]
        got = tshark("-r", out, "-o", f"ovms.keys_file:{out}.keys.yaml", "-Y", "ovms.plaintext", "-T", "fields",
                     "-E", "occurrence=a", "-E", "aggregator=|", "-e", "ovms.plaintext").split("\n")
        plains = [p for line in got if line for p in line.split("|")]
        escape = lambda t: t.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
        want = [escape(r["plain"]) for r in recs if r.get("plain")]
        self.assertEqual(plains, want[:len(plains)])
        self.assertGreater(len(plains), 100)


class Times(unittest.TestCase):
    def test_t_formats_with_a_fixed_tz(self):
        env = dict(os.environ, TZ="America/New_York")
        ts = records(BASIC, "-c", "2")
        first = datetime.datetime.fromtimestamp(ts[0]["ts"], datetime.timezone.utc)
        local = first.astimezone(datetime.timezone(datetime.timedelta(hours=-5)))  # January: EST
        def first_word(*fmt, n=1):
            out = run("-r", BASIC, "-k", KEYS, "-c", "2", *fmt, env=env).stdout.decode().splitlines()
            return [" ".join(l.split()[:n]) for l in out if not l.startswith("    ")]
        us = f"{first.microsecond:06d}"
        self.assertEqual(first_word(n=2)[0], local.strftime("%Y-%m-%d %H:%M:%S.") + us, "default: tcpdump -tttt")
        self.assertEqual(first_word("-t", "ad", n=2)[0], local.strftime("%Y-%m-%d %H:%M:%S.") + us)
        self.assertEqual(first_word("-t", "a")[0], local.strftime("%H:%M:%S.") + us)
        self.assertEqual(first_word("-t", "u")[0], first.strftime("%H:%M:%S.") + us)
        self.assertEqual(first_word("-t", "ud", n=2)[0], first.strftime("%Y-%m-%d %H:%M:%S.") + us)
        self.assertEqual(first_word("-t", "e")[0], f"{ts[0]['ts']:.6f}")
        rel = first_word("-t", "r")
        self.assertEqual(rel[0], "0.000000")
        self.assertEqual(rel[1], f"{ts[1]['ts'] - ts[0]['ts']:.6f}")


class Misc(unittest.TestCase):
    def test_version(self):
        p = run("--version")
        self.assertRegex(p.stdout.decode(), r"^ovmsdump \d+\.\d+\.\d+ ")

    def test_help_shows_every_option_with_examples(self):
        out = run("-h").stdout.decode()
        for opt in ("-r FILE", "-i IFACE", "-f FILTER", "-D", "-k KEYS", "-p PORT", "-Y FILTER", "-c N", "-T text",
                    "-e FIELD", "-E OPTION", "-t a|ad", "-w FILE", "-q", "-l", "--stats", "--json", "-v",
                    "--version", "Examples:"):
            self.assertIn(opt, out)

    def test_combined_short_options_and_quiet_stats_json(self):
        p = run("-qr", BASIC, "-k", KEYS, "--stats", "--json")
        stats = json.loads(p.stdout)  # one JSON object and nothing else
        self.assertEqual(stats["lines"], len(records(BASIC)))
        self.assertIn("Lines by vehicle", stats)
        self.assertEqual(run("-qc5", "-r", BASIC, "--stats", "--json").stdout.count(b"\n"), 1)
        self.assertEqual(json.loads(run("-qc5", "-r", BASIC, "--stats", "--json").stdout)["lines"], 5)

    def test_v_shows_frames_and_addresses_vv_repeats_notes(self):
        recs = records(BASIC, "-c", "1")
        line = run("-vr", BASIC, "-k", KEYS, "-c", "1", "-t", "u").stdout.decode().splitlines()[0]
        self.assertTrue(line.startswith(f"{recs[0]['frame']} "), line)
        self.assertIn(f"{recs[0]['client']} {recs[0]['server']} c2s", line)
        notes = lambda *a: run("-r", ALL, "-k", KEYS, *a).stdout.decode().count("protocol.differs_from_guide")
        self.assertGreater(notes("-vv"), notes("-v"))
        self.assertEqual(notes("-v"), notes())

    def test_closed_pipe_ends_quietly(self):
        p = subprocess.run(f"'{OVMSDUMP}' -r '{big_capture()}' -k '{TMP}/load.yaml' | head -1", shell=True,
                           capture_output=True, timeout=120, executable="/bin/bash",
                           env=dict(os.environ, SHELLOPTS="pipefail"))
        self.assertEqual(p.stdout.count(b"\n"), 1)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(b"rror", p.stderr)

    def test_sigint_mid_file_writes_what_was_decoded_and_the_stats(self):
        # A slow reader (a pipe we do not read yet) keeps ovmsdump mid-file when the signal comes.
        p = subprocess.Popen([OVMSDUMP, "-r", big_capture(), "-k", f"{TMP}/load.yaml", "--stats"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn(b"== OVMS statistics:", out)
        lines = int(re.search(rb"== OVMS statistics: (\d+) lines", out).group(1))
        self.assertGreater(lines, 0)


def read_line(pipe, timeout):
    """One line from a pipe within `timeout` seconds, or None."""
    deadline = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([pipe], [], [], max(0, deadline - time.monotonic()))
        if not ready:
            break
        c = os.read(pipe.fileno(), 1)
        if not c:
            break
        buf += c
        if c == b"\n":
            return buf.decode()
    return None


class Layout(unittest.TestCase):
    def test_columns_stay_aligned_for_long_vehicle_ids(self):
        # 100 connections: #0 to #99 fit the connection column from the start (wider ones widen it).
        lines = [l for l in run("-r", big_capture(), "-k", f"{TMP}/load.yaml", "-c", "3000", "-t", "u").stdout.decode()
                 .splitlines() if not l.startswith("    ")]
        self.assertIn(" #13 ", "\n".join(lines))  # two-digit connections
        self.assertIn("LOAD00001", lines[0])  # 9 characters: wider than the default column
        # Where the message column starts: after time, connection, direction, role and vehicle.
        starts = {re.match(r"^\S+ #\d+\s+\S+ \S+\s+\S+\s+", l).end() for l in lines}
        self.assertEqual(len(starts), 1, "the message column moves")


@unittest.skipUnless(os.geteuid() == 0, "capturing on lo needs root")
class Live(unittest.TestCase):
    def test_f_replaces_the_default_capture_filter(self):
        keys = os.path.join(TMP, "live.yaml")
        shutil.copy(KEYS, keys)
        os.chmod(keys, 0o600)
        procs = []
        try:
            server = subprocess.Popen([SIM, "serve", "--listen", "127.0.0.1:0", "-k", keys], stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL)
            procs.append(server)
            m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", read_line(server.stdout, 15) or "")
            self.assertIsNotNone(m)
            port = m.group(1)  # not an OVMS port: only -f lets its packets in
            dump = subprocess.Popen([OVMSDUMP, "-i", "lo", "-f", f"tcp port {port}", "-k", keys, "--json"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            procs.append(dump)
            banner = read_line(dump.stderr, 10) or ""
            self.assertIn(f"filter 'tcp port {port}'", banner)
            procs.append(subprocess.Popen([SIM, "car", "--connect", f"127.0.0.1:{port}", "--vehicle", "DEMO", "-k", keys,
                                           "--interval", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            recs = []
            while len(recs) < 4:
                line = read_line(dump.stdout, 20)
                self.assertIsNotNone(line, f"only {len(recs)} records while capturing")
                recs.append(json.loads(line))
            self.assertEqual(recs[0]["kind"], "welcome")
            self.assertTrue(all(r["vehicle"] == "DEMO" and r["server"].endswith(":" + port) for r in recs))
            dump.send_signal(signal.SIGINT)
            self.assertEqual(dump.wait(timeout=20), 0)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait()
                for pipe in (p.stdout, p.stderr):
                    if pipe:
                        pipe.close()


def pty_run(args, stdout_tty):
    """Runs ovmsdump with stderr on a pseudo-terminal (and stdout too if asked); returns (stdout, stderr)."""
    err_master, err_slave = pty.openpty()
    if stdout_tty:
        out_master, out_slave = pty.openpty()
        out = out_slave
    else:
        out_file = open(os.path.join(TMP, "pty.out"), "wb+")
        out = out_file.fileno()
    p = subprocess.Popen([OVMSDUMP, *args], stdout=out, stderr=err_slave)
    os.close(err_slave)
    if stdout_tty:
        os.close(out_slave)
    chunks = {err_master: b""}
    if stdout_tty:
        chunks[out_master] = b""
    open_fds = set(chunks)
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], 60)
        if not ready:
            break
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                open_fds.discard(fd)
            chunks[fd] += data
    p.wait(timeout=60)
    if stdout_tty:
        return chunks[out_master], chunks[err_master]
    out_file.seek(0)
    data = out_file.read()
    out_file.close()
    return data, chunks[err_master]


class Terminal(unittest.TestCase):
    def test_progress_on_a_terminal_stderr_when_stdout_is_a_file_and_cleared(self):
        out, err = pty_run(["-r", big_capture(), "-k", f"{TMP}/load.yaml", "--json"], stdout_tty=False)
        self.assertIn(b"%", err, "progress shown")
        self.assertTrue(err.endswith(b"\r"), f"progress cleared at the end: {err[-60:]!r}")
        self.assertNotIn(b"ovmsdump:", out)
        self.assertNotIn(b"%\r", out)

    def test_no_progress_when_stdout_is_a_terminal(self):
        out, err = pty_run(["-r", big_capture(), "-k", f"{TMP}/load.yaml", "-c", "20000"], stdout_tty=True)
        self.assertNotIn(b"%", err)
        self.assertNotIn(b"ovmsdump:", out)
        self.assertEqual(out.count(b"\n") >= 20000, True)


if __name__ == "__main__":
    try:
        unittest.main(argv=[sys.argv[0], "-v"])
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
