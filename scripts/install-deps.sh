#!/usr/bin/env bash
# Installs what boxoffice needs to build, test and benchmark on Debian 12, with apt.
#
# Idempotent and cheap when there is nothing to do: one dpkg-query call decides, so `make run`
# and `make test` can call it every time. `apt-get update` runs only when the package lists are
# missing or do not know a package we need (or an install fails on stale lists).
#
#   scripts/install-deps.sh              build + test + bench dependencies
#   scripts/install-deps.sh --dev-tools  also clang-tidy and shellcheck (make lint)
#   scripts/install-deps.sh --check      install nothing; exit 1 and list what is missing
set -euo pipefail

# Keep in sync with README.md, Dockerfile (build stage) and docs/building.md.
packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libsoci-dev libfmt-dev doctest-dev libsqlite3-dev sqlite3 libssl-dev libsodium-dev libpq-dev libjemalloc-dev libcurl4-openssl-dev libicu-dev
  libqrencode-dev libpng-dev
  libqpid-proton-cpp12-dev rabbitmq-server
  curl wrk nginx-light python3 python3-aiosmtpd
  clang-format clang libclang-rt-14-dev
  nodejs chromium fonts-liberation
  postgresql
)
# Qpid Proton C++ is the AMQP 1.0 transport (bus.transport=amqp); rabbitmq-server runs the
# private broker node its tests use (scripts/rabbitmq-node.sh; the system service is not used).
# postgresql (the server, 15 on Debian 12, with unaccent) runs the integration tests a second
# time on a private cluster (scripts/postgres-cluster.sh); libpq-dev above builds the backend.
# nodejs and npm build the web UI (web/, cmake/BoxofficeWeb.cmake); chromium and a font run its
# browser tests (Playwright drives Debian's chromium, it never downloads one). Debian's npm is
# added only when there is no npm at all: a Node.js from elsewhere (NodeSource) brings its own,
# and Debian's package would conflict with it.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi
# clang-format is in the list above: `make test` checks the formatting. clang and its runtime
# (libFuzzer, ASan, UBSan) build the fuzz targets that `make test` smoke-runs (scripts/fuzz.sh).
dev_tools=(clang-tidy shellcheck)

check_only=0
for arg in "$@"; do
  case "$arg" in
    --dev-tools) packages+=("${dev_tools[@]}") ;;
    --check) check_only=1 ;;
    -h | --help)
      sed -n '2,11s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *)
      echo "install-deps.sh: unknown option '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

# Which of our packages are not fully installed? dpkg-query prints nothing (and complains on
# stderr) for a package it has never heard of, which also counts as missing.
missing_packages() {
  local -A state=()
  local name status
  while read -r name status; do
    state[$name]=$status
  done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)
  local pkg
  for pkg in "${packages[@]}"; do
    [[ "${state[$pkg]:-}" == installed ]] || printf '%s\n' "$pkg"
  done
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps.sh: this script needs Debian 12 (apt and dpkg). Install these by hand:" >&2
  echo "  ${packages[*]}" >&2
  exit 1
fi

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi
echo "install-deps: missing: ${missing[*]}"
if ((check_only)); then
  exit 1
fi

if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  if [[ "${ID:-}" != debian || "${VERSION_ID:-}" != 12 ]]; then
    echo "install-deps: warning: made for Debian 12, this is ${PRETTY_NAME:-unknown}; trying anyway" >&2
  fi
fi

sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-deps.sh: not root and no sudo; run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (unattended upgrades, a parallel job) instead of failing at once.
apt_get=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)

# The lists need refreshing when there are none (fresh container) or apt has no candidate for
# a package we need.
needs_update() {
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || return 0
  local pkg
  for pkg in "${missing[@]}"; do
    if ! apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [^(]'; then
      return 0
    fi
  done
  return 1
}

install() {
  "${apt_get[@]}" install -y --no-install-recommends "${missing[@]}"
}

updated=0
if needs_update; then
  "${apt_get[@]}" update
  updated=1
fi
if ! install; then
  # Stale lists give 404s on download; refresh once and retry.
  ((updated)) && exit 1
  "${apt_get[@]}" update
  install
fi

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} != 0)); then
  echo "install-deps.sh: still missing after install: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installed; all ${#packages[@]} packages present"
