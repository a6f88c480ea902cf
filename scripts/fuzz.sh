#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, Clang, ASan + UBSan) in build-fuzz/ and runs each one for
# BX_FUZZ_SECONDS (default 60) over its committed seeds (fuzz/corpus/<target>/) plus the corpus
# earlier runs grew in build-fuzz/corpus/<target>/ (never written back into the repository).
# `make fuzz` runs it; `make test` runs it with BX_FUZZ_SECONDS=5 as a smoke run.
#
#   BX_FUZZ_SECONDS=N     seconds per target
#   BX_FUZZ_TARGETS="a b" only these targets (default: every fuzz/<target>/)
#   BX_FUZZ_BUILD_DIR     build directory (default build-fuzz)
#   BX_JOBS=N             build parallelism (default 2)
#
# Prints one line per target (seconds, executions, coverage, result) and exits non-zero if any
# target found a crash; the input that crashed is kept as build-fuzz/crashes/<target>-crash-*:
# reproduce it with `build-fuzz/fuzz/fuzz_<target> <file>`, fix the code, add a regression test
# in the unit tests and copy the file into fuzz/corpus/<target>/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

seconds=${BX_FUZZ_SECONDS:-60}
dir=${BX_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${BX_JOBS:-2}
targets=${BX_FUZZ_TARGETS:-$(find fuzz -mindepth 2 -maxdepth 2 -name 'fuzz_*.cpp' -printf '%h\n' | xargs -n1 basename | sort)}

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
if [[ ! -f "$dir/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOXOFFICE_FUZZ=ON \
    -DBOXOFFICE_JEMALLOC=OFF "${launcher[@]}" >/dev/null
fi
cmake --build "$dir" --parallel "$jobs" --target fuzz_all

mkdir -p "$dir/crashes"
failed=0
summary=()
for target in $targets; do
  work="$dir/corpus/$target"
  mkdir -p "$work"
  log="$dir/fuzz-$target.log"
  started=$(date +%s)
  # Sanitizer reports abort the run (and libFuzzer saves the input); leaks are findings too.
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$dir/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/$target-" "$work" "fuzz/corpus/$target" >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $log; input in $dir/crashes/)"
    failed=1
  fi
  took=$(($(date +%s) - started))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  summary+=("$(printf '%-16s %5ss %12s runs  %-22s %s' "$target" "$took" "${runs:-?}" "${coverage:-}" "$result")")
done

printf '\nfuzz targets (%ss each):\n' "$seconds"
for line in "${summary[@]}"; do printf '  %s\n' "$line"; done
exit "$failed"
