#!/usr/bin/env python3
"""Checks action.yml and the example workflows.

- every workflow under examples/github/ goes through actionlint, which runs
  shellcheck over each `run:` script;
- action.yml is checked as actionlint would check a workflow: its steps are
  placed in a workflow whose `workflow_call` inputs are the action's inputs
  (actionlint itself reads workflows only), then its structure is checked:
  a composite action, a `shell` on every `run` step, every `inputs.X`
  referenced declared, and no `${{ }}` expression inside a `run` script
  (inputs reach scripts through `env`, never by text substitution).

Usage: lint_actions.py ACTIONLINT SHELLCHECK
"""

import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def fail(errors):
    for e in errors:
        print(f"lint-actions: {e}", file=sys.stderr)
    sys.exit(1)


def check_action(path):
    errors = []
    with open(path) as f:
        action = yaml.safe_load(f)
    for key in ("name", "description", "runs"):
        if key not in action:
            errors.append(f"{path}: no `{key}`")
    runs = action.get("runs", {})
    if runs.get("using") != "composite":
        errors.append(f"{path}: runs.using is not composite")
    inputs = action.get("inputs", {}) or {}
    text = open(path).read()
    for m in EXPR.finditer(text):
        for name in re.findall(r"inputs\.([A-Za-z0-9_-]+)", m.group(1)):
            if name not in inputs:
                errors.append(f"{path}: `inputs.{name}` is not declared")
    steps = runs.get("steps", [])
    if not steps:
        errors.append(f"{path}: no steps")
    for i, step in enumerate(steps):
        label = step.get("name", f"step {i + 1}")
        if "run" in step:
            if "shell" not in step:
                errors.append(f"{path}: {label}: a composite `run` step needs `shell`")
            if EXPR.search(step["run"]):
                errors.append(f"{path}: {label}: an expression inside `run` (use env)")
        elif "uses" not in step:
            errors.append(f"{path}: {label}: neither `run` nor `uses`")
    # The same steps as a reusable workflow, for actionlint.
    workflow = {
        "name": "action.yml as a workflow",
        "on": {
            "workflow_call": {
                "inputs": {
                    name: {"type": "string", "required": False}
                    for name in inputs
                }
            }
        },
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": steps}},
    }
    return errors, workflow


def main():
    actionlint, shellcheck = sys.argv[1], sys.argv[2]
    errors, workflow = check_action(os.path.join(ROOT, "action.yml"))
    examples = os.path.join(ROOT, "examples", "github")
    files = sorted(
        os.path.join(examples, f)
        for f in os.listdir(examples)
        if f.endswith((".yml", ".yaml"))
    )
    if not files:
        errors.append("examples/github: no workflows")
    for f in files:
        with open(f) as fh:
            doc = yaml.safe_load(fh)
        if not isinstance(doc, dict) or "jobs" not in doc:
            errors.append(f"{f}: not a workflow")
    if errors:
        fail(errors)
    with tempfile.TemporaryDirectory() as tmp:
        # actionlint only reads workflows under .github/workflows.
        wf_dir = os.path.join(tmp, ".github", "workflows")
        os.makedirs(wf_dir)
        synthetic = os.path.join(wf_dir, "action-yml.yml")
        with open(synthetic, "w") as fh:
            yaml.safe_dump(workflow, fh, sort_keys=False)
        cmd = [actionlint, "-shellcheck", shellcheck, synthetic, *files]
        done = subprocess.run(cmd, cwd=tmp)
        if done.returncode != 0:
            fail([f"actionlint found problems (exit {done.returncode})"])
    print(f"lint-actions: action.yml and {len(files)} workflow(s) are clean")


if __name__ == "__main__":
    main()
