#!/usr/bin/python3
"""The PostgreSQL gateway benchmark (issue 7): run by postgres_gateway_bench.sh.

Starts, in a temp dir and on free loopback ports, a throwaway PostgreSQL 15,
HAProxy (TCP mode), PgBouncer (session mode) and hoop-pg-gateway (masking off,
masking on; optionally a second build on io_uring), then measures, target by
target and round by round (targets alternate within a round):

  * pgbench: select-only (-S) prepared and simple, and the TPC-B-like default
    script: TPS, average latency, the proxy process's CPU per transaction;
  * a large result (>= 1 M rows): `\\copy (select ...) to /dev/null` and a
    plain select to /dev/null: wall time, MB/s;
  * connection setup (pgbench -C -S): connections/s.

Every run is one JSON line in the raw results file; the report is medians of
rounds with ratios to direct. The wrapper script owns the temp dir and kills
whatever PIDs are left in <tmp>/pids on exit, so nothing outlives the run.

Standard library only (Debian's /usr/bin/python3).
"""

import datetime
import json
import os
import platform
import pwd
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
BENCH_USER = "bench"
BENCH_DB = "bench"
ISSUER = "https://idp.bench.hoop.test"
AUDIENCE = "hoop-gateway-bench"
SUBJECT = "bench-agent"
GROUP = "bench"


def env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_str(name, default):
    value = os.environ.get(name, "")
    return value if value.strip() else default


class Knobs:
    """Every GWBENCH_* knob, with its default (see bench/README.md)."""

    def __init__(self):
        self.duration = env_int("GWBENCH_DURATION", 6)
        self.rounds = env_int("GWBENCH_ROUNDS", 3)
        self.clients = env_int("GWBENCH_CLIENTS", 8)
        self.threads = env_int("GWBENCH_THREADS", 2)
        self.scale = env_int("GWBENCH_SCALE", 8)
        self.rows = env_int("GWBENCH_ROWS", 1000000)
        self.conn_duration = env_int("GWBENCH_CONN_DURATION", 4)
        self.haproxy_threads = env_int("GWBENCH_HAPROXY_THREADS", 1)
        self.workloads = env_str(
            "GWBENCH_WORKLOADS",
            "select-prepared select-simple tpcb large conn").split()
        self.targets = env_str(
            "GWBENCH_TARGETS",
            "direct haproxy pgbouncer gw-nomask gw-mask").split()


# --- small helpers ------------------------------------------------------------


def log(msg):
    print(msg, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def can_connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def proc_cpu_seconds(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14, 15


def machine_cpu():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    total = sum(parts[:8])  # guest time is already in user/nice
    return total - idle, total


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def clear_dir(path):
    for name in os.listdir(path):
        p = os.path.join(path, name)
        if os.path.isdir(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                os.unlink(p)
            except OSError:
                pass


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def tool_version(args):
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=10)
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0] if text else "?"
    except OSError:
        return "missing"


class BenchError(Exception):
    pass


# --- processes ----------------------------------------------------------------


class Servers:
    """The throwaway servers: started once, stopped by PID at the end."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.pid_dir = os.path.join(tmp, "pids")
        os.makedirs(self.pid_dir, exist_ok=True)
        self.procs = {}  # name -> Popen
        self.as_postgres = {}
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")  # the wrapper checked it exists
            self.as_postgres = {"user": pw.pw_uid, "group": pw.pw_gid,
                                "extra_groups": []}
            self.pg_uid, self.pg_gid = pw.pw_uid, pw.pw_gid

    def chown_to_runner(self, path):
        if self.as_postgres:
            for root, dirs, files in os.walk(path):
                os.chown(root, self.pg_uid, self.pg_gid)
                for n in files:
                    os.chown(os.path.join(root, n), self.pg_uid, self.pg_gid)

    def spawn(self, name, args, log_path, as_postgres=False, cwd=None):
        logf = open(log_path, "ab")
        kw = self.as_postgres if as_postgres else {}
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf,
                             stderr=subprocess.STDOUT, cwd=cwd or self.tmp,
                             start_new_session=True,
                             env=server_env(), **kw)
        logf.close()
        self.procs[name] = p
        write(os.path.join(self.pid_dir, name), f"{p.pid}\n")
        return p

    def wait_listening(self, name, port, log_path, timeout=30):
        p = self.procs[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise BenchError(f"{name} exited ({p.returncode}):\n"
                                 + tail(log_path))
            if can_connect(port):
                return
            time.sleep(0.05)
        raise BenchError(f"{name} not listening on {port} after {timeout} s:\n"
                         + tail(log_path))

    def pid(self, name):
        return self.procs[name].pid

    def stop_all(self):
        # Proxies first, the database last.
        for name in sorted(self.procs, key=lambda n: n == "postgres"):
            p = self.procs[name]
            if p.poll() is None:
                # postgres: SIGINT = fast shutdown; the others stop on TERM.
                p.send_signal(signal.SIGINT if name == "postgres"
                              else signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            try:
                os.unlink(os.path.join(self.pid_dir, name))
            except OSError:
                pass
        self.procs.clear()


def server_env():
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "LANG": "C",
           "TZ": "UTC"}
    return env


def tail(path, n=2000):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-n:]
    except OSError:
        return "(no log)"


def run(args, env_extra=None, timeout=600, check=True, as_user=None,
        stdout=subprocess.PIPE):
    env = dict(os.environ)
    env.update(env_extra or {})
    try:
        p = subprocess.run(args, env=env, stdout=stdout,
                           stderr=subprocess.PIPE, text=True, timeout=timeout,
                           **(as_user or {}))
    except subprocess.TimeoutExpired as e:  # killed by run(): say so
        out = e.stdout.decode(errors="replace") \
            if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") \
            if isinstance(e.stderr, bytes) else (e.stderr or "")
        p = subprocess.CompletedProcess(
            args, -9, out, err + f"\ntimed out after {timeout} s (killed)")
    if check and p.returncode != 0:
        raise BenchError(f"{shlex.join(args)} exited {p.returncode}:\n"
                         f"{(p.stderr or '')[-2000:]}{(p.stdout or '')[-2000:]}")
    return p


# --- the bench ----------------------------------------------------------------


class Bench:

    def __init__(self, args, knobs):
        self.a = args
        self.k = knobs
        self.tmp = args.tmp
        self.s = Servers(self.tmp)
        self.password = "bench-" + os.urandom(6).hex()
        self.ports = {}
        self.results = []
        self.raw = open(args.out, "w")
        self.token = None
        self.gateways = {}  # gateway target -> its records dir
        self.logs = {}  # proxy target -> its log file
        self.large_bytes = 0

    # -- setup --

    def pg_bin(self, tool):
        return os.path.join(self.a.pg_bin, tool)

    def start_postgres(self):
        d = os.path.join(self.tmp, "pg")
        os.makedirs(d)
        self.s.chown_to_runner(d)
        data = os.path.join(d, "data")
        run([self.pg_bin("initdb"), "-D", data, "-U", "postgres",
             "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
             "--no-instructions"], as_user=self.s.as_postgres or None,
            env_extra=server_env())
        port = free_port()
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write(f"""
# --- hoop gateway benchmark (throwaway) ---
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{d}'
password_encryption = 'scram-sha-256'
max_connections = 200
ssl = off
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
lc_messages = 'C'
""")
        write(os.path.join(data, "pg_hba.conf"),
              "local all postgres trust\n"
              f"host {BENCH_DB} {BENCH_USER} 127.0.0.1/32 scram-sha-256\n")
        self.s.chown_to_runner(d)
        logp = os.path.join(d, "server.log")
        self.s.spawn("postgres", [self.pg_bin("postgres"), "-D", data], logp,
                     as_postgres=True, cwd=d)
        self.s.wait_listening("postgres", port, logp)
        self.pg_socket_dir = d
        self.ports["direct"] = port
        # psql -c through the socket as the superuser until ready.
        deadline = time.monotonic() + 30
        while True:
            p = self.superuser_psql("select 1", check=False)
            if p.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise BenchError("postgres not ready: " + p.stderr)
            time.sleep(0.1)

    def superuser_psql(self, sql, db="postgres", check=True, extra=()):
        return run([self.pg_bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-h", self.pg_socket_dir, "-p", str(self.ports["direct"]),
                    "-U", "postgres", "-d", db, *extra, "-c", sql],
                   check=check)

    def bench_env(self, target):
        pw = self.token if target.startswith("gw") else self.password
        return {"PGPASSWORD": pw, "PGUSER": BENCH_USER, "PGHOST": "127.0.0.1",
                "PGPORT": str(self.ports[target]), "PGDATABASE": BENCH_DB,
                "PGSSLMODE": "disable", "PGCONNECT_TIMEOUT": "10",
                "PGPASSFILE": os.path.join(self.tmp, "no-pgpass")}

    def load_data(self):
        self.superuser_psql(
            f"create role {BENCH_USER} login password '{self.password}'")
        self.superuser_psql(
            f"create database {BENCH_DB} owner {BENCH_USER}")
        t0 = time.monotonic()
        run([self.pg_bin("pgbench"), "-i", "-q", "-s", str(self.k.scale)],
            env_extra=self.bench_env("direct"))
        # The large result: a customers-like table (an email in every row,
        # so masking on has real work), about 100 bytes a row as text.
        run([self.pg_bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
             "create table bench_large as select g as id, "
             "'customer' || g || '@example.com' as email, "
             "'note ' || md5(g::text) as note, "
             "(g % 100000) / 100.0 as amount, "
             "timestamptz '2026-01-01' + g * interval '1 second' as created "
             f"from generate_series(1, {self.k.rows}) g",
             "-c", "vacuum analyze bench_large"],
            env_extra=self.bench_env("direct"))
        # Size of the COPY text: the MB of MB/s.
        p = subprocess.Popen(
            [self.pg_bin("psql"), "-X", "-q", "-c",
             "\\copy (select * from bench_large) to stdout"],
            env={**os.environ, **self.bench_env("direct")},
            stdout=subprocess.PIPE)
        n = 0
        while True:
            chunk = p.stdout.read(1 << 20)
            if not chunk:
                break
            n += len(chunk)
        if p.wait() != 0:
            raise BenchError("measuring the COPY size failed")
        self.large_bytes = n
        log(f"data: pgbench scale {self.k.scale}, bench_large {self.k.rows} "
            f"rows ({n / 1e6:.1f} MB as COPY text), loaded in "
            f"{time.monotonic() - t0:.1f} s")

    def start_haproxy(self):
        d = os.path.join(self.tmp, "haproxy")
        os.makedirs(d)
        port = free_port()
        cfg = os.path.join(d, "haproxy.cfg")
        write(cfg, f"""global
  nbthread {self.k.haproxy_threads}
  maxconn 2000
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
listen pg
  bind 127.0.0.1:{port}
  server pg 127.0.0.1:{self.ports['direct']}
""")
        logp = os.path.join(d, "haproxy.log")
        self.s.spawn("haproxy", [self.a.haproxy, "-db", "-f", cfg], logp,
                     cwd=d)
        self.logs["haproxy"] = logp
        self.s.wait_listening("haproxy", port, logp)
        self.ports["haproxy"] = port

    def start_pgbouncer(self):
        d = os.path.join(self.tmp, "pgbouncer")
        os.makedirs(d)
        port = free_port()
        # The role's own SCRAM secret (as pg_authid has it): PgBouncer checks
        # the client's SCRAM proof against it and logs in to the server with
        # the client key that proof reveals; no plain password stored.
        secret = self.superuser_psql(
            "select rolpassword from pg_authid where rolname = "
            f"'{BENCH_USER}'", extra=["-A", "-t"]).stdout.strip()
        if not secret.startswith("SCRAM-SHA-256$"):
            raise BenchError(f"no SCRAM secret for {BENCH_USER}: {secret!r}")
        write(os.path.join(d, "userlist.txt"),
              f'"{BENCH_USER}" "{secret}"\n', 0o600)
        ini = os.path.join(d, "pgbouncer.ini")
        write(ini, f"""[databases]
{BENCH_DB} = host=127.0.0.1 port={self.ports['direct']} dbname={BENCH_DB}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {d}/userlist.txt
pool_mode = session
max_client_conn = 1000
default_pool_size = 100
log_connections = 0
log_disconnections = 0
pidfile = {d}/pgbouncer.pid
""")
        self.s.chown_to_runner(d)
        logp = os.path.join(d, "pgbouncer.log")
        self.s.spawn("pgbouncer", [self.a.pgbouncer, ini], logp,
                     as_postgres=True, cwd=d)
        self.logs["pgbouncer"] = logp
        self.s.wait_listening("pgbouncer", port, logp)
        self.ports["pgbouncer"] = port

    def make_token(self):
        d = os.path.join(self.tmp, "idp")
        os.makedirs(d)
        key, jwks = os.path.join(d, "key.pem"), os.path.join(d, "jwks.json")
        run([self.a.hoopctl, "token", "keygen", "--key", key, "--jwks", jwks,
             "--kid", "bench"])
        ttl = 4 * 3600  # longer than any run: -C runs log in all along
        p = run([self.a.hoopctl, "token", "mint", "--key", key, "--issuer",
                 ISSUER, "--audience", AUDIENCE, "--subject", SUBJECT,
                 "--group", GROUP, "--kid", "bench", "--ttl", str(ttl)])
        self.token = p.stdout.strip()
        if self.token.count(".") != 2:
            raise BenchError("hoopctl token mint printed no JWT: "
                             + p.stdout[:200])
        self.jwks = jwks

    def start_gateway(self, target, binary, masking):
        d = os.path.join(self.tmp, target)
        os.makedirs(os.path.join(d, "records"))
        port = free_port()
        profile = "\n    masking_profile: default" if masking else ""
        # Everything pgbench sends: reads (-S, the TPC-B SELECT, its
        # startup's count(*)), writes (TPC-B), BEGIN/END, SET.
        write(os.path.join(d, "policy.yaml"), f"""version: hoop.policy/v1
name: gateway-bench
rules:
  - id: bench-read
    description: the benchmark's identity reads the bench database
    subjects: [{{groups: [{GROUP}]}}]
    resources: {{names: [{BENCH_DB}]}}
    sql: {{effects: [read]}}
    verdict: allow{profile}
  - id: bench-write
    description: the benchmark's identity runs pgbench's TPC-B writes
    subjects: [{{groups: [{GROUP}]}}]
    resources: {{names: [{BENCH_DB}]}}
    sql: {{effects: [write, session, tx]}}
    verdict: allow{profile}
""")
        cfg = os.path.join(d, "gateway.yaml")
        write(cfg, f"""listen: {{address: 127.0.0.1, port: {port}}}
allow_cleartext_on_loopback: true
records_dir: records
gateway_id: {target}
resources:
  - name: {BENCH_DB}
    upstream: {{host: 127.0.0.1, port: {self.ports['direct']}, database: {BENCH_DB},
               user: {BENCH_USER}, password: "{self.password}"}}
    policy_file: policy.yaml
    masking: {'default' if masking else 'none'}
    oidc: {{jwks_file: {self.jwks}, issuer: "{ISSUER}", audience: {AUDIENCE}}}
""")
        logp = os.path.join(d, "gateway.log")
        self.s.spawn(target, [binary, "--config", cfg], logp, cwd=d)
        self.logs[target] = logp
        self.s.wait_listening(target, port, logp)
        self.ports[target] = port
        self.gateways[target] = os.path.join(d, "records")

    def check_targets(self):
        """One query through each target: it answers, and masking is on only
        where it should be."""
        for t in self.targets:
            p = run([self.pg_bin("psql"), "-X", "-A", "-t", "-c",
                     "select email from bench_large where id = 1"],
                    env_extra=self.bench_env(t), check=False)
            if p.returncode != 0:
                raise BenchError(f"{t}: psql failed: {p.stderr.strip()}")
            got = p.stdout.strip()
            masked = got != "customer1@example.com"
            want = t.startswith("gw-mask")
            if masked != want:
                raise BenchError(f"{t}: expected masking "
                                 f"{'on' if want else 'off'}, got {got!r}")
            log(f"check: {t:<16} port {self.ports[t]:<5} email -> {got}")
            if t in self.gateways:
                clear_dir(self.gateways[t])

    # -- measuring --

    def proxy_pid(self, target):
        return None if target == "direct" else self.s.pid(target)

    def measure(self, target, fn):
        """Runs fn() and returns (its result, proxy CPU seconds, machine busy
        fraction, wall seconds)."""
        pid = self.proxy_pid(target)
        cpu0 = proc_cpu_seconds(pid) if pid else 0.0
        busy0, total0 = machine_cpu()
        t0 = time.monotonic()
        out = fn()
        wall = time.monotonic() - t0
        time.sleep(0.2)  # let the proxy finish closing the sessions
        cpu1 = proc_cpu_seconds(pid) if pid else 0.0
        busy1, total1 = machine_cpu()
        busy = (busy1 - busy0) / max(1, total1 - total0)
        self.last_busy_s = (busy1 - busy0) / CLK_TCK
        return out, (cpu1 - cpu0) if pid else None, busy, wall

    def after_run(self, target, rec):
        if "error" in rec and target != "direct":
            rec["proxy_log_tail"] = tail(self.logs[target], 1500)
        if target in self.gateways:
            rec["records_bytes"] = dir_bytes(self.gateways[target])
            clear_dir(self.gateways[target])
        if target != "direct" and self.s.procs[target].poll() is not None:
            raise BenchError(f"{target} died during {rec['workload']}")

    def pgbench(self, workload, target, rnd):
        args = [self.pg_bin("pgbench"), "-n", "-h", "127.0.0.1", "-p",
                str(self.ports[target]), "-U", BENCH_USER, "-c",
                str(self.k.clients), "-j", str(self.k.threads)]
        if workload == "select-prepared":
            args += ["-S", "-M", "prepared", "-T", str(self.k.duration)]
        elif workload == "select-simple":
            args += ["-S", "-M", "simple", "-T", str(self.k.duration)]
        elif workload == "tpcb":
            args += ["-M", "simple", "-T", str(self.k.duration)]
        elif workload == "conn":
            args += ["-C", "-S", "-M", "simple", "-T",
                     str(self.k.conn_duration)]
        args.append(BENCH_DB)
        env = self.bench_env(target)

        seconds = self.k.conn_duration if workload == "conn" \
            else self.k.duration

        def go():
            return run(args, env_extra=env, check=False,
                       timeout=seconds * 3 + 30)

        p, cpu, busy, wall = self.measure(target, go)
        text = p.stdout + p.stderr
        rec = {"workload": workload, "target": target, "round": rnd,
               "command": shlex.join(args), "port": self.ports[target],
               "exit_code": p.returncode, "wall_s": round(wall, 3),
               "machine_busy": round(busy, 3)}
        m = re.search(r"number of transactions actually processed: (\d+)", text)
        rec["transactions"] = int(m.group(1)) if m else 0
        m = re.search(r"number of failed transactions: (\d+)", text)
        rec["failed"] = int(m.group(1)) if m else None
        m = re.search(r"latency average = ([\d.]+) ms", text)
        rec["latency_ms"] = float(m.group(1)) if m else None
        m = re.search(r"average connection time = ([\d.]+) ms", text)
        if m:
            rec["connect_ms"] = float(m.group(1))
        m = re.search(r"tps = ([\d.]+)", text)
        rec["tps"] = float(m.group(1)) if m else 0.0
        if cpu is not None:
            rec["proxy_cpu_s"] = round(cpu, 3)
            if rec["transactions"]:
                rec["proxy_cpu_us_per_txn"] = round(
                    cpu * 1e6 / rec["transactions"], 2)
        if rec["transactions"]:
            rec["machine_cpu_us_per_txn"] = round(
                self.last_busy_s * 1e6 / rec["transactions"], 2)
        if p.returncode != 0 or not rec["transactions"] or rec["failed"]:
            rec["error"] = text.strip()[-600:]
        self.after_run(target, rec)
        return rec

    def large(self, kind, target, rnd):
        sql = "select * from bench_large"
        args = [self.pg_bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", "127.0.0.1", "-p", str(self.ports[target]), "-U",
                BENCH_USER, "-d", BENCH_DB]
        # psql's \timing: the statement's own time, without the login
        # (which the connection-setup workload measures).
        if kind == "copy":
            args += ["-c", "\\timing on", "-c",
                     f"\\copy ({sql}) to '/dev/null'"]
        else:
            args += ["-A", "-t", "-o", "/dev/null", "-c", "\\timing on",
                     "-c", sql]
        env = self.bench_env(target)

        def go():
            return run(args, env_extra=env, check=False, timeout=900)

        p, cpu, busy, wall = self.measure(target, go)
        m = re.search(r"^Time: ([\d.]+) ms", p.stdout or "", re.M)
        query = float(m.group(1)) / 1e3 if m else wall
        rec = {"workload": f"large-{kind}", "target": target, "round": rnd,
               "command": shlex.join(args), "rows": self.k.rows,
               "bytes": self.large_bytes, "exit_code": p.returncode,
               "query_s": round(query, 3), "wall_s": round(wall, 3),
               "mb_per_s": round(self.large_bytes / 1e6 / query, 1),
               "machine_busy": round(busy, 3)}
        if cpu is not None:
            rec["proxy_cpu_s"] = round(cpu, 3)
        if p.returncode != 0 or not m:
            rec["error"] = ((p.stderr or "").strip()
                            or "no 'Time:' from psql")[-600:]
        self.after_run(target, rec)
        return rec

    def record(self, rec):
        rec["time"] = datetime.datetime.utcnow().isoformat(timespec="seconds")
        self.results.append(rec)
        self.raw.write(json.dumps(rec) + "\n")
        self.raw.flush()
        w = rec["workload"]
        if w.startswith("large"):
            msg = (f"{rec['query_s']:7.2f} s {rec['mb_per_s']:7.1f} MB/s "
                   f"(wall with login {rec['wall_s']:.2f} s)")
        else:
            msg = (f"{rec['tps']:9.0f} tps  lat {rec['latency_ms'] or 0:6.3f} ms")
            if "proxy_cpu_us_per_txn" in rec:
                msg += f"  proxy {rec['proxy_cpu_us_per_txn']:6.1f} us/txn"
        if "error" in rec:
            msg += "  ERROR: " + rec["error"].splitlines()[-1][:160]
        log(f"  r{rec['round']} {w:<16} {rec['target']:<16} {msg}  "
            f"(machine busy {rec['machine_busy'] * 100:.0f}%)")

    def warm_up(self):
        """A few seconds of select-only, direct, so round 1 does not pay for
        cold caches."""
        run([self.pg_bin("pgbench"), "-n", "-S", "-c", str(self.k.clients),
             "-j", str(self.k.threads), "-T", "3"],
            env_extra=self.bench_env("direct"))

    def run_all(self):
        k = self.k
        self.targets = [t for t in k.targets if t in self.ports]
        self.warm_up()
        for rnd in range(1, k.rounds + 1):
            # Targets alternate within a round; the order rotates by round so
            # no target is always first after another's run.
            shift = (rnd - 1) % len(self.targets)
            order = self.targets[shift:] + self.targets[:shift]
            log(f"round {rnd}/{k.rounds} (order: {' '.join(order)}, "
                f"load {loadavg()})")
            for w in k.workloads:
                for t in order:
                    if w == "large":
                        self.record(self.large("copy", t, rnd))
                        self.record(self.large("select", t, rnd))
                    else:
                        self.record(self.pgbench(w, t, rnd))

    # -- report --

    def report(self):
        lines = []
        by = {}
        for r in self.results:
            by.setdefault((r["workload"], r["target"]), []).append(r)

        def med(rs, key):
            vals = [r[key] for r in rs if r.get(key) is not None]
            return statistics.median(vals) if vals else None

        def fmt(v, spec, none="-"):
            return none if v is None else format(v, spec)

        workloads = []
        for r in self.results:
            if r["workload"] not in workloads:
                workloads.append(r["workload"])
        pg = [w for w in workloads if not w.startswith("large")]
        lg = [w for w in workloads if w.startswith("large")]
        if pg:
            lines.append(
                f"pgbench ({self.k.clients} clients, {self.k.threads} threads, "
                f"{self.k.duration} s per run, conn: {self.k.conn_duration} s; "
                f"median of {self.k.rounds} rounds)")
            hdr = (f"{'workload':<16} {'target':<16} {'TPS':>9} "
                   f"{'min..max':>15} {'lat ms':>7} {'x direct':>8} "
                   f"{'proxy us/txn':>12} {'all-CPU us/txn':>14} {'fail':>4}")
            lines += [hdr, "-" * len(hdr)]
            for w in pg:
                direct = med(by.get((w, "direct"), []), "tps")
                for t in self.targets:
                    rs = by.get((w, t), [])
                    if not rs:
                        continue
                    tps = med(rs, "tps")
                    lo = min(r["tps"] for r in rs)
                    hi = max(r["tps"] for r in rs)
                    lat = med(rs, "connect_ms" if w == "conn" else
                              "latency_ms")
                    ratio = tps / direct if direct and tps else None
                    bad = sum(1 for r in rs if "error" in r)
                    lines.append(
                        f"{w:<16} {t:<16} {tps:9.0f} "
                        f"{f'{lo:.0f}..{hi:.0f}':>15} {fmt(lat, '7.3f'):>7} "
                        f"{fmt(ratio, '8.2f'):>8} "
                        f"{fmt(med(rs, 'proxy_cpu_us_per_txn'), '12.1f'):>12} "
                        f"{fmt(med(rs, 'machine_cpu_us_per_txn'), '14.1f'):>14} "
                        f"{bad:>4}")
                lines.append("")
            if "conn" in pg:
                lines.append(
                    "conn: TPS = connections/s (pgbench -C, one connection "
                    "per transaction), lat = average connection time (ms).")
            lines.append(
                "proxy us/txn: the proxy process's utime+stime (/proc/PID/stat) "
                "over the run / transactions. all-CPU us/txn: every core's "
                "busy time (/proc/stat, includes other loads on the machine) "
                "/ transactions.")
            lines.append("")
        if lg:
            mb = self.large_bytes / 1e6
            lines.append(f"large result ({self.k.rows} rows, {mb:.1f} MB as "
                         f"COPY text; median of {self.k.rounds} rounds)")
            hdr = (f"{'workload':<16} {'target':<16} {'query s':>8} "
                   f"{'MB/s':>8} {'x direct':>8} {'proxy CPU s':>11} "
                   f"{'wall s':>7} {'fail':>4}")
            lines += [hdr, "-" * len(hdr)]
            for w in lg:
                direct = med(by.get((w, "direct"), []), "query_s")
                for t in self.targets:
                    rs = by.get((w, t), [])
                    if not rs:
                        continue
                    q = med(rs, "query_s")
                    ratio = direct / q if direct and q else None
                    bad = sum(1 for r in rs if "error" in r)
                    lines.append(
                        f"{w:<16} {t:<16} {q:8.2f} {mb / q:8.1f} "
                        f"{fmt(ratio, '8.2f'):>8} "
                        f"{fmt(med(rs, 'proxy_cpu_s'), '11.2f'):>11} "
                        f"{med(rs, 'wall_s'):7.2f} {bad:>4}")
                lines.append("")
            lines.append(
                "query s: psql's \\timing of the statement (without the "
                "login); MB/s: COPY-text MB / query s; x direct: direct's "
                "time / this target's (throughput ratio); wall s: the whole "
                "psql run, login included. large-select is psql -A -t -o "
                "/dev/null (psql holds the whole result in memory).")
        return "\n".join(lines)


def header(args, knobs):
    cpu_model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "\n".join([
        "== PostgreSQL gateway benchmark (issue 7)",
        f"command: {args.command}",
        f"date:    {datetime.datetime.utcnow().isoformat(timespec='seconds')}Z",
        f"machine: {platform.node()}, nproc {os.cpu_count()}, {cpu_model}, "
        f"kernel {platform.release()}, load {loadavg()}",
        f"commit:  {args.commit}",
        f"tools:   {tool_version([os.path.join(args.pg_bin, 'postgres'), '--version'])}; "
        f"{tool_version([args.haproxy, '-v']) if args.haproxy else 'haproxy missing'}; "
        f"{tool_version([args.pgbouncer, '--version']) if args.pgbouncer else 'pgbouncer missing'}",
        f"knobs:   duration {knobs.duration} s, rounds {knobs.rounds}, "
        f"clients {knobs.clients}, threads {knobs.threads}, scale "
        f"{knobs.scale}, rows {knobs.rows}, conn {knobs.conn_duration} s, "
        f"haproxy nbthread {knobs.haproxy_threads}",
        f"targets: {' '.join(knobs.targets)}",
        f"raw:     {args.out}",
    ])


class Args:
    """From the wrapper, as environment variables (GWB_*)."""

    def __init__(self):
        e = os.environ
        self.tmp = e["GWB_TMP"]
        self.out = e["GWB_OUT"]
        self.report = e["GWB_REPORT"]
        self.command = e.get("GWB_COMMAND", "?")
        self.commit = e.get("GWB_COMMIT", "?")
        self.pg_bin = e["GWB_PG_BIN"]
        self.haproxy = e.get("GWB_HAPROXY", "")
        self.pgbouncer = e.get("GWB_PGBOUNCER", "")
        self.gateway = e["GWB_GATEWAY"]
        self.gateway_uring = e.get("GWB_GATEWAY_URING", "")
        self.hoopctl = e["GWB_HOOPCTL"]


def main():
    args = Args()
    knobs = Knobs()
    if args.gateway_uring and "gw-nomask-uring" not in knobs.targets:
        knobs.targets.append("gw-nomask-uring")
    head = header(args, knobs)
    log(head)
    bench = Bench(args, knobs)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    # Started in the background by the wrapper, which leaves SIGINT ignored.
    signal.signal(signal.SIGINT, on_signal)
    ok = False
    try:
        t0 = time.monotonic()
        bench.start_postgres()
        bench.load_data()
        for t in knobs.targets:
            if t == "direct":
                continue
            if t == "haproxy":
                if args.haproxy:
                    bench.start_haproxy()
                else:
                    log("haproxy: not installed, skipped")
            elif t == "pgbouncer":
                if args.pgbouncer:
                    bench.start_pgbouncer()
                else:
                    log("pgbouncer: not installed, skipped")
            elif t in ("gw-nomask", "gw-mask", "gw-nomask-uring"):
                binary = args.gateway_uring if t.endswith("uring") \
                    else args.gateway
                if not binary:
                    log(f"{t}: no gateway binary (see above), skipped")
                    continue
                if bench.token is None:
                    bench.make_token()
                try:
                    bench.start_gateway(t, binary, masking=(t == "gw-mask"))
                except BenchError as e:
                    if not t.endswith("uring"):
                        raise
                    # io_uring may be refused (kernel, seccomp): say so.
                    log(f"{t}: did not start, skipped: {e}")
            else:
                raise BenchError(f"unknown target {t!r}")
        bench.targets = [t for t in knobs.targets if t in bench.ports]
        bench.check_targets()
        log(f"setup done in {time.monotonic() - t0:.1f} s")
        bench.run_all()
        ok = True
    except BenchError as e:
        log(f"postgres_gateway_bench: FAILED: {e}")
    except Exception:  # a bug here: still stop everything, keep the runs
        import traceback
        traceback.print_exc()
        log("postgres_gateway_bench: FAILED (the tables below are partial)")
    except KeyboardInterrupt as e:
        log(f"postgres_gateway_bench: interrupted ({e or 'Ctrl-C'}): "
            "the tables below are partial")
    finally:
        bench.s.stop_all()
        bench.raw.close()
    table = bench.report()
    text = (head + "\n" + f"end:     load {loadavg()}, "
            f"{datetime.datetime.utcnow().isoformat(timespec='seconds')}Z\n\n"
            + table + "\n")
    with open(args.report, "w") as f:
        f.write(text)
    log("")
    log(table)
    log(f"load at the end: {loadavg()}")
    log(f"raw results (one JSON line per run): {args.out}")
    log(f"report: {args.report}")
    errors = sum(1 for r in bench.results if "error" in r)
    if errors:
        log(f"{errors} run(s) had errors: see 'error' in the raw results")
    return 0 if ok and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
