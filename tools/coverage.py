#!/usr/bin/env python3
"""Line and branch coverage of the firmware by the host unit tests (`make
coverage`), from the .gcda files the instrumented tests left: a table per
file of firmware/, then one line

    coverage: lines <L>% branches <B>%

and exit status 1 when lines fall under --min-lines or branches under
--min-branches (per cent).  gcov's own JSON (gcov -j) is read; nothing
beyond Python's standard library and GCC is needed.

usage: coverage.py --objdir build/coverage/obj [--min-lines 90] [--min-branches 80] firmware/*.c
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile


def file_counts(src, objdir, work):
    """(lines, lines_hit, branches, branches_taken) of src, or None when
    no test ran it (no .gcda)."""
    obj = os.path.abspath(os.path.join(objdir, os.path.dirname(src)))
    base = os.path.splitext(os.path.basename(src))[0]
    if not os.path.exists(os.path.join(obj, base + ".gcda")):
        return None
    subprocess.run(["gcov", "-b", "-j", "-o", obj, os.path.abspath(src)], cwd=work, check=True,
                   capture_output=True)
    path = os.path.join(work, base + ".gcov.json.gz")
    with gzip.open(path, "rt") as f:
        data = json.load(f)
    lines = hit = branches = taken = 0
    for entry in data["files"]:
        if os.path.abspath(entry["file"]) != os.path.abspath(src) and not entry["file"].endswith(src):
            continue
        for line in entry["lines"]:
            lines += 1
            hit += line["count"] > 0
            for b in line.get("branches", []):
                if b.get("throw"):
                    continue
                branches += 1
                taken += b["count"] > 0
    return lines, hit, branches, taken


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objdir", required=True)
    ap.add_argument("--min-lines", type=float, default=0.0)
    ap.add_argument("--min-branches", type=float, default=0.0)
    ap.add_argument("sources", nargs="+")
    a = ap.parse_args()
    tot = [0, 0, 0, 0]
    print(f"  {'file':<24} {'lines':>13} {'branches':>13}")
    with tempfile.TemporaryDirectory() as work:
        for src in sorted(a.sources):
            c = file_counts(src, a.objdir, work)
            if c is None:
                print(f"  {src:<24} {'not run':>13}")
                continue
            for i in range(4):
                tot[i] += c[i]
            print(f"  {src:<24} {pct(c[1], c[0]):6.1f}% {c[0]:5d} {pct(c[3], c[2]):6.1f}% {c[2]:5d}")
    lines, branches = pct(tot[1], tot[0]), pct(tot[3], tot[2])
    print(f"coverage: lines {lines:.1f}% branches {branches:.1f}%")
    if lines < a.min_lines or branches < a.min_branches:
        print(f"coverage: under the gate (lines {a.min_lines:g}%, branches {a.min_branches:g}%)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
