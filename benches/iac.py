#!/usr/bin/env python3
"""The IaC benchmark: `ibaudit iac` against `jq empty` on the same file.

Usage: iac.py IBAUDIT_BINARY PLAN.json TEMPLATE.yaml [--runs 3]

For each input: the best wall time of `jq empty` (parse only) and of
`ibaudit iac --format json`, and ibaudit's peak resident memory (GNU time)
against the file's size. Ratios measured in the same run: these machines
are noisy. Goals: time at most 1x jq, memory at most 2x the file. A YAML
template is given to jq as the same document in JSON (jq reads no YAML),
written beside it by this script.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time


def run(argv, ok):
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    err = p.stderr.decode(errors="replace")
    if p.returncode not in ok:
        sys.exit(f"{' '.join(argv)} exited {p.returncode}: {err}")
    return elapsed, int(err.strip().splitlines()[-1]) * 1024


def best(argv, runs, ok):
    rs = [run(argv, ok) for _ in range(runs)]
    return min(r[0] for r in rs), max(r[1] for r in rs)


def as_json(template):
    """The template as JSON for jq: short-form tags become long-form keys."""
    import yaml  # PyYAML, from the lint venv

    class Loader(yaml.SafeLoader):
        pass

    def tag(loader, suffix, node):
        name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
        if isinstance(node, yaml.ScalarNode):
            v = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            v = loader.construct_sequence(node, deep=True)
        else:
            v = loader.construct_mapping(node, deep=True)
        return {name: v}

    Loader.add_multi_constructor("!", tag)
    with open(template) as f:
        doc = yaml.load(f, Loader=Loader)
    out = template + ".json"
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ibaudit")
    ap.add_argument("plan")
    ap.add_argument("template")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    if not shutil.which("jq"):
        sys.exit("jq is not installed (the baseline): apt-get install jq")
    if not os.path.exists("/usr/bin/time"):
        sys.exit("GNU time (/usr/bin/time) is needed: apt-get install time")
    inputs = [("plan", a.plan, a.plan, []), ("template", a.template, as_json(a.template), ["--region", "us-east-1"])]
    for name, path, jq_input, extra in inputs:
        size = os.path.getsize(path)
        jq_t, jq_rss = best(["jq", "empty", jq_input], a.runs, {0})
        t, rss = best([a.ibaudit, "iac", path, "--format", "json", "--fail-on", "none", "-q"] + extra, a.runs, {0, 3})
        print(f"{name}: {path}, {size / 1e6:.1f} MB")
        print(f"  jq empty:              {jq_t:7.3f} s   peak {jq_rss / 1e6:7.1f} MB")
        print(f"  ibaudit iac --format json {t:7.3f} s   peak {rss / 1e6:7.1f} MB"
              f"   time {t / jq_t:5.2f}x jq   memory {rss / size:4.2f}x file")
    # The template in every region of the partition (no --region): the cost
    # of evaluating a pseudo-parameter-dependent template everywhere.
    t, rss = best([a.ibaudit, "iac", a.template, "--format", "json", "--fail-on", "none", "-q"], 1, {0, 1, 3})
    print(f"template, every region of the partition: {t:7.3f} s   peak {rss / 1e6:7.1f} MB")


if __name__ == "__main__":
    main()
