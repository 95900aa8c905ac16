#!/usr/bin/env python3
"""The scale benchmark: `ibaudit collect --org --all-regions` through the
scale emulator (crates/scale-emulator) for organizations of 100, 1,000 and
5,000 accounts x 17 regions, every account and region read (never sampled).

For each size (and each --concurrency given) it reports:

- wall time next to its lower bound: the larger of (minimum calls x latency
  / calls in flight) and what EC2's token buckets allow the busiest
  account-region-action (the emulator's --expect works it out);
- calls made next to the minimum (the emulator's own count);
- throttles the emulator sent, and the retries ibaudit made (its own `-v`
  count: attempts - calls);
- peak RSS and CPU time of ibaudit (GNU time), CPU time of the emulator
  (/proc/PID/stat), each per call, so that where the machine's cores bound a
  figure it shows;
- the snapshot's size;
- findings lost or invented: `ibaudit audit` of the snapshot next to the
  generator's expectation, as (account, region, rule, resource) sets.

Usage: scale.py IBAUDIT EMULATOR [--sizes 100 1000 5000] [--concurrency 16 ...] [--command scan]
                [--account-concurrency N] [--regions 17] [--latency-ms 40]
                [--json FILE] [--emulator-args '--throttle-fraction 0.01 ...'] [--faults]

--faults runs the fault mix: 1% of EC2, CloudTrail and Image Builder calls
throttled (0.5%) or failing with 500/503 (0.5%), 20 accounts whose calls
hang, 10 that refuse AssumeRole, and member credentials that last 302 s (the
collector renews them 5 minutes before they expire: after 2 s of use). The
scan must exit 3 with exactly those 30 accounts not assessed, each with its
reason in the snapshot, and every other account's findings as generated.
Exits 1 when a finding is lost or invented, an account is missing or not
assessed when it should be, or a collection fails.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")
GNU_TIME = "/usr/bin/time"


def proc_cpu(pid):
    """User + system CPU seconds of a running process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def proc_rss_peak(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pairs(findings):
    return {(f["account_id"], f["region"], f["rule"], f["resource_id"]) for f in findings}


def account_id(i):
    """The id of the emulator's account i (crates/scale-emulator: ACCOUNT_BASE + i)."""
    return f"{100_000_000_000 + i:012}"


def fault_accounts(size):
    """The hanging and the refusing accounts of the fault mix: spread over
    the organization (never the management account, index 0)."""
    members = list(range(1, size))
    step = max(len(members) // 30, 1)
    picked = [members[i * step] for i in range(min(30, len(members)))]
    ids = [account_id(i) for i in picked]
    return ids[:20], ids[20:]


def run_one(args, size, concurrency, workdir):
    common = ["--accounts", str(size), "--regions", str(args.regions), "--seed", str(args.seed),
              "--latency-ms", str(args.latency_ms)]
    hanging, refused = fault_accounts(size) if args.faults else ([], [])
    fault_args = []
    if args.faults:
        services = "ec2,cloudtrail,imagebuilder"
        fault_args = ["--throttle-fraction", "0.005", "--throttle-services", services,
                      "--error-fraction", "0.005", "--error-services", services,
                      "--hang-accounts", ",".join(hanging), "--deny-assume", ",".join(refused),
                      "--credential-seconds", "302"]
    expect_path = os.path.join(workdir, f"expect-{size}.json")
    if not os.path.exists(expect_path):
        with open(expect_path, "w") as f:
            subprocess.run([args.emulator, *common, "--expect"], stdout=f, check=True)
    with open(expect_path) as f:
        expect = json.load(f)
    emu = subprocess.Popen([args.emulator, *common, "--exit-on-stdin-eof", *fault_args,
                            *shlex.split(args.emulator_args)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        hello = json.loads(emu.stdout.readline())
        url = hello["endpoint"]
        snap = os.path.join(workdir, f"snap-{size}-{concurrency}.json")
        env = {"PATH": os.environ["PATH"], "HOME": workdir, "AWS_ACCESS_KEY_ID": "AKIDSCALEBENCH",
               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_REGION": "us-east-1"}
        report_path = os.path.join(workdir, f"audit-{size}-{concurrency}.json")
        if args.command == "scan":
            # Collected and audited in one run; the snapshot only for the
            # checks below (--save-snapshot spools it beside the report).
            cmd = [args.ibaudit, "scan", "--org", "--all-regions", "--endpoint-url", url,
                   "--concurrency", str(concurrency), "-v", "--format", "json", "-o", report_path,
                   "--fail-on", "none", "--save-snapshot", snap]
        else:
            cmd = [args.ibaudit, "collect", "--org", "--all-regions", "--endpoint-url", url,
                   "--concurrency", str(concurrency), "-v", "-o", snap]
        if args.account_concurrency:
            cmd += ["--account-concurrency", str(args.account_concurrency)]
        emu_cpu0 = proc_cpu(emu.pid)
        err_path = os.path.join(workdir, "collect.stderr")
        # Peak RSS and CPU time through GNU time: the rusage of a child of
        # this script would report this script's own size at the fork as
        # the child's peak (the high-water mark survives exec), and this
        # script holds the generator's expectations.
        time_path = os.path.join(workdir, "time.out")
        with open(err_path, "w+") as err:
            start = time.perf_counter()
            proc = subprocess.Popen([GNU_TIME, "-f", "%M %U %S", "-o", time_path, *cmd], env=env,
                                    stdout=subprocess.DEVNULL, stderr=err)
            _, status, _ = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            code = os.waitstatus_to_exitcode(status)
            err.seek(0)
            stderr = err.read()
        with open(time_path) as f:
            # The last line ("Command exited with non-zero status N" may come first).
            fields = f.read().split("\n")[-2].split()
            maxrss_kb, user_s, sys_s = int(fields[0]), float(fields[1]), float(fields[2])
        emu_cpu = proc_cpu(emu.pid) - emu_cpu0
        emu_rss = proc_rss_peak(emu.pid)
        counts = json.load(urllib.request.urlopen(f"{url}/_scale/counts"))
    finally:
        emu.stdin.close()
        emu.wait(timeout=60)
    if code not in ((3,) if args.faults else (0, 1)):
        sys.exit(f"{args.command} exited {code}: {stderr[-4000:]}")
    # `ibaudit: ec2:DescribeVpcs: 3 call(s), 3 attempt(s)`
    own_calls = own_attempts = 0
    for m in re.finditer(r"^ibaudit: (\w+:\w+): (\d+) call\(s\), (\d+) attempt\(s\)$", stderr, re.M):
        own_calls += int(m.group(2))
        own_attempts += int(m.group(3))
    audit_path = report_path
    if args.command == "collect":
        audit = subprocess.run([args.ibaudit, "audit", snap, "--format", "json", "-o", audit_path,
                                "--fail-on", "none", "-q"], capture_output=True, text=True)
        if audit.returncode not in (0, 3):
            sys.exit(f"audit exited {audit.returncode}: {audit.stderr}")
    with open(audit_path) as f:
        report = json.load(f)
    got = pairs(f for f in report["findings"] if not f.get("not_assessed"))
    not_assessed = [f for f in report["findings"] if f.get("not_assessed")]
    faulted = set(hanging) | set(refused)
    want = {p for p in pairs(expect["findings"]) if p[0] not in faulted}
    # Every account is in the snapshot: read, or with the reason it was not.
    with open(snap) as f:
        accounts = {a["account_id"]: a for a in json.load(f)["accounts"]}
    missing = sorted(a for a in map(account_id, range(size)) if a not in accounts)
    unassessed = {f["account_id"] for f in not_assessed}
    without_reason = sorted(a for a in faulted if not accounts.get(a, {}).get("errors"))
    reasons = {}
    for a in sorted(faulted):
        for e in accounts.get(a, {}).get("errors", [])[:1]:
            reasons[e.get("code", "?")] = reasons.get(e.get("code", "?"), 0) + 1
    minimum = expect["minimum_total"]
    calls = counts["total_calls"]
    latency = args.latency_ms / 1000
    latency_bound = minimum * latency / concurrency
    bound = max(latency_bound, expect["rate_limit_bound_s"])
    snap_mib = os.path.getsize(snap) / 2**20
    os.remove(snap)
    cpu = user_s + sys_s
    return {
        "command": args.command, "accounts": size, "regions": args.regions, "concurrency": concurrency,
        "account_concurrency": args.account_concurrency or "default",
        "latency_ms": args.latency_ms, "exit_code": code,
        "wall_s": wall, "bound_s": bound, "latency_bound_s": latency_bound,
        "rate_limit_bound_s": expect["rate_limit_bound_s"], "busiest": expect["busiest"],
        "calls": calls, "minimum_calls": minimum, "calls_by_action": counts["calls"],
        "throttles_sent": counts["total_throttled"], "own_calls": own_calls,
        "own_attempts": own_attempts, "retries": own_attempts - own_calls,
        "peak_in_flight": counts["peak_in_flight"],
        "ibaudit_rss_mib": maxrss_kb / 1024, "ibaudit_cpu_s": cpu,
        "emulator_cpu_s": emu_cpu, "emulator_rss_mib": emu_rss, "snapshot_mib": snap_mib,
        "findings_expected": len(want), "findings_found": len(got),
        "lost": sorted(want - got)[:20], "invented": sorted(got - want)[:20],
        "lost_n": len(want - got), "invented_n": len(got - want), "not_assessed": len(not_assessed),
        "faulted_accounts": len(faulted), "unassessed_accounts": len(unassessed),
        "unexpected_unassessed": sorted(unassessed - faulted)[:20],
        "faulted_assessed": sorted(faulted - unassessed)[:20],
        "missing_accounts": missing[:20], "without_reason": without_reason[:20],
        "fault_reasons": reasons,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("ibaudit")
    p.add_argument("emulator")
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    p.add_argument("--concurrency", type=int, nargs="+", default=[16])
    p.add_argument("--account-concurrency", type=int, default=0)
    p.add_argument("--regions", type=int, default=17)
    p.add_argument("--latency-ms", type=int, default=40)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--faults", action="store_true", help="run the fault mix (see above)")
    p.add_argument("--command", choices=["collect", "scan"], default="collect",
                   help="collect --org (then audit the snapshot), or scan --org (collect and audit "
                        "in one run, the figures being the scan's)")
    p.add_argument("--emulator-args", default="",
                   help="more emulator options for the scans (not --expect), e.g. '--throttle-fraction 0.01'")
    args = p.parse_args()
    if not os.access(GNU_TIME, os.X_OK):
        sys.exit("GNU time (/usr/bin/time) is needed for peak RSS: apt-get install time")
    results = []
    with tempfile.TemporaryDirectory() as d:
        for size in args.sizes:
            for c in args.concurrency:
                r = run_one(args, size, c, d)
                results.append(r)
                print(f"# {size} accounts, --concurrency {c}: {r['wall_s']:.1f} s, {r['calls']} calls, "
                      f"lost {r['lost_n']}, invented {r['invented_n']}, exit {r['exit_code']}, "
                      f"not assessed {r['unassessed_accounts']} account(s) {r['fault_reasons']}",
                      file=sys.stderr, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print(f"ibaudit {args.command} --org; scale emulator: {args.regions} regions, latency {args.latency_ms} ms, EC2 buckets 100/20 and "
          f"CloudTrail 10/10 per account, region and action {args.emulator_args}".rstrip()
          + (" + fault mix (1% throttled or 500/503, 20 hanging, 10 refusing AssumeRole, "
             "302 s credentials)" if args.faults else ""))
    head = (f"{'accounts':>8} {'conc':>4} {'wall s':>8} {'bound s':>8} {'x bound':>7} {'calls':>8} {'x min':>6} "
            f"{'throttled':>9} {'retries':>7} {'RSS MiB':>8} {'snap MiB':>8} {'ib CPU us/call':>14} "
            f"{'emu CPU us/call':>15} {'CPU/wall':>8} {'lost':>5} {'invented':>8}")
    print(head)
    for r in results:
        per_call = lambda s: 1e6 * s / max(r["calls"], 1)
        cores = (r["ibaudit_cpu_s"] + r["emulator_cpu_s"]) / r["wall_s"]
        print(f"{r['accounts']:>8} {r['concurrency']:>4} {r['wall_s']:>8.1f} {r['bound_s']:>8.1f} "
              f"{r['wall_s'] / r['bound_s']:>7.2f} {r['calls']:>8} {r['calls'] / r['minimum_calls']:>6.3f} "
              f"{r['throttles_sent']:>9} {r['retries']:>7} {r['ibaudit_rss_mib']:>8.1f} {r['snapshot_mib']:>8.1f} "
              f"{per_call(r['ibaudit_cpu_s']):>14.0f} {per_call(r['emulator_cpu_s']):>15.0f} {cores:>8.2f} "
              f"{r['lost_n']:>5} {r['invented_n']:>8}")
    print("bound: max(minimum calls x latency / concurrency, the busiest account-region-action's "
          "(calls - 100) / 20 s); CPU/wall: cores busy (ibaudit + emulator) on average")
    bad = [r for r in results if r["lost_n"] or r["invented_n"] or r["missing_accounts"]
           or r["unexpected_unassessed"] or r["faulted_assessed"] or r["without_reason"]]
    for r in bad:
        print(f"{r['accounts']} accounts: lost {r['lost']}, invented {r['invented']}, missing "
              f"{r['missing_accounts']}, not assessed unexpectedly {r['unexpected_unassessed']}, "
              f"faulted yet assessed {r['faulted_assessed']}, no reason {r['without_reason']}",
              file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
