#!/usr/bin/env python3
"""ovmsdump over the malformed corpus: malformed_test.py OVMSDUMP MAKE_MALFORMED SAMPLES_DIR

MAKE_MALFORMED writes the corpus and expect.txt into a temporary directory; each input must give its
exit status and diagnostics, every JSON line must parse with a strict parser (no NaN, strict UTF-8),
and the lines after the damage must still decode (plain=...)."""
import json
import os
import subprocess
import sys
import tempfile


def reject_constant(name):
    raise ValueError("non-standard JSON constant " + name)


def strict_lines(data, what):
    for n, raw in enumerate(data.splitlines(), 1):
        text = raw.decode("utf-8")  # strict: overlong forms, surrogates and bytes past U+10FFFF fail
        yield json.loads(text, parse_constant=reject_constant)


def main():
    ovmsdump, make, samples = sys.argv[1:4]
    failures = []
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([make, d], check=True)
        for line in open(os.path.join(d, "expect.txt")):
            name, status, *wants = line.split()
            if name.startswith("keys:"):
                cmd = [ovmsdump, "-r", os.path.join(samples, "basic.pcap"), "-k", os.path.join(d, name[5:]), "--json"]
            else:
                cmd = [ovmsdump, "-r", os.path.join(d, name), "-k", os.path.join(samples, "keys.yaml"), "--json"]
            p = subprocess.run(cmd, capture_output=True, timeout=600)
            problems = []
            if p.returncode != int(status):
                problems.append("exit %d, expected %s" % (p.returncode, status))
            if p.returncode not in (0, 1, 2):
                problems.append("crashed: " + p.stderr.decode("utf-8", "replace")[-2000:])
            ids, plains, counts = set(), set(), {}
            try:
                for rec in strict_lines(p.stdout, name):
                    plains.add(rec.get("plain"))
                    for diag in rec["diag"] + ((rec.get("inner") or {}).get("diag") or []):
                        ids.add(diag["id"])
                        counts[diag["id"]] = counts.get(diag["id"], 0) + 1
            except ValueError as e:
                problems.append("output is not strict JSON: %s" % e)
            stderr = p.stderr.decode("utf-8", "replace")
            for want in wants:
                if want == "-":
                    continue
                if want.startswith("once="):  # in the JSON lines and on stderr (diagnostics of no line)
                    n = counts.get(want[5:], 0) + stderr.count(" %s: " % want[5:])
                    if n != 1:
                        problems.append("%d %s diagnostics, expected one" % (n, want[5:]))
                elif want.startswith("same="):  # every record of that sample decodes here too
                    ref = subprocess.run([ovmsdump, "-r", os.path.join(samples, want[5:]), "-k",
                                          os.path.join(samples, "keys.yaml"), "--json"], capture_output=True)
                    ref_plains = {json.loads(l).get("plain") for l in ref.stdout.splitlines()}
                    if not ref_plains - {None} or not ref_plains <= plains:
                        problems.append("not every record of %s decodes" % want[5:])
                elif want.startswith("plain="):
                    if want[6:].replace("_", " ") not in plains:
                        problems.append("no record decodes to %r" % want[6:].replace("_", " "))
                elif want not in ids and want not in stderr:
                    problems.append("no %s diagnostic" % want)
            if problems:
                failures.append("%s: %s" % (name, "; ".join(problems)))
            print("%-28s exit %d  %s" % (name, p.returncode, "FAIL" if problems else "ok"))
    for f in failures:
        print("FAIL", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
