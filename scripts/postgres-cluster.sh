#!/usr/bin/env bash
# A private PostgreSQL cluster for tests: its own data directory, port and unix-socket directory,
# so it never meets a system cluster or another engineer's.
#
#   scripts/postgres-cluster.sh start DIR   initdb into DIR (if new), start it, print its env lines
#   scripts/postgres-cluster.sh env DIR     print the env lines of a running cluster in DIR
#   scripts/postgres-cluster.sh restart DIR restart it (fast: every connection is cut)
#   scripts/postgres-cluster.sh stop DIR    stop it (fast shutdown) and remove DIR
#
# The env lines are shell assignments (eval them):
#   BX_PG_ADMIN_URL   superuser URL over the private socket (what `boxoffice migrate` needs)
#   BX_PG_PORT, BX_PG_SOCKET_DIR, BX_PG_BIN
# initdb and the server refuse to run as root: as root, DIR is handed to the `postgres` user and
# the commands run as that user. fsync stays on: the tests check durability, not a faster fake.
# Environment: BX_PG_PORT (default: a free port from 25432 up), BX_PG_BIN (default: Debian's 15).
# The cluster listens on its socket only (no TCP); a port is still its identity (socket name,
# shared memory key), so each one is claimed with a lock directory /tmp/boxoffice-pg-port-N.
set -euo pipefail

command=${1:-}
dir=${2:-}
if [[ -z "$command" || -z "$dir" ]]; then
  echo "usage: $0 start|env|stop DIR" >&2
  exit 2
fi
bin=${BX_PG_BIN:-/usr/lib/postgresql/15/bin}
if [[ ! -x "$bin/pg_ctl" ]]; then
  echo "postgres-cluster.sh: no PostgreSQL in $bin (scripts/install-deps.sh installs it)" >&2
  exit 1
fi

as_owner() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

print_env() {
  local port socket
  port=$(cat "$dir/port")
  socket="$dir/socket"
  echo "BX_PG_PORT=$port"
  echo "BX_PG_SOCKET_DIR=$socket"
  echo "BX_PG_BIN=$bin"
  # libpq takes the socket directory as host= in a key/value string; a URL would need it escaped.
  echo "BX_PG_ADMIN_URL='host=$socket port=$port user=postgres dbname=postgres'"
}

# Claims the first port from BX_PG_PORT (default 25432) that no other cluster of ours has, and
# that nothing listens on over TCP.
claim_port() {
  local port=${BX_PG_PORT:-25432}
  while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || ! mkdir "/tmp/boxoffice-pg-port-$port" 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}

case "$command" in
  start)
    mkdir -p "$dir"
    if [[ $(id -u) == 0 ]]; then chown postgres: "$dir"; fi
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      as_owner mkdir -p "$dir/socket"
      # C collation: text sorts by bytes, as SQLite's BINARY does; UTF8 for the catalogue's names.
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log"
      claim_port | as_owner tee "$dir/port" >/dev/null
    fi
    port=$(cat "$dir/port")
    # Listens on the private socket only (no TCP), and enough connections for the integration
    # suite: every test server opens a writer and readers for each of its eight modules.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir/socket -c listen_addresses='' -c max_connections=400 -c fsync=on" start >/dev/null
    print_env
    ;;
  env)
    print_env
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
    ;;
  stop)
    if [[ -f "$dir/data/postmaster.pid" ]]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    if [[ -f "$dir/port" ]]; then rmdir "/tmp/boxoffice-pg-port-$(cat "$dir/port")" 2>/dev/null || true; fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|env|stop DIR" >&2
    exit 2
    ;;
esac
