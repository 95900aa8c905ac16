#!/usr/bin/env python3
"""Writes a synthetic organization snapshot: N accounts x 17 regions.

Usage: gen_org_snapshot.py OUT.json [--accounts 1000] [--regions 17]
       [--vpcs-per-region 1] [--endpoints-per-vpc 4] [--organization-last]

Each region is built as benches/gen_snapshot.py builds one (the same VPCs,
endpoints, subnets, security groups, route tables and infrastructure
configurations, one VPC in seven broken), under the account's own id; one
account in seven has three more VPCs in its first region, one of them
broken, so that the audit has findings to report. The
document is written account by account, so that the generator's memory
does not grow with the organization. `--organization-last` writes the
`organization` block after `accounts`.
"""
import argparse
import json
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_snapshot  # noqa: E402

REGIONS = gen_snapshot.REGIONS + ["eu-west-3", "eu-north-1", "ap-south-1", "ap-northeast-2", "ap-northeast-3"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--regions", type=int, default=17)
    ap.add_argument("--vpcs-per-region", type=int, default=1)
    ap.add_argument("--endpoints-per-vpc", type=int, default=4)
    ap.add_argument("--organization-last", action="store_true")
    a = ap.parse_args()
    regions = REGIONS[: a.regions]
    org = json.dumps({"id": "o-a1b2c3d4e5", "management_account_id": "100000000000"})
    with open(a.out, "w") as f:
        f.write('{"ibaudit_snapshot": 1,\n "collected_at": "2026-11-26T07:00:00Z",\n'
                ' "collector": {"name": "ibaudit", "version": "0.1.0"},\n')
        if not a.organization_last:
            f.write(f' "organization": {org},\n')
        f.write(' "accounts": [\n')
        for n in range(a.accounts):
            account_id = f"{100000000000 + n:012d}"
            gen_snapshot.ACCOUNT = account_id
            vpcs = [a.vpcs_per_region + (3 if n % 7 == 0 and r == 0 else 0) for r in range(len(regions))]
            account = {"account_id": account_id, "partition": "aws", "account_name": f"account-{n}",
                       "regions": [gen_snapshot.region_data(r, reg, vpcs[r], a.endpoints_per_vpc)
                                   for r, reg in enumerate(regions)]}
            if n:
                f.write(",\n")
            json.dump(account, f, indent=1)
        f.write("\n ]")
        if a.organization_last:
            f.write(f',\n "organization": {org}')
        f.write("\n}\n")


if __name__ == "__main__":
    main()
