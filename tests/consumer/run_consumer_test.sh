#!/usr/bin/env bash
# Installs the built hoop into a temp prefix, then builds tests/consumer/project
# against it twice: with find_package(hoop), and with pkg-config (hoop.pc).
# Usage: run_consumer_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null

cmake -S "$src/tests/consumer/project" -B "$work/cmake-build" \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer"

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
g++ -std=c++17 "$src/tests/consumer/project/main.cc" -o "$work/pc-consumer" \
  $(pkg-config --cflags hoop) $(pkg-config --static --libs hoop)
"$work/pc-consumer"
echo "consumer: find_package(hoop) and pkg-config both work"
