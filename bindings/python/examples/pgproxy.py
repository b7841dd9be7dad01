#!/usr/bin/python3
# Copyright 2026 The hoop Authors.
"""A PostgreSQL proxy over hoop, in asyncio: policy, masking, reviews.

  HOOP_LIBRARY=build/capi/libhoop.so PYTHONPATH=bindings/python \\
  python3 pgproxy.py --listen 127.0.0.1:6432 --upstream 127.0.0.1:5432 \\
      --policy examples/demo/policy.yaml --resource shop --user agent-7 \\
      --kind non_human

Held commands print `review <id> <statement>`; type `approve <id>` or
`deny <id>` on stdin, or let --review-timeout deny them.
"""
import argparse
import asyncio
import itertools
import sys

import hoop

sessions = {}  # session id -> Conn, for the admin input
ids = itertools.count(1)


class Conn:
    def __init__(self, session, client, server):
        self.session, self.client, self.server = session, client, server

    def apply(self, out):
        # Join (one copy) before awaiting anything: the Output's memoryviews
        # are valid only until the next call on the session.
        if out.to_server:
            self.server.write(out.server_bytes())
        if out.to_client:
            self.client.write(out.client_bytes())
        for e in out.events:
            if e.kind == hoop.EventKind.APPROVAL_REQUESTED:
                print(f"review {e.request_id} {e.text}", flush=True)
            elif e.kind == hoop.EventKind.COMMAND:
                print(f"command {e.decision.name.lower()} "
                      f"{e.rule_id or '-'}: {e.text}", flush=True)
            elif e.kind == hoop.EventKind.ERROR:
                print(f"error: {e.text}", flush=True)
        if out.close:
            self.client.close()
            self.server.close()


async def pump(conn, direction, reader, writer):
    while data := await reader.read(65536):
        conn.apply(conn.session.feed(direction, data))
        await writer.drain()  # back-pressure: the peer's socket buffer


async def ticker(conn):
    while True:  # expire held commands whose review timed out
        wait = conn.session.seconds_to_deadline()  # None: nothing held
        await asyncio.sleep(1.0 if wait is None else min(wait, 1.0))
        if conn.session.seconds_to_deadline() == 0:
            conn.apply(conn.session.tick())


async def handle(args, policy, masker, client_r, client_w):
    sid = f"pgproxy-{next(ids)}"
    host, port = args.upstream.rsplit(":", 1)
    try:
        server_r, server_w = await asyncio.open_connection(host, int(port))
    except OSError as e:
        print(f"{sid}: upstream: {e}", flush=True)
        client_w.close()
        return
    identity = hoop.Identity(subject=args.user, kind=args.kind,
                             groups=args.groups.split(",") if args.groups
                             else ())
    with hoop.PostgresSession(session_id=sid, policy=policy, masker=masker,
                              profiles={"default": masker},  # rules name it
                              identity=identity, resource=args.resource,
                              review_timeout=args.review_timeout) as session:
        conn = sessions[sid] = Conn(session, client_w, server_w)
        tasks = [asyncio.create_task(pump(conn, hoop.CLIENT, client_r,
                                          server_w)),
                 asyncio.create_task(pump(conn, hoop.SERVER, server_r,
                                          client_w))]
        tick = asyncio.create_task(ticker(conn))
        done, _ = await asyncio.wait(tasks, return_when="FIRST_COMPLETED")
        for t in tasks + [tick]:
            t.cancel()
        ended_by_client = tasks[0] in done
        conn.apply(session.finish(1 if ended_by_client else 2, "closed"))
        del sessions[sid]
    client_w.close()
    server_w.close()


async def admin():
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        verb, _, request_id = line.decode().strip().partition(" ")
        for conn in list(sessions.values()):
            if request_id in conn.session.held_requests():
                conn.apply(conn.session.resolve(
                    request_id, approve=(verb == "approve"),
                    approver="pgproxy-admin", reason="from stdin"))


async def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for flag in ("--listen", "--upstream", "--policy", "--resource", "--user"):
        p.add_argument(flag, required=True)
    p.add_argument("--kind", default="person")
    p.add_argument("--groups", default="")
    p.add_argument("--review-timeout", type=float, default=300.0)
    args = p.parse_args()
    policy = hoop.Policy.from_file(args.policy)
    masker = hoop.Masker.default()
    host, port = args.listen.rsplit(":", 1)
    server = await asyncio.start_server(
        lambda r, w: handle(args, policy, masker, r, w), host, int(port))
    print(f"listening on {args.listen} (hoop {hoop.version()})", flush=True)
    asyncio.create_task(admin())
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
