#!/usr/bin/env bash
# The PostgreSQL gateway benchmark (issue 7): pgbench (select-only prepared
# and simple, TPC-B-like), a 1 M-row result (COPY and plain SELECT) and
# connection setup, directly against PostgreSQL and through HAProxy (TCP
# mode), PgBouncer (session mode) and hoop-pg-gateway (masking off and on),
# all on loopback, targets alternating within each round. See bench/README.md.
#
#   bench/postgres_gateway_bench.sh [BUILD_DIR]        (default: $BUILD or build)
#
# Knobs (environment): GWBENCH_DURATION (s per pgbench run, 6),
# GWBENCH_ROUNDS (3), GWBENCH_CLIENTS (8), GWBENCH_THREADS (2),
# GWBENCH_SCALE (8), GWBENCH_ROWS (1000000), GWBENCH_CONN_DURATION (4),
# GWBENCH_WORKLOADS ("select-prepared select-simple tpcb large conn"),
# GWBENCH_TARGETS ("direct haproxy pgbouncer gw-nomask gw-mask"),
# GWBENCH_HAPROXY_THREADS (1), GWBENCH_IO_URING (0; 1 adds gw-nomask-uring,
# built in GWBENCH_URING_BUILD, default <BUILD_DIR>-uring), GWBENCH_OUT
# (raw results, default <BUILD_DIR>/postgres_gateway_bench-<time>.jsonl),
# PG_BIN (/usr/lib/postgresql/15/bin), JOBS (build jobs, 2).
#
# Everything runs in a temp dir on free ports and is stopped by PID on exit.
# A missing PostgreSQL/python3 skips the whole benchmark (exit 0); a missing
# haproxy or pgbouncer skips that target.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-${BUILD:-build}}
[[ $build = /* ]] || build=$PWD/$build
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
python=/usr/bin/python3   # Debian's: the helper uses the standard library only
jobs=${JOBS:-2}

# The exact command, with every knob that is set.
command=""
for v in $(compgen -e | grep -E '^(GWBENCH_|PG_BIN$|BUILD$)' || true); do
  command+="$v=$(printf '%q' "${!v}") "
done
command+="$0"
for a in "$@"; do command+=" $(printf '%q' "$a")"; done

skip() {
  echo "postgres_gateway_bench: skipped: $*" >&2
  exit 0
}

for tool in initdb postgres pgbench psql; do
  [[ -x $pg_bin/$tool ]] || skip "$pg_bin/$tool is missing (scripts/install-deps.sh installs postgresql-15)"
done
[[ -x $python ]] || skip "$python is missing"
if [[ $(id -u) -eq 0 ]] && ! id postgres > /dev/null 2>&1; then
  skip "running as root and there is no 'postgres' OS user to run the servers as"
fi
haproxy=$(command -v haproxy || true)
pgbouncer=$(command -v pgbouncer || true)
[[ -n $haproxy ]] || echo "postgres_gateway_bench: haproxy missing: that target is skipped" >&2
[[ -n $pgbouncer ]] || echo "postgres_gateway_bench: pgbouncer missing: that target is skipped" >&2

# --- the gateway and hoopctl (a no-op when `make build` already built them) ---
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
fi
cmake --build "$build" -j "$jobs" --target hoop-pg-gateway hoopctl
gateway=$build/examples/postgres_gateway/hoop-pg-gateway
hoopctl=$build/tools/hoopctl/hoopctl
if ! "$hoopctl" token mint --help > /dev/null 2>&1; then
  echo "postgres_gateway_bench: $hoopctl has no 'token mint': the gateway targets are skipped" >&2
  gateway=""
fi

# Optional: the same gateway with Asio on io_uring instead of epoll
# (ASIO_HAS_IO_URING + ASIO_DISABLE_EPOLL: every socket operation goes through
# io_uring; liburing from Debian's liburing-dev). Its own build dir.
gateway_uring=""
if [[ ${GWBENCH_IO_URING:-0} = 1 && -n $gateway ]]; then
  ubuild=${GWBENCH_URING_BUILD:-$build-uring}
  [[ $ubuild = /* ]] || ubuild=$PWD/$ubuild
  if [[ ! -f $ubuild/CMakeCache.txt ]]; then
    cmake -S "$repo" -B "$ubuild" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHOOP_BUILD_TESTS=OFF -DHOOP_BUILD_BENCH=OFF -DHOOP_INSTALL=OFF \
      "-DCMAKE_CXX_FLAGS=-DASIO_HAS_IO_URING -DASIO_DISABLE_EPOLL" \
      -DCMAKE_CXX_STANDARD_LIBRARIES=-luring > "$ubuild.configure.log" 2>&1 ||
      { cat "$ubuild.configure.log"; exit 1; }
  fi
  cmake --build "$ubuild" -j "$jobs" --target hoop-pg-gateway
  gateway_uring=$ubuild/examples/postgres_gateway/hoop-pg-gateway
fi

# --- the temp dir, and whatever is left in it stopped on exit -----------------
tmp=$(mktemp -d /tmp/hoop-gwbench.XXXXXX)
chmod 711 "$tmp"   # the postgres OS user must reach its own subdirectories
helper=""
cleanup() {
  local rc=$? f pid left i
  trap - EXIT
  if [[ -n $helper ]] && kill -0 "$helper" 2> /dev/null; then
    kill -TERM "$helper" 2> /dev/null || true
    wait "$helper" 2> /dev/null || true
  fi
  for f in "$tmp"/pids/*; do
    [[ -f $f ]] || continue
    pid=$(< "$f")
    if [[ ${f##*/} = postgres ]]; then
      kill -INT "$pid" 2> /dev/null || true   # fast shutdown
    else
      kill -TERM "$pid" 2> /dev/null || true
    fi
  done
  for i in $(seq 100); do
    left=0
    for f in "$tmp"/pids/*; do
      [[ -f $f ]] && kill -0 "$(< "$f")" 2> /dev/null && left=1
    done
    [[ $left = 0 ]] && break
    sleep 0.1
  done
  for f in "$tmp"/pids/*; do
    [[ -f $f ]] && kill -KILL "$(< "$f")" 2> /dev/null || true
  done
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=${GWBENCH_OUT:-$build/postgres_gateway_bench-$stamp.jsonl}
report=${out%.jsonl}.txt
mkdir -p "$(dirname "$out")"

# In the background and waited for, so that a signal to this script runs the
# trap at once: cleanup asks the helper to stop its servers (SIGTERM), then
# kills whatever is left by PID.
GWB_TMP=$tmp GWB_OUT=$out GWB_REPORT=$report GWB_COMMAND=$command \
GWB_COMMIT="$(git -C "$repo" describe --always --dirty 2> /dev/null || echo '?')" \
GWB_PG_BIN=$pg_bin GWB_HAPROXY=$haproxy GWB_PGBOUNCER=$pgbouncer \
GWB_GATEWAY=$gateway GWB_GATEWAY_URING=$gateway_uring GWB_HOOPCTL=$hoopctl \
  "$python" "$repo/bench/postgres_gateway_bench.py" &
helper=$!
wait "$helper"
