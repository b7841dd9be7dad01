# Copyright 2026 The hoop Authors.
"""PostgresSession: one proxied PostgreSQL connection.

    with hoop.PostgresSession(session_id="s-1", policy=policy,
                              identity=who, resource="shop",
                              masker=hoop.Masker.default()) as s:
        out = s.feed(hoop.CLIENT, chunk)      # bytes read from the client
        server.write(out.server_bytes())      # or sendmsg(out.to_server)
        client.write(out.client_bytes())
        for e in out.events: ...              # verdicts, reviews, results
        if out.close: ...                     # write, then close both ends
        ...
        s.finish(hoop.EndReason.CLIENT_CLOSED)

LIFETIME of an Output: its memoryviews (to_server, to_client) point into
memory of the session (or into the bytes object last fed, which the session
keeps) and are valid only until the next call of feed, resolve, tick or
finish on the session, or its close. The session then releases them, so a
stale view raises ValueError instead of reading freed memory (a view you
sliced or exported yourself cannot be released: don't keep those).
server_bytes()/client_bytes() and the events are copies: keep them as long
as you like.

Threads: one thread at a time. Calls are serialised by a lock, but an
Output read after another thread's call is stale: resolve reviews from the
thread (or event loop) that feeds.
"""

import ctypes
import enum
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

from . import _capi
from ._base import Handle, call, cstr, new_handle, text
from .objects import Identity


class Direction(enum.IntEnum):
    CLIENT_TO_SERVER = 0  # bytes read from the client
    SERVER_TO_CLIENT = 1  # bytes read from the server


CLIENT = Direction.CLIENT_TO_SERVER
SERVER = Direction.SERVER_TO_CLIENT


class EventKind(enum.IntEnum):
    STARTUP = 0             # text: "user=… database=… application_name=…"
    COMMAND = 1             # a command was decided
    APPROVAL_REQUESTED = 2  # held; request_id names it
    APPROVAL_RESOLVED = 3   # approved, denied, expired or cancelled
    RESULT = 4              # a command finished; rows
    ERROR = 5               # protocol/masking/recorder problem; see fatal
    TLS_REQUESTED = 6       # SSLRequest answered 'S' (Encryption.ACCEPT)


class Decision(enum.IntEnum):
    ALLOW = 0
    REVIEW = 1
    DENY = 2


class Resolution(enum.IntEnum):
    APPROVE = 0
    DENY = 1
    EXPIRE = 2  # the review timed out (tick)
    CANCEL = 3  # the session ended while the command was held


class EndReason(enum.IntEnum):
    """session.v1.EndReason, for finish()."""
    UNSPECIFIED = 0
    CLIENT_CLOSED = 1
    SERVER_CLOSED = 2
    PROTOCOL_ERROR = 3
    POLICY = 4
    RECORDER_OVERLOADED = 5
    GATEWAY_SHUTDOWN = 6
    IDLE_TIMEOUT = 7


class ResourceKind(enum.IntEnum):
    UNSPECIFIED = 0
    POSTGRES = 1
    MYSQL = 2
    SSH = 3
    HTTP = 4
    KUBERNETES = 5


class Encryption(enum.IntEnum):
    """The answer to SSLRequest / GSSENCRequest."""
    REFUSE = 0   # 'N': the client goes on in clear text
    ACCEPT = 1   # 'S' + a TLS_REQUESTED event: the proxy terminates TLS
    FORWARD = 2  # to the server; if it says 'S' the session fails closed


class Event(NamedTuple):
    """What happened (a copy: keep it as long as you like)."""
    kind: EventKind
    decision: Decision        # COMMAND
    resolution: Resolution    # APPROVAL_RESOLVED
    fatal: bool               # ERROR: the session cannot go on
    command_id: int           # COMMAND, APPROVAL_*, RESULT
    rows: int                 # RESULT
    request_id: str           # APPROVAL_*: what resolve() takes
    rule_id: str              # COMMAND: the deciding rule ("" default deny)
    text: str                 # statement (masked), command tag, error, ...
    reason: str               # COMMAND: why (deny: what the client saw)


@dataclass(frozen=True)
class Stats:
    bytes_client_to_server: int
    bytes_server_to_client: int
    bytes_forwarded_to_server: int
    bytes_forwarded_to_client: int
    commands: int
    allowed: int
    denied: int
    reviewed: int
    rows: int
    rows_rewritten: int
    cells_masked: int
    binary_cells_unmasked: int
    held_bytes: int


def _by_value(cls):
    # A newer library's value that this binding does not know stays an int.
    return {m.value: m for m in cls}.get


_kind, _decision, _resolution = (_by_value(EventKind), _by_value(Decision),
                                 _by_value(Resolution))


class Output:
    """What to do after a call. See the module's LIFETIME note."""
    __slots__ = ("to_server", "to_client", "events", "close", "_session",
                 "_serial")

    def __init__(self, session, serial):
        h = session._handle
        self._session, self._serial = session, serial
        self.to_server = self._views(_capi.hoop_session_to_server, h)
        self.to_client = self._views(_capi.hoop_session_to_client, h)
        self.events = [self._event(_capi.hoop_session_event(h, i).contents)
                       for i in range(_capi.hoop_session_event_count(h))]
        self.close = bool(_capi.hoop_session_should_close(h))

    @staticmethod
    def _views(fn, h):
        n = ctypes.c_size_t()
        slices = fn(h, ctypes.byref(n))
        views = []
        for i in range(n.value):
            s = slices[i]
            if s.len:
                arr = (ctypes.c_ubyte * s.len).from_address(s.data)
                views.append(memoryview(arr).cast("B"))
        return views

    @staticmethod
    def _event(e):
        return Event(_kind(e.kind, e.kind), _decision(e.decision, e.decision),
                     _resolution(e.resolution, e.resolution), bool(e.fatal),
                     e.command_id, e.rows,
                     text(e.request_id, e.request_id_len),
                     text(e.rule_id, e.rule_id_len),
                     text(e.text, e.text_len), text(e.reason, e.reason_len))

    @property
    def valid(self):
        """False once another call on the session replaced this output."""
        return self._session._serial == self._serial and \
            not self._session.closed

    def _check(self):
        if not self.valid:
            raise ValueError("this Output is stale: the session has had "
                             "another call since (copy what you keep)")

    def server_bytes(self):
        """to_server joined into one bytes object (a copy)."""
        self._check()
        return b"".join(self.to_server)

    def client_bytes(self):
        """to_client joined into one bytes object (a copy)."""
        self._check()
        return b"".join(self.to_client)

    def _release(self):
        for v in self.to_server + self.to_client:
            try:
                v.release()
            except BufferError:  # exported further: can't; documented
                pass

    def __repr__(self):
        return (f"Output(to_server={sum(map(len, self.to_server))} bytes, "
                f"to_client={sum(map(len, self.to_client))} bytes, "
                f"events={[e.kind.name for e in self.events]}, "
                f"close={self.close})")


class PostgresSession(Handle):
    """One proxied PostgreSQL connection. See the module docstring.

    Options (None: the library's default):
      session_id      required: names records and approval requests
      policy          required: a Policy
      identity        an Identity (default: an empty person)
      resource        the connection's name for the policy (kind POSTGRES)
      labels          {key: value} resource labels rules may match
      masker          the default masking profile (a Masker)
      profiles        {name: Masker} profiles that rules name
      recorder        a Recorder
      review_timeout  seconds (default 300), then a held command is denied
      max_held_bytes  bytes pipelined behind a held command (default 1 MiB)
      max_message_size  largest protocol message (default 1 GiB)
      ssl, gssenc     Encryption (default REFUSE)
      start_normal    True: the proxy did startup and authentication itself
      notify_review   NoticeResponse to a held client (default True)
      client_address, gateway_id   for policy conditions and records
    """
    _free = staticmethod(_capi.hoop_session_free)

    def __init__(self, session_id, policy, identity=None, resource="",
                 labels=None, masker=None, profiles=None, recorder=None,
                 review_timeout=None, max_held_bytes=None,
                 max_message_size=None, ssl=None, gssenc=None,
                 start_normal=False, notify_review=None, client_address=None,
                 gateway_id=None):
        o = _capi.hoop_session_options_new()
        if not o:
            raise MemoryError("hoop_session_options_new")
        try:
            call(_capi.hoop_session_options_set_session_id, o,
                 cstr(session_id))
            call(_capi.hoop_session_options_set_policy, o, policy._handle)
            if identity is not None:
                if not isinstance(identity, Identity):
                    raise TypeError("identity must be a hoop.Identity")
                call(_capi.hoop_session_options_set_identity, o,
                     identity._handle)
            call(_capi.hoop_session_options_set_resource, o, cstr(resource),
                 int(ResourceKind.POSTGRES))
            for key, value in (labels or {}).items():
                call(_capi.hoop_session_options_add_resource_label, o,
                     cstr(key), cstr(value))
            if masker is not None:
                call(_capi.hoop_session_options_set_masker, o, masker._handle)
            for name, profile in (profiles or {}).items():
                call(_capi.hoop_session_options_add_profile, o, cstr(name),
                     profile._handle)
            if recorder is not None:
                call(_capi.hoop_session_options_set_recorder, o,
                     recorder._handle)
            if review_timeout is not None:
                call(_capi.hoop_session_options_set_review_timeout_ms, o,
                     max(1, int(review_timeout * 1000)))
            if max_held_bytes is not None:
                call(_capi.hoop_session_options_set_max_held_bytes, o,
                     max_held_bytes)
            if max_message_size is not None:
                call(_capi.hoop_session_options_set_max_message_size, o,
                     max_message_size)
            if ssl is not None:
                call(_capi.hoop_session_options_set_ssl, o, int(ssl))
            if gssenc is not None:
                call(_capi.hoop_session_options_set_gssenc, o, int(gssenc))
            if start_normal:
                call(_capi.hoop_session_options_set_start, o, 1)
            if notify_review is not None:
                call(_capi.hoop_session_options_set_notify_review, o,
                     1 if notify_review else 0)
            if client_address is not None:
                call(_capi.hoop_session_options_set_client_address, o,
                     cstr(client_address))
            if gateway_id is not None:
                call(_capi.hoop_session_options_set_gateway_id, o,
                     cstr(gateway_id))
            handle = new_handle(_capi.hoop_session_new_postgres, o)
        finally:
            _capi.hoop_session_options_free(o)
        super().__init__(handle)
        # A callback recorder's functions must outlive the session.
        self._recorder = recorder
        self._lock = threading.RLock()
        self._serial = 0
        self._output = None
        self._fed = None  # the bytes fed last: borrowed by the session

    def _begin(self):
        self._serial += 1
        if self._output is not None:
            self._output._release()
            self._output = None
        self._fed = None

    def _end(self):
        self._output = Output(self, self._serial)
        return self._output

    def feed(self, direction, chunk):
        """The next bytes read from `direction`'s socket. Returns the Output.

        A bytes object is not copied: unchanged frames come back as views of
        it (the session keeps a reference until the next call). Other
        buffers (bytearray, memoryview) are copied first, by the library.
        """
        with self._lock:
            h = self._handle
            self._begin()
            if isinstance(chunk, bytes):
                self._fed = chunk  # immutable: safe to borrow
                call(_capi.hoop_session_feed_borrowed, h, int(direction),
                     chunk, len(chunk))
            else:
                buf = (ctypes.c_char * len(chunk)).from_buffer_copy(chunk) \
                    if len(chunk) else None
                call(_capi.hoop_session_feed, h, int(direction), buf,
                     len(chunk))
            return self._end()

    def resolve(self, request_id, approve, approver=None, reason=None):
        """Decides a held command (request_id from an APPROVAL_REQUESTED
        event): approve=True forwards it, False answers it as a deny.
        Raises NotFound when nothing is held under request_id."""
        resolution = Resolution.APPROVE if approve is True else \
            Resolution.DENY if approve is False else Resolution(approve)
        with self._lock:
            h = self._handle
            self._begin()
            call(_capi.hoop_session_resolve, h, cstr(request_id),
                 int(resolution), cstr(approver), cstr(reason))
            return self._end()

    def tick(self):
        """Expires reviews whose deadline has passed."""
        with self._lock:
            h = self._handle
            self._begin()
            call(_capi.hoop_session_tick, h)
            return self._end()

    def finish(self, reason=EndReason.CLIENT_CLOSED, detail=None):
        """Ends the session: cancels held commands, records the end, waits
        for the records to be written. Later feed/resolve/tick raise
        FailedPrecondition; a second finish does nothing."""
        with self._lock:
            h = self._handle
            self._begin()
            call(_capi.hoop_session_finish, h, int(reason), cstr(detail))
            return self._end()

    def next_deadline(self):
        """When tick() next has work (time.time() seconds); None when
        nothing is held."""
        ms = _capi.hoop_session_next_deadline_ms(self._handle)
        return None if ms < 0 else ms / 1000.0

    def seconds_to_deadline(self, now=None):
        """Seconds until tick() has work (0 when due); None when idle."""
        d = self.next_deadline()
        if d is None:
            return None
        return max(0.0, d - (time.time() if now is None else now))

    def held_requests(self):
        """Request ids of the commands held now, oldest first."""
        with self._lock:
            h = self._handle
            n = _capi.hoop_session_held_count(h)
            return [text(_capi.hoop_session_held_request(h, i))
                    for i in range(n)]

    def stats(self):
        s = _capi.Stats()
        _capi.hoop_session_get_stats(self._handle, ctypes.byref(s),
                                     ctypes.sizeof(s))
        return Stats(**{f: getattr(s, f) for f in _capi.STATS_FIELDS})

    def close(self):
        """Frees the session (ending it as UNSPECIFIED if finish() was not
        called). Outputs become invalid."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return super().close()
        with lock:
            if getattr(self, "_output", None) is not None:
                self._output._release()
                self._output = None
            super().close()
            self._fed = None
