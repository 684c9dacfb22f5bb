#!/usr/bin/env python3
"""End-to-end tests of the Wireshark plugin: the real tshark loading build/plugins/4.0/epan/ovms.so.

Usage: tshark_plugin_test.py WRAPPER OVMSDUMP SAMPLES_DIR BUILD_DIR [unittest arguments...]
   or: set OVMS_TSHARK_WRAPPER, OVMS_OVMSDUMP, OVMS_SAMPLES, OVMS_BUILD and run it without arguments.

WRAPPER is tests/e2e/tshark_with_plugin.sh (it runs tshark with the plugin from BUILD_DIR, also as root).
Every tshark run gets a private, empty WIRESHARK_CONFIG_DIR, so preferences and UAT files are isolated.

What is checked:
  * the plugin loads, exports its generated fields and expert infos, and registers -z ovms,tree;
  * for every sample, each frame's ovms.plaintext values equal ovmsdump --json's `plain` for that frame
    (same order), in one pass and with -2; paranoid plaintexts likewise;
  * right key / wrong key / no key, keys from the keys-file preference (command line and preferences file)
    and from the ovms_keys UAT (command line and UAT file); a bad keys file is reported with line:column;
  * a non-standard port: the heuristic, Decode As (-d) and the port preference;
  * one wording: every frame's Info column holds ovmsdump's words for its lines, and -z ovms,tree counts
    what ovmsdump --stats counts under the same keys, for every sample;
  * display filters on generated fields, -V on every sample;
  * a malformed or extra field's expert info sits on that field's item (the core names the field by index).
"""
import atexit
import datetime
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

ENV_NAMES = ("OVMS_TSHARK_WRAPPER", "OVMS_OVMSDUMP", "OVMS_SAMPLES", "OVMS_BUILD")
if len(sys.argv) >= 5 and not sys.argv[1].startswith("-"):
    WRAPPER, OVMSDUMP, SAMPLES, BUILD = sys.argv[1:5]
    UNITTEST_ARGV = [sys.argv[0]] + sys.argv[5:]
else:
    missing = [n for n in ENV_NAMES if not os.environ.get(n)]
    if missing:
        sys.exit(f"usage: {sys.argv[0]} WRAPPER OVMSDUMP SAMPLES_DIR BUILD_DIR (or set {', '.join(missing)})")
    WRAPPER, OVMSDUMP, SAMPLES, BUILD = (os.environ[n] for n in ENV_NAMES)
    UNITTEST_ARGV = sys.argv
SAMPLE_KEYS = os.path.join(SAMPLES, "keys.yaml")


def private_copy(path):
    """A copy of a keys file that only its owner may read: a checkout leaves samples/keys.yaml 0644, and the
    plugin warns about a keys file that others may read (the warning has its own test)."""
    d = tempfile.mkdtemp(prefix="ovms-keys-")
    atexit.register(shutil.rmtree, d, True)
    copy = os.path.join(d, "keys.yaml")
    shutil.copyfile(path, copy)
    os.chmod(copy, 0o600)
    return copy


KEYS = private_copy(SAMPLE_KEYS) if os.path.exists(SAMPLE_KEYS) else SAMPLE_KEYS
SAMPLE_NAMES = sorted(f[:-5] for f in os.listdir(SAMPLES) if f.endswith(".pcap")) if os.path.isdir(SAMPLES) else []
OVMS_PORTS = (6867, 6870)
TIMEOUT = 600


def sample(name):
    return os.path.join(SAMPLES, name + ".pcap")


class Config:
    """A private Wireshark configuration folder (preferences, UAT files)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ovms-wscfg-")

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def tshark(*args, config=None, check=True):
    """Runs tshark with the plugin; returns (stdout, stderr) as text."""
    own = config is None
    cfg = config or Config()
    try:
        env = dict(os.environ, WIRESHARK_CONFIG_DIR=cfg.dir)
        p = subprocess.run([WRAPPER, BUILD, *args], capture_output=True, env=env, timeout=TIMEOUT)
    finally:
        if own:
            cfg.close()
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise AssertionError(f"tshark {' '.join(args)} exited {p.returncode}:\n{err}")
    return out, err


def tshark_json(pcap, *extra, fields=("frame.number", "ovms.plaintext"), config=None):
    """{frame number: {field: [values]}} for the frames that have any of `fields` but frame.number."""
    args = ["-r", pcap, "-T", "json"]
    for f in fields:
        args += ["-e", f]
    out, _ = tshark(*args, *extra, config=config)
    frames = {}
    for pkt in json.loads(out) if out.strip() else []:
        layers = pkt["_source"]["layers"]
        number = int(layers["frame.number"][0])
        values = {k: v for k, v in layers.items() if k != "frame.number"}
        if values:
            frames[number] = values
    return frames


def ovmsdump(pcap, keys=KEYS, *extra):
    args = [OVMSDUMP, "-r", pcap, "--json", "--no-progress", *extra]
    if keys:
        args += ["-k", keys]
    p = subprocess.run(args, capture_output=True, timeout=TIMEOUT)
    if p.returncode != 0:
        raise AssertionError(f"ovmsdump {' '.join(args)} exited {p.returncode}: {p.stderr.decode()}")
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]


def diag_ids(rec):
    return [d["id"] for d in rec.get("diag", [])]


def emitted_at_end_of_capture(rec, last_frame=None):
    """Records ovmsdump only emits when the capture ends (a partial last line of a connection still open):
    Wireshark has no such moment. A partial last line of a connection that closed comes out at its close
    in both. Without `last_frame` (the capture's last frame number), every partial last line counts."""
    return "tcp.line_unterminated" in diag_ids(rec) and (last_frame is None or rec["frame"] == last_frame)


def by_frame(records, value, last_frame=None):
    frames = {}
    for r in records:
        if emitted_at_end_of_capture(r, last_frame):
            continue
        v = value(r)
        if v is not None:
            frames.setdefault(r["frame"], []).append(v)
    return frames


def ovmsdump_text(pcap, keys=KEYS):
    """ovmsdump's text output: the record lines (time #conn dir role vehicle message summary), in order."""
    p = subprocess.run([OVMSDUMP, "-r", pcap, "-k", keys, "--no-progress", "-t", "u"], capture_output=True,
                       timeout=TIMEOUT)
    if p.returncode != 0:
        raise AssertionError(f"ovmsdump -r {pcap} exited {p.returncode}: {p.stderr.decode()}")
    return [line for line in p.stdout.decode().splitlines() if re.match(r"^\d\d:\d\d:\d\d\.\d{6} #\d+ ", line)]


def ovmsdump_stats(pcap, keys=KEYS):
    """ovmsdump --stats tables: {title: {key: count}} (the per-diagnostic table left out)."""
    p = subprocess.run([OVMSDUMP, "-r", pcap, "-k", keys, "-q", "--json", "--stats", "--no-progress"],
                       capture_output=True, timeout=TIMEOUT)
    if p.returncode != 0:
        raise AssertionError(f"ovmsdump --stats -r {pcap} exited {p.returncode}: {p.stderr.decode()}")
    stats = json.loads(p.stdout)  # -q --stats --json: one JSON object on stdout
    return {title: table for title, table in stats.items() if title.startswith("Lines by ")}


def tshark_stats(pcap, *extra):
    """tshark -z ovms,tree tables: {title: {key: count}}, each table's own total under its title."""
    out, _ = tshark("-r", pcap, "-o", f"ovms.keys_file:{KEYS}", "-q", "-z", "ovms,tree", *extra)
    if "OVMS/Messages" not in out:
        raise AssertionError(f"no OVMS/Messages tree in:\n{out}")
    tables, table = {}, None
    for line in out.splitlines():
        m = re.match(r"^(Lines by \S+)\s{2,}(\d+)\s", line)
        if m:
            table = tables.setdefault(m.group(1), {})
            table[m.group(1)] = int(m.group(2))
            continue
        m = re.match(r"^ (\S.*?)\s{2,}(\d+)\s", line)
        if m and table is not None:
            table[m.group(1)] = int(m.group(2))
    return tables


def words(text):
    """Text with runs of blanks as one space: column padding is layout, not wording."""
    return " ".join(text.split())


def read_keys(path):
    """The vehicles of a keys file (id -> server_password), read with a minimal YAML subset reader."""
    vehicles, current = {}, None
    with open(path) as f:
        for raw in f:
            line = raw.split(" #")[0].rstrip()
            m = re.match(r"^\s*(-\s+)?(\w+):\s*(.*)$", line)
            if not m:
                continue
            key, value = m.group(2), m.group(3).strip().strip('"').strip("'")
            if m.group(1):
                current = {}
                if key == "id":
                    current["id"] = value
            if current is None:
                continue
            current[key] = value
            if "id" in current and "server_password" in current:
                vehicles[current["id"]] = current["server_password"]
    return vehicles


class TcpFrame:
    """One record of a classic pcap: where it lies in the file, and its TCP header if it has one."""

    def __init__(self, number, start, end, tcp, sport, dport, flags, payload_len):
        self.number, self.start, self.end = number, start, end  # the record, header included
        self.tcp, self.sport, self.dport, self.flags, self.payload_len = tcp, sport, dport, flags, payload_len


def pcap_frames(data, name):
    """The records of a classic pcap held in `data` (TCP fields None for frames that are not TCP)."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise unittest.SkipTest(f"{name} is not a classic pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    link_header = {1: 14, 0: 4, 108: 4, 101: 0, 228: 0, 229: 0, 113: 16, 276: 20}
    if linktype not in link_header:
        raise unittest.SkipTest(f"link type {linktype} not handled by the pcap walker")
    frames, pos = [], 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        frame, end = pos + 16, pos + 16 + caplen
        ip = frame + link_header[linktype]
        if linktype == 1 and data[ip - 2:ip] == b"\x81\x00":  # one VLAN tag
            ip += 4
        tcp, ip_end = None, end
        if ip < end:
            version = data[ip] >> 4
            if version == 4 and data[ip + 9] == 6:
                tcp = ip + (data[ip] & 0x0F) * 4
                ip_end = min(end, ip + struct.unpack(">H", data[ip + 2:ip + 4])[0])
            elif version == 6 and data[ip + 6] == 6:
                tcp = ip + 40
                ip_end = min(end, tcp + struct.unpack(">H", data[ip + 4:ip + 6])[0])
        if tcp is not None and tcp + 14 <= end:
            sport, dport = struct.unpack(">HH", data[tcp:tcp + 4])
            payload_len = ip_end - (tcp + (data[tcp + 12] >> 4) * 4)
            frames.append(TcpFrame(len(frames) + 1, pos, end, tcp, sport, dport, data[tcp + 13], payload_len))
        else:
            frames.append(TcpFrame(len(frames) + 1, pos, end, None, None, None, None, None))
        pos = end
    return frames


def rewrite_ports(src, dst, mapping):
    """Copies a classic pcap, replacing TCP ports per `mapping` (checksums are left; tshark does not check)."""
    with open(src, "rb") as f:
        data = bytearray(f.read())
    changed = 0
    for fr in pcap_frames(data, src):
        for off in (fr.tcp, fr.tcp + 2) if fr.tcp is not None else ():
            port = struct.unpack(">H", data[off:off + 2])[0]
            if port in mapping:
                data[off:off + 2] = struct.pack(">H", mapping[port])
                changed += 1
    with open(dst, "wb") as f:
        f.write(data)
    return changed


def drop_frames(src, dst, drop):
    """Copies a classic pcap without the frames whose numbers are in `drop` (as if the capture missed them)."""
    with open(src, "rb") as f:
        data = f.read()
    kept = [data[fr.start:fr.end] for fr in pcap_frames(data, src) if fr.number not in drop]
    with open(dst, "wb") as f:
        f.write(data[:24] + b"".join(kept))


def write_conversation(path, segments, client_port=40001, server_port=6867):
    """Writes a classic pcap of one TCP conversation on Ethernet/IPv4, with its handshake, then one segment
    per (from_client, payload) of `segments`, each acknowledging what the peer sent before."""
    client_ip, server_ip = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1])
    seq = {True: 1000, False: 5000}
    frames = []

    def frame(from_client, flags, payload=b""):
        src, dst = (client_ip, server_ip) if from_client else (server_ip, client_ip)
        sport, dport = (client_port, server_port) if from_client else (server_port, client_port)
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq[from_client], seq[not from_client], 5 << 4, flags,
                          65535, 0, 0)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0, 64, 6, 0, src, dst)
        frames.append(b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + tcp + payload)

    frame(True, 0x02)
    seq[True] += 1
    frame(False, 0x12)
    seq[False] += 1
    frame(True, 0x10)
    for from_client, payload in segments:
        frame(from_client, 0x18, payload)
        seq[from_client] += len(payload)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, data in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(data), len(data)))
            f.write(data)


class Plugin(unittest.TestCase):
    """The plugin loads and registers what the catalog generates."""

    def test_loaded(self):
        out, _ = tshark("-G", "plugins")
        self.assertRegex(out, r"(?m)^ovms\.so\s")

    def test_generated_fields(self):
        out, err = tshark("-G", "fields")
        fields = {}
        for line in out.splitlines():
            parts = line.split("\t")
            if parts[0] == "F" and parts[2].startswith("ovms."):
                fields[parts[2]] = parts[3]
        for name, ftype in {
            "ovms.line": "FT_STRING", "ovms.plaintext": "FT_STRING", "ovms.code": "FT_STRING",
            "ovms.handshake_ok": "FT_BOOLEAN", "ovms.response_to": "FT_FRAMENUM",
            "ovms.response_in": "FT_FRAMENUM", "ovms.paranoid.plaintext": "FT_STRING",
            "ovms.status.soc": "FT_DOUBLE", "ovms.status.charge_state": "FT_STRING",
            "ovms.environment.doors1": "FT_UINT8", "ovms.environment.doors1.fl_door": "FT_BOOLEAN",
            "ovms.environment.lock_state": "FT_INT64", "ovms.command.mode": "FT_INT64",
            "ovms.command_response.value": "FT_STRING", "ovms.ap_record.server": "FT_STRING",
            "ovms.status.last_charge_end": "FT_ABSOLUTE_TIME", "ovms.firmware.service_time": "FT_ABSOLUTE_TIME",
        }.items():
            self.assertEqual(fields.get(name), ftype, name)
        self.assertGreater(len(fields), 250, "catalog fields missing")
        self.assertNotIn("ovms", err.lower(), f"warnings at registration: {err}")

    def test_expert_infos(self):
        # tshark 4.0 has no expert glossary; each expert info is also a (FT_NONE) field.
        out, _ = tshark("-G", "fields")
        keys = [line.split("\t")[2] for line in out.splitlines()
                if line.startswith("F\t") and "\tovms.expert." in line]
        self.assertIn("ovms.expert.handshake.digest_mismatch", keys)
        self.assertGreaterEqual(len(keys), 30)

    def test_guide_differences_are_protocol_notes(self):
        out, _ = tshark("-r", need("basic"), "-o", f"ovms.keys_file:{KEYS}",
                        "-Y", "ovms.expert.protocol.differs_from_guide", "-V")
        notes = [line for line in out.splitlines() if "Expert Info (" in line and "2013 guide" in line]
        self.assertTrue(notes, "no protocol.differs_from_guide expert info in basic.pcap")
        for line in notes:
            self.assertIn("Expert Info (Note/Protocol)", line)

    def test_preferences(self):
        out, _ = tshark("-G", "defaultprefs")
        self.assertIn("ovms.keys_file:", out)
        # The description tells a user of an installed plugin where the format is: an installed file, not a
        # path in our source tree alone, and an example to start from.
        self.assertRegex(out, r"share/doc/[^ ]+/keys\.md")
        self.assertIn("server_password", out)
        out, _ = tshark("-G", "heuristic-decodes")
        self.assertRegex(out, r"(?m)^tcp\s+ovms\s+T")


def frame_count(pcap):
    with open(pcap, "rb") as f:
        return len(pcap_frames(f.read(), pcap))


def compare_with_ovmsdump(test, pcap, name, *extra):
    """Asserts that each frame's plaintexts (and paranoid plaintexts) in tshark are ovmsdump's; returns how many."""
    records = ovmsdump(pcap)
    last = frame_count(pcap)
    expected = by_frame(records, lambda r: r["plain"], last)
    expected_inner = by_frame(records, lambda r: (r.get("inner") or {}).get("plain"), last)
    got = tshark_json(pcap, "-o", f"ovms.keys_file:{KEYS}", *extra,
                      fields=("frame.number", "ovms.plaintext", "ovms.paranoid.plaintext"))
    got_plain = {f: v["ovms.plaintext"] for f, v in got.items() if "ovms.plaintext" in v}
    got_inner = {f: v["ovms.paranoid.plaintext"] for f, v in got.items() if "ovms.paranoid.plaintext" in v}
    test.assertEqual(got_plain, expected, f"{name}: ovms.plaintext differs from ovmsdump's plain")
    test.assertEqual(got_inner, expected_inner, f"{name}: ovms.paranoid.plaintext differs")
    return sum(len(v) for v in expected.values())


class Samples(unittest.TestCase):
    """Every sample: the plugin's plaintexts are ovmsdump's, frame by frame."""

    @classmethod
    def setUpClass(cls):
        if not SAMPLE_NAMES:
            raise AssertionError(f"no sample captures in {SAMPLES}")

    def compare(self, name, *extra):
        return compare_with_ovmsdump(self, sample(name), name, *extra)

    def test_plaintext_one_pass(self):
        total = 0
        for name in SAMPLE_NAMES:
            with self.subTest(sample=name):
                total += self.compare(name)
        print(f"\n  one pass: {total} plaintexts in {len(SAMPLE_NAMES)} samples equal ovmsdump's", file=sys.stderr)

    def test_plaintext_two_pass(self):
        for name in SAMPLE_NAMES:
            with self.subTest(sample=name):
                self.compare(name, "-2")

    def test_tcp_preferences(self):
        """Whatever TCP hands on (or not: retransmissions, out-of-order segments), the lines are the same."""
        variants = ["tcp.no_subdissector_on_error:FALSE", "tcp.reassemble_out_of_order:TRUE",
                    "tcp.analyze_sequence_numbers:FALSE", "tcp.relative_sequence_numbers:FALSE"]
        for name in [n for n in ("segmentation", "midstream", "basic") if n in SAMPLE_NAMES]:
            for variant in variants:
                with self.subTest(sample=name, pref=variant):
                    self.compare(name, "-o", variant)

    def test_full_tree_every_sample(self):
        for name in SAMPLE_NAMES:
            with self.subTest(sample=name):
                out, err = tshark("-r", sample(name), "-o", f"ovms.keys_file:{KEYS}", "-2", "-V")
                self.assertNotIn("Dissector bug", out + err)
                self.assertNotIn("[Malformed Packet: OVMS", out)
                self.assertNotIn("ovms", err.lower())


class LostSegments(unittest.TestCase):
    """Captures that missed segments. The plugin and ovmsdump share the core's rule for lost bytes (the
    peer's ACK, 8 segments past a hole, the end), so the lines after a hole come out in the same frames."""

    @staticmethod
    def car_segments(frames):
        """The cars' payload segments to the server, by connection (the car's port)."""
        by_conn = {}
        for fr in frames:
            if fr.tcp is not None and fr.dport in OVMS_PORTS and fr.payload_len > 0:
                by_conn.setdefault(fr.sport, []).append(fr)
        return by_conn

    def derive(self, name, drop_acks):
        """`name` without the middle payload segment of its longest car connection (and, with `drop_acks`,
        without the server's bare ACKs on that connection after it). Returns the derived file."""
        src = need(name)
        with open(src, "rb") as f:
            frames = pcap_frames(f.read(), src)
        conns = self.car_segments(frames)
        port, segs = max(conns.items(), key=lambda kv: len(kv[1]))
        self.assertGreaterEqual(len(segs), 5, f"{name}: no car connection long enough")
        lost = segs[len(segs) // 2].number
        drop = {lost}
        if drop_acks:
            drop |= {fr.number for fr in frames if fr.tcp is not None and fr.dport == port and
                     fr.sport in OVMS_PORTS and fr.payload_len == 0 and fr.number > lost and not fr.flags & 0x07}
        dst = os.path.join(self.tmp, f"{name}-lost{'-noack' if drop_acks else ''}.pcap")
        drop_frames(src, dst, drop)
        return dst

    def check(self, name, drop_acks):
        pcap = self.derive(name, drop_acks)
        gaps = [r for r in ovmsdump(pcap) if "tcp.gap" in diag_ids(r)]
        self.assertTrue(gaps, f"{name}: ovmsdump reports no tcp.gap for the segment left out")
        for extra in ((), ("-2",), ("-o", "tcp.relative_sequence_numbers:FALSE")):
            with self.subTest(sample=name, drop_acks=drop_acks, args=extra):
                compare_with_ovmsdump(self, pcap, os.path.basename(pcap), *extra)

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ovms-lost-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_hole_the_server_acknowledges(self):
        for name in ("basic", "all"):
            self.check(name, drop_acks=False)

    def test_hole_without_bare_acks(self):
        """Only the server's data segments acknowledge, or the segment limit gives the hole up."""
        for name in ("basic", "all"):
            self.check(name, drop_acks=True)


def need(name):
    if name not in SAMPLE_NAMES:
        raise unittest.SkipTest(f"sample {name}.pcap not present")
    return sample(name)


class Keys(unittest.TestCase):
    """Right key, wrong key, no key; keys from the preference and from the UAT."""

    @classmethod
    def setUpClass(cls):
        cls.pcap = need("basic")
        cls.records = ovmsdump(cls.pcap)
        welcomes = [r for r in cls.records if r["kind"] == "welcome" and r.get("handshake", {}).get("key_id")]
        if not welcomes:
            raise AssertionError("basic.pcap has no welcome that the sample keys verify")
        cls.vehicle = welcomes[0]["handshake"]["key_id"]
        cls.secret = read_keys(KEYS)[cls.vehicle]
        cls.expected = by_frame(cls.records, lambda r: r["plain"])
        cls.wires = by_frame(cls.records, lambda r: r["wire"])
        cls.messages = by_frame([r for r in cls.records if r["kind"] == "message"], lambda r: r["wire"])

    def plaintexts(self, *extra, config=None):
        got = tshark_json(self.pcap, *extra, config=config)
        return {f: v["ovms.plaintext"] for f, v in got.items() if "ovms.plaintext" in v}

    def test_right_key_from_preference(self):
        self.assertEqual(self.plaintexts("-o", f"ovms.keys_file:{KEYS}"), self.expected)
        got = tshark_json(self.pcap, "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms.handshake_ok == 1",
                          fields=("frame.number", "ovms.key_source", "ovms.vehicle_id"))
        self.assertTrue(got, "no verified handshake")
        self.assertIn("vehicle_id", [s for v in got.values() for s in v.get("ovms.key_source", [])])

    def test_right_key_from_preferences_file(self):
        cfg = Config()
        try:
            cfg.write("preferences", f"ovms.keys_file: {KEYS}\n")
            self.assertEqual(self.plaintexts(config=cfg), self.expected)
        finally:
            cfg.close()

    def test_right_key_from_uat_option(self):
        uat = f'uat:ovms_keys:"{self.vehicle}","{self.secret}",""'
        self.assertEqual(self.plaintexts("-o", uat), self.expected)

    def test_right_key_from_uat_file(self):
        cfg = Config()
        try:
            cfg.write("ovms_keys", f'# This file is automatically generated, DO NOT MODIFY.\n'
                                   f'"{self.vehicle}","{self.secret}",""\n')
            self.assertEqual(self.plaintexts(config=cfg), self.expected)
        finally:
            cfg.close()

    def test_wrong_key(self):
        cfg = Config()
        try:
            wrong = os.path.join(cfg.dir, "wrong.yaml")
            with open(wrong, "w") as f:
                f.write(f'vehicles:\n  - id: {self.vehicle}\n    server_password: "not-{self.secret}"\n')
            frames = tshark_json(self.pcap, "-o", f"ovms.keys_file:{wrong}",
                                 "-Y", "ovms.expert.handshake.digest_mismatch",
                                 fields=("frame.number", "ovms.diag", "_ws.expert.message"), config=cfg)
            self.assertTrue(frames, "no handshake.digest_mismatch expert info")
            messages = [m for v in frames.values() for m in v.get("_ws.expert.message", [])]
            self.assertTrue(any("wrong secret" in m for m in messages), messages)
            # Nothing after the welcome decrypts.
            got = self.plaintexts("-o", f"ovms.keys_file:{wrong}", config=cfg)
            self.assertFalse(set(got) & set(self.messages), f"decrypted with a wrong key: {got}")
            undecrypted = tshark_json(self.pcap, "-o", f"ovms.keys_file:{wrong}",
                                      "-Y", "ovms.expert.session.not_decrypted", config=cfg,
                                      fields=("frame.number", "ovms.line"))
            self.assertTrue(undecrypted)
        finally:
            cfg.close()

    def test_no_key(self):
        frames = tshark_json(self.pcap, "-Y", "ovms.expert.key.missing", fields=("frame.number", "ovms.diag"))
        self.assertTrue(frames, "no key.missing expert info without keys")
        self.assertFalse(set(self.plaintexts()) & set(self.messages))
        # The lines are still there, with their wire text.
        lines = tshark_json(self.pcap, fields=("frame.number", "ovms.line"))
        self.assertEqual({f: v["ovms.line"] for f, v in lines.items()}, self.wires)

    def test_bad_keys_file(self):
        cfg = Config()
        try:
            bad = os.path.join(cfg.dir, "bad.yaml")
            with open(bad, "w") as f:
                f.write("vehicles:\n  - id: DEMO\n    server_pasword: x\n")
            _, err = tshark("-r", self.pcap, "-o", f"ovms.keys_file:{bad}", config=cfg)
            self.assertRegex(err, re.escape(bad) + r":3:\d+: ")
        finally:
            cfg.close()

    def test_wrong_secret_sample(self):
        pcap = need("wrong-secret")
        records = ovmsdump(pcap)
        expected = sorted({r["frame"] for r in records if "handshake.digest_mismatch" in diag_ids(r)})
        got = tshark_json(pcap, "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms.expert.handshake.digest_mismatch",
                          fields=("frame.number", "ovms.diag"))
        self.assertEqual(sorted(got), expected)
        self.assertTrue(expected)


class LoginFaults(unittest.TestCase):
    """What real peers showed: an AP-only keys entry, a refused login, an open keys file."""

    def private_keys(self, cfg, text, mode=0o600):
        path = os.path.join(cfg.dir, "keys.yaml")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def test_secret_learned_from_an_ap_record(self):
        pcap = need("autoprovision")
        cfg = Config()
        try:
            # The sample's APDEMO as the car knows itself before provisioning: VIN and ICCID only.
            keys = self.private_keys(cfg, 'vehicles:\n  - vin: "WVWZZZAAZLD000042"\n    iccid: "8944500102198304826"\n')
            records = ovmsdump(pcap, keys)
            expected = by_frame(records, lambda r: r["plain"])
            self.assertTrue(any(r["kind"] == "message" and r["plain"] for r in records), "ovmsdump learned nothing")
            got = tshark_json(pcap, "-o", f"ovms.keys_file:{keys}", config=cfg)
            self.assertEqual({f: v["ovms.plaintext"] for f, v in got.items() if "ovms.plaintext" in v}, expected)
            learned = tshark_json(pcap, "-o", f"ovms.keys_file:{keys}", "-Y", "ovms.expert.key.learned", config=cfg,
                                  fields=("frame.number", "ovms.kind"))
            used = tshark_json(pcap, "-o", f"ovms.keys_file:{keys}", "-Y", "ovms.key_learned_in", config=cfg,
                               fields=("frame.number", "ovms.key_learned_in", "_ws.expert.message"))
            self.assertEqual(len(learned), 1, learned)
            ap_frame = next(iter(learned))
            self.assertTrue(used, "no handshake says its key was learned")
            for frame, v in used.items():
                self.assertGreater(frame, ap_frame)
                self.assertEqual(v["ovms.key_learned_in"], [str(ap_frame)])
            messages = [m for v in used.values() for m in v.get("_ws.expert.message", [])]
            self.assertTrue(any(f"AP-S record in frame {ap_frame}" in m for m in messages), messages)
        finally:
            cfg.close()

    def test_server_refused_login(self):
        pcap = need("wrong-secret")
        got = tshark_json(pcap, "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms.expert.handshake.server_refused",
                          fields=("frame.number", "tcp.srcport", "tcp.flags.fin", "_ws.expert.message"))
        self.assertEqual(len(got), 1, got)
        (frame, v), = got.items()
        self.assertIn(v["tcp.srcport"][0], [str(p) for p in OVMS_PORTS], "not the server's segment")
        self.assertIn(v["tcp.flags.fin"][0], ("1", "True"))
        self.assertTrue(any("the client's secret is wrong" in m for m in v["_ws.expert.message"]), v)

    def test_keys_file_others_may_read_is_warned_about(self):
        pcap = need("basic")
        cfg = Config()
        try:
            with open(KEYS) as f:
                keys = self.private_keys(cfg, f.read(), mode=0o644)
            _, err = tshark("-r", pcap, "-o", f"ovms.keys_file:{keys}", config=cfg)
            self.assertIn("mode 0644", err)
            self.assertIn(keys, err)
            _, err = tshark("-r", pcap, "-o", f"ovms.keys_file:{KEYS}", config=cfg)
            self.assertNotIn("mode 0", err)
        finally:
            cfg.close()


class Ports(unittest.TestCase):
    """OVMS on another port: the heuristic, Decode As and the port preference."""

    PORT = 17777

    @classmethod
    def setUpClass(cls):
        src = need("basic")
        cls.tmp = tempfile.mkdtemp(prefix="ovms-ports-")
        cls.pcap = os.path.join(cls.tmp, "basic-other-port.pcap")
        changed = rewrite_ports(src, cls.pcap, {p: cls.PORT for p in OVMS_PORTS})
        if not changed:
            raise AssertionError("no OVMS port found to rewrite in basic.pcap")
        cls.expected = by_frame(ovmsdump(src), lambda r: r["plain"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def plaintexts(self, *extra):
        got = tshark_json(self.pcap, "-o", f"ovms.keys_file:{KEYS}", *extra)
        return {f: v["ovms.plaintext"] for f, v in got.items() if "ovms.plaintext" in v}

    def test_heuristic(self):
        self.assertEqual(self.plaintexts(), self.expected)

    def test_heuristic_disabled(self):
        self.assertEqual(self.plaintexts("--disable-heuristic", "ovms_tcp"), {})

    def test_decode_as(self):
        self.assertEqual(self.plaintexts("--disable-heuristic", "ovms_tcp", "-d", f"tcp.port=={self.PORT},ovms"),
                         self.expected)

    def test_port_preference(self):
        self.assertEqual(self.plaintexts("--disable-heuristic", "ovms_tcp", "-o", f"ovms.tcp.port:{self.PORT}"),
                         self.expected)


class Output(unittest.TestCase):
    """Statistics tree, Info column, filters on generated fields, the paranoid layer."""

    def test_stats_tree_counts_what_ovmsdump_stats_counts(self):
        """-z ovms,tree and ovmsdump --stats count the same lines under the same keys (the core's tables)."""
        for name in SAMPLE_NAMES:
            with self.subTest(sample=name):
                records = ovmsdump(sample(name))
                cut = [r for r in records if emitted_at_end_of_capture(r)]
                self.assertFalse(cut, f"{name}: lines only ovmsdump sees (cut off at the end) would make the counts "
                                      f"differ; the comparison needs a capture without them")
                want = ovmsdump_stats(sample(name))
                got = tshark_stats(sample(name))
                self.assertEqual(sorted(got), sorted(want), f"{name}: tables")
                for title, counts in want.items():
                    table = dict(got[title])
                    self.assertEqual(table.pop(title), len(records), f"{name}: {title} total")
                    self.assertEqual(table, counts, f"{name}: {title}")
        # The naming rule shows: a paranoid status is counted as E/S in both.
        self.assertIn("E/S status", ovmsdump_stats(need("paranoid"))["Lines by message"])

    def test_info_column_is_ovmsdumps_wording(self):
        """Every frame's Info column holds, for each line, the words ovmsdump prints for it."""
        total = 0
        for name in SAMPLE_NAMES:
            with self.subTest(sample=name):
                pcap = sample(name)
                records = ovmsdump(pcap)
                text = ovmsdump_text(pcap)
                self.assertEqual(len(text), len(records), f"{name}: ovmsdump text and JSON disagree on the lines")
                want = {}
                for rec, line in zip(records, text):
                    if emitted_at_end_of_capture(rec):
                        continue
                    # Drop time, connection and direction: the Info column has the rest.
                    want.setdefault(rec["frame"], []).append(words(line.split(None, 3)[3]))
                out, _ = tshark("-r", pcap, "-o", f"ovms.keys_file:{KEYS}", "-T", "fields", "-e", "frame.number",
                                "-e", "_ws.col.Info")
                info = {}
                for row in out.splitlines():
                    number, _, column = row.partition("\t")
                    info[int(number)] = words(column)
                for frame, lines in sorted(want.items()):
                    expected = " | ".join(lines)
                    got = info.get(frame, "")
                    # Frames TCP did not hand on keep TCP's own text before ours.
                    self.assertTrue(got == expected or got.endswith(" | " + expected),
                                    f"{name} frame {frame}:\n  tshark:   {got}\n  ovmsdump: {expected}")
                    total += len(lines)
        print(f"\n  Info column: {total} lines worded as ovmsdump words them", file=sys.stderr)

    def test_filters(self):
        pcap = need("basic")
        records = ovmsdump(pcap)
        want = sorted({r["frame"] for r in records
                       if r.get("code") == "S" and isinstance((r.get("fields") or {}).get("soc"), (int, float))})
        got = tshark_json(pcap, "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms.status.soc >= 0",
                          fields=("frame.number", "ovms.code"))
        self.assertEqual(sorted(got), want)
        got = tshark_json(pcap, "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms.role == \"server\"",
                          fields=("frame.number", "ovms.role"))
        self.assertEqual(sorted(got), sorted({r["frame"] for r in records if r["role"] == "server"}))

    def test_paranoid(self):
        pcap = need("paranoid")
        records = ovmsdump(pcap)
        inner = [r for r in records if r.get("inner") and r["inner"].get("code") == "S"]
        self.assertTrue(inner, "paranoid.pcap has no paranoid S message")
        # The same field names for inner messages: a filter on ovms.status.soc finds them.
        got = tshark_json(pcap, "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms.paranoid.code == \"S\" && ovms.status.soc",
                          fields=("frame.number", "ovms.paranoid.name"))
        self.assertEqual(sorted(got), sorted({r["frame"] for r in inner}))

    def test_field_diagnostics_sit_on_their_field(self):
        """The core names a malformed or extra field by its index; its expert info is on that field's item."""
        tmp = tempfile.mkdtemp(prefix="ovms-fields-")
        try:
            pcap = os.path.join(tmp, "malformed.pcap")
            # Scheme 1 (plain text), so the lines need no key.
            write_conversation(pcap, [(True, b"MP-A 1 user pass DEMO\r\n"), (False, b"MP-S 1 user DEMO\r\n"),
                                      (False, b"S8x,K,x1,16.00\r\n"), (False, b"Z1,extra\r\n")])
            out, _ = tshark("-r", pcap, "-V", "-O", "ovms")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        lines = out.splitlines()

        def expert_under(item_prefix):
            for i, line in enumerate(lines):
                if line.strip().startswith(item_prefix):
                    depth = len(line) - len(line.lstrip())
                    child = lines[i + 1] if i + 1 < len(lines) else ""
                    self.assertGreater(len(child) - len(child.lstrip()), depth, f"nothing under {line!r}")
                    return child.strip()
            self.fail(f"no item {item_prefix!r} in:\n{out}")

        self.assertTrue(expert_under("State of charge: 8x [malformed").startswith(
            '[Expert Info (Warning/Malformed): soc is not a number: "8x"'))
        self.assertTrue(expert_under("Charge line voltage: x1 [malformed").startswith(
            '[Expert Info (Warning/Malformed): line_voltage is not a number: "x1"'))
        self.assertTrue(expert_under("Extra field #1: extra").startswith("[Expert Info (Note/Protocol): 1 trailing"))

    def test_command_links(self):
        pcap = need("commands")
        records = ovmsdump(pcap)
        linked = sorted({r["frame"] for r in records if r.get("response_to") is not None})
        self.assertTrue(linked, "commands.pcap has no linked command response")
        got = tshark_json(pcap, "-2", "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms.response_to",
                          fields=("frame.number", "ovms.response_to"))
        self.assertEqual(sorted(got), linked)
        got = tshark_json(pcap, "-2", "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms.response_in",
                          fields=("frame.number", "ovms.response_in"))
        self.assertTrue(got, "no ovms.response_in on the requests")



class EpochTimes(unittest.TestCase):
    """Epoch-second fields are absolute times: Wireshark shows, sorts and filters them as dates."""

    def test_dates(self):
        pcap = need("basic")
        records = ovmsdump(pcap)
        want = {r["frame"]: r["fields"]["service_time"] for r in records
                if r.get("code") == "F" and r["fields"].get("service_time", -1) > 0}
        self.assertTrue(want, "basic.pcap has no F message with a service time")
        out, _ = tshark("-r", pcap, "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms.firmware.service_time",
                        "-T", "fields", "-e", "frame.number", "-e", "ovms.firmware.service_time")
        got = {}
        for line in out.splitlines():
            frame, when = line.split("\t")
            got[int(frame)] = when
        self.assertEqual(sorted(got), sorted(want))
        for frame, secs in want.items():
            date = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)
            self.assertIn(date.strftime("%Y %H:%M:%S"), got[frame].replace(f"{date.day}, ", ""), got[frame])
        # A date filter selects them; "none" (-1) is no date at all.
        later, _ = tshark("-r", pcap, "-o", f"ovms.keys_file:{KEYS}", "-Y",
                          'ovms.firmware.service_time > "2020-01-01 00:00:00"', "-T", "fields", "-e", "frame.number")
        self.assertEqual(sorted(int(x) for x in later.split()), sorted(want))
        none, _ = tshark("-r", pcap, "-o", f"ovms.keys_file:{KEYS}", "-Y", "ovms.status.last_charge_end",
                         "-T", "fields", "-e", "frame.number")
        self.assertEqual(none.split(), [], "a -1 time must not be a date")


def follow_chunks(text):
    """The data chunks of `tshark -z follow,PROTO,ascii,N`: [(from_node1, data)] in order."""
    body = text.split("\nNode 1: ", 1)[1].split("\n", 1)[1]
    chunks, pos = [], 0
    while True:
        m = re.compile(r"(\t?)(\d+)\n").match(body, pos)
        if not m:
            break
        start = m.end()
        chunks.append((m.group(1) == "\t", body[start:start + int(m.group(2))]))
        pos = start + int(m.group(2))
        while body.startswith("\n", pos):
            pos += 1
    return chunks


class Follow(unittest.TestCase):
    """-z follow,ovms: a connection's decrypted messages, both directions, as ovmsdump decodes them."""

    @staticmethod
    def followed_text(rec):
        inner = rec.get("inner")
        if inner and inner.get("plain") is not None:
            return inner["plain"]
        return rec["plain"] if rec["plain"] is not None else rec["wire"]

    def check(self, name):
        self.check_pcap(need(name), name)

    def check_pcap(self, pcap, name):
        records = [r for r in ovmsdump(pcap) if not emitted_at_end_of_capture(r)]
        for conn in sorted({r["conn"] for r in records}):
            mine = [r for r in records if r["conn"] == conn]
            out, _ = tshark("-r", pcap, "-o", f"ovms.keys_file:{KEYS}", "-q", "-z", f"follow,ovms,ascii,{conn}")
            self.assertIn("Follow: ovms,ascii", out)
            self.assertIn(f"Filter: tcp.stream eq {conn}", out)
            chunks = follow_chunks(out)
            for node, direction in ((False, "c2s"), (True, "s2c")):
                got = "".join(data for n, data in chunks if n == node)
                want = "".join(self.followed_text(r) + "\n" for r in mine if r["dir"] == direction)
                self.assertEqual(got, want, f"{name} conn {conn} {direction}")

    def test_after_a_hole(self):
        """Without the server's bare ACKs, lines after a hole complete in frames of the other direction:
        each still shows on its own side."""
        lost = LostSegments()
        lost.tmp = tempfile.mkdtemp(prefix="ovms-follow-")
        try:
            for drop_acks in (False, True):
                self.check_pcap(lost.derive("basic", drop_acks), f"basic without a segment (drop_acks={drop_acks})")
        finally:
            shutil.rmtree(lost.tmp, ignore_errors=True)

    def test_basic(self):
        self.check("basic")

    def test_paranoid_shows_inner_messages(self):
        self.check("paranoid")
        out, _ = tshark("-r", need("paranoid"), "-o", f"ovms.keys_file:{KEYS}", "-q", "-z", "follow,ovms,ascii,0")
        self.assertIn("\nMP-0 S", out)  # the status inside the paranoid EM, decrypted
        self.assertNotIn("MP-0 EM", out)

    def test_without_keys_shows_the_wire(self):
        pcap = need("basic")
        out, _ = tshark("-r", pcap, "-q", "-z", "follow,ovms,ascii,0")
        self.assertIn("MP-C 0 ", out)  # the welcome is plaintext
        self.assertNotIn("MP-0 ", out)  # nothing decrypts without the keys

    def test_hex_mode(self):
        out, _ = tshark("-r", need("basic"), "-o", f"ovms.keys_file:{KEYS}", "-q", "-z", "follow,ovms,hex,0")
        self.assertIn("Follow: ovms,hex", out)
        self.assertIn("4d 50 2d 30 20", out)  # "MP-0 " in hex


if __name__ == "__main__":
    for tool in (WRAPPER, OVMSDUMP):
        if not os.access(tool, os.X_OK):
            sys.exit(f"{tool} is not executable")
    unittest.main(argv=UNITTEST_ARGV, verbosity=2)
