# shardscope — two commands on a fresh Debian machine:
#   make demo   installs what is missing, builds (release) and opens the TUI on the demo cluster
#   make test   installs what is missing, builds and runs every test (Swift and Python)
SWIFT ?= swift
BIN_RELEASE := .build/release/shardscope
BIN_DEBUG := .build/debug/shardscope
PYTEST ?= python3 -m pytest

.PHONY: all deps deps-test build release demo test test-swift test-python bench screenshots clean

all: build

deps:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh build test

build: deps
	$(SWIFT) build --product shardscope

release: deps
	$(SWIFT) build -c release --product shardscope

demo: release
	$(BIN_RELEASE) demo

test: deps-test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing
	SHARDSCOPE_BIN=$(CURDIR)/$(BIN_DEBUG) $(PYTEST) tests

# Benchmarks (issue 4's targets, a few minutes): a 1,000,000-chunk demo dump loaded by shardscope, a native libbson scan
# built on the spot and pymongo, plus TUI first frame, render times, live refresh cost and --version; one table.
# Options: make bench BENCH_ARGS="--chunks 200000 --runs 3"  (see python3 scripts/bench.py --help).
bench: deps-test release
	python3 scripts/bench.py $(BIN_RELEASE) $(BENCH_ARGS)

screenshots: release
	@scripts/install-deps.sh build screenshots
	SHARDSCOPE_BIN=$(CURDIR)/$(BIN_RELEASE) python3 scripts/screenshots.py

clean:
	rm -rf .build
