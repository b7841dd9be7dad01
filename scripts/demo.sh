#!/usr/bin/env bash
# The demo (issue 7): an automation agent goes through hoop's PostgreSQL
# gateway, with real psql, narrated in the terminal.
#
#   1. a throwaway PostgreSQL 15 (initdb in a temporary directory, loopback,
#      a free port) with a "shop" database: customers with e-mails, cards,
#      SSNs, phones and API credentials, and abandoned carts
#      (examples/demo/shop.sql);
#   2. the gateway (examples/postgres_gateway, `hoop-pg-gateway --config`)
#      with examples/demo/{gateway,policy,masking}.yaml, records signed with
#      a key made for the demo;
#   3. ID tokens for the agent (etl-agent, group automation, non-human) and a
#      DBA (ana@example.com, group dba), minted locally with a demo key by
#      `hoopctl token` (a real deployment uses its identity provider's);
#   4. through the gateway: the agent's SELECT comes back masked, its DROP
#      TABLE is refused, its DELETE is held until the DBA approves it with
#      `hoopctl approvals approve --token $DBA` (the agent's own attempt to
#      approve it is refused), then runs;
#   5. SIGTERM stops the gateway (records flushed and signed), then
#      `hoopctl review` prints the access review and `hoopctl verify` proves
#      the records whole.
#
# Everything lives in one temporary directory; on exit — normal, failed or
# interrupted — the gateway and PostgreSQL are stopped by PID and the
# directory is removed. Run as root, PostgreSQL runs as the `postgres` OS
# user (initdb refuses root).
#
# Run through `make demo` (installs what is missing, builds, then calls this).
# Usage: scripts/demo.sh [BUILD_DIR]
# Environment: HOOP_PG_BIN_DIR (default /usr/lib/postgresql/15/bin);
# HOOP_DEMO_STATE=FILE appends key=value facts (temporary directory, PIDs,
# row counts read straight from PostgreSQL) for tests/tools/demo_test.py.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
build=$(cd "${1:-build}" && pwd)
hoopctl=$build/tools/hoopctl/hoopctl
gateway=$build/examples/postgres_gateway/hoop-pg-gateway
pgbin=${HOOP_PG_BIN_DIR:-/usr/lib/postgresql/15/bin}
issuer=https://idp.demo.hoop.local
audience=hoop-gateway

# Nothing from the caller's environment changes what psql connects to or
# prints (PGHOST, PGSSLMODE, PGOPTIONS, a German locale, ...).
while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' || true)
export LC_ALL=C.UTF-8

die() { echo "demo: $*" >&2; exit 1; }
for f in "$hoopctl" "$gateway" "$pgbin/initdb" "$pgbin/postgres" "$pgbin/psql"; do
  [[ -x $f ]] || die "$f is missing (make demo builds and installs everything)"
done
state() { if [[ -n ${HOOP_DEMO_STATE:-} ]]; then echo "$1" >> "$HOOP_DEMO_STATE"; fi; }

# --- the temporary directory, and cleaning up whatever happens -------------
tmp=$(mktemp -d /tmp/hoop-demo.XXXXXX)
state "tmpdir=$tmp"
pg_pid='' gw_pid='' psql_pid=''

# Waits up to $2 tenths of a second for PID $1 to be gone (a zombie counts
# as gone: its parent reaps it).
gone() {
  local i stat
  for ((i = 0; i < $2; i++)); do
    { stat=$(< "/proc/$1/stat"); } 2> /dev/null || return 0
    stat=${stat##*) }             # after "pid (comm) ": the state letter
    [[ ${stat%% *} == Z ]] && return 0
    sleep 0.1
  done
  return 1
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  if [[ -n $psql_pid ]]; then kill "$psql_pid" 2>/dev/null; wait "$psql_pid" 2>/dev/null; fi
  if [[ -n $gw_pid ]]; then
    kill -TERM "$gw_pid" 2>/dev/null
    gone "$gw_pid" 100 || kill -KILL "$gw_pid" 2>/dev/null
    wait "$gw_pid" 2>/dev/null
  fi
  if [[ -n $pg_pid ]]; then
    kill -INT "$pg_pid" 2>/dev/null       # fast shutdown
    if ! gone "$pg_pid" 200; then
      kill -QUIT "$pg_pid" 2>/dev/null    # immediate shutdown
      gone "$pg_pid" 50 || kill -KILL "$pg_pid" 2>/dev/null
    fi
    wait "$pg_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
  if ((rc != 0)); then echo "demo: stopped (exit $rc); nothing left running, $tmp removed" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Prints a command as the reader would type it, then runs it.
#   run 'DISPLAY' COMMAND [ARG]...
run() { printf '\n$ %s\n' "$1"; shift; "$@"; }
say() { printf '%s\n' "$@"; }
section() { printf '\n== %s ==\n' "$1"; }

# --- a throwaway PostgreSQL 15 ----------------------------------------------
pgdir=$tmp/pg
mkdir "$pgdir"
as_pg=()
if (($(id -u) == 0)); then
  id postgres > /dev/null 2>&1 || die "running as root and there is no 'postgres' OS user to run PostgreSQL as (initdb refuses root)"
  chmod 711 "$tmp"                  # postgres may pass through, not list it
  chown postgres: "$pgdir"
  # setpriv execs (runuser would fork): the PID we keep is the postmaster's.
  as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
say "== hoop demo: an automation agent goes through the gateway =="
say "" "Setting up in $tmp:"
(cd "$pgdir" && "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U postgres \
   --auth-local=trust --auth-host=reject --encoding=UTF8 --locale=C \
   --no-sync --no-instructions > "$pgdir/initdb.log" 2>&1) ||
  { cat "$pgdir/initdb.log" >&2; die "initdb failed"; }
cat >> "$pgdir/data/postgresql.conf" <<CONF

# --- hoop demo ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgdir'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
lc_messages = 'C'
CONF
# Only the socket's owner (and root) may use the superuser; the gateway logs
# in over TCP as shop_app with its password, as it would in production.
cat > "$pgdir/data/pg_hba.conf" <<HBA
local all postgres trust
host shop shop_app 127.0.0.1/32 scram-sha-256
HBA

# A free high port; retried if someone takes it first.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null || { echo "$p"; return; }
  done
}
for _ in 1 2 3; do
  pg_port=$(free_port)
  (cd "$pgdir" && exec "${as_pg[@]}" "$pgbin/postgres" -D "$pgdir/data" -p "$pg_port" \
     > "$pgdir/server.log" 2>&1) &
  pg_pid=$!
  state "postgres_pid=$pg_pid"
  ready=''
  for ((i = 0; i < 300; i++)); do
    if "$pgbin/pg_isready" -q -h "$pgdir" -p "$pg_port" 2> /dev/null; then ready=1; break; fi
    gone "$pg_pid" 1 && break
    sleep 0.1
  done
  [[ -n $ready ]] && break
  gone "$pg_pid" 1 || die "PostgreSQL did not start: $(tail -5 "$pgdir/server.log")"
  wait "$pg_pid" 2> /dev/null || true
  pg_pid=''
  grep -q 'could not bind\|could not create any TCP/IP sockets' "$pgdir/server.log" ||
    die "PostgreSQL did not start: $(tail -5 "$pgdir/server.log")"
done
[[ -n $ready ]] || die "PostgreSQL did not start: $(tail -5 "$pgdir/server.log")"

# psql straight to PostgreSQL as its superuser, over the private socket.
pg_direct() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pgdir" -p "$pg_port" -U postgres "$@"; }
pg_password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
pg_direct -d postgres -c "CREATE ROLE shop_app LOGIN PASSWORD '$pg_password'" \
  -c "CREATE DATABASE shop OWNER shop_app"
# The tables belong to shop_app: PostgreSQL itself would let the gateway's
# credential drop them; only the policy stops the agent.
pg_direct -d shop -c "SET ROLE shop_app" -f "$repo/examples/demo/shop.sql"
count_carts() { pg_direct -d shop -At -c "SELECT count(*) FROM carts"; }
say "  PostgreSQL 15 on 127.0.0.1:$pg_port (PID $pg_pid): database shop, 5 customers, $(count_carts) carts"

# --- keys, configuration, the gateway ---------------------------------------
gwdir=$tmp/gateway
mkdir -m 700 "$gwdir" "$tmp/keys"
mkdir "$gwdir/records"
cp "$repo"/examples/demo/{policy.yaml,masking.yaml} "$gwdir/"
sed -e "s/@PG_PORT@/$pg_port/" -e "s/@PG_PASSWORD@/$pg_password/" \
  "$repo/examples/demo/gateway.yaml" > "$gwdir/gateway.yaml"
# The records' signing key (Ed25519); reviewers get its public half.
openssl genpkey -algorithm ed25519 -out "$gwdir/records.key" 2> /dev/null
openssl pkey -in "$gwdir/records.key" -pubout -out "$tmp/records.pub"
# The demo identity provider's key; the gateway trusts its JWKS.
"$hoopctl" token keygen --key "$tmp/keys/idp.pem" --jwks "$gwdir/jwks.json" --kid demo

"$gateway" --config "$gwdir/gateway.yaml" > "$gwdir/gateway.log" 2>&1 &
gw_pid=$!
state "gateway_pid=$gw_pid"
for ((i = 0; i < 200; i++)); do
  grep -q 'listening on port' "$gwdir/gateway.log" && break
  gone "$gw_pid" 1 && die "the gateway exited: $(cat "$gwdir/gateway.log")"
  sleep 0.05
done
listening=$(grep -m1 'listening on port' "$gwdir/gateway.log") ||
  die "the gateway did not start: $(cat "$gwdir/gateway.log")"
gw_port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' <<< "$listening")
admin_port=$(sed -n 's/.*admin on port \([0-9]*\).*/\1/p' <<< "$listening")
[[ -n $gw_port && -n $admin_port ]] || die "cannot read the gateway's ports: $listening"
export HOOP_ADMIN=http://127.0.0.1:$admin_port
say "  the gateway (PID $gw_pid): $listening" \
    "    config examples/demo/gateway.yaml, policy examples/demo/policy.yaml," \
    "    masking examples/demo/masking.yaml; records in $gwdir/records"

# --- 1. identities -----------------------------------------------------------
section "1. Identities: ID tokens, minted locally with a demo key"
say "The gateway takes an OIDC ID token as the password and checks it against" \
    "a JWKS. A real deployment points it at its identity provider's JWKS; this" \
    "demo mints its own tokens with a key made a moment ago (hoopctl token)."
mint=("$hoopctl" token mint --key "$tmp/keys/idp.pem" --issuer "$issuer" --audience "$audience" --ttl 600)
run "hoopctl token keygen --key idp.pem --jwks jwks.json   # done above" true
run "AGENT=\$(hoopctl token mint --key idp.pem --issuer $issuer --audience $audience --subject etl-agent --group automation --claim kind=agent --ttl 600)" true
AGENT=$("${mint[@]}" --subject etl-agent --group automation --claim kind=agent)
run "DBA=\$(hoopctl token mint --key idp.pem --issuer $issuer --audience $audience --subject ana@example.com --group dba --claim email=ana@example.com --ttl 600)" true
DBA=$("${mint[@]}" --subject ana@example.com --group dba --claim email=ana@example.com)
payload=${AGENT#*.}
payload=${payload%%.*}
payload=$(tr '_-' '/+' <<< "$payload")
while ((${#payload} % 4)); do payload+='='; done
say "The agent's token (${#AGENT} characters) carries: $(base64 -d <<< "$payload" 2> /dev/null)"

# psql through the gateway with token $1 as the password and user name $2
# (which the gateway does not trust: the token says who it is); errors show
# their SQLSTATE.
gw_psql() {
  local token=$1 user=$2
  shift 2
  PGPASSWORD=$token PGAPPNAME=hoop-demo PGCONNECT_TIMEOUT=10 "$pgbin/psql" -X \
    -v VERBOSITY=verbose -P pager=off \
    "host=127.0.0.1 port=$gw_port user=$user dbname=shop" "$@"
}
psql_gw="PGPASSWORD=\$AGENT psql \"host=127.0.0.1 port=$gw_port user=etl-agent dbname=shop\""

# --- 2. what the database holds ------------------------------------------------
section "2. What is in the database (straight to PostgreSQL, bypassing the gateway)"
say "Before hoop, the agent used a shared account and saw this:"
run "psql -h $pgdir -p $pg_port -U postgres shop -c \"SELECT email, card, ssn, api_key FROM customers WHERE id <= 2\"" \
  pg_direct -d shop -P pager=off -c "SELECT email, card, ssn, api_key FROM customers WHERE id <= 2"

# --- 3. masked reads -----------------------------------------------------------
section "3. The agent reads customers through the gateway: masked"
say "Rule agents-read allows reads, with examples/demo/masking.yaml: e-mails," \
    "SSNs and keys are replaced, cards and phones keep their last 4 digits," \
    "columns named like secrets are masked whole, even free-text notes are scanned."
run "$psql_gw -c \"SELECT * FROM customers ORDER BY id\"" \
  gw_psql "$AGENT" etl-agent -c "SELECT * FROM customers ORDER BY id"

# --- 4. DROP refused -------------------------------------------------------------
section "4. The agent tries to drop the table: refused"
say "Rule no-ddl-for-agents denies it. The statement never reaches PostgreSQL" \
    "(which would have allowed it: shop_app owns the table); psql gets the" \
    "policy's message as an error, and the session goes on."
drop_rc=0
run "$psql_gw -c \"DROP TABLE customers\" -c \"SELECT count(*) FROM customers\"" \
  gw_psql "$AGENT" etl-agent -c "DROP TABLE customers" -c "SELECT count(*) FROM customers" \
  > "$tmp/drop.out" 2>&1 || drop_rc=$?
cat "$tmp/drop.out"
grep -q '^ERROR:  42501' "$tmp/drop.out" || die "DROP TABLE was not refused (psql exit $drop_rc)"
customers_left=$(pg_direct -d shop -At -c 'SELECT count(*) FROM customers')
state "customers_after_drop=$customers_left"
say "(The session went on: its next statement ran. Straight from PostgreSQL:" \
    " customers still has $customers_left rows.)"

# --- 5. DELETE held, approved, run -----------------------------------------------
section "5. The agent deletes abandoned carts: held until a DBA approves"
say "Rule writes-need-approval holds writes for group dba. psql waits (in the" \
    "background here) and shows a notice naming the request."
delete_sql="DELETE FROM carts WHERE updated_at < now() - interval '30 days'"
printf '\n$ %s -c "%s" &\n' "$psql_gw" "$delete_sql"
gw_psql "$AGENT" etl-agent -c "$delete_sql" > "$tmp/delete.out" 2>&1 &
psql_pid=$!
for ((i = 0; i < 150; i++)); do
  grep -q 'NOTICE' "$tmp/delete.out" && break
  gone "$psql_pid" 1 && break
  sleep 0.1
done
grep -q 'NOTICE' "$tmp/delete.out" || die "no notice of a held DELETE: $(cat "$tmp/delete.out")"
sed 's/^/  [psql, waiting] /' "$tmp/delete.out"
held_count=$(count_carts)
state "carts_while_held=$held_count"
say "Straight from PostgreSQL, while psql waits: carts has $held_count rows (nothing ran)."

say "" "The DBA (ana@example.com) looks at what waits:"
run "hoopctl approvals list   # HOOP_ADMIN=$HOOP_ADMIN" "$hoopctl" approvals list
say "" "and checks what it would remove, through the gateway with her own token" \
    "(the token's identity decides, not the user name typed; rule dba-read):"
run "PGPASSWORD=\$DBA psql \"host=127.0.0.1 port=$gw_port user=ana dbname=shop\" -c \"SELECT count(*) AS abandoned FROM carts WHERE updated_at < now() - interval '30 days'\"" \
  gw_psql "$DBA" ana -c "SELECT count(*) AS abandoned FROM carts WHERE updated_at < now() - interval '30 days'"
request=$("$hoopctl" approvals list --json | grep -o '"id": *"[^"]*"' | head -1 |
            sed 's/.*"\([^"]*\)"$/\1/')
[[ -n $request ]] || die "no held request listed"
state "request_id=$request"
say "" "Approving takes an approver's ID token (admin.require_token): the gateway" \
    "records the token's subject, and refuses anyone outside the rule's" \
    "approver groups, or the requester. The agent cannot approve its own DELETE:"
self_rc=0
run "hoopctl approvals approve $request --token \$AGENT --reason \"looks fine to me\"" \
  "$hoopctl" approvals approve "$request" --token "$AGENT" --reason "looks fine to me" 2>&1 ||
  self_rc=$?
((self_rc != 0)) || die "the agent approved its own command"
refused_count=$(count_carts)
state "carts_after_self_approval=$refused_count"
say "(hoopctl exit status $self_rc; carts still has $refused_count rows.) The DBA can:"
reason="OPS-1234: weekly clean-up of carts abandoned for 30 days"
run "hoopctl approvals approve $request --token \$DBA --reason \"$reason\"" \
  "$hoopctl" approvals approve "$request" --token "$DBA" --reason "$reason"
delete_rc=0
wait "$psql_pid" || delete_rc=$?
psql_pid=''
say "" "psql, in the background, finishes:"
sed 's/^/  [psql] /' "$tmp/delete.out"
((delete_rc == 0)) || die "the approved DELETE failed (psql exit $delete_rc)"
after_count=$(count_carts)
state "carts_after=$after_count"
say "Straight from PostgreSQL: carts has $after_count rows."

# --- 6. stop the gateway -----------------------------------------------------------
section "6. Stop the gateway: records flushed and signed"
run "kill -TERM $gw_pid" kill -TERM "$gw_pid"
gw_rc=0
wait "$gw_pid" || gw_rc=$?
gw_pid=''
sed -n 's/^\(hoop-pg-gateway: .*\(shutting down\|stopped\).*\)/  \1/p' "$gwdir/gateway.log"
((gw_rc == 0)) || die "the gateway exited with $gw_rc: $(tail -5 "$gwdir/gateway.log")"
say "  $(find "$gwdir/records" -name "*.hooprec" | wc -l) record files in $gwdir/records"

# --- 7. the access review ------------------------------------------------------------
section "7. The access review: who accessed what, and did it comply"
run "hoopctl review $gwdir/records --key records.pub" \
  "$hoopctl" review "$gwdir/records" --key "$tmp/records.pub"

# --- 8. integrity ----------------------------------------------------------------------
section "8. The records are whole: hash chains and signatures"
run "hoopctl verify $gwdir/records --key records.pub" \
  "$hoopctl" verify "$gwdir/records" --key "$tmp/records.pub"

say "" "Done. On exit the script stops PostgreSQL (PID $pg_pid) and removes $tmp." \
    "Next: make test (every test), or scripts/demo-offline.sh $build (the library, offline)."
