#!/usr/bin/env bash
# The benchmark's one command (make bench): builds, then runs the flash-sale scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build boxoffice
exec python3 bench/flash_sale.py build/boxoffice "$@"
