#!/usr/bin/env bash
# Installs every Debian 12 package that hoop's build, tests, benchmarks and demo
# need. Idempotent: it says nothing and touches nothing when all are present.
# Run as root, or as a user who may sudo. Usage: scripts/install-deps.sh
set -euo pipefail

packages=(
  # toolchain
  g++ make cmake pkg-config git ca-certificates
  # the core libraries (CONVENTIONS.md: Abseil, RE2, Protobuf, OpenSSL)
  libabsl-dev libre2-dev libprotobuf-dev protobuf-compiler libssl-dev
  # configuration and tooling libraries
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libasio-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # libFuzzer targets (clang's -fsanitize=fuzzer)
  clang libclang-rt-14-dev
  # real servers and clients for the integration tests and the demo
  postgresql-15 postgresql-client-15 python3
  # the gateway benchmark's peers (bench/postgres_gateway_bench.sh) and io_uring for Asio
  haproxy pgbouncer liburing-dev
  # Python and Go bindings (Debian's interpreter and toolchain; psycopg 3)
  python3-psycopg python3-cryptography golang-go
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
