#!/usr/bin/env python3
"""End-to-end tests of ovmsdump over the simulator's sample captures.

Run by ctest as: ovmsdump_test.py OVMSDUMP SAMPLES_DIR GOLDEN_DIR OVMS_SIM
Set OVMS_UPDATE_GOLDEN=1 to rewrite the golden files (then review the diff before committing).
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

OVMSDUMP, SAMPLES, GOLDEN, SIM = sys.argv[1:5]
KEYS = os.path.join(SAMPLES, "keys.yaml")
SAMPLE_NAMES = sorted(f[:-5] for f in os.listdir(SAMPLES) if f.endswith(".pcap"))


def run(*args, check=True):
    p = subprocess.run([OVMSDUMP, *args], capture_output=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"ovmsdump {' '.join(args)} exited {p.returncode}: {p.stderr.decode()}")
    return p


def records(pcap, *extra):
    out = run("-r", pcap, "-k", KEYS, "--json", *extra).stdout.decode()
    return [json.loads(line) for line in out.splitlines()]


def diag_ids(rec):
    ids = [d["id"] for d in rec["diag"]]
    if rec.get("inner"):
        ids += [d["id"] for d in rec["inner"]["diag"]]
    return ids


# Diagnostics that explain a line we could not decrypt, and the scenarios where that is expected.
UNDECRYPTABLE_ALLOWED = {
    "wrong-secret": {"session.not_decrypted"},
    "midstream": {"session.not_decrypted"},
    "all": {"session.not_decrypted"},
}


class Golden(unittest.TestCase):
    """Each sample's JSON output equals the reviewed golden file."""

    def test_golden(self):
        update = os.environ.get("OVMS_UPDATE_GOLDEN") == "1"
        self.assertTrue(SAMPLE_NAMES, "no sample captures found")
        for name in SAMPLE_NAMES:
            with self.subTest(sample=name):
                out = run("-r", os.path.join(SAMPLES, name + ".pcap"), "-k", KEYS, "--json").stdout.decode()
                golden = os.path.join(GOLDEN, name + ".jsonl")
                if update:
                    with open(golden, "w") as f:
                        f.write(out)
                    continue
                self.assertTrue(os.path.exists(golden), f"missing golden file {golden}")
                with open(golden) as f:
                    expected = f.read().splitlines()
                got = out.splitlines()
                for i, (e, g) in enumerate(zip(expected, got)):
                    self.assertEqual(json.loads(g), json.loads(e), f"{name}: line {i + 1} differs")
                self.assertEqual(len(got), len(expected), f"{name}: line count")


class Decoding(unittest.TestCase):
    def test_json_contract(self):
        required = ["frame", "ts", "conn", "client", "server", "dir", "role", "vehicle", "wire", "plain",
                    "code", "name", "fields", "inner", "diag"]
        for name in SAMPLE_NAMES:
            for rec in records(os.path.join(SAMPLES, name + ".pcap")):
                for key in required:
                    self.assertIn(key, rec, f"{name}: {key} missing")
                self.assertIn(rec["dir"], ("c2s", "s2c"))
                self.assertIn(rec["role"], ("car", "app", "batch", "server", "autoprovision", "unknown"))
                self.assertGreaterEqual(rec["frame"], 1)

    def test_everything_the_keys_allow_is_decrypted(self):
        for name in SAMPLE_NAMES:
            with self.subTest(sample=name):
                for rec in records(os.path.join(SAMPLES, name + ".pcap")):
                    if rec["kind"] != "message" or rec["plain"] is not None:
                        continue
                    allowed = UNDECRYPTABLE_ALLOWED.get(name, set())
                    self.assertTrue(allowed & set(diag_ids(rec)),
                                    f"{name} frame {rec['frame']}: not decrypted: {rec['diag']}")

    def test_scheme0_plain_starts_with_prefix(self):
        for rec in records(os.path.join(SAMPLES, "basic.pcap")):
            if rec["kind"] == "message" and rec["plain"] is not None:
                self.assertTrue(rec["plain"].startswith("MP-0 "), rec)
                self.assertEqual(rec["code"], rec["plain"][5])

    def test_status_fields_named_by_the_catalog(self):
        s = [r for r in records(os.path.join(SAMPLES, "basic.pcap")) if r["code"] == "S"]
        self.assertTrue(s)
        for key in ("soc", "units", "line_voltage", "charge_current", "charge_state", "charge_mode",
                    "ideal_range", "est_range"):
            self.assertIn(key, s[0]["fields"])
        self.assertEqual(s[0]["name"], "status")

    def test_wrong_and_missing_keys_are_reported(self):
        recs = records(os.path.join(SAMPLES, "wrong-secret.pcap"))
        ids = set(i for r in recs for i in diag_ids(r))
        self.assertIn("handshake.digest_mismatch", ids)
        self.assertIn("key.missing", ids)

    def test_stats(self):
        out = run("-r", os.path.join(SAMPLES, "basic.pcap"), "-k", KEYS, "--stats").stdout.decode()
        self.assertIn("== OVMS statistics", out)
        self.assertIn("S status", out)
        self.assertIn("Lines by vehicle:", out)


class LinkTypes(unittest.TestCase):
    """Every link type and IPv6 decode to the same messages as the Ethernet/IPv4 capture."""

    def test_link_types_and_ipv6(self):
        def decode(d, *opts):
            pcap = os.path.join(d, "x.pcap")
            subprocess.run([SIM, "--scenario", "all", "--seed", "1", "--out", pcap, *opts], check=True,
                           capture_output=True, timeout=120)
            return [(r["frame"], r["dir"], r["role"], r["wire"], r["plain"]) for r in records(pcap)]

        with tempfile.TemporaryDirectory() as d:
            reference = decode(d)
            self.assertGreater(len(reference), 1000)
            for opts in (["--linktype", "sll"], ["--linktype", "sll2"], ["--linktype", "raw"],
                         ["--linktype", "null"], ["--ipv6"], ["--linktype", "sll2", "--ipv6"]):
                with self.subTest(opts=opts):
                    self.assertEqual(decode(d, *opts), reference)


class BadInput(unittest.TestCase):
    def test_truncated_capture_decodes_what_it_can(self):
        src = os.path.join(SAMPLES, "basic.pcap")
        data = open(src, "rb").read()
        full = records(src)
        with tempfile.TemporaryDirectory() as d:
            cut = os.path.join(d, "cut.pcap")
            with open(cut, "wb") as f:
                f.write(data[: len(data) // 2])
            p = run("-r", cut, "-k", KEYS, "--json", check=False)
            self.assertEqual(p.returncode, 1)
            err = p.stderr.decode()
            self.assertIn("cut.pcap", err)
            self.assertIn("truncated", err)
            self.assertIn("frame", err)
            got = [json.loads(l) for l in p.stdout.decode().splitlines()]
            self.assertGreater(len(got), 5)
            # Everything decoded before the cut matches the full decode.
            by_frame = {(r["frame"], r["wire"]): r["plain"] for r in full}
            for r in got:
                if r["plain"] is not None and "tcp.line_unterminated" not in diag_ids(r):
                    self.assertEqual(by_frame.get((r["frame"], r["wire"])), r["plain"])

    def test_not_a_capture(self):
        with tempfile.TemporaryDirectory() as d:
            junk = os.path.join(d, "junk.pcap")
            with open(junk, "wb") as f:
                f.write(os.urandom(4096))
            p = run("-r", junk, check=False)
            self.assertEqual(p.returncode, 1)
            self.assertIn("junk.pcap", p.stderr.decode())

    def test_missing_file(self):
        p = run("-r", "/nonexistent.pcap", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("/nonexistent.pcap", p.stderr.decode())

    def test_bad_keys_file_names_line_and_column(self):
        with tempfile.TemporaryDirectory() as d:
            keys = os.path.join(d, "keys.yaml")
            with open(keys, "w") as f:
                f.write("vehicles:\n  - id: DEMO\n    server_pasword: x\n")
            p = run("-r", os.path.join(SAMPLES, "basic.pcap"), "-k", keys, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("keys.yaml:3:5: unknown key 'server_pasword'", p.stderr.decode())

    def test_usage_errors(self):
        self.assertEqual(run(check=False).returncode, 2)
        self.assertEqual(run("-r", "x", "-p", "70000", check=False).returncode, 2)
        self.assertEqual(run("--bogus", check=False).returncode, 2)


class KeysAndLoginFaults(unittest.TestCase):
    """What real peers showed: an AP-only keys entry, a refused login, keys files that are no files or too open."""

    def private_keys(self, d, text, mode=0o600):
        path = os.path.join(d, "keys.yaml")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def test_ap_only_entry_decrypts_the_provisioned_session(self):
        with tempfile.TemporaryDirectory() as d:
            keys = self.private_keys(d, 'vehicles:\n  - vin: "WVWZZZAAZLD000042"\n    iccid: "8944500102198304826"\n')
            p = run("-r", os.path.join(SAMPLES, "autoprovision.pcap"), "-k", keys, "--json")
            self.assertEqual(p.stderr.decode(), "", "an AP-only entry that matched is not unused")
            recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
            ap = [r for r in recs if r["kind"] == "ap_reply" and r["plain"]]
            self.assertEqual(len(ap), 1)
            self.assertIn("key.learned", diag_ids(ap[0]))
            later = [r for r in recs if r["conn"] == 1]
            welcome = [r for r in later if r["kind"] == "welcome"][0]
            self.assertEqual(welcome["handshake"]["key_learned_in"], ap[0]["frame"])
            self.assertIn("key.from_traffic", diag_ids(welcome))
            messages = [r for r in later if r["kind"] == "message"]
            self.assertTrue(messages)
            self.assertTrue(all(r["plain"] for r in messages), "the provisioned session did not decrypt")

    def test_refused_login_is_reported_on_its_connection(self):
        p = run("-r", os.path.join(SAMPLES, "wrong-secret.pcap"), "-k", KEYS)
        lines = p.stdout.decode().splitlines()
        refused = [l for l in lines if "handshake.server_refused" in l]
        self.assertEqual(len(refused), 1, refused)
        self.assertTrue(refused[0].startswith("#0 ! warning handshake.server_refused:"), refused[0])
        self.assertIn("the client's secret is wrong", refused[0])
        # In order: after connection #0's welcome, before connection #1's.
        at = lines.index(refused[0])
        self.assertRegex(lines[at - 2], r" #0 +c2s car +WRONGPW welcome")
        self.assertIn(" #1 ", lines[at + 1])
        # The key matched WRONGPW twice with a wrong secret: not "unused".
        self.assertTrue([l for l in lines if "key.wrong_secret" in l and "'WRONGPW'" in l])
        self.assertFalse([l for l in lines if "key.unused" in l and "'WRONGPW'" in l])

    def test_files_with_secrets_we_write_are_private(self):
        with tempfile.TemporaryDirectory() as d:
            pcap, keys = os.path.join(d, "x.pcap"), os.path.join(d, "keys.yaml")
            for path in (pcap, keys):  # also when they exist with a wider mode
                open(path, "w").close()
                os.chmod(path, 0o644)
            subprocess.run([SIM, "--scenario", "scheme1", "--seed", "1", "--out", pcap, "--keys-out", keys],
                           check=True, capture_output=True, timeout=120)
            for path in (pcap, keys):
                self.assertEqual(os.stat(path).st_mode & 0o777, 0o600, path)

    def test_keys_path_that_is_a_directory(self):
        with tempfile.TemporaryDirectory() as d:
            p = run("-r", os.path.join(SAMPLES, "basic.pcap"), "-k", d, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f"keys file '{d}' is a directory", p.stderr.decode())

    def test_keys_file_others_may_read_is_warned_about(self):
        with open(KEYS) as f:
            text = f.read()
        with tempfile.TemporaryDirectory() as d:
            keys = self.private_keys(d, text, 0o644)
            p = run("-r", os.path.join(SAMPLES, "basic.pcap"), "-k", keys, "--json")
            self.assertIn(f"ovmsdump: warning: keys file '{keys}' has mode 0644", p.stderr.decode())
            os.chmod(keys, 0o600)
            p = run("-r", os.path.join(SAMPLES, "basic.pcap"), "-k", keys, "--json")
            self.assertNotIn("warning: keys file", p.stderr.decode())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
