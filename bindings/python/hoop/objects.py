# Copyright 2026 The hoop Authors.
"""Policy, Masker, Identity and Recorder: the immutable things a session is
made from. Policy, Masker and Identity may be shared by any number of
sessions and threads; a session keeps what it needs (closing these objects
while sessions live is fine)."""

import ctypes
import enum
import threading

from . import _capi
from ._base import Handle, call, cstr, data, new_handle, text


class Policy(Handle):
    """A compiled policy (YAML or JSON; see proto/hoop/policy/v1).

        policy = Policy.from_file("policy.yaml")
        policy = Policy.from_text(yaml_text, source="inline")

    Errors: InvalidArgument "<source>:<line>:<column>: <field>: <what>";
    NotFound for a file that cannot be read.
    """
    _free = staticmethod(_capi.hoop_policy_free)

    @classmethod
    def from_text(cls, document, source=None):
        buf, n = data(document)
        return cls(new_handle(_capi.hoop_policy_new_from_text, buf, n,
                              cstr(source)))

    @classmethod
    def from_file(cls, path):
        return cls(new_handle(_capi.hoop_policy_new_from_file, cstr(path)))

    @property
    def name(self):
        return text(_capi.hoop_policy_name(self._handle))

    @property
    def rule_count(self):
        return _capi.hoop_policy_rule_count(self._handle)


class _Scratch(Handle):
    _free = staticmethod(_capi.hoop_mask_scratch_free)

    def __init__(self):
        super().__init__(new_handle(_capi.hoop_mask_scratch_new))


class Masker(Handle):
    """A compiled masking profile.

        m = Masker.default()            # every built-in detector, "[EMAIL]"...
        m.mask("ana@example.com")       # -> "[EMAIL]"
        m.mask(b"no secrets")           # -> the very same object: unchanged
        m.mask(b"x", column="email", type="text")  # column rules apply

    Thread-safe: results are copied out of a per-thread scratch.
    """
    _free = staticmethod(_capi.hoop_masker_free)

    def __init__(self, handle):
        super().__init__(handle)
        self._local = threading.local()

    @classmethod
    def default(cls):
        return cls(new_handle(_capi.hoop_masker_new_default))

    @classmethod
    def from_text(cls, profile, source=None):
        buf, n = data(profile)
        return cls(new_handle(_capi.hoop_masker_new_from_text, buf, n,
                              cstr(source)))

    @classmethod
    def from_file(cls, path):
        return cls(new_handle(_capi.hoop_masker_new_from_file, cstr(path)))

    def _scratch(self):
        s = getattr(self._local, "scratch", None)
        if s is None:
            s = self._local.scratch = _Scratch()
        return s

    def _masked(self, value, fn, *args):
        buf, n = data(value)
        scratch = self._scratch()
        out, out_len = ctypes.c_void_p(), ctypes.c_size_t()
        try:
            call(fn, self._handle, scratch._handle, *args, buf, n,
                 ctypes.byref(out), ctypes.byref(out_len))
            if not out.value:
                return value  # nothing matched: the input itself
            masked = ctypes.string_at(out.value, out_len.value)
        finally:
            _capi.hoop_mask_scratch_reset(scratch._handle)
        return masked.decode("utf-8", "replace") \
            if isinstance(value, str) else masked

    def mask(self, value, column="", type=""):  # noqa: A002 (SQL's word)
        """One result cell of a column (name and type as the server reports
        them). Returns `value` itself when nothing matched, else the masked
        value (str for str, bytes otherwise). Never returns raw what should
        have been masked: a value that cannot be masked is replaced whole."""
        col, col_n = data(column)
        typ, typ_n = data(type)
        return self._masked(value, _capi.hoop_masker_mask_cell, col, col_n,
                            typ, typ_n)

    def mask_buffer(self, value):
        """Free text (a transcript, a body) with the detectors only."""
        return self._masked(value, _capi.hoop_masker_mask_buffer)

    def counter_names(self):
        """Detector names, then "COLUMN_RULE" and "FAIL_CLOSED"."""
        h = self._handle
        return [text(_capi.hoop_masker_counter_name(h, i))
                for i in range(_capi.hoop_masker_num_counters(h))]

    def counts(self):
        """{counter name: (values, bytes)} masked by this thread so far."""
        scratch = self._scratch()
        result = {}
        for i, name in enumerate(self.counter_names()):
            v, b = ctypes.c_uint64(), ctypes.c_uint64()
            _capi.hoop_mask_scratch_count(scratch._handle, i, ctypes.byref(v),
                                          ctypes.byref(b))
            if v.value or b.value:
                result[name] = (v.value, b.value)
        return result

    def stream(self):
        """A StreamMasker over this profile."""
        return StreamMasker(self)


class StreamMasker(Handle):
    """Masks a stream cut into chunks: a value split across chunks is still
    masked. write() returns the bytes now final (maybe b""), finish() the
    rest. One thread at a time."""
    _free = staticmethod(_capi.hoop_stream_masker_free)

    def __init__(self, masker):
        super().__init__(new_handle(_capi.hoop_stream_masker_new,
                                    masker._handle))
        self._masker = masker

    def _out(self, fn, *args):
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        call(fn, self._handle, *args, ctypes.byref(out), ctypes.byref(n))
        return ctypes.string_at(out.value, n.value) if out.value else b""

    def write(self, chunk):
        buf, n = data(chunk)
        return self._out(_capi.hoop_stream_masker_write, buf, n)

    def finish(self):
        return self._out(_capi.hoop_stream_masker_finish)


class IdentityKind(enum.IntEnum):
    PERSON = 0
    NON_HUMAN = 1  # automation agent, service account, CI job


class Identity(Handle):
    """Who is on the client side.

        Identity(subject="ana", email="ana@example.com", groups=["dba"])
        Identity(subject="agent-7", kind="non_human")
        Identity.from_token(id_token, jwks_json, issuer="https://idp",
                            audience="hoop-gateway")   # verified by hoop

    from_token raises Unauthenticated for a token that fails verification
    (the message names the check: "token refused (bad_signature): ..."), and
    InvalidArgument for an unusable JWKS.
    """
    _free = staticmethod(_capi.hoop_identity_free)

    def __init__(self, subject="", email="", groups=(), kind="person",
                 _handle=None):
        if _handle is None:
            if isinstance(kind, str):
                kind = IdentityKind[kind.upper()]
            enc = [cstr(g) for g in groups]
            arr = (ctypes.c_char_p * len(enc))(*enc) if enc else None
            _handle = new_handle(_capi.hoop_identity_new, cstr(subject),
                                 cstr(email), arr, len(enc), int(kind))
        super().__init__(_handle)

    @classmethod
    def from_token(cls, token, jwks, issuer, audience):
        tok, tok_n = data(token)
        keys, keys_n = data(jwks)
        return cls(_handle=new_handle(_capi.hoop_identity_new_from_token, tok,
                                      tok_n, keys, keys_n, cstr(issuer),
                                      cstr(audience)))

    subject = property(lambda s: text(_capi.hoop_identity_subject(s._handle)))
    email = property(lambda s: text(_capi.hoop_identity_email(s._handle)))
    name = property(lambda s: text(_capi.hoop_identity_name(s._handle)))
    issuer = property(lambda s: text(_capi.hoop_identity_issuer(s._handle)))
    client_id = property(
        lambda s: text(_capi.hoop_identity_client_id(s._handle)))

    @property
    def kind(self):
        return IdentityKind(_capi.hoop_identity_get_kind(self._handle))

    @property
    def groups(self):
        h = self._handle
        return [text(_capi.hoop_identity_group(h, i))
                for i in range(_capi.hoop_identity_group_count(h))]

    @property
    def expires(self):
        """The token's exp (seconds since the epoch), None from fields."""
        exp = _capi.hoop_identity_expires_unix(self._handle)
        return None if exp == (1 << 63) - 1 else exp

    def __repr__(self):
        return (f"Identity(subject={self.subject!r}, email={self.email!r}, "
                f"groups={self.groups!r}, kind={self.kind.name.lower()!r})")


class Durability(enum.IntEnum):
    EVERY_RECORD = 0  # fdatasync after each record
    INTERVAL = 1      # at most sync_interval apart
    AT_CLOSE = 2


class Recorder(Handle):
    """Where sessions' tamper-evident records go: a configuration from which
    each session makes its own recorder.

        Recorder.to_dir("/var/lib/hoop/records")  # <session_id>.hooprec
        Recorder.to_file("one-session.hooprec")
        Recorder(callback)   # callback(record: bytes) per framed record

    A callback runs on the session's recorder thread (with the GIL); an
    exception it raises fails the recorder, and the session then closes
    (fail closed). Sessions keep this object alive while they run.
    """
    _free = staticmethod(_capi.hoop_recorder_free)

    def __init__(self, callback=None, *, _handle=None, signing_key_pem=None,
                 durability=None, sync_interval=0.2, queue_capacity=None,
                 checkpoint_every=None):
        self._callbacks = None
        if _handle is None:
            if callback is None:
                raise TypeError("Recorder needs a callback (or use to_dir/"
                                "to_file)")

            def write(_user, framed, length):
                try:
                    callback(ctypes.string_at(framed, length))
                    return 0
                except BaseException:  # noqa: BLE001: fail the recorder
                    return 1
            self._callbacks = (_capi.RECORD_WRITE_FN(write),
                               _capi.RECORD_CLOSE_FN(0))
            _handle = new_handle(_capi.hoop_recorder_new_callback,
                                 self._callbacks[0], self._callbacks[1], None)
        super().__init__(_handle)
        if signing_key_pem is not None:
            pem, n = data(signing_key_pem)
            call(_capi.hoop_recorder_set_signing_key_pem, self._handle, pem, n)
        if durability is not None:
            call(_capi.hoop_recorder_set_durability, self._handle,
                 int(durability), int(sync_interval * 1000))
        if queue_capacity is not None:
            call(_capi.hoop_recorder_set_queue_capacity, self._handle,
                 queue_capacity)
        if checkpoint_every is not None:
            call(_capi.hoop_recorder_set_checkpoint_every, self._handle,
                 checkpoint_every)

    @classmethod
    def to_dir(cls, path, **options):
        return cls(_handle=new_handle(_capi.hoop_recorder_new_dir,
                                      cstr(path)), **options)

    @classmethod
    def to_file(cls, path, **options):
        return cls(_handle=new_handle(_capi.hoop_recorder_new_file,
                                      cstr(path)), **options)
