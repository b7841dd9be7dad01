#!/usr/bin/python3
# Copyright 2026 The hoop Authors.
#
# A psycopg 3 client for session_postgres_test: runs one scenario through the
# proxy and prints what each step gave as one JSON document on stdout. The
# C++ test decides what is right; this script only reports (and exits 0 when
# it could report at all).
#
#   session_psycopg_client.py MODE CONNINFO
#
# Modes (autocommit throughout, so no implicit BEGIN):
#   simple    ClientCursor: parameters are merged client-side and every
#             execute is a simple-protocol Query.
#   extended  Cursor with parameters: Parse/Bind/Describe/Execute/Sync, text
#             and binary results.
#   pipeline  pipeline mode: several extended statements before one Sync,
#             one of them denied; then statements in separate syncs.
#   review    an extended-protocol write held for review (the test
#             approves it), then a read of what it wrote; and the notices.
#
# Needs Debian's python3-psycopg (3.1): run with /usr/bin/python3.

import json
import sys

import psycopg


def rows_of(cur):
    return [[None if v is None else str(v) for v in row] for row in cur.fetchall()]


def step(results, name, fn):
    """Runs fn() -> rows; records rows or the error."""
    try:
        rows = fn()
        results.append({"step": name, "ok": True, "rows": rows})
    except psycopg.Error as e:
        diag = e.diag
        results.append({
            "step": name, "ok": False,
            "error_class": type(e).__name__,
            "sqlstate": e.sqlstate,
            "message": diag.message_primary,
            "detail": diag.message_detail,
        })


def simple(conn, results):
    cur = psycopg.ClientCursor(conn)

    def q(sql, params=None):
        def run():
            cur.execute(sql, params)
            return rows_of(cur) if cur.description else []
        return run

    step(results, "select", q(
        "select id, email, card, ssn, note from customers where id <= %s "
        "order by id", (2,)))
    step(results, "denied", q("drop table customers"))
    step(results, "after", q("select count(*) from customers"))


def extended(conn, results):
    cur = conn.cursor()

    def q(sql, params, binary=False):
        def run():
            cur.execute(sql, params, binary=binary)
            return rows_of(cur) if cur.description else []
        return run

    step(results, "select", q(
        "select id, email, card, ssn from customers where id = %s", (1,)))
    step(results, "select_binary", q(
        "select email, note from customers where id = %s", (1,), binary=True))
    step(results, "denied", q("delete from customers where id = %s", (1,)))
    step(results, "after", q(
        "select count(*) from customers where id >= %s", (0,)))


def pipeline(conn, results):
    # One batch, statements synced one by one: the denied one fails alone.
    c1, c2, c3 = conn.cursor(), conn.cursor(), conn.cursor()
    try:
        with conn.pipeline() as p:
            c1.execute("select email from customers where id = %s", (1,))
            step(results, "p1_denied", lambda: (
                c2.execute("delete from customers where id = %s", (2,)),
                p.sync(), [])[-1])
            c3.execute("select count(*) from customers where id >= %s", (0,))
        step(results, "p1_first", lambda: rows_of(c1))
        step(results, "p1_last", lambda: rows_of(c3))
    except psycopg.Error as e:
        results.append({"step": "p1", "ok": False,
                        "error_class": type(e).__name__,
                        "sqlstate": e.sqlstate, "message": str(e)})

    # One batch, one Sync: what follows the denied statement is skipped, as
    # the server skips after an error; the pipeline reports the error.
    d1, d2, d3 = conn.cursor(), conn.cursor(), conn.cursor()
    outcome = {"step": "p2", "ok": True}
    try:
        with conn.pipeline():
            d1.execute("select %s::int + 1", (1,))
            d2.execute("delete from customers where id = %s", (2,))
            d3.execute("select %s::int + 2", (1,))
    except psycopg.Error as e:
        outcome = {"step": "p2", "ok": False,
                   "error_class": type(e).__name__,
                   "sqlstate": e.sqlstate, "message": e.diag.message_primary}
    results.append(outcome)
    step(results, "p2_first", lambda: rows_of(d1))

    # The connection still works, in and out of pipeline mode.
    cur = conn.cursor()
    step(results, "after", lambda: (
        cur.execute("select count(*) from customers where id >= %s", (0,)),
        rows_of(cur))[-1])
    e1 = conn.cursor()
    with conn.pipeline():
        e1.execute("select %s::text", ("still here",))
    step(results, "after_pipeline", lambda: rows_of(e1))


def review(conn, results):
    # An extended-protocol write that the policy holds for review: execute()
    # blocks until the test resolves it. Notices (the "waiting for approval"
    # one names the request) are kept.
    notices = []
    conn.add_notice_handler(lambda d: notices.append(d.message_primary))
    cur = conn.cursor()
    step(results, "held", lambda: (
        cur.execute("insert into ledger values (%s, %s)", (5, 500)),
        [[cur.statusmessage]])[-1])
    step(results, "after", lambda: (
        cur.execute("select amount from ledger where id = %s", (5,)),
        rows_of(cur))[-1])
    results.append({"step": "notices", "ok": True,
                    "rows": [[n] for n in notices]})


def main():
    mode, conninfo = sys.argv[1], sys.argv[2]
    results = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        {"simple": simple, "extended": extended, "pipeline": pipeline,
         "review": review}[mode](conn, results)
    json.dump({"mode": mode, "steps": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
