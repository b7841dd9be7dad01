# Copyright 2026 The hoop Authors.
"""hoop: protocol-aware access for proxies (Python binding of libhoop).

A ctypes binding of the C API (include/hoop/hoop.h): nothing to compile.
libhoop.so is found through $HOOP_LIBRARY, the install prefix, the build
tree, or the loader's search path (see hoop/_capi.py).

    import hoop
    policy = hoop.Policy.from_file("policy.yaml")
    masker = hoop.Masker.default()
    who = hoop.Identity(subject="agent-7", kind="non_human")
    with hoop.PostgresSession(session_id="s-1", policy=policy, identity=who,
                              resource="shop", masker=masker) as s:
        out = s.feed(hoop.CLIENT, chunk_from_client)
        ...

Errors raise subclasses of hoop.HoopError, one per pinned status code
(hoop.InvalidArgument, hoop.NotFound, hoop.Unauthenticated, ...).
"""

from . import _capi
from .errors import (Aborted, AlreadyExists, Cancelled, DataLoss,
                     DeadlineExceeded, FailedPrecondition, HoopError,
                     Internal, InvalidArgument, NotFound, OutOfRange,
                     PermissionDenied, ResourceExhausted, Status, Unavailable,
                     Unauthenticated, Unimplemented, Unknown)
from .objects import (Durability, Identity, IdentityKind, Masker, Policy,
                      Recorder, StreamMasker)
from .session import (CLIENT, SERVER, Decision, Direction, Encryption,
                      EndReason, Event, EventKind, Output, PostgresSession,
                      Resolution, ResourceKind, Stats)

# The version of this binding's API; compare with version() (the library).
__version__ = "0.1.0"


def version():
    """The loaded library's version, e.g. "0.1.0"."""
    return _capi.hoop_version().decode()


def version_number():
    """MAJOR * 10000 + MINOR * 100 + PATCH of the loaded library."""
    return _capi.hoop_version_number()


def library_path():
    """Where libhoop was loaded from."""
    return _capi.path


__all__ = [
    "Aborted", "AlreadyExists", "CLIENT", "Cancelled", "DataLoss",
    "DeadlineExceeded", "Decision", "Direction", "Durability", "Encryption",
    "EndReason", "Event", "EventKind", "FailedPrecondition", "HoopError",
    "Identity", "IdentityKind", "Internal", "InvalidArgument", "Masker",
    "NotFound", "OutOfRange", "Output", "PermissionDenied", "Policy",
    "PostgresSession", "Recorder", "Resolution", "ResourceExhausted",
    "ResourceKind", "SERVER", "Stats", "Status", "StreamMasker",
    "Unauthenticated", "Unavailable", "Unimplemented", "Unknown",
    "library_path", "version", "version_number",
]
