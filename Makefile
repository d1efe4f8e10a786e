# Build, serve and test Rapport. Run `make setup` once; every target re-checks cheaply.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# npm's wasm-opt (binaryen 132) must shadow Debian's /usr/bin/wasm-opt 108, whose output crashes at load.
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CURDIR)/node_modules/.bin:$(CARGO_BIN):$(PATH)

E2E_DIST := target/e2e-dist
E2E_BASE := /rapport/
CHROMEDRIVER ?= /usr/bin/chromedriver

.PHONY: help setup setup-browser run build server test lint test-native test-postgres test-wasm e2e e2e-build e2e-run scenarios-worker contract-fuzz guard-mutants fmt clean-dist
# Prerequisites below are steps in order, not independent jobs.
.NOTPARALLEL:

help:
	@echo "make setup          install toolchain (trunk, wasm-bindgen-cli, npm tools)"
	@echo "make setup-browser  setup + chromium and chromedriver, schemathesis, postgresql"
	@echo "make run            trunk serve on http://127.0.0.1:8080/ (demo backend)"
	@echo "make build          release build into dist/"
	@echo "make server         the reference server on http://127.0.0.1:8787/ (serves dist/ too)"
	@echo "make test           native tests, the server on PostgreSQL, wasm browser tests, end-to-end tests"
	@echo "make test-postgres  the server's suites against a throwaway PostgreSQL cluster"
	@echo "make e2e            release build under $(E2E_BASE) + end-to-end tests"
	@echo "make scenarios-worker  the server's scenario tests through the demo's worker"
	@echo "make contract-fuzz  schemathesis against the reference server (api/openapi.yaml)"
	@echo "make guard-mutants  each security guard taken out in turn: its test must fail"
	@echo "make load           200 simulated agents against the server on SQLite and PostgreSQL"
	@echo "make lint           cargo fmt --check, clippy (native and wasm, tests too) with -D warnings"
	@echo "make fmt            cargo fmt"
	@echo "make clean-dist     remove build outputs (dist/, $(E2E_DIST)/)"

setup:
	@scripts/setup.sh

setup-browser:
	@scripts/setup.sh --browser --fuzz --postgres

# No log files here: trunk serve watches the project and would rebuild on every write.
run: setup
	trunk serve --port 8080

# --offline: setup has fetched the crates, and a pinned tool missing from PATH then fails
# the build instead of Trunk trying (and failing) to download it.
build: setup
	trunk build --release --offline --public-url /

# The reference HTTP server with a database file in the working folder; it also serves dist/.
# A trial (--sandbox: no sign-in); docs/hosting.md says how to run it for a team.
server: setup
	cargo run --release -p rapport-server -- --addr 127.0.0.1:8787 --db rapport.db --dist dist --sandbox

test: setup-browser lint test-native test-postgres test-wasm e2e-build size-check scenarios-worker e2e-run contract-fuzz

e2e: setup-browser e2e-build e2e-run

# The lint table is [workspace.lints] in Cargo.toml; here every other warning is an error too.
lint: setup
	cargo fmt --all --check
	cargo clippy --offline --workspace --all-targets -- -D warnings
	cargo clippy --offline --target wasm32-unknown-unknown -p rapport -p rapport-demo-worker --all-targets --features rapport/inline-demo -- -D warnings

test-native:
	cargo test --workspace

# The server's suites once more with their data on PostgreSQL (a throwaway cluster), and two
# instances sharing one database (crates/server/tests/instances.rs).
test-postgres:
	scripts/pg-cluster.sh cargo test --offline -p rapport-server --test behaviour --test contract --test shell --test instances

# Browser tests in tests/*.rs; the runner comes from .cargo/config.toml. No `-q`: cargo would
# pass --quiet on to wasm-bindgen-test-runner, which rejects it. The runner serves no demo
# worker, so these run the demo's service in the page (`inline-demo`); e2e runs the worker.
test-wasm:
	CHROMEDRIVER=$(CHROMEDRIVER) cargo test --target wasm32-unknown-unknown -p rapport --tests --features inline-demo

# A separate dist folder and a sub-path, so sub-path hosting is what gets tested.
e2e-build:
	trunk build --release --offline --public-url $(E2E_BASE) --dist $(E2E_DIST)
	cargo build --offline -p rapport-server

# The server's scenario suite (crates/server/tests/behaviour.rs and contract.rs) once more, through
# the demo's service in its Web Worker in headless Chromium (after e2e-build, which builds it).
scenarios-worker:
	RAPPORT_DIST=$(E2E_DIST) node e2e/worker-bridge.mjs -- cargo test --offline -p rapport-server --test behaviour --test contract

# TAP keeps the `# pass N` / `# fail N` summary stable across Node versions. In a throwaway
# PostgreSQL cluster, for e2e/instances.test.mjs (two server instances on one database).
e2e-run:
	RAPPORT_DIST=$(E2E_DIST) RAPPORT_SERVER=target/debug/rapport-server scripts/pg-cluster.sh node --test --test-reporter=tap e2e/*.test.mjs

fmt:
	cargo fmt --all

# schemathesis against the reference server from api/openapi.yaml, every phase and check (after
# e2e-build, which builds the server). FUZZ_EXAMPLES=N sets the cases per operation (default 25).
contract-fuzz:
	scripts/contract-fuzz.sh target/debug/rapport-server

# Each security guard taken out in turn: its test must fail (scripts/guard-mutants.py).
guard-mutants: setup
	python3 scripts/guard-mutants.py

clean-dist:
	rm -rf dist $(E2E_DIST)

# Performance report, not a test (timings depend on the machine): Rapport's release build against
# a hand-written vanilla-JS twin, medians of several runs, budgets printed as pass/fail; exits 0
# unless the run itself broke. Options via BENCH_ARGS, e.g. `make bench BENCH_ARGS="--runs 9"`.
# See bench/README.md.
.PHONY: bench size-check crate-sizes load
# Load report, not a test: 200 simulated agents against the release server on SQLite, then on
# PostgreSQL (a throwaway cluster), LOAD_SECONDS each (at most 300). bench/load.mjs.
LOAD_CONVERSATIONS ?= 10000
LOAD_SECONDS ?= 60
load: setup
	cargo build --offline --release -p rapport-server
	node bench/load.mjs --engine sqlite --conversations $(LOAD_CONVERSATIONS) --seconds $(LOAD_SECONDS)
	scripts/pg-cluster.sh node bench/load.mjs --engine postgres --conversations $(LOAD_CONVERSATIONS) --seconds $(LOAD_SECONDS)
BENCH_DIST := target/bench-dist
bench: setup-browser
	trunk build --release --offline --public-url $(E2E_BASE) --dist $(BENCH_DIST)
	node bench/run.mjs --dist $(BENCH_DIST) $(BENCH_ARGS)

# First-load size (brotli) of the release build against its budget; sizes are deterministic, so
# this can gate `make test` (after e2e-build, which makes $(E2E_DIST)).
size-check:
	node bench/size-check.mjs $(E2E_DIST)

# What each crate costs in the wasm: a release build that keeps function names (no wasm-opt).
crate-sizes:
	trunk build --offline --cargo-profile release --public-url $(E2E_BASE) --dist target/sizes-dist
	node bench/crate-sizes.mjs target/sizes-dist
