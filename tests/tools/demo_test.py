#!/usr/bin/python3
"""The demo (`make demo`, scripts/demo.sh) shows what issue 7 promises.

Runs the demo against a real PostgreSQL 15 and the real gateway and checks
what it must show, not just that it exits 0:

- the agent's psql output holds none of the raw values planted in
  examples/demo/shop.sql (e-mails, cards, SSNs, phones, keys, tokens), and
  holds their masked forms;
- the agent's DROP TABLE is refused (SQLSTATE 42501, the policy's message)
  and the table is still there;
- the DELETE is held (a notice with the request id), the rows are untouched
  while it waits (counted straight from PostgreSQL), the agent's attempt to
  approve it itself is refused (403), it runs only after the DBA's
  `hoopctl approvals approve --token`, and removes exactly the six old carts;
- `hoopctl review` names both identities, the denial, the approval with its
  approver and reason; `hoopctl verify` finds every session whole;
- it takes under a minute; afterwards neither PostgreSQL nor the gateway runs
  and the temporary directory is gone — also when the demo is interrupted
  (Ctrl-C while the DELETE waits, SIGTERM during setup).

Usage: demo_test.py REPO_DIR BUILD_DIR   (Debian's /usr/bin/python3, stdlib)
Exit 77 (ctest: skipped) when PostgreSQL 15 is not installed.
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time

REPO, BUILD = sys.argv[1], sys.argv[2]
DEMO = os.path.join(REPO, "scripts", "demo.sh")
PG_BIN = os.environ.get("HOOP_PG_BIN_DIR", "/usr/lib/postgresql/15/bin")

# Every raw value planted in examples/demo/shop.sql that must not reach the
# agent. (Checked below to be in shop.sql, so the two stay in step.)
PLANTED = [
    # e-mails
    "maria.garcia@example.com", "john.smith@example.org",
    "wei.chen@example.net", "priya.patel@example.com",
    "lucas.martin@example.org", "lucas.m@example.net",
    # Luhn-valid cards
    "4111 1111 1111 1111", "5555 5555 5555 4444", "3782 822463 10005",
    "6011 1111 1111 1117", "4012 8888 8888 1881",
    # SSNs
    "536-22-8741", "219-09-4410", "401-32-5567", "612-44-1290",
    "287-65-3302",
    # phones
    "415-555-0132", "212-555-0187", "650-555-0164", "312) 555-0119",
    "206-555-0171",
    # API credentials
    "AKIA4HOOPDEMO7Q2XK5Z", "AKIA7DEMOQ3RT9WX2YZB",
    "ghp_R7cJk2LmN9pQ4sTvW8xY1zA3bC5dE6fG0hJq",
    "sk_live_51HoopDemoKey8QmZt3VxYp2Lw",
    "Zx9Kq2Lm8Np4Rs7Tu1Vw3Xy5Za6Bc0De9Fg2Hj4K",
]

failures = []


def check(cond, what, context=""):
    if not cond:
        failures.append(what + (("\n--- context ---\n" + context) if context else ""))


def read_state(path):
    state = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                state[k] = v
    return state


def alive(pid):
    """True if `pid` is a live process (a zombie is not alive)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def check_nothing_left(state, label):
    check("tmpdir" in state, f"{label}: the demo did not report its directory")
    for key in ("postgres_pid", "gateway_pid"):
        if key in state:
            pid = int(state[key])
            for _ in range(50):  # an orphan may take a moment to be reaped
                if not alive(pid):
                    break
                time.sleep(0.1)
            check(not alive(pid), f"{label}: {key} {pid} still runs")
    if "tmpdir" in state:
        check(not os.path.exists(state["tmpdir"]),
              f"{label}: {state['tmpdir']} is still there")


def section(out, n):
    """The text of section `n` ("== n. ..." up to the next "== ")."""
    m = re.search(rf"^== {n}\. .*?(?=^== |\Z)", out, re.S | re.M)
    return m.group(0) if m else ""


def full_run(state_file):
    env = dict(os.environ, HOOP_DEMO_STATE=state_file)
    start = time.monotonic()
    p = subprocess.run([DEMO, BUILD], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=180)
    elapsed = time.monotonic() - start
    out = p.stdout
    print(out)
    print(f"demo_test: the demo took {elapsed:.1f} s")
    check(p.returncode == 0, f"the demo exited {p.returncode}", out[-3000:])
    check(elapsed < 60, f"the demo took {elapsed:.1f} s (must be < 60 s)")
    check(re.search(r"demo\.sh: line \d+", out) is None,
          "the shell reported an error", out)
    state = read_state(state_file)

    with open(os.path.join(REPO, "examples", "demo", "shop.sql")) as f:
        shop = f.read()
    for v in PLANTED:
        check(v in shop, f"planted value {v!r} is not in shop.sql any more")

    # Section 2 shows the raw table on purpose (straight to PostgreSQL):
    # the values really are in the database.
    raw = section(out, 2)
    check("maria.garcia@example.com" in raw and "4111 1111 1111 1111" in raw,
          "section 2 does not show the raw data", raw)

    # From the agent's first query on, no raw value anywhere.
    agent_part = out[out.find("== 3."):] if "== 3." in out else ""
    check(agent_part, "no section 3 in the output", out[-3000:])
    for v in PLANTED:
        check(v not in agent_part, f"raw value {v!r} reached the output "
              "after section 2")
    masked = section(out, 3)
    for form in ("[EMAIL]", "***************1111", "***************4444",
                 "*************0005", "[US_SSN]", "[SECRET]",
                 "***********0132", "aws_secret_access_key=[AWS_SECRET_ACCESS_KEY]",
                 "call ********0187 after 5pm", "backup contact [EMAIL]",
                 "Maria Garcia", "(5 rows)"):
        check(form in masked, f"masked form {form!r} missing in section 3",
              masked)

    drop = section(out, 4)
    check("ERROR:  42501: schema changes go through a migration, not an agent"
          in drop, "DROP TABLE not refused with 42501 and the policy message",
          drop)
    check('rule "no-ddl-for-agents"' in drop, "the refusal names no rule", drop)
    check(re.search(r"no-ddl-for-agents\"\n count \n-+\n +5\n\(1 row\)", drop)
          is not None, "the session did not go on after the refusal", drop)
    check(state.get("customers_after_drop") == "5",
          f"customers after the DROP: {state.get('customers_after_drop')}")

    held = section(out, 5)
    rid = state.get("request_id", "")
    check(re.fullmatch(r"demo-\d+-\d+-[0-9a-f]+/\d+", rid) is not None,
          f"request id {rid!r}")
    check(f"[psql, waiting] NOTICE:  00000: hoop: this statement is held for "
          f"approval (request {rid})" in held, "no notice naming the request",
          held)
    check(state.get("carts_while_held") == "10",
          f"carts while the DELETE was held: {state.get('carts_while_held')} "
          "(want 10: nothing ran)")
    check(state.get("carts_after") == "4",
          f"carts after approval: {state.get('carts_after')} (want 4)")
    check(f"$ hoopctl approvals approve {rid} --token $AGENT" in held and
          f"etl-agent may not approve their own command (HTTP 403)" in held,
          "the agent's approval of its own DELETE was not refused", held)
    check(state.get("carts_after_self_approval") == "10",
          "carts after the agent's refused approval: "
          f"{state.get('carts_after_self_approval')} (want 10)")
    approve = held.find(f"$ hoopctl approvals approve {rid} --token $DBA")
    done = held.find("[psql] DELETE 6")
    check(approve >= 0 and done > approve,
          "DELETE 6 is not shown after the approval", held)
    waiting = held[:approve] if approve >= 0 else held
    check("DELETE 6" not in waiting, "DELETE completed before the approval",
          held)
    check(f"{rid}: approved by ana@example.com" in held,
          "hoopctl approvals approve did not confirm", held)

    stop = section(out, 6)
    check("hoop-pg-gateway: stopped" in stop, "the gateway did not stop", stop)

    review = section(out, 7)
    for want in ("WHO ACCESSED WHAT: people (1)", "ana@example.com",
                 "WHO ACCESSED WHAT: non-human identities (1)", "etl-agent",
                 "DENIED by no-ddl-for-agents", "DROP TABLE customers",
                 "HELD by writes-need-approval",
                 "DELETE FROM carts WHERE updated_at < now() - interval "
                 "'30 days'",
                 'approval: approved by ana@example.com: "OPS-1234: weekly '
                 'clean-up of carts abandoned for 30 days"',
                 "MASKED VALUES BY DETECTOR", "all 4 sessions verified"):
        check(want in review, f"the review lacks {want!r}", review)
    for v in PLANTED:
        check(v not in review, f"raw value {v!r} in the review")

    verify = section(out, 8)
    check(len(re.findall(r"^ok    demo-\S+: \d+ records, \d+ checkpoints "
                         r"verified, closed$", verify, re.M)) == 4,
          "verify did not find 4 whole, closed, signed sessions", verify)
    check("4 sessions, 0 with faults" in verify, "verify found faults", verify)

    check_nothing_left(state, "after the demo")


def interrupted_run(state_file, wait_for, sig, whole_group):
    """Starts the demo, sends `sig` once `wait_for` appears in its output."""
    env = dict(os.environ, HOOP_DEMO_STATE=state_file)
    out_path = state_file + ".out"
    with open(out_path, "w") as out_f:
        p = subprocess.Popen([DEMO, BUILD], env=env, stdout=out_f,
                             stderr=subprocess.STDOUT, start_new_session=True)
    label = f"{signal.Signals(sig).name} at {wait_for!r}"
    try:
        deadline = time.monotonic() + 90
        seen = False
        while time.monotonic() < deadline and p.poll() is None:
            with open(out_path) as f:
                if wait_for in f.read():
                    seen = True
                    break
            time.sleep(0.05)
        check(seen, f"{label}: never reached")
        if whole_group:
            os.killpg(p.pid, sig)  # as Ctrl-C does: the whole foreground group
        else:
            os.kill(p.pid, sig)
        rc = p.wait(timeout=60)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    with open(out_path) as f:
        out = f.read()
    os.unlink(out_path)
    check(rc == 128 + sig, f"{label}: exit {rc}, want {128 + sig}", out[-2000:])
    check("nothing left running" in out, f"{label}: no clean-up message",
          out[-2000:])
    state = read_state(state_file)
    check("postgres_pid" in state, f"{label}: PostgreSQL never started")
    check_nothing_left(state, label)


def main():
    if not os.access(os.path.join(PG_BIN, "postgres"), os.X_OK):
        print(f"demo_test: skipped, no PostgreSQL 15 in {PG_BIN}")
        return 77
    with tempfile.TemporaryDirectory(prefix="hoop-demo-test.") as d:
        full_run(os.path.join(d, "full"))
        # Ctrl-C while psql waits for the approval (PostgreSQL, the gateway
        # and a background psql are all running).
        interrupted_run(os.path.join(d, "int"), "[psql, waiting]",
                        signal.SIGINT, whole_group=True)
        # SIGTERM to the script alone, during setup (PostgreSQL up, the
        # gateway maybe not yet).
        interrupted_run(os.path.join(d, "term"), "PostgreSQL 15 on",
                        signal.SIGTERM, whole_group=False)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    print(f"demo_test: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
