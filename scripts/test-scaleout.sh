#!/usr/bin/env bash
# The scale-out phase of scripts/test.sh: the integration suite again, every server under test
# on PostgreSQL (a private cluster, scripts/postgres-cluster.sh: its own temp dir, port and
# socket; each test server gets a database and module roles of its own,
# tests/support/postgres_test_database.hpp) AND on bus.transport=amqp through a private RabbitMQ
# node (scripts/rabbitmq-node.sh; each server in a virtual host of its own,
# tests/support/amqp_broker.hpp). That is the configuration of a scale-out deployment
# (docs/deployment.md). A trap stops the cluster and the node on any exit, whatever happens.
# The broker's failure tests (restart during a rush, down at start) run here too: in the
# in-process phase they have nothing to test and say so.
#
#   scripts/test-scaleout.sh [BUILD_DIR]      (default build; BX_JOBS as in test.sh)
#
# BX_SKIP_POSTGRES=1 runs the phase on SQLite through the broker alone; BX_SKIP_AMQP=1 runs it on
# PostgreSQL with the in-process bus alone; both set: nothing to run (test.sh does not call it).
# The exclusions are the union of the two lists below, each with its reason.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build_dir=${1:-build}
jobs=${BX_JOBS:-2}
use_postgres=$([[ "${BX_SKIP_POSTGRES:-0}" == 1 ]] && echo 0 || echo 1)
use_amqp=$([[ "${BX_SKIP_AMQP:-0}" == 1 ]] && echo 0 || echo 1)
if ((!use_postgres && !use_amqp)); then
  echo "test-scaleout.sh: BX_SKIP_POSTGRES=1 and BX_SKIP_AMQP=1: nothing to run" >&2
  exit 0
fi

# Tests that cannot apply to a broker transport, each with its reason (exact names, without the
# "integration:" prefix).
amqp_excluded=(
  # Asserts that audit records OrderPlaced (topic orders) before HoldSeats (inventory-commands),
  # published in one outbox transaction. In process they reach audit's inbox in one batch, in
  # outbox order; through a broker each topic is its own queue and receiver, and order holds per
  # topic only (docs/architecture.md), so audit may store HoldSeats first. Not a wait-for-the-
  # condition case: the order itself is what the test asserts, and the broker does not give it.
  "audit: the story of one purchase holds every message under its correlation id, in order"
)

pg_dir=""
stop_all() {
  local rc=$?
  if ((use_amqp)); then scripts/rabbitmq-node.sh stop >/dev/null 2>&1 || true; fi
  if [[ -n "$pg_dir" ]]; then scripts/postgres-cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true; fi
  exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Tests about the SQLite files themselves: tests/integration/postgres_excluded.txt ("name # reason").
names=()
if ((use_postgres)); then
  while IFS= read -r name; do names+=("$name"); done < <(sed -e '/^[[:space:]]*#/d' \
    -e 's/[[:space:]]*#.*$//' -e '/^[[:space:]]*$/d' tests/integration/postgres_excluded.txt)
  pg_dir=$(mktemp -d /tmp/boxoffice-pg.XXXXXX)
  eval "$(scripts/postgres-cluster.sh start "$pg_dir")"
  export BX_PG_ADMIN_URL
fi
if ((use_amqp)); then
  names+=("${amqp_excluded[@]}")
  export BX_RABBITMQ_DIR=${BX_RABBITMQ_DIR:-/tmp/boxoffice-rabbitmq-$(id -u)-test}
  scripts/rabbitmq-node.sh start
  while IFS='=' read -r name value; do
    export "$name=$value"
  done < <(scripts/rabbitmq-node.sh env)
  export BX_BUS=amqp
fi

# One regex of the excluded names, each matched literally and whole.
excluded=""
for name in "${names[@]}"; do
  quoted=$(printf '%s' "$name" | sed -e 's/[][\.*^$()+?{}|]/\\&/g')
  excluded+="${excluded:+|}^integration:${quoted}\$"
done
# With them the kernel's and the modules' own PostgreSQL cases (named "postgresql: ...": cluster
# signals and locks, the writer-session hook, two instances' workers on one database), which skip
# with a message when BX_PG_ADMIN_URL is unset.
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j "$jobs" \
  -R '^(integration:|[a-z]+:postgresql: )' ${excluded:+-E "$excluded"}
