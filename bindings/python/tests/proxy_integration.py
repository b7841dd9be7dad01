# Copyright 2026 The hoop Authors.
"""Real psql (libpq) and psycopg through an example proxy to a real server.

The done-when of the bindings: the Python and Go example proxies proxy a real
psql session. The proxy under test is the command in HOOP_PROXY_CMD (split
like a shell would); both examples take the same flags:

    --listen 127.0.0.1:P --upstream 127.0.0.1:Q --policy FILE --resource NAME
    --user SUBJECT --kind person|non_human --review-timeout SECONDS

print `listening on HOST:PORT` once they accept, `review <id> ...` when a
command is held, and take `approve <id>` / `deny <id>` lines on stdin.

Run with Debian's /usr/bin/python3 (psycopg comes from python3-psycopg);
ctest sets HOOP_LIBRARY and PYTHONPATH (see bindings/CMakeLists.txt).
"""

import os
import queue
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgserver  # noqa: E402

PASSWORD = "app-secret-7"
# Long enough for the test to read the proxy's `review` line and answer on a
# loaded machine; the expiry test waits this long once.
REVIEW_TIMEOUT = 4
DENY_MESSAGE = "schema changes go through a migration, not an agent"
POLICY = f"""\
version: hoop.policy/v1
name: bindings-integration
rules:
  - id: agents-read
    subjects: [{{kinds: [non_human]}}]
    resources: {{names: [shop], kinds: [postgres]}}
    sql: {{effects: [read, tx, session]}}
    verdict: allow
    masking_profile: default
  - id: no-ddl-for-agents
    subjects: [{{kinds: [non_human]}}]
    sql: {{effects: [ddl, admin]}}
    verdict: deny
    message: {DENY_MESSAGE}
  - id: writes-need-approval
    resources: {{names: [shop]}}
    sql: {{effects: [write]}}
    verdict: review
    review: {{approver_groups: [dba]}}
"""
SETUP_SQL = """\
CREATE TABLE customers (id int PRIMARY KEY, name text, email text);
INSERT INTO customers VALUES (1, 'Ana', 'ana.silva@example.com'),
                             (2, 'Bo', 'bo@corp.example.org');
GRANT ALL ON customers TO app;
"""


class ProxyProcess:
    """The proxy under test; its stdout lines go to a queue."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.log = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.log.append(line)
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, prefix, timeout=30.0):
        """The first line starting with prefix, skipping the others."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {prefix!r} line from the proxy:\n" +
                                     "".join(self.log))
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"the proxy exited before {prefix!r}:\n" +
                                     "".join(self.log))
            if line.startswith(prefix):
                return line

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(10)  # EOF once the proxy is gone
        self.proc.stdin.close()
        self.proc.stdout.close()


class ProxyIntegrationTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cmd = os.environ.get("HOOP_PROXY_CMD")
        if not cmd:
            raise unittest.SkipTest("HOOP_PROXY_CMD is not set")
        try:
            pgserver.PgServer.check_available()
        except pgserver.Unavailable as e:
            raise unittest.SkipTest(str(e))
        cls.pg = pgserver.PgServer().start()
        cls.pg.psql(f"CREATE ROLE app LOGIN PASSWORD '{PASSWORD}';"
                    "CREATE DATABASE shop OWNER app;")
        cls.pg.psql(SETUP_SQL, database="shop")
        cls.tmp = tempfile.TemporaryDirectory(prefix="hoop-proxy-test.")
        policy = os.path.join(cls.tmp.name, "policy.yaml")
        with open(policy, "w") as f:
            f.write(POLICY)
        cls.port = pgserver.free_port()
        cls.proxy = ProxyProcess(shlex.split(cmd) + [
            "--listen", f"127.0.0.1:{cls.port}",
            "--upstream", f"127.0.0.1:{cls.pg.port}",
            "--policy", policy, "--resource", "shop", "--user", "agent-7",
            "--kind", "non_human", "--review-timeout", str(REVIEW_TIMEOUT)])
        try:
            cls.proxy.wait_for("listening on")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "proxy", None):
            cls.proxy.stop()
        if getattr(cls, "pg", None):
            cls.pg.close()
        if getattr(cls, "tmp", None):
            cls.tmp.cleanup()

    def dsn(self):
        return (f"host=127.0.0.1 port={self.port} user=app dbname=shop "
                f"password={PASSWORD} connect_timeout=10")

    def psql_popen(self, *commands):
        argv = ["/usr/bin/psql", "-X", "-v", "ON_ERROR_STOP=0", self.dsn()]
        for c in commands:
            argv += ["-c", c]
        # psql is not ours: under ASan (bindings/CMakeLists.txt) it must not
        # get the preloaded runtime (psql hangs at start with it).
        env = {k: v for k, v in os.environ.items()
               if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
        return subprocess.Popen(argv, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)

    def psql(self, *commands):
        p = self.psql_popen(*commands)
        out, err = p.communicate(timeout=60)
        return p.returncode, out, err

    def superuser(self, sql):
        return self.pg.psql(sql, database="shop")

    def test_psql_rows_masked_denied_statement_then_connection_goes_on(self):
        rc, out, err = self.psql(
            "SELECT id, email FROM customers ORDER BY id",
            "DROP TABLE customers",
            "SELECT count(*) AS n FROM customers")
        self.assertEqual(rc, 0, err)
        # Rows come back, the emails masked.
        self.assertIn("(2 rows)", out)
        self.assertEqual(out.count("[EMAIL]"), 2, out)
        self.assertNotIn("example.com", out)
        self.assertNotIn("example.org", out)
        # The DROP was refused with the policy's message ...
        self.assertIn("ERROR:  " + DENY_MESSAGE, err)
        # ... never reached the server, and the same connection went on.
        self.assertRegex(out, r"n\s*\n-+\s*\n\s*2\s*\n\(1 row\)")
        self.assertIn("customers", self.superuser(r"\dt customers"))

    def test_psql_review_approved_over_admin_input(self):
        p = self.psql_popen("UPDATE customers SET name = 'Ana Maria' "
                            "WHERE id = 1")
        line = self.proxy.wait_for("review ")
        request_id = line.split()[1]
        self.proxy.send(f"approve {request_id}")
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("UPDATE 1", out)
        self.assertIn("Ana Maria", self.superuser(
            "SELECT name FROM customers WHERE id = 1"))
        self.superuser("UPDATE customers SET name = 'Ana' WHERE id = 1")

    def test_psql_review_denied_and_expired(self):
        p = self.psql_popen("DELETE FROM customers WHERE id = 2",
                            "SELECT 41 + 1 AS answer")
        request_id = self.proxy.wait_for("review ").split()[1]
        self.proxy.send(f"deny {request_id}")
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)  # the last command succeeded
        self.assertIn(f"held for approval (request {request_id})", err)
        self.assertRegex(err, r"ERROR:  .*" + request_id)
        self.assertIn("42", out)  # the connection kept working
        # Nobody answers this one: the proxy's review timeout denies it.
        start = time.monotonic()
        rc, out, err = self.psql("DELETE FROM customers WHERE id = 2")
        self.assertEqual(rc, 1, err)  # psql: the (only) command failed
        self.assertRegex(err, r"ERROR:  .*expired")
        self.assertGreaterEqual(time.monotonic() - start, REVIEW_TIMEOUT - 0.5)
        self.assertIn("bo@corp", self.superuser(
            "SELECT email FROM customers WHERE id = 2"))

    def test_client_disconnects_while_held(self):
        p = self.psql_popen("UPDATE customers SET name = 'gone' WHERE id = 2")
        request_id = self.proxy.wait_for("review ").split()[1]
        p.kill()  # the client hangs up while its statement is held
        p.communicate(timeout=30)
        # The proxy ends that session, which cancels the held statement: an
        # approval that comes later finds nothing to run.
        time.sleep(0.5)
        self.proxy.send(f"approve {request_id}")
        rc, out, err = self.psql("SELECT name FROM customers WHERE id = 2")
        self.assertEqual(rc, 0, err)
        self.assertIn("Bo", out)
        self.assertNotIn("gone", self.superuser(
            "SELECT name FROM customers WHERE id = 2"))

    def test_psycopg_extended_protocol_same_connection(self):
        try:
            import psycopg
        except ImportError:
            self.skipTest("python3-psycopg is not installed")
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            row = conn.execute(
                "SELECT name, email FROM customers WHERE id = %s",
                (1,)).fetchone()
            self.assertEqual(row, ("Ana", "[EMAIL]"))
            # prepare=True: Parse/Bind/Execute/Sync even without parameters.
            with self.assertRaises(psycopg.errors.InsufficientPrivilege) as e:
                conn.execute("DROP TABLE customers", prepare=True)
            self.assertIn(DENY_MESSAGE, str(e.exception))
            self.assertEqual(conn.execute(
                "SELECT count(*) FROM customers WHERE id > %s",
                (0,)).fetchone(), (2,))
            # The simple protocol (no parameters) on the same connection.
            with self.assertRaises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DROP TABLE customers")
            self.assertEqual(conn.execute("SELECT 1").fetchone(), (1,))

    def test_psycopg_pipeline_mode(self):
        try:
            import psycopg
        except ImportError:
            self.skipTest("python3-psycopg is not installed")
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            with conn.pipeline():
                c1 = conn.execute(
                    "SELECT email FROM customers WHERE id = %s", (1,))
                c2 = conn.execute(
                    "SELECT email FROM customers WHERE id = %s", (2,))
            self.assertEqual(c1.fetchall(), [("[EMAIL]",)])
            self.assertEqual(c2.fetchall(), [("[EMAIL]",)])
            # A denied statement inside a pipeline fails it, as a server
            # error would ...
            with self.assertRaises(psycopg.errors.InsufficientPrivilege) as e:
                with conn.pipeline():
                    conn.execute("SELECT %s::int", (1,))
                    conn.execute("DROP TABLE customers", prepare=True)
            self.assertIn(DENY_MESSAGE, str(e.exception))
            # ... and the connection stays in step.
            with conn.pipeline():
                c3 = conn.execute("SELECT %s::int + 1", (41,))
            self.assertEqual(c3.fetchone(), (42,))
            self.assertIn("customers", self.superuser(r"\dt customers"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
