#!/usr/bin/env bash
# The test command (`make test`, and what .ci/run executes). On a fresh Debian 12 machine it
# installs the dependencies, builds everything in build/ and runs every test with ctest, runs
# every fuzz target for a few seconds (build-fuzz/, Clang), then builds again with
# AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and runs every test there too.
# Exits non-zero on the first failure and prints how long each phase took.
#
# Environment (BX_, not BOXOFFICE_: every BOXOFFICE_* variable is a config key to the binary,
# and an unknown one stops it, see docs/configuration.md):
#   BX_SKIP_SANITIZERS=1     skip the sanitizer build (quick local runs; CI runs both).
#                            BOXOFFICE_SKIP_SANITIZERS=1 is accepted too.
#   BX_JOBS=N                build and test parallelism (default 2)
#   BX_BUILD_TYPE            build type of build/ (default RelWithDebInfo)
#   BX_SANITIZE_BUILD_TYPE   build type of build-asan/ (default Debug: compiles fastest)
#   BX_BUILD_DIR, BX_SANITIZE_BUILD_DIR   build directories (default build, build-asan)
#   BX_SKIP_DEPS=1           do not check/install apt packages
#   BX_SKIP_FUZZ=1           skip the fuzz smoke run (build-fuzz/, every target for BX_FUZZ_SECONDS=5)
#   BX_SKIP_AMQP=1           skip the integration suite through RabbitMQ (scripts/test-amqp.sh)
#   BX_SKIP_POSTGRES=1       skip the integration tests on PostgreSQL (a private cluster, see below)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

jobs=${BX_JOBS:-2}
build_type=${BX_BUILD_TYPE:-RelWithDebInfo}
sanitize_build_type=${BX_SANITIZE_BUILD_TYPE:-Debug}
build_dir=${BX_BUILD_DIR:-build}
asan_dir=${BX_SANITIZE_BUILD_DIR:-build-asan}

phases=()
phase_started=0
current_phase=""

now() { date +%s.%N; }

begin() {
  current_phase=$1
  phase_started=$(now)
  printf '\n==> %s\n' "$current_phase"
}

end() {
  local took
  took=$(awk -v a="$phase_started" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  phases+=("$(printf '%-56s %8ss' "$current_phase" "$took")")
  printf '<== %s: %ss\n' "$current_phase" "$took"
  current_phase=""
}

total_started=$(now)
summary() {
  local rc=$?
  if [[ -n "$current_phase" ]]; then
    phases+=("$(printf '%-56s %9s' "$current_phase" FAILED)")
  fi
  printf '\nphase timings:\n'
  local line
  for line in "${phases[@]}"; do printf '  %s\n' "$line"; done
  printf '  %-56s %8ss\n' total "$(awk -v a="$total_started" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
  if ((rc == 0)); then
    echo "test.sh: all phases passed"
  else
    echo "test.sh: FAILED (exit $rc)" >&2
  fi
}
trap summary EXIT

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# configure_and_build <dir> <build type> [extra cmake args...]
configure_and_build() {
  local dir=$1 type=$2
  shift 2
  if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$dir/CMakeCache.txt"; then
    echo "test.sh: $dir/ was configured with another generator than Ninja; remove it (make clean)" >&2
    return 1
  fi
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${launcher[@]}" "$@"
  cmake --build "$dir" --parallel "$jobs"
}

# run_ctest <dir>: ctest prints "100% tests passed, 0 tests failed out of N" (or the failures).
# --no-tests=error: a build that registered no tests is a failure, not a pass.
run_ctest() {
  ctest --test-dir "$1" --output-on-failure --no-tests=error -j "$jobs"
}

if [[ "${BX_SKIP_DEPS:-0}" != 1 ]]; then
  begin "dependencies (apt)"
  scripts/install-deps.sh
  end
fi

# First, because it takes seconds: code that is not formatted by .clang-format fails the run.
begin "format check (clang-format)"
make --no-print-directory BX_SKIP_DEPS=1 format-check
end

begin "configure + build ($build_dir/, $build_type)"
configure_and_build "$build_dir" "$build_type"
end

begin "ctest ($build_dir/)"
run_ctest "$build_dir"
end

if [[ "${BX_SKIP_AMQP:-0}" == 1 ]]; then
  echo
  echo "test.sh: BX_SKIP_AMQP=1: skipping the integration suite through RabbitMQ"
else
  begin "integration tests through RabbitMQ (bus.transport=amqp)"
  BX_JOBS=$jobs scripts/test-amqp.sh "$build_dir"
  end
fi

# The integration suite again, on PostgreSQL: a private cluster (scripts/postgres-cluster.sh:
# its own temp dir, port and socket) that the trap stops on any exit. Every test server gets a
# database and roles of its own (tests/support/postgres_test_database.hpp). Tests about the
# SQLite files themselves are listed, with the reason, in tests/integration/postgres_excluded.txt.
if [[ "${BX_SKIP_POSTGRES:-0}" == 1 ]]; then
  echo
  echo "test.sh: BX_SKIP_POSTGRES=1: skipping the integration tests on PostgreSQL"
else
  begin "integration tests on PostgreSQL ($build_dir/, private cluster)"
  pg_dir=$(mktemp -d /tmp/boxoffice-pg.XXXXXX)
  trap 'rc=$?; scripts/postgres-cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true; (exit $rc); summary' EXIT
  eval "$(scripts/postgres-cluster.sh start "$pg_dir")"
  export BX_PG_ADMIN_URL
  # One regex of the excluded names (the text before " # reason"), each matched literally.
  excluded=$(sed -e 's/[[:space:]]*#.*$//' -e '/^$/d' -e 's/[][\.*^$()+?{}|]/\\&/g' \
    -e 's/^/^integration:/' -e 's/$/$/' tests/integration/postgres_excluded.txt | paste -sd'|')
  # With them the kernel's own PostgreSQL cases (named "postgresql: ...": cluster signals, the
  # writer-session hook), which skip with a message when BX_PG_ADMIN_URL is unset.
  ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j "$jobs" \
    -R '^(integration:|kernel:postgresql: )' \
    ${excluded:+-E "$excluded"}
  scripts/postgres-cluster.sh stop "$pg_dir"
  unset BX_PG_ADMIN_URL
  end
fi

begin "config docs match the schema"
scripts/check-config-docs.py "$build_dir/boxoffice"
end

begin "message catalogue matches the code"
scripts/check-message-catalogue.sh "$build_dir/message_catalogue"
end

if [[ "${BX_SKIP_FUZZ:-0}" == 1 ]]; then
  echo
  echo "test.sh: BX_SKIP_FUZZ=1: skipping the fuzz smoke run"
else
  begin "fuzz smoke run (build-fuzz/, ${BX_FUZZ_SECONDS:-5} s per target)"
  BX_FUZZ_SECONDS=${BX_FUZZ_SECONDS:-5} BX_JOBS=$jobs scripts/fuzz.sh
  end
fi

if [[ "${BX_SKIP_SANITIZERS:-${BOXOFFICE_SKIP_SANITIZERS:-0}}" == 1 ]]; then
  echo
  echo "test.sh: BX_SKIP_SANITIZERS=1: skipping the ASan/UBSan build"
else
  begin "configure + build ($asan_dir/, ASan+UBSan, $sanitize_build_type)"
  configure_and_build "$asan_dir" "$sanitize_build_type" -DBOXOFFICE_SANITIZE=ON
  end

  begin "ctest ($asan_dir/)"
  # Any sanitizer report fails the test that triggered it. Leaks are checked too.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    run_ctest "$asan_dir"
  end
fi
