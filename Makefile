# ibaudit: the two commands a fresh clone needs are `make run` and `make test`.

CARGO ?= cargo
DEMO := fixtures/demo/snapshot.json
BENCH_SNAPSHOT := target/bench/snapshot-100k.json

.PHONY: run test fmt-check lint unit bench build release clean

## Audit the bundled demo account (no AWS credentials) and print the table.
run: release
	@./target/release/ibaudit audit $(DEMO); code=$$?; \
	echo "ibaudit exited $$code (0: clean, 1: findings at or above --fail-on high, 3: incomplete audit)"; \
	[ $$code -ne 2 ] && [ $$code -le 3 ]

## Everything CI checks: formatting, lints, every test.
test: fmt-check lint unit

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit:
	$(CARGO) test --workspace --locked

build:
	$(CARGO) build --locked

release:
	$(CARGO) build --release --locked --bin ibaudit

## Audit a generated 100,000-endpoint snapshot next to `jq empty` on the same file,
## then evaluate 1,000,000 (policy, request) pairs next to parsing the policies.
bench: release $(BENCH_SNAPSHOT)
	python3 benches/run.py target/release/ibaudit $(BENCH_SNAPSHOT)
	$(CARGO) bench --locked -p ibaudit-policy --bench evaluate

$(BENCH_SNAPSHOT): benches/gen_snapshot.py
	@mkdir -p $(dir $@)
	python3 benches/gen_snapshot.py $@ --regions 10 --vpcs-per-region 100 --endpoints-per-vpc 100

clean:
	$(CARGO) clean
