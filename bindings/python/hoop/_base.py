# Copyright 2026 The hoop Authors.
"""What every wrapper shares: status checking and owned handles."""

import ctypes
import os

from . import _capi
from .errors import error_for


def call(fn, *args):
    """Calls a C API function whose last parameter is hoop_error**; raises
    the exception of its status when it fails."""
    err = ctypes.c_void_p()
    status = fn(*args, ctypes.byref(err))
    if status == 0:
        return
    if err.value:
        code = _capi.hoop_error_code(err)
        message = _capi.hoop_error_message(err).decode("utf-8", "replace")
        _capi.hoop_error_free(err)
    else:
        code = status
        message = (_capi.hoop_status_name(status) or b"").decode()
    raise error_for(code, message)


def cstr(value):
    """A NUL-terminated UTF-8 string for the C API (None stays NULL)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, os.PathLike):
        return os.fsencode(value)
    return str(value).encode("utf-8")


def data(value):
    """(bytes, length) for a (pointer, length) parameter. str is UTF-8."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    elif not isinstance(value, bytes):
        value = bytes(value)  # bytearray, memoryview: one copy
    return value, len(value)


def text(ptr, length=None):
    """A Python str from C memory (copied), undecodable bytes replaced."""
    if not ptr or length == 0:
        return ""
    raw = ctypes.string_at(ptr, length) if length is not None else ptr
    return raw.decode("utf-8", "replace")


class Handle:
    """An owned C handle, freed by close(), the context manager or GC.

    Using the object after close() raises ValueError.
    """
    _free = None  # staticmethod(hoop_X_free) in subclasses

    def __init__(self, handle):
        self._h = handle

    @property
    def _handle(self):
        if not self._h:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._h

    @property
    def closed(self):
        return not self._h

    def close(self):
        h, self._h = getattr(self, "_h", None), None
        if h:
            self._free(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the module may be gone
            pass


def new_handle(fn, *args):
    """Calls a hoop_X_new*(..., hoop_X** out, hoop_error** err)."""
    out = ctypes.c_void_p()
    call(fn, *args, ctypes.byref(out))
    return out.value
