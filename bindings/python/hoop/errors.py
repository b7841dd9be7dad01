# Copyright 2026 The hoop Authors.
"""Exceptions, one class per pinned status code of the C API.

Every call that can fail in the C API returns a hoop_status (the canonical
codes of absl::StatusCode / gRPC, never renumbered) and a message. The
binding raises the class of that code; all derive from HoopError, which
carries .code (a Status) and .message (the library's words, e.g.
"policy.yaml:12:7: rules[1].sql.effects[0]: ...").

    try:
        policy = hoop.Policy.from_file("policy.yaml")
    except hoop.InvalidArgument as e:     # also a ValueError
        print(e.message)
    except hoop.NotFound:                 # the file is missing
        ...
"""

import enum


class Status(enum.IntEnum):
    """hoop_status: pinned, the canonical absl/gRPC codes."""
    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


class HoopError(Exception):
    """A failed call: .code (Status) and .message."""
    code = Status.UNKNOWN

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self):
        return f"{self.code.name}: {self.message}"


class Cancelled(HoopError):
    code = Status.CANCELLED


class Unknown(HoopError):
    code = Status.UNKNOWN


class InvalidArgument(HoopError, ValueError):
    """A bad document, argument or input."""
    code = Status.INVALID_ARGUMENT


class DeadlineExceeded(HoopError):
    code = Status.DEADLINE_EXCEEDED


class NotFound(HoopError):
    """A missing file; no command held under a request id."""
    code = Status.NOT_FOUND


class AlreadyExists(HoopError):
    code = Status.ALREADY_EXISTS


class PermissionDenied(HoopError):
    code = Status.PERMISSION_DENIED


class ResourceExhausted(HoopError):
    """Out of memory; a recorder overloaded."""
    code = Status.RESOURCE_EXHAUSTED


class FailedPrecondition(HoopError):
    """E.g. a call on a session after finish()."""
    code = Status.FAILED_PRECONDITION


class Aborted(HoopError):
    code = Status.ABORTED


class OutOfRange(HoopError):
    code = Status.OUT_OF_RANGE


class Unimplemented(HoopError):
    code = Status.UNIMPLEMENTED


class Internal(HoopError):
    code = Status.INTERNAL


class Unavailable(HoopError):
    code = Status.UNAVAILABLE


class DataLoss(HoopError):
    code = Status.DATA_LOSS


class Unauthenticated(HoopError):
    """A token failed verification; the message names the check that
    failed: "token refused (bad_signature): ...", "(expired)", ..."""
    code = Status.UNAUTHENTICATED


_BY_CODE = {cls.code: cls for cls in (
    Cancelled, Unknown, InvalidArgument, DeadlineExceeded, NotFound,
    AlreadyExists, PermissionDenied, ResourceExhausted, FailedPrecondition,
    Aborted, OutOfRange, Unimplemented, Internal, Unavailable, DataLoss,
    Unauthenticated)}


def error_for(code, message):
    """The exception for a status code (Unknown for a code not pinned yet)."""
    try:
        status = Status(code)
    except ValueError:
        return Unknown(f"status {code}: {message}")
    return _BY_CODE.get(status, Unknown)(message)
