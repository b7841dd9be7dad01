# Copyright 2026 The hoop Authors.
"""A throwaway PostgreSQL server for the bindings' integration tests.

The Python twin of tests/integration/pg_server.h: initdb into a fresh temp
dir, its own postgresql.conf and pg_hba.conf, a free port on 127.0.0.1,
stopped by its PID and removed afterwards.

    with PgServer() as pg:                       # raises Unavailable if no PG
        pg.psql("CREATE ROLE u LOGIN PASSWORD 'p'")
        ... connect to 127.0.0.1:pg.port ...

initdb refuses to run as root, so as root the server (and initdb) run as the
`postgres` OS user that Debian's package creates, and the temp dir is given
to that user. Superuser SQL goes through psql over the unix socket in the
temp dir (pg_hba: `local ... trust`).
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

BIN_DIR = "/usr/lib/postgresql/15/bin"


class Unavailable(Exception):
    """PostgreSQL 15 (or, as root, the `postgres` OS user) is missing."""


def free_port():
    """A free TCP port on 127.0.0.1 (the kernel's pick for port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def can_connect(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(port, timeout=30.0, proc=None):
    """Waits until something accepts on port; False on timeout or exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        if can_connect(port):
            return True
        time.sleep(0.05)
    return False


def _server_env():
    return {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}


class PgServer:
    """One throwaway server. Not thread-safe."""

    def __init__(self, superuser="postgres",
                 hba=("host all all 127.0.0.1/32 scram-sha-256",),
                 settings=(), start_timeout=60.0):
        self.superuser = superuser
        self.hba = list(hba)
        self.settings = list(settings)
        self.start_timeout = start_timeout
        self.dir = None
        self.port = None
        self.proc = None
        self.host = "127.0.0.1"

    @staticmethod
    def check_available():
        for tool in ("initdb", "postgres", "psql"):
            if not os.access(os.path.join(BIN_DIR, tool), os.X_OK):
                raise Unavailable(f"{BIN_DIR}/{tool} is missing: install "
                                  "postgresql-15 (scripts/install-deps.sh)")
        if os.geteuid() == 0:
            import pwd
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no `postgres`"
                                  " OS user to run the server as") from None

    def _run_as(self):
        if os.geteuid() != 0:
            return {}
        import pwd
        pw = pwd.getpwnam("postgres")
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    def start(self):
        self.check_available()
        self.dir = tempfile.mkdtemp(prefix="hoop-pgtest.")
        run_as = self._run_as()
        if run_as:
            os.chown(self.dir, run_as["user"], run_as["group"])
        data = os.path.join(self.dir, "data")
        with open(os.path.join(self.dir, "initdb.log"), "wb") as log:
            rc = subprocess.run(
                [f"{BIN_DIR}/initdb", "-D", data, "-U", self.superuser,
                 "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
                 "--no-instructions"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=_server_env(), cwd=self.dir, timeout=self.start_timeout,
                **run_as).returncode
        if rc != 0:
            raise RuntimeError(f"initdb exited with {rc}:\n" +
                               self._tail("initdb.log"))
        with open(os.path.join(data, "postgresql.conf"), "a") as conf:
            conf.write("\n# --- hoop bindings test ---\n"
                       "listen_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\n"
                       "password_encryption = 'scram-sha-256'\n"
                       "ssl = off\nfsync = off\nsynchronous_commit = off\n"
                       "full_page_writes = off\ntimezone = 'UTC'\n"
                       "lc_messages = 'C'\n")
            for line in self.settings:
                conf.write(line + "\n")
        with open(os.path.join(data, "pg_hba.conf"), "w") as hba:
            hba.write(f"local all {self.superuser} trust\n")
            for line in self.hba:
                hba.write(line + "\n")

        last = ""
        for _ in range(3):  # retried if another process takes the port
            self.port = free_port()
            log = open(os.path.join(self.dir, "server.log"), "ab")
            self.proc = subprocess.Popen(
                [f"{BIN_DIR}/postgres", "-D", data, "-k", self.dir, "-p",
                 str(self.port), "-c", "listen_addresses=127.0.0.1"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=_server_env(), cwd=self.dir, **run_as)
            log.close()
            deadline = time.monotonic() + self.start_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if self._pid_file_says_ready(data) and can_connect(self.port):
                    return self
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.stop()
                raise RuntimeError("postgres did not accept connections:\n" +
                                   self._tail("server.log"))
            last = self._tail("server.log")
            self.proc = None
            if "could not bind" not in last and \
                    "could not create any TCP/IP" not in last:
                break
        raise RuntimeError("postgres exited:\n" + last)

    @staticmethod
    def _pid_file_says_ready(data):
        try:
            with open(os.path.join(data, "postmaster.pid")) as f:
                lines = f.read().split("\n")
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].startswith("ready")

    def _tail(self, name, size=2000):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return f.read()[-size:]
        except OSError:
            return ""

    def log(self):
        return self._tail("server.log", 1 << 20)

    def psql(self, sql, database="postgres"):
        """Runs sql as the superuser over the unix socket; returns stdout."""
        env = _server_env()
        env["PGPASSFILE"] = os.path.join(self.dir, "no-pgpass")
        r = subprocess.run(
            [f"{BIN_DIR}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
             self.dir, "-p", str(self.port), "-U", self.superuser, "-d",
             database],
            input=sql, capture_output=True, text=True, env=env, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"psql exited with {r.returncode}: "
                               f"{r.stdout}{r.stderr}")
        return r.stdout

    def stop(self):
        """Fast shutdown (SIGINT to the postmaster), escalating. Idempotent."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, 30), (signal.SIGQUIT, 5),
                          (signal.SIGKILL, 30)):
            proc.send_signal(sig)
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def close(self):
        self.stop()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
