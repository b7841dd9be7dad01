#!/usr/bin/env bash
# Records one real psql session against a throwaway PostgreSQL 15 into
#   tests/testdata/psql-session.c2s   (what psql sent)
#   tests/testdata/psql-session.s2c   (what the server sent)
# through tcp_record.py, a one-connection recording relay.
#
# The server lives in a temp dir on a free loopback port with its own config
# (scram-sha-256, ssl off), is stopped by its PID and removed afterwards. The
# data is fake: example.com addresses, the public test card numbers, an
# invented SSN and 555-01xx phone numbers.
#
# Needs only what scripts/install-deps.sh installs: postgresql-15,
# postgresql-client-15, python3. Run as a normal user or as root (then the
# server runs as the `postgres` OS user, since initdb refuses root).
#
# Usage: tests/testdata/record_psql_session.sh [OUTPUT_DIR]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out_dir=${1:-$here}
pgbin=/usr/lib/postgresql/15/bin
python=/usr/bin/python3
psql=$pgbin/psql

for tool in "$pgbin/initdb" "$pgbin/pg_ctl" "$pgbin/postgres" "$psql" "$python"; do
  [[ -x $tool ]] || { echo "record: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

export TZ=UTC LC_ALL=C LANG=C PSQLRC=/dev/null
unset PGHOST PGPORT PGUSER PGDATABASE PGSERVICE PGSSLMODE PGOPTIONS PGAPPNAME

tmp=$(mktemp -d /tmp/hoop-pgrec.XXXXXX)
data=$tmp/data
export PGPASSFILE=$tmp/no-pgpass   # ignore any ~/.pgpass
server_pid=
relay_pid=
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  as_pg=(runuser -u postgres --)
  chown postgres:postgres "$tmp"
fi

cleanup() {
  if [[ -n $relay_pid ]] && kill -0 "$relay_pid" 2>/dev/null; then
    kill "$relay_pid" 2>/dev/null || true
  fi
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -INT "$server_pid" 2>/dev/null || true   # fast shutdown
    for _ in $(seq 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  "$python" -I -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- a throwaway cluster ------------------------------------------------------
"${as_pg[@]}" "$pgbin/initdb" -D "$data" -U postgres --auth=trust \
  --encoding=UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; exit 1; }

port=$(free_port)
cat >>"$data/postgresql.conf" <<EOF

# --- record_psql_session.sh ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$tmp'
password_encryption = 'scram-sha-256'
ssl = off
fsync = off
timezone = 'UTC'
EOF
cat >"$data/pg_hba.conf" <<EOF
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 trust
host    all       all       127.0.0.1/32   scram-sha-256
EOF
[[ ${#as_pg[@]} -eq 0 ]] || chown postgres:postgres "$data/postgresql.conf" "$data/pg_hba.conf"

"${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 start >/dev/null \
  || { cat "$tmp/server.log" >&2; exit 1; }
server_pid=$(head -n 1 "$data/postmaster.pid")

# --- the role and the fake data (over the unix socket, as the superuser) -------
"$psql" -X -q -v ON_ERROR_STOP=1 -h "$tmp" -p "$port" -U postgres -d postgres <<'EOF'
CREATE ROLE alice LOGIN PASSWORD 'alice-demo-password';
CREATE DATABASE shop OWNER alice;
\c shop
SET ROLE alice;
CREATE TABLE customers (
  id    integer PRIMARY KEY,
  name  text NOT NULL,
  email text,
  card  text,
  ssn   text,
  phone text,
  note  text
);
INSERT INTO customers VALUES
  (1, 'Alice Example', 'alice@example.com', '4111 1111 1111 1111', '123-45-6789', '+1 555 0100', 'VIP'),
  (2, 'Bob Example',   'bob@example.com',   '5500 0000 0000 0004', '987-65-4321', '(555) 010-0199', NULL);
EOF

# --- the recorded psql session, through the relay ------------------------------
c2s=$out_dir/psql-session.c2s
s2c=$out_dir/psql-session.s2c
rm -f "$c2s" "$s2c"
"$python" -I "$here/tcp_record.py" --upstream "127.0.0.1:$port" \
  --c2s "$c2s" --s2c "$s2c" >"$tmp/relay.port" &
relay_pid=$!
for _ in $(seq 100); do
  [[ -s $tmp/relay.port ]] && break
  sleep 0.1
done
relay_port=$(head -n 1 "$tmp/relay.port")
[[ -n $relay_port ]] || { echo "record: the relay did not start" >&2; exit 1; }

cat >"$tmp/session.sql" <<'EOF'
SELECT id, name, email, card, ssn, phone, note FROM customers ORDER BY id;
INSERT INTO customers (id, name, email, card, ssn, phone)
  VALUES (3, 'Carol Sample', 'carol@example.org', '4012 8888 8888 1881', '111-22-3333', '+1 555 0102');
INSERT INTO customers (id, name) VALUES (1, 'Duplicate Key');
SELECT 1/0;
DO $$ BEGIN RAISE NOTICE 'hello from hoop'; END $$;
LISTEN hoop_events;
NOTIFY hoop_events, 'customer 3 added';
\copy customers (id, name, email) to stdout
\copy customers (id, name, email, phone) from stdin
4	Dave Test	dave@example.net	+1 555 0103
5	Erin Test	\N	+1 555 0104
\.
SELECT count(*) AS customers FROM customers;
EOF

PGPASSWORD=alice-demo-password "$psql" -X \
  "host=127.0.0.1 port=$relay_port user=alice dbname=shop sslmode=disable gssencmode=disable application_name=psql" \
  -f "$tmp/session.sql"   # two statements fail on purpose; psql still exits 0
wait "$relay_pid"
relay_pid=

echo "record: wrote $(wc -c <"$c2s") bytes to $c2s and $(wc -c <"$s2c") bytes to $s2c" >&2
