#!/usr/bin/env python3
"""The audit benchmark: ibaudit against `jq empty` on the same snapshot.

Usage: run.py IBAUDIT_BINARY SNAPSHOT [--runs 3] [--hostile FILE ...]

Reports the best wall time of each over the runs and ibaudit's peak resident
memory, as ratios against the baseline measured in the same run (these
machines are noisy; ratios travel, seconds do not). Each --hostile snapshot
(see gen_hostile.py) is audited once more, for its peak memory against its
file size: that ratio must stay under 2x whatever the shape.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time


def measure(argv):
    """Wall seconds and peak RSS (bytes) of one run, output discarded."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(argv, stdout=null, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss * 1024, code, err


def best(argv, runs, ok_codes):
    results = []
    for _ in range(runs):
        elapsed, rss, code, err = measure(argv)
        if code not in ok_codes:
            sys.exit(f"{' '.join(argv)} exited {code}: {err}")
        results.append((elapsed, rss))
    return min(r[0] for r in results), max(r[1] for r in results)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ibaudit")
    ap.add_argument("snapshot")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hostile", nargs="*", default=[])
    a = ap.parse_args()
    size = os.path.getsize(a.snapshot)
    print(f"snapshot: {a.snapshot}, {size / 1e6:.1f} MB")
    jq = shutil.which("jq")
    if jq is None:
        sys.exit("jq is not installed (the baseline): apt-get install jq")
    jq_time, jq_rss = best([jq, "empty", a.snapshot], a.runs, {0})
    print(f"jq empty (parse only):        {jq_time:7.3f} s   peak {jq_rss / 1e6:8.1f} MB")
    times = {}
    for fmt in ["json", "sarif", "table", "html"]:
        t, rss = best([a.ibaudit, "audit", a.snapshot, "--format", fmt, "--fail-on", "none"], a.runs, {0, 3})
        times[fmt] = t
        print(
            f"ibaudit audit --format {fmt:<6} {t:7.3f} s   peak {rss / 1e6:8.1f} MB"
            f"   time {t / jq_time:5.2f}x jq   memory {rss / size:4.2f}x file"
        )
    # The HTML page: its size (bounded: crates/report/src/html.rs caps the
    # findings and drawings it holds) and its cost over the JSON report.
    page = subprocess.run(
        [a.ibaudit, "audit", a.snapshot, "--format", "html", "--fail-on", "none"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    ).stdout
    drawings = page.count(b'<svg class="vpc-diagram"')
    print(
        f"html page: {len(page) / 1e6:.2f} MB ({len(page) / size:.4f}x the snapshot),"
        f" {drawings} VPC drawings;"
        f" rendering it costs {times['html'] / times['json']:.2f}x the JSON report"
    )
    # The page in Chromium (when `make browser` installed the harness): the
    # time to its load event, and whether it errs.
    harness = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "harness", "chromium")
    if shutil.which("node") and os.path.isdir(os.path.join(harness, "node_modules")):
        import json
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "page.html")
            with open(path, "wb") as f:
                f.write(page)
            p = subprocess.run(["node", os.path.join(harness, "check_html.mjs"), path, tmp, "--filter", "IB0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode == 0:
                got = json.loads(p.stdout)
                errors = len(got["console_errors"]) + len(got["page_errors"])
                print(
                    f"html page in Chromium: load {got['load_ms']} ms, {got['data_findings']} findings,"
                    f" {len(got['rows'])} rows a page, {errors} errors"
                )
    if not a.hostile:
        return
    # Peak memory as GNU time reports it: a child forked from this Python
    # process would start with Python's own peak.
    gnu_time = shutil.which("time") and "/usr/bin/time"
    if not gnu_time or not os.path.exists(gnu_time):
        sys.exit("GNU time (/usr/bin/time) is needed for the hostile shapes: apt-get install time")

    def peak(path):
        start = time.perf_counter()
        argv = [gnu_time, "-f", "%M", a.ibaudit, "audit", path, "--format", "json", "--fail-on", "none"]
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode not in {0, 2, 3}:
            sys.exit(f"{' '.join(argv)} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
        refused = p.returncode == 2
        if refused and "in memory" not in p.stderr.decode(errors="replace"):
            sys.exit(f"{' '.join(argv)} exited 2: {p.stderr.decode(errors='replace')}")
        return time.perf_counter() - start, int(p.stderr.decode().strip().splitlines()[-1]) * 1024, refused

    # What the process costs before reading anything large (binary, runtime):
    # the peak of auditing the small demo snapshot.
    demo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "demo", "snapshot.json")
    _, base, _ = peak(demo)
    print(f"baseline (demo snapshot):     peak {base / 1e6:8.1f} MB")
    worst = 0.0
    for path in a.hostile:
        size = os.path.getsize(path)
        t, rss, refused = peak(path)
        net = (rss - base) / size
        worst = max(worst, rss / size)
        print(
            f"hostile {os.path.basename(path):<28} {size / 1e6:6.1f} MB   {t:7.3f} s"
            f"   peak {rss / 1e6:8.1f} MB   memory {rss / size:4.2f}x file"
            f" ({net:4.2f}x above the baseline){'   refused' if refused else ''}"
        )
    # The file is read whole once (duplicate keys, nesting), then streamed
    # into the model within a budget (crates/snapshot/src/memory.rs): an
    # unknown key costs its text, a shape that would cost more than the
    # budget is refused. Nothing may reach twice the file.
    if worst > 2.0:
        sys.exit(f"a hostile shape peaked at {worst:.2f}x its file size (limit: 2x)")


if __name__ == "__main__":
    main()
