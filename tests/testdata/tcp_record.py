#!/usr/bin/python3
"""A one-connection TCP relay that records both directions to files.

    tcp_record.py --upstream HOST:PORT --c2s FILE --s2c FILE [--listen PORT]

Listens on 127.0.0.1 (port 0 by default: the kernel picks one), prints the
port it listens on as one line on stdout, accepts exactly one connection,
connects to the upstream and copies bytes both ways until both sides have
closed. What the client sent is appended to --c2s, what the server sent to
--s2c, byte for byte, as it passes. Then it exits.

Standard library only (Debian's python3), so record_psql_session.sh needs
nothing beyond what scripts/install-deps.sh installs.
"""

import argparse
import selectors
import socket
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", required=True, help="HOST:PORT to connect to")
    ap.add_argument("--c2s", required=True, help="file for client->server bytes")
    ap.add_argument("--s2c", required=True, help="file for server->client bytes")
    ap.add_argument("--listen", type=int, default=0, help="port (0: any free)")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds to wait for the client to connect")
    args = ap.parse_args()

    up_host, _, up_port = args.upstream.rpartition(":")

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", args.listen))
    lsock.listen(1)
    print(lsock.getsockname()[1], flush=True)

    lsock.settimeout(args.timeout)
    client, _ = lsock.accept()
    lsock.close()
    server = socket.create_connection((up_host, int(up_port)))

    # For each socket: where its bytes go and which file records them.
    routes = {
        client: (server, open(args.c2s, "ab")),
        server: (client, open(args.s2c, "ab")),
    }
    sel = selectors.DefaultSelector()
    for s in routes:
        sel.register(s, selectors.EVENT_READ)
    open_readers = 2
    while open_readers:
        for key, _ in sel.select():
            src = key.fileobj
            dst, log = routes[src]
            try:
                data = src.recv(65536)
            except ConnectionResetError:
                data = b""
            if data:
                log.write(data)
                log.flush()
                dst.sendall(data)
            else:
                # EOF from src: pass the half-close on, stop reading src.
                sel.unregister(src)
                open_readers -= 1
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
    for dst, log in routes.values():
        log.close()
    client.close()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
