#!/usr/bin/env python3
"""The collection benchmark: 1,000 endpoints in 100 VPCs across 3 regions,
served by the test emulator (moto behind the harness endpoint).

Reports wall time, the API calls made per operation next to the minimum
possible (pages needed + per-VPC attribute calls + per-trail calls), and
whether the regions overlapped in time. The binary's own count (`-v`: the
attempts it sent, by IAM action) is printed next to the requests the emulator
received; the two must agree, or the benchmark fails.

Usage: collect.py IBAUDIT_BINARY EMULATOR_PYTHON
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(__file__), "..")


def main():
    ibaudit, python = sys.argv[1], sys.argv[2]
    emu = subprocess.Popen([python, os.path.join(ROOT, "tests/harness/emulator.py"), "bench"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        hello = json.loads(emu.stdout.readline())
        url = hello["endpoint"]
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "snap.json")
            env = {"PATH": os.environ["PATH"], "HOME": d, "AWS_ACCESS_KEY_ID": "testing",
                   "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true"}
            start = time.perf_counter()
            run = subprocess.run([ibaudit, "collect", "--endpoint-url", url, "-v", "-o", out,
                                  "--region", "us-east-1", "--region", "eu-west-1", "--region", "ap-southeast-2"],
                                 env=env, capture_output=True, text=True)
            wall = time.perf_counter() - start
            if run.returncode != 0:
                sys.exit(f"collect exited {run.returncode}: {run.stderr}")
            snap = json.load(open(out))
        counts = json.load(urllib.request.urlopen(f"{url}/_emulator/counts"))
        times = json.load(urllib.request.urlopen(f"{url}/_emulator/times"))
    finally:
        emu.stdin.close()
        emu.wait(timeout=30)

    # `ibaudit: ec2:DescribeVpcs: 3 call(s), 3 attempt(s)`
    own = {}
    for m in re.finditer(r"^ibaudit: (\w+:\w+): (\d+) call\(s\), (\d+) attempt\(s\)$", run.stderr, re.M):
        own[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    regions = snap["accounts"][0]["regions"]
    endpoints = sum(len(r["DescribeVpcEndpoints"]["VpcEndpoints"]) for r in regions)
    # The minimum: one page of each list per region (the emulator serves one
    # page for EC2 and pages Image Builder by 25), one Get per configuration,
    # two attribute calls per VPC whose Image Builder endpoint has private DNS,
    # two calls per trail, and the identity call.
    minimum = {"sts:GetCallerIdentity": 1}
    def add(k, n):
        minimum[k] = minimum.get(k, 0) + n
    trails = set()
    for r in regions:
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
    made = {}
    for c in counts:
        key = f"{c['service']}:{c['action']}"
        made[key] = made.get(key, 0) + c["count"]
    print(f"collected {endpoints} endpoints in {len(regions)} regions in {wall:.2f} s wall time")
    print(f"{'operation':<48} {'calls':>7} {'minimum':>8} {'ibaudit: calls':>15} {'attempts':>9}")
    disagree = []
    for k in sorted(set(made) | set(minimum) | set(own)):
        calls, attempts = own.get(k, (0, 0))
        if attempts != made.get(k, 0):
            disagree.append(k)
        print(f"{k:<48} {made.get(k, 0):>7} {minimum.get(k, 0):>8} {calls:>15} {attempts:>9}"
              f"{'   <- differs' if k in disagree else ''}")
    total, least = sum(made.values()), sum(minimum.values())
    own_calls, own_attempts = sum(c for c, _ in own.values()), sum(a for _, a in own.values())
    print(f"{'total':<48} {total:>7} {least:>8} {own_calls:>15} {own_attempts:>9}"
          f"   ({total / least:.3f}x the minimum; target <= 1.10x)")
    print(f"the emulator received {total} request(s); ibaudit counted {own_attempts} attempt(s) "
          f"in {own_calls} call(s): {'they agree' if not disagree else 'they DISAGREE'}")
    spans = sorted((v[0], v[1], k) for k, v in times.items() if k)
    overlap = all(spans[i][0] < spans[i - 1][1] for i in range(1, len(spans)))
    for a, b, k in spans:
        print(f"  {k:<16} {a - spans[0][0]:6.2f} s .. {b - spans[0][0]:6.2f} s")
    print(f"regions overlapped in time: {'yes' if overlap else 'no'}")
    if disagree:
        sys.exit(f"ibaudit's call count and the emulator's differ for: {', '.join(disagree)}")


if __name__ == "__main__":
    main()
