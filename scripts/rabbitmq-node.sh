#!/usr/bin/env bash
# A private RabbitMQ 3.10 node for the AMQP 1.0 tests (Debian's rabbitmq-server, no systemd, no
# root-owned state): everything lives in one directory, every port is on 127.0.0.1.
#
#   scripts/rabbitmq-node.sh start   start the node (if not running) and wait until it serves; a
#                                    new directory gets the definitions and test passwords first
#   scripts/rabbitmq-node.sh prepare make the directory (definitions, test passwords), start nothing
#   scripts/rabbitmq-node.sh halt    stop the node, keep its directory (queues, messages) for a start
#   scripts/rabbitmq-node.sh stop    stop it and remove its directory
#   scripts/rabbitmq-node.sh env     print the variables the tests read (export them)
#
# Environment:
#   BX_RABBITMQ_DIR    node directory (default /tmp/boxoffice-rabbitmq-$UID)
#   BX_RABBITMQ_PORT   AMQP port (1.0 and 0-9-1 share it; default 27672, below the ephemeral range); the management API
#                      (vhosts for test isolation) listens on +1, Erlang distribution on +2, epmd on +3
#
# The node loads config/rabbitmq/definitions.json at boot (the exchange, one queue per
# subscription, the unroutable catch, one user per module) with test passwords: each module's
# password is written to $BX_RABBITMQ_DIR/secrets/<module> (bus.amqp.passwordFile points there).
# Not /usr/sbin/rabbitmq-server: that wrapper switches to the rabbitmq user.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${BX_RABBITMQ_DIR:-/tmp/boxoffice-rabbitmq-$(id -u)}
port=${BX_RABBITMQ_PORT:-27672}
mgmt_port=$((port + 1))
dist_port=$((port + 2))
epmd_port=$((port + 3))
bin=/usr/lib/rabbitmq/bin

node_env() {
  export HOME=$dir/home
  export RABBITMQ_NODENAME=boxoffice-test@localhost
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$port
  export RABBITMQ_DIST_PORT=$dist_port
  export ERL_EPMD_PORT=$epmd_port
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_BASE=$dir
  export RABBITMQ_MNESIA_BASE=$dir/mnesia
  export RABBITMQ_LOG_BASE=$dir/log
  export RABBITMQ_PID_FILE=$dir/rabbitmq.pid
  export RABBITMQ_CONFIG_FILE=$dir/rabbitmq
  export RABBITMQ_ADVANCED_CONFIG_FILE=$dir/advanced.config
  export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

print_env() {
  cat <<ENV
BX_AMQP_URL=amqp://127.0.0.1:$port
BX_AMQP_MANAGEMENT_PORT=$mgmt_port
BX_AMQP_SECRETS_DIR=$dir/secrets
BX_AMQP_DEFINITIONS=$dir/definitions.json
ENV
}

# The default directory is a predictable name in /tmp: another local user could make it first
# (with their own definitions, passwords or a symlink) and have this node trust it. Use it only
# if it is a real directory of ours with mode 0700; otherwise make it so (mkdir -m 700 fails
# rather than follow anything already there).
own_dir() {
  if [[ ! -e $dir && ! -L $dir ]]; then
    mkdir -m 700 "$dir"
  fi
  if [[ -L $dir || ! -d $dir || ! -O $dir ]]; then
    echo "rabbitmq-node: $dir is not a directory owned by $(id -un) (a symlink or someone else's); refusing it" >&2
    return 1
  fi
  local mode
  mode=$(stat -c %a "$dir")
  if [[ $mode != 700 ]]; then
    echo "rabbitmq-node: $dir has mode $mode, not 700; refusing it (remove it or chmod 700)" >&2
    return 1
  fi
}

running() {
  [[ -f $dir/rabbitmq.pid ]] && kill -0 "$(cat "$dir/rabbitmq.pid")" 2>/dev/null
}

start() {
  node_env
  own_dir
  if running; then
    echo "rabbitmq-node: already running ($dir)"
    return 0
  fi
  local busy
  for busy in "$port" "$mgmt_port" "$dist_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$busy") 2>/dev/null; then
      echo "rabbitmq-node: port $busy on 127.0.0.1 is taken; set BX_RABBITMQ_PORT" >&2
      return 1
    fi
  done
  if [[ ! -f $dir/definitions.json ]]; then
    setup
  fi
  echo "rabbitmq-node: starting in $dir (AMQP 127.0.0.1:$port, management :$mgmt_port)"
  "$bin/rabbitmq-server" -detached
  if ! timeout 120 "$bin/rabbitmqctl" wait --timeout 110 "$dir/rabbitmq.pid" >/dev/null; then
    echo "rabbitmq-node: the node did not start; its log:" >&2
    tail -n 40 "$dir"/log/*.log >&2 || true
    return 1
  fi
  echo "rabbitmq-node: ready"
}

# A new node directory: plugins, config, definitions with test passwords (secrets/<module>).
setup() {
  rm -rf "$dir"
  own_dir
  mkdir -p "$dir/home" "$dir/log" "$dir/mnesia" "$dir/secrets"
  chmod 700 "$dir" "$dir/secrets"
  echo '[rabbitmq_amqp1_0,rabbitmq_management].' >"$dir/enabled_plugins"
  echo '[].' >"$dir/advanced.config"
  # Definitions with a random test password per module user; the passwords go to secrets/.
  python3 "$root/scripts/rabbitmq-definitions.py" with-test-passwords \
    "$root/config/rabbitmq/definitions.json" "$dir/secrets" >"$dir/definitions.json"
  cat >"$dir/rabbitmq.conf" <<CONF
management.tcp.ip = 127.0.0.1
management.tcp.port = $mgmt_port
definitions.import_backend = local_filesystem
definitions.local.path = $dir/definitions.json
# ANONYMOUS logins over AMQP 1.0 would otherwise act as guest.
amqp1_0.default_user = none
log.file.level = warning
log.console = false
CONF
}

halt() {
  node_env
  [[ -L $dir || ( -e $dir && ! -O $dir ) ]] && { echo "rabbitmq-node: $dir is not ours; not touching it" >&2; return 1; }
  if running; then
    "$bin/rabbitmqctl" stop "$dir/rabbitmq.pid" >/dev/null 2>&1 || kill "$(cat "$dir/rabbitmq.pid")" 2>/dev/null || true
  fi
}

stop() {
  node_env
  [[ -L $dir || ( -e $dir && ! -O $dir ) ]] && { echo "rabbitmq-node: $dir is not ours; not touching it" >&2; return 1; }
  if [[ -f $dir/rabbitmq.pid ]]; then
    local pid
    pid=$(cat "$dir/rabbitmq.pid")
    "$bin/rabbitmqctl" stop "$dir/rabbitmq.pid" >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  fi
  # epmd was started for this node on its private port; stop only that one.
  ERL_EPMD_PORT=$epmd_port epmd -kill >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  prepare)
    node_env
    own_dir
    [[ -f $dir/definitions.json ]] || setup
    ;;
  halt) halt ;;
  stop) stop ;;
  env) print_env ;;
  *)
    echo "usage: $0 start|prepare|halt|stop|env" >&2
    exit 2
    ;;
esac
