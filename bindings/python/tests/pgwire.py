# Copyright 2026 The hoop Authors.
"""Just enough PostgreSQL v3 framing to script a session in the tests."""

import struct


def msg(tag, body=b""):
    return tag + struct.pack("!I", len(body) + 4) + body


def cstr(s):
    return (s.encode() if isinstance(s, str) else s) + b"\0"


# --- client -> server ---

def startup(user="app", database="shop", application_name="bindings-test"):
    body = struct.pack("!I", 196608)  # protocol 3.0
    for k, v in (("user", user), ("database", database),
                 ("application_name", application_name)):
        body += cstr(k) + cstr(v)
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def query(sql):
    return msg(b"Q", cstr(sql))


def terminate():
    return msg(b"X")


# --- server -> client ---

def auth_ok():
    return msg(b"R", struct.pack("!I", 0))


def ready(status=b"I"):
    return msg(b"Z", status)


def row_description(*columns, type_oid=25):
    """columns: names; every column text (oid 25), text format."""
    body = struct.pack("!H", len(columns))
    for name in columns:
        body += cstr(name) + struct.pack("!IhIhih", 0, 0, type_oid, -1, -1, 0)
    return msg(b"T", body)


def data_row(*cells):
    body = struct.pack("!H", len(cells))
    for c in cells:
        if c is None:
            body += struct.pack("!i", -1)
        else:
            c = c.encode() if isinstance(c, str) else c
            body += struct.pack("!i", len(c)) + c
    return msg(b"D", body)


def command_complete(tag):
    return msg(b"C", cstr(tag))


# --- reading what comes out ---

def split(data):
    """[(tag, body)] of a stream of complete messages."""
    out, i = [], 0
    while i < len(data):
        tag = data[i:i + 1]
        (n,) = struct.unpack("!I", data[i + 1:i + 5])
        out.append((tag, data[i + 5:i + 1 + n]))
        i += 1 + n
    if i != len(data):
        raise ValueError("trailing bytes")
    return out


def fields(body):
    """ErrorResponse / NoticeResponse fields: {'C': '42501', 'M': ...}."""
    result = {}
    for part in body.split(b"\0"):
        if part:
            result[part[:1].decode()] = part[1:].decode()
    return result


def cells(body):
    """The cells of a DataRow body."""
    (n,) = struct.unpack("!H", body[:2])
    i, out = 2, []
    for _ in range(n):
        (length,) = struct.unpack("!i", body[i:i + 4])
        i += 4
        if length < 0:
            out.append(None)
        else:
            out.append(body[i:i + length])
            i += length
    return out
