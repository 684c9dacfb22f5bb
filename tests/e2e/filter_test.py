#!/usr/bin/env python3
"""End-to-end test of display filters: `ovmsdump -Y F` and the real tshark with our plugin (`tshark -Y F`)
select the same lines of samples/all.pcap.

Usage: filter_test.py WRAPPER OVMSDUMP SAMPLES_DIR BUILD_DIR [unittest arguments...]

WRAPPER is tests/e2e/tshark_with_plugin.sh (it runs tshark with the plugin from BUILD_DIR, also as root).

ovmsdump selects lines, Wireshark selects frames (a frame holds every line its TCP segment completed).
So for each filter:
  * on frames that hold exactly one line, both select the same frames;
  * a filter made of tests joined by `or` only is true of a frame exactly when it is true of one of its
    lines: there both select the same frames, frames of several lines included, and each line ovmsdump
    selects is one of that frame's plaintexts in tshark;
  * ovmsdump takes the names with or without "ovms." (and its short names): both spellings select the
    same lines; tshark gets the full names.
A bad filter makes ovmsdump exit 2 with "ovmsdump: -Y: column N: ..." and print nothing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

if len(sys.argv) < 5:
    sys.exit(f"usage: {sys.argv[0]} WRAPPER OVMSDUMP SAMPLES_DIR BUILD_DIR [unittest arguments...]")
WRAPPER, OVMSDUMP, SAMPLES, BUILD = sys.argv[1:5]
UNITTEST_ARGV = [sys.argv[0]] + sys.argv[5:]
PCAP = os.path.join(SAMPLES, "all.pcap")
KEYS = os.path.join(SAMPLES, "keys.yaml")
TIMEOUT = 600

# (ovmsdump's spelling, tshark's spelling, joined by `or` only). The short spellings are ours; Wireshark
# knows the full ones.
FILTERS = [
    ("status.soc < 60", "ovms.status.soc < 60", True),                        # also the status inside EM
    ('vehicle_id == "DEMO"', 'ovms.vehicle_id == "DEMO"', True),
    ("vehicle == DEMO2", "ovms.vehicle_id == DEMO2", True),
    ('code == "S" && dir == "c2s"', 'ovms.code == "S" && ovms.direction == "c2s"', False),
    ('code == "E"', 'ovms.code == "E"', True),                                # the outer code
    ('inner.code == "S"', 'ovms.paranoid.code == "S"', True),                 # the inner one
    ('paranoid.code in {"S", "D"}', 'ovms.paranoid.code in {"S", "D"}', True),
    ("paranoid", "ovms.paranoid", True),
    ("location.latitude > 50", "ovms.location.latitude > 50", True),
    ('diag == "paranoid.truncated"', 'ovms.diag == "paranoid.truncated"', True),
    ("expert.session.not_decrypted", "ovms.expert.session.not_decrypted", True),
    ('plain matches "^mp-0 [sd]"', 'ovms.plaintext matches "^mp-0 [sd]"', True),  # case-insensitive
    ('wire contains "MP-"', 'ovms.line contains "MP-"', True),
    ('code in {S D L}', 'ovms.code in {S, D, L}', True),                      # 3.6's spaces here
    ("environment.doors1 & 0x40", "ovms.environment.doors1 & 0x40", True),
    ("environment.doors1.handbrake == 1", "ovms.environment.doors1.handbrake == 1", True),
    ('environment.lock_state == "Locked"', 'ovms.environment.lock_state == "Locked"', True),
    ('location.gps_lock == True', 'ovms.location.gps_lock == True', True),
    ('!code == "S"', '!ovms.code == "S"', False),
    ("status.soc != 56.2", "ovms.status.soc != 56.2", False),                 # all values differ
    ("status.soc in {50..60}", "ovms.status.soc in {50..60}", True),
    ('kind == "welcome" || kind == "server_welcome"', 'ovms.kind == "welcome" || ovms.kind == "server_welcome"', True),
    ('handshake_ok == 1 and key_source == vehicle_id', 'ovms.handshake_ok == 1 and ovms.key_source == vehicle_id', False),
    ("response_to", "ovms.response_to", True),
    ('command_name == "execute"', 'ovms.command_name == "execute"', True),
    ("command.command_line", "ovms.command.command_line", True),
    ('status.charge_state matches "^STOP"', 'ovms.status.charge_state matches "^STOP"', True),
    ('role == app and not code == "A"', 'ovms.role == app and not ovms.code == "A"', False),
    ("scheme == 1", "ovms.scheme == 1", True),
    ('firmware.service_time < "2027-01-01"', 'ovms.firmware.service_time < "2027-01-01"', True),  # a date
    ("ovms.code == ovms.paranoid.code", "ovms.code == ovms.paranoid.code", True),  # a field against a field
    ("not (code == c or code == C)", "not (ovms.code == c or ovms.code == C)", False),
    ("frame >= 300 && frame < 400", "frame.number >= 300 && frame.number < 400", False),  # our own name
]


def run(args):
    p = subprocess.run(args, capture_output=True, timeout=TIMEOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def ovmsdump(*extra):
    rc, out, err = run([OVMSDUMP, "-r", PCAP, "-k", KEYS, "--json", "--no-progress", *extra])
    if rc != 0:
        raise AssertionError(f"ovmsdump {' '.join(extra)} exited {rc}: {err}")
    # A partial last line is emitted when the capture ends: Wireshark has no such moment.
    return [r for r in map(json.loads, filter(str.strip, out.splitlines()))
            if "tcp.line_unterminated" not in [d["id"] for d in r.get("diag", [])]]


class Tshark:
    def __init__(self):
        self.config = tempfile.mkdtemp(prefix="ovms-wscfg-")

    def close(self):
        shutil.rmtree(self.config, ignore_errors=True)

    def frames(self, display_filter):
        """{frame number: [plaintexts, paranoid plaintexts]} of the frames tshark selects."""
        env = dict(os.environ, WIRESHARK_CONFIG_DIR=self.config)
        p = subprocess.run([WRAPPER, BUILD, "-r", PCAP, "-o", f"ovms.keys_file:{KEYS}", "-Y", display_filter,
                            "-T", "json", "-e", "frame.number", "-e", "ovms.plaintext"],
                           capture_output=True, env=env, timeout=TIMEOUT)
        if p.returncode != 0:
            raise AssertionError(f"tshark -Y {display_filter!r} exited {p.returncode}: {p.stderr.decode()}")
        frames = {}
        out = p.stdout.decode("utf-8", "replace")
        for pkt in json.loads(out) if out.strip() else []:
            layers = pkt["_source"]["layers"]
            frames[int(layers["frame.number"][0])] = layers.get("ovms.plaintext", [])
        return frames


class Filters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = Tshark()
        cls.all = ovmsdump()
        lines = {}
        for r in cls.all:
            lines[r["frame"]] = lines.get(r["frame"], 0) + 1
        cls.single = {f for f, n in lines.items() if n == 1}
        cls.lines = set(lines)

    @classmethod
    def tearDownClass(cls):
        cls.tshark.close()

    def test_same_lines_as_tshark(self):
        for ours, theirs, disjunction in FILTERS:
            with self.subTest(filter=ours):
                selected = ovmsdump("-Y", ours)
                self.assertLess(len(selected), len(self.all), f"{ours} selects every line")
                mine = {r["frame"] for r in selected}
                got = self.tshark.frames(theirs)
                # Frames of one line: the same selection, whatever the filter.
                self.assertEqual(sorted(mine & self.single), sorted(set(got) & self.single), ours)
                if disjunction:
                    self.assertEqual(sorted(mine), sorted(set(got) & self.lines), ours)
                    for r in selected:
                        if r["plain"] is not None:
                            self.assertIn(r["plain"], got[r["frame"]], f"{ours}: frame {r['frame']}")

    def test_filters_select_something(self):
        # Each filter is a real test: it selects some lines of the sample (and, above, not all).
        for ours, _, _ in FILTERS:
            if ours == "ovms.code == ovms.paranoid.code":
                continue  # no outer code equals an inner one in the sample: it selects nothing, in both
            with self.subTest(filter=ours):
                self.assertTrue(ovmsdump("-Y", ours), f"{ours} selects nothing in all.pcap")

    def test_both_spellings_select_the_same_lines(self):
        for ours, theirs, _ in FILTERS:
            if theirs.startswith("frame.number"):
                continue  # tshark's frame.number is ours too, but ovmsdump's short name is frame
            with self.subTest(filter=ours):
                self.assertEqual([r["frame"] for r in ovmsdump("-Y", ours)],
                                 [r["frame"] for r in ovmsdump("-Y", theirs)], f"{ours} vs {theirs}")

    def test_text_output_and_stats_follow_the_filter(self):
        rc, out, err = run([OVMSDUMP, "-r", PCAP, "-k", KEYS, "--no-progress", "--stats", "-Y", 'code == "Z"'])
        self.assertEqual(rc, 0, err)
        lines = [l for l in out.splitlines() if l and not l.startswith(" ")]
        messages = [l for l in lines if " Z peers " in l]
        want = sum(1 for r in self.all if r.get("code") == "Z")
        self.assertEqual(len(messages), want)
        self.assertIn("Z peers", out)
        self.assertNotIn(" S status ", out)
        self.assertNotIn("key.unused", out, "diagnostics of no line are not lines")

    def test_bad_filter_exits_2_with_its_column(self):
        for text, column, says in [
            ("status.sco < 20", 1, "unknown field name 'status.sco' (did you mean 'status.soc'?)"),
            ('code == "S" &&', 15, "expected a field name, '(' or 'not' after '&&'"),
            ("status.soc == abc", 15, "'abc' is not a number"),
            ('code matches "(S"', 14, "invalid regular expression"),
            ("ovms.reassembled_in", 1, "known only to the Wireshark plugin"),
        ]:
            with self.subTest(filter=text):
                rc, out, err = run([OVMSDUMP, "-r", PCAP, "-Y", text])
                self.assertEqual(rc, 2, err)
                self.assertEqual(out, "")
                self.assertTrue(err.startswith(f"ovmsdump: -Y: column {column}: "), err)
                self.assertIn(says, err)
        rc, _, err = run([OVMSDUMP, "-r", PCAP, "-Y"])
        self.assertEqual(rc, 2)
        self.assertIn("-Y needs a value", err)


if __name__ == "__main__":
    for tool in (WRAPPER, OVMSDUMP):
        if not os.access(tool, os.X_OK):
            sys.exit(f"{tool} is not executable")
    unittest.main(argv=UNITTEST_ARGV, verbosity=2)
