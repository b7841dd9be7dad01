#!/usr/bin/env bash
# Installs the built hoop into a temp prefix, then builds a C program against
# its C API twice: with find_package(hoop) -> hoop::c, and with hoop-c.pc.
# Each must run with libhoop.so from the prefix.
# Usage: run_consumer_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(dirname "$(find "$work/prefix" -name 'libhoop.so.0' | head -n1)")
test -L "$libdir/libhoop.so"

cmake -S "$src/tests/capi/consumer" -B "$work/cmake-build" \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/c_consumer"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Wextra -pedantic "$src/tests/capi/consumer/main.c" \
  -o "$work/pc-consumer" $(pkg-config --cflags --libs hoop-c)
LD_LIBRARY_PATH="$libdir" "$work/pc-consumer"
echo "C consumer: find_package(hoop) -> hoop::c and hoop-c.pc both work"
