#!/usr/bin/env bash
# The offline walkthrough: what the library does, on a real recorded psql
# session, with no server and no gateway (codec decode, masking, policy
# verdicts, sample signed records and their access review). `make demo` runs
# the full gateway story instead (scripts/demo.sh).
# Usage: scripts/demo-offline.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
hoopctl="$build/tools/hoopctl/hoopctl"
c2s=tests/testdata/psql-session.c2s
s2c=tests/testdata/psql-session.s2c

cat <<MSG
== hoop demo ==

== 1. Decoding a real PostgreSQL connection ==

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

policy=examples/demo/policy.yaml
cat <<MSG

== 2. Masking: the same rows, as they would leave the proxy ==
The built-in detectors (e-mail, Luhn-checked cards, valid SSNs, phones, ...)
over the result rows and COPY data of that session:
\$ hoopctl decode ... --format text | grep -E 'DataRow|CopyData' | hoopctl mask --stream
MSG
printf '%s\n' "$("$hoopctl" decode --protocol postgres --client "$c2s" --server "$s2c" --format text)" |
  grep -E 'DataRow|CopyData' | "$hoopctl" mask --stream
echo "(987-65-4321 stays: an area number of 9xx is not a valid SSN, so it is not one.)"

cat <<MSG

== 3. Policy: a verdict per statement, for an automation agent ==
$policy lets the agent "etl-agent" read, refuses schema changes, and holds
writes for a DBA. The verdict comes from what the statement does, not from
its first word: a DELETE hidden after a SELECT is still a write.
MSG
for sql in "SELECT email, card FROM customers" "DROP TABLE customers" \
           "SELECT 1; /* harmless? */ DELETE FROM customers WHERE id = 3"; do
  echo
  echo "\$ hoopctl policy test --policy $policy --identity etl-agent --groups automation --kind non_human --resource shop --sql \"$sql\""
  "$hoopctl" policy test --policy "$policy" --identity etl-agent --groups automation --kind non_human \
    --resource shop --resource-kind postgres --sql "$sql" || true
done

records=$(mktemp -d)
trap 'rm -rf "$records"' EXIT
cat <<MSG

== 4. Records and the access review ==
Sixteen generated, signed sessions (people and agents, denials, approvals,
masked results); then the integrity check and the reviewer's questions:
who accessed what, what was denied or held and who approved it.
\$ hoopctl sample-records DIR && hoopctl verify DIR --key DIR/public_key.pem
MSG
"$hoopctl" sample-records "$records/rec" --now 2026-11-20 > /dev/null 2>&1
"$hoopctl" verify "$records/rec" --key "$records/rec/public_key.pem" | tail -1
echo "\$ hoopctl review DIR --inventory DIR/inventory.json --key DIR/public_key.pem   (first 24 lines)"
review=$("$hoopctl" review "$records/rec" --inventory "$records/rec/inventory.json" \
           --key "$records/rec/public_key.pem" --now 2026-11-20)
printf '%s\n' "$review" | sed -n 1,24p

echo
echo "Next: make test   (every test: codec, corpora, fuzz corpora, a real PostgreSQL 15)"
