#!/usr/bin/env python3
"""Cross-checks ibaudit's action wildcard matching against policyuniverse.

policyuniverse (PyPI) expands IAM action wildcards against its own list of
IAM actions. This script records, for a set of action patterns, which actions
of the pattern's service policyuniverse says each pattern matches, and writes
fixtures/policy-crosscheck/policyuniverse-actions.json. The Rust test
crates/policy/tests/crosscheck.rs replays every (pattern, action) pair through
ibaudit's matcher and fails on any disagreement not listed, with its reason,
under "known_disagreements" in that file.

Usage (needs network access to PyPI once):
    python3 -m venv .venv-crosscheck && .venv-crosscheck/bin/pip install policyuniverse==1.5.1.20231109
    .venv-crosscheck/bin/python scripts/crosscheck_policyuniverse.py
"""
import json
import os
from importlib.metadata import version

from policyuniverse import expander_minimizer as em

PATTERNS = [
    "s3:Get*", "s3:get*", "S3:GETOBJECT*", "s3:*Object", "s3:*Object*Acl", "s3:*",
    "s3:GetObject", "s3:Put?bject", "imagebuilder:*", "imagebuilder:Get*",
    "imagebuilder:*Component*", "imagebuilder:List*Configurations", "imagebuilder:GetComponent",
    "imagebuilder:Delete?mage", "imagebuilder:*Image", "ec2:Describe*", "ec2:Describe?pc*",
    "ec2:*VpcEndpoint*", "ec2:*Vpc*Attribute", "cloudtrail:Get*", "cloudtrail:*Trail*",
    "ssm:*Session", "iam:Pass*",
]

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "policy-crosscheck", "policyuniverse-actions.json")


def main():
    universe = sorted(em.all_permissions)
    by_service = {}
    for action in universe:
        by_service.setdefault(action.split(":")[0], []).append(action)
    cases = []
    for pattern in PATTERNS:
        service = pattern.split(":")[0].lower()
        matched = sorted(set(em._expand_wildcard_action(pattern)) & set(by_service[service]))
        cases.append({"pattern": pattern, "service_actions": by_service[service], "matched": matched})
    previous = {}
    if os.path.exists(OUT):
        with open(OUT) as f:
            previous = json.load(f)
    doc = {
        "source": f"policyuniverse {version('policyuniverse')} (PyPI), expander_minimizer._expand_wildcard_action",
        "regenerate": "scripts/crosscheck_policyuniverse.py",
        "known_disagreements": previous.get("known_disagreements", []),
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} patterns to {OUT}")


if __name__ == "__main__":
    main()
