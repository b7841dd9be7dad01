#!/usr/bin/env bash
# The demo: what the library can do today, on a real recorded psql session.
# Run through `make demo` (which installs, builds, then calls this).
# Usage: scripts/demo.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
hoopctl="$build/tools/hoopctl/hoopctl"
c2s=tests/testdata/psql-session.c2s
s2c=tests/testdata/psql-session.s2c

cat <<MSG
== hoop demo: decoding a real PostgreSQL connection ==

$c2s and $s2c are the two byte streams of one real psql 15
session against PostgreSQL 15 (SCRAM login, queries, an error, a notice,
LISTEN/NOTIFY, COPY out and in; see tests/testdata/README.md). hoop's
PostgreSQL codec decodes them incrementally and zero-copy, naming every
message as the PostgreSQL documentation does. C = client, S = server.

\$ hoopctl decode --protocol postgres --client $c2s --server $s2c --format text
MSG
"$hoopctl" decode --protocol postgres --client "$c2s" --server "$s2c" --format text

cat <<MSG

The same as one JSON object per frame (first 3 lines):
\$ hoopctl decode --protocol postgres --client $c2s --server $s2c | head -3
MSG
json=$("$hoopctl" decode --protocol postgres --client "$c2s" --server "$s2c")
printf '%s\n' "$json" | sed -n 1,3p
echo
echo "Next: make test   (every test: codec, corpora, fuzz corpora, a real PostgreSQL 15)"
