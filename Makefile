# The two commands:  make run   and   make test
# Each installs the missing Debian packages, configures, builds, and runs.
BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
CMAKE_ARGS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS  += --no-print-directory

.PHONY: all deps configure build run test install clean

all: build

deps:
	@sh scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@./$(BUILD)/cli/sensorpipe

# The test oracles' answers are kept for the run (SP_TEST_ORACLE_CACHE,
# tests/support/oracle_run.h), in a folder of its own unless one is given.
test: build
	@c="$${SP_TEST_ORACLE_CACHE:-}"; own=""; \
	if [ -z "$$c" ]; then c=$$(mktemp -d "$${TMPDIR:-/tmp}/sp-oracle-cache.XXXXXX") && own=1 || exit 1; fi; \
	cd $(BUILD) && SP_TEST_ORACLE_CACHE="$$c" ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS); \
	rc=$$?; [ -z "$$own" ] || rm -rf "$$c"; exit $$rc

install: build
	@cmake --install $(BUILD)

clean:
	@rm -rf $(BUILD)
