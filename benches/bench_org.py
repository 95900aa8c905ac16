#!/usr/bin/env python3
"""The organization benchmark: 10, 50 and 100 accounts of one organization,
three regions each, served by the test emulator (moto behind the harness
endpoint). The caller's own account is the management account; every other
is entered with one AssumeRole.

For each size it reports the wall time of `ibaudit collect --org`, the API
calls made next to the minimum (one AssumeRole per member account, the
organization calls, and each account's single-account minimum), and the peak
resident memory of the ibaudit process.

Usage: bench_org.py IBAUDIT_BINARY EMULATOR_PYTHON [SIZES...]
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(__file__), "..")
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def minimum_for(snap):
    """The fewest calls that read what the snapshot holds."""
    minimum = {"sts:GetCallerIdentity": 1, "organizations:DescribeOrganization": 1}

    def add(k, n):
        minimum[k] = minimum.get(k, 0) + n

    caller = snap["organization"]["management_account_id"]
    for account in snap["accounts"]:
        if account["account_id"] != caller:
            add("sts:AssumeRole", 1)
        trails = set()
        for r in account["regions"]:
            for op in ["DescribeVpcEndpoints", "DescribeSubnets", "DescribeVpcs", "DescribeRouteTables",
                       "DescribeSecurityGroups", "DescribePrefixLists"]:
                add(f"ec2:{op}", 1)
            add("cloudtrail:DescribeTrails", 1)
            n_configs = len(r["ListInfrastructureConfigurations"]["infrastructureConfigurationSummaryList"])
            add("imagebuilder:ListInfrastructureConfigurations", max(1, -(-n_configs // 25)))
            add("imagebuilder:GetInfrastructureConfiguration", n_configs)
            ib = [e for e in r["DescribeVpcEndpoints"]["VpcEndpoints"]
                  if e["ServiceName"].endswith(".imagebuilder") and e.get("PrivateDnsEnabled")]
            add("ec2:DescribeVpcAttribute", 2 * len({e["VpcId"] for e in ib}))
            trails.update(t["TrailARN"] for t in r["DescribeTrails"]["trailList"])
        add("cloudtrail:GetTrailStatus", len(trails))
        add("cloudtrail:GetEventSelectors", len(trails))
    return minimum


def run_size(ibaudit, python, size):
    seed_start = time.perf_counter()
    emu = subprocess.Popen([python, os.path.join(ROOT, "tests/harness/emulator.py"), f"org-bench-{size}"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        hello = json.loads(emu.stdout.readline())
        seeded = time.perf_counter() - seed_start
        url = hello["endpoint"]
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "snap.json")
            env = {"PATH": os.environ["PATH"], "HOME": d, "AWS_ACCESS_KEY_ID": "testing",
                   "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true"}
            args = [ibaudit, "collect", "--org", "--endpoint-url", url, "-q", "-o", out]
            for r in REGIONS:
                args += ["--region", r]
            with open(os.path.join(d, "stderr"), "w+") as err:
                start = time.perf_counter()
                proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=err)
                # wait4: this process's own peak RSS (ru_maxrss, KiB on Linux).
                _, status, usage = os.wait4(proc.pid, 0)
                wall = time.perf_counter() - start
                code = os.waitstatus_to_exitcode(status)
                if code != 0:
                    err.seek(0)
                    sys.exit(f"collect exited {code}: {err.read()}")
            snap = json.load(open(out))
        counts = json.load(urllib.request.urlopen(f"{url}/_emulator/counts"))
    finally:
        emu.stdin.close()
        emu.wait(timeout=60)
    made = {}
    for c in counts:
        key = f"{c['service']}:{c['action']}"
        made[key] = made.get(key, 0) + c["count"]
    minimum = minimum_for(snap)
    # ListAccounts: as many pages as the service chooses to send.
    minimum["organizations:ListAccounts"] = made.get("organizations:ListAccounts", 0)
    return {"size": size, "accounts": len(snap["accounts"]), "wall": wall, "seeded": seeded,
            "made": made, "minimum": minimum, "rss_mib": usage.ru_maxrss / 1024}


def main():
    ibaudit, python = sys.argv[1], sys.argv[2]
    sizes = [int(s) for s in sys.argv[3:]] or [10, 50, 100]
    results = [run_size(ibaudit, python, n) for n in sizes]
    last = results[-1]
    print(f"calls by operation at {last['accounts']} accounts x {len(REGIONS)} regions:")
    print(f"  {'operation':<46} {'calls':>7} {'minimum':>8}")
    for k in sorted(set(last["made"]) | set(last["minimum"])):
        print(f"  {k:<46} {last['made'].get(k, 0):>7} {last['minimum'].get(k, 0):>8}")
    print()
    print(f"{'accounts':>8} {'wall s':>8} {'s/account':>10} {'calls':>7} {'minimum':>8} {'ratio':>6} {'peak RSS MiB':>13}")
    for r in results:
        total, least = sum(r["made"].values()), sum(r["minimum"].values())
        print(f"{r['accounts']:>8} {r['wall']:>8.2f} {r['wall'] / r['accounts']:>10.3f} {total:>7} {least:>8} "
              f"{total / least:>6.3f} {r['rss_mib']:>13.1f}")
    print("targets: calls <= 1.10x the minimum; wall time grows far slower than the account count; "
          "peak RSS < 200 MiB at 100 accounts")
    first = results[0]
    growth = (last["wall"] / first["wall"], last["accounts"] / first["accounts"])
    print(f"{first['accounts']} -> {last['accounts']} accounts: wall time x{growth[0]:.1f} for x{growth[1]:.1f} the accounts")
    ok = all(sum(r["made"].values()) <= 1.10 * sum(r["minimum"].values()) for r in results)
    ok = ok and (last["accounts"] < 100 or last["rss_mib"] < 200)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
