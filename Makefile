# boxoffice: the two commands a new user needs are `make run` and `make test` (see README.md).
# Everything here is a thin wrapper over scripts/ and CMake; no logic lives only in this file.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= 2
LISTEN     ?= 127.0.0.1:8080
DATA_DIR   ?= ./data

# Our own sources; the architecture test's fixtures are test data and stay as written.
SOURCE_DIRS := include src modules tests tools bench fuzz
SOURCES = $(shell find $(SOURCE_DIRS) -type f \( -name '*.cpp' -o -name '*.hpp' \) -not -path '*/fixtures/*' 2>/dev/null | sort)
# What clang-tidy checks: translation units under src/ and modules/ (headers via HeaderFilterRegex).
# Unit tests are left out: doctest's macros are not what the checks are about.
LINT_SOURCES = $(shell find src modules -type f -name '*.cpp' -not -path '*/tests/*' -not -path '*/fixtures/*' 2>/dev/null | sort)

.PHONY: help deps dev-tools configure build run test bench fuzz format format-check lint clean

help:
	@echo "make run           install deps, build, start http://$(LISTEN) with demo data in $(DATA_DIR)"
	@echo "make test          install deps, build, run every test (plus an ASan/UBSan build)"
	@echo "make build         configure $(BUILD_DIR)/ (CMake + Ninja, $(BUILD_TYPE)) and build everything"
	@echo "make bench         run the load benchmarks (bench/run.sh)"
	@echo "make fuzz          build the libFuzzer targets (fuzz/) and run each for BX_FUZZ_SECONDS (default 60)"
	@echo "make format        clang-format -i every source file"
	@echo "make format-check  fail if a source file is not formatted"
	@echo "make lint          clang-tidy over src/ and modules/"
	@echo "make clean         remove $(BUILD_DIR)/, build-asan/ and build-fuzz/ (never $(DATA_DIR))"

deps:
	@scripts/install-deps.sh

dev-tools:
	@scripts/install-deps.sh --dev-tools

# Configure once; afterwards Ninja re-runs CMake by itself when a CMakeLists.txt changes.
$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) --parallel $(JOBS)

# Builds only the binary (the tests wait for `make test`), then runs it in the foreground.
# Ctrl-C sends SIGINT: the server drains in-flight requests and exits cleanly.
# BOXOFFICE_* variables are config keys to the binary; the test script's switch is not one.
run: configure
	cmake --build $(BUILD_DIR) --parallel $(JOBS) --target boxoffice
	mkdir -p $(DATA_DIR)
	exec env -u BOXOFFICE_SKIP_SANITIZERS \
	  $(BUILD_DIR)/boxoffice serve --demo --data-dir $(DATA_DIR) --listen $(LISTEN)

test:
	BX_BUILD_DIR=$(BUILD_DIR) BX_JOBS=$(JOBS) scripts/test.sh

fuzz: deps
	BX_JOBS=$(JOBS) scripts/fuzz.sh

bench:
	@if [[ -x bench/run.sh ]]; then bench/run.sh; \
	elif [[ -f bench/run.sh ]]; then bash bench/run.sh; \
	else echo "make bench: bench/run.sh does not exist yet" >&2; exit 1; fi

format: deps
	clang-format -i --style=file $(SOURCES)

format-check: deps
	@clang-format --dry-run --Werror --style=file $(SOURCES)
	@echo "format-check: $(words $(SOURCES)) files match .clang-format"

# clang-tidy reads the compile flags from compile_commands.json (CMAKE_EXPORT_COMPILE_COMMANDS).
# The flags are GCC's: a warning option clang does not know is not a finding, and -Werror in
# the build must not turn clang's own compiler warnings into lint failures.
lint: configure dev-tools
	run-clang-tidy -quiet -j $(JOBS) -p $(BUILD_DIR) \
	  -extra-arg=-Wno-unknown-warning-option -extra-arg=-Wno-error \
	  $(LINT_SOURCES)

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz
