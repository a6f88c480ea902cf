#!/usr/bin/env bash
# The benchmark's one command (make bench): builds, then runs the flash-sale scenarios and the
# checkout (orders + payments) end to end.
#   bench/run.sh [--seconds N]        both (N is passed to the flash sale)
#   bench/run.sh flash [--seconds N]  the flash sale of holds only (bench/flash_sale.py; its flags
#                                     --backend, --instances, --repeat choose what it runs on)
#   bench/run.sh backends [args]      the flash sale on (SQLite, in-process) and on (PostgreSQL,
#                                     RabbitMQ) in one run, 3 rounds, ratios to SQLite; not in the
#                                     default run (starts a private cluster and node, ~15 s)
#   bench/run.sh checkout [args]      the checkout only (bench/checkout.py: --latencies 0,200)
#   bench/run.sh notifications [N]    emails/s of the delivery sender vs smtplib (bench/notification_sender.cpp)
#   bench/run.sh audit [dir] [N]      audit appends/s and verify time (bench/audit_chain.cpp)
#   bench/run.sh checkin [N] [gates]  check-ins/s on one event with N tickets, QR verifications/s (bench/checkin.cpp)
#   bench/run.sh memory [args]        server RSS with 10,000 events and 10,000 idle watchers vs 150 MiB
#                                     (bench/memory_budget.py: --events, --watchers, --budget-mib); not in the default run
#   bench/run.sh events [args]        catalogue reads vs nginx (bench/events_read.py: --binary LABEL=PATH ...)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build boxoffice notification_sender audit_chain checkin_bench
case "${1:-}" in
  flash) shift; exec python3 bench/flash_sale.py build/boxoffice "$@" ;;
  backends)
    shift
    exec python3 bench/flash_sale.py build/boxoffice --backend sqlite --backend postgresql-amqp --repeat 3 \
      --flash-seconds 15 "$@"
    ;;
  checkout) shift; exec python3 bench/checkout.py build/boxoffice "$@" ;;
  notifications) shift; exec build/notification_sender "$@" ;;
  audit) shift; exec build/audit_chain "$@" ;;
  checkin) shift; exec build/checkin_bench "$@" ;;
  memory) shift; exec python3 bench/memory_budget.py build/boxoffice "$@" ;;
  events) shift; exec python3 bench/events_read.py "$@" ;;
  *)
    status=0
    python3 bench/flash_sale.py build/boxoffice "$@" || status=$?
    python3 bench/checkout.py build/boxoffice || status=$?
    exit "$status"
    ;;
esac
