# Copyright 2026 The hoop Authors.
"""Finds libhoop.so and declares the C API (include/hoop/hoop.h) to ctypes.

Where the library is looked for, first found wins:
  1. $HOOP_LIBRARY: the path of libhoop.so (nothing else is tried: a wrong
     path is an error, not a silent fallback to another copy);
  2. the install prefix: `cmake --install` puts this package under
     <prefix>/lib/python3/dist-packages and writes hoop/_install.py with
     the path from there to <prefix>/<libdir>;
  3. the build tree: when this package is imported from the source tree
     (<repo>/bindings/python/hoop), the newest <repo>/build*/capi/libhoop.so;
  4. the dynamic loader's own search (ld.so.cache, LD_LIBRARY_PATH):
     libhoop.so.0.
"""

import ctypes
import glob
import os

SONAME = "libhoop.so.0"

_here = os.path.dirname(os.path.abspath(__file__))


def _candidates():
    env = os.environ.get("HOOP_LIBRARY")
    if env:
        return [("HOOP_LIBRARY", env)]
    found = []
    try:
        from . import _install  # written by `cmake --install`
        found.append(("install prefix",
                      os.path.normpath(os.path.join(_here, _install.LIBDIR,
                                                    SONAME))))
    except ImportError:
        pass
    repo = os.path.dirname(os.path.dirname(os.path.dirname(_here)))
    built = glob.glob(os.path.join(repo, "build*", "capi", "libhoop.so"))
    built.sort(key=os.path.getmtime, reverse=True)
    found += [("build tree", path) for path in built]
    found.append(("loader search path", SONAME))
    return found


def _load():
    tried = []
    for where, path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(f"{where}: {path} (missing)")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append(f"{where}: {e}")
    raise ImportError("cannot load libhoop (the hoop C API); set HOOP_LIBRARY "
                      "to the path of libhoop.so. Tried:\n  " +
                      "\n  ".join(tried))


lib, path = _load()

# --- types -------------------------------------------------------------------

c_status = ctypes.c_int
c_size = ctypes.c_size_t
c_str = ctypes.c_char_p       # NUL-terminated, or (pointer, length) input
c_ptr = ctypes.c_void_p       # every opaque handle
c_ptr_p = ctypes.POINTER(ctypes.c_void_p)
c_buf_out = ctypes.POINTER(ctypes.c_void_p)   # const char** / uint8_t**
c_size_p = ctypes.POINTER(ctypes.c_size_t)
c_u64_p = ctypes.POINTER(ctypes.c_uint64)


class Slice(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class Event(ctypes.Structure):
    # hoop_event: fields are only ever appended (hoop.h), so this prefix
    # stays right for later versions of the library.
    _fields_ = [("kind", ctypes.c_int), ("decision", ctypes.c_int),
                ("resolution", ctypes.c_int), ("fatal", ctypes.c_int),
                ("command_id", ctypes.c_uint64), ("rows", ctypes.c_uint64),
                ("request_id", ctypes.c_void_p),
                ("request_id_len", ctypes.c_size_t),
                ("rule_id", ctypes.c_void_p), ("rule_id_len", ctypes.c_size_t),
                ("text", ctypes.c_void_p), ("text_len", ctypes.c_size_t),
                ("reason", ctypes.c_void_p), ("reason_len", ctypes.c_size_t)]


STATS_FIELDS = ("bytes_client_to_server", "bytes_server_to_client",
                "bytes_forwarded_to_server", "bytes_forwarded_to_client",
                "commands", "allowed", "denied", "reviewed", "rows",
                "rows_rewritten", "cells_masked", "binary_cells_unmasked",
                "held_bytes")


class Stats(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in STATS_FIELDS]


RECORD_WRITE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p,
                                   ctypes.c_void_p, ctypes.c_size_t)
RECORD_CLOSE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
CLOCK_FN = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p)


def _fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    globals()[name] = f


E = c_ptr_p  # hoop_error** err, last parameter of every call that can fail

_fn("hoop_version", ctypes.c_char_p)
_fn("hoop_version_number", ctypes.c_uint)
_fn("hoop_status_name", ctypes.c_char_p, c_status)
_fn("hoop_error_code", c_status, c_ptr)
_fn("hoop_error_message", ctypes.c_char_p, c_ptr)
_fn("hoop_error_free", None, c_ptr)

_fn("hoop_policy_new_from_text", c_status, c_str, c_size, c_str, c_ptr_p, E)
_fn("hoop_policy_new_from_file", c_status, c_str, c_ptr_p, E)
_fn("hoop_policy_free", None, c_ptr)
_fn("hoop_policy_rule_count", c_size, c_ptr)
_fn("hoop_policy_name", ctypes.c_char_p, c_ptr)

_fn("hoop_masker_new_default", c_status, c_ptr_p, E)
_fn("hoop_masker_new_from_text", c_status, c_str, c_size, c_str, c_ptr_p, E)
_fn("hoop_masker_new_from_file", c_status, c_str, c_ptr_p, E)
_fn("hoop_masker_free", None, c_ptr)
_fn("hoop_masker_num_counters", c_size, c_ptr)
_fn("hoop_masker_counter_name", ctypes.c_char_p, c_ptr, c_size)
_fn("hoop_mask_scratch_new", c_status, c_ptr_p, E)
_fn("hoop_mask_scratch_free", None, c_ptr)
_fn("hoop_mask_scratch_reset", None, c_ptr)
_fn("hoop_mask_scratch_count", None, c_ptr, c_size, c_u64_p, c_u64_p)
_fn("hoop_masker_mask_cell", c_status, c_ptr, c_ptr, c_str, c_size, c_str,
    c_size, c_str, c_size, c_buf_out, c_size_p, E)
_fn("hoop_masker_mask_buffer", c_status, c_ptr, c_ptr, c_str, c_size,
    c_buf_out, c_size_p, E)
_fn("hoop_stream_masker_new", c_status, c_ptr, c_ptr_p, E)
_fn("hoop_stream_masker_free", None, c_ptr)
_fn("hoop_stream_masker_write", c_status, c_ptr, c_str, c_size, c_buf_out,
    c_size_p, E)
_fn("hoop_stream_masker_finish", c_status, c_ptr, c_buf_out, c_size_p, E)

_fn("hoop_identity_new", c_status, c_str, c_str,
    ctypes.POINTER(ctypes.c_char_p), c_size, ctypes.c_int, c_ptr_p, E)
_fn("hoop_identity_new_from_token", c_status, c_str, c_size, c_str, c_size,
    c_str, c_str, c_ptr_p, E)
_fn("hoop_identity_free", None, c_ptr)
for _name in ("subject", "email", "name", "issuer", "client_id"):
    _fn(f"hoop_identity_{_name}", ctypes.c_char_p, c_ptr)
_fn("hoop_identity_get_kind", ctypes.c_int, c_ptr)
_fn("hoop_identity_group_count", c_size, c_ptr)
_fn("hoop_identity_group", ctypes.c_char_p, c_ptr, c_size)
_fn("hoop_identity_expires_unix", ctypes.c_int64, c_ptr)

_fn("hoop_recorder_new_dir", c_status, c_str, c_ptr_p, E)
_fn("hoop_recorder_new_file", c_status, c_str, c_ptr_p, E)
_fn("hoop_recorder_new_callback", c_status, RECORD_WRITE_FN, RECORD_CLOSE_FN,
    c_ptr, c_ptr_p, E)
_fn("hoop_recorder_free", None, c_ptr)
_fn("hoop_recorder_set_signing_key_pem", c_status, c_ptr, c_str, c_size, E)
_fn("hoop_recorder_set_durability", c_status, c_ptr, ctypes.c_int,
    ctypes.c_int64, E)
_fn("hoop_recorder_set_queue_capacity", c_status, c_ptr, c_size, E)
_fn("hoop_recorder_set_checkpoint_every", c_status, c_ptr, ctypes.c_uint32, E)

_fn("hoop_session_options_new", c_ptr)
_fn("hoop_session_options_free", None, c_ptr)
_fn("hoop_session_options_set_session_id", c_status, c_ptr, c_str, E)
_fn("hoop_session_options_set_policy", c_status, c_ptr, c_ptr, E)
_fn("hoop_session_options_set_identity", c_status, c_ptr, c_ptr, E)
_fn("hoop_session_options_set_resource", c_status, c_ptr, c_str, ctypes.c_int,
    E)
_fn("hoop_session_options_add_resource_label", c_status, c_ptr, c_str, c_str,
    E)
_fn("hoop_session_options_set_masker", c_status, c_ptr, c_ptr, E)
_fn("hoop_session_options_add_profile", c_status, c_ptr, c_str, c_ptr, E)
_fn("hoop_session_options_set_recorder", c_status, c_ptr, c_ptr, E)
_fn("hoop_session_options_set_ssl", c_status, c_ptr, ctypes.c_int, E)
_fn("hoop_session_options_set_gssenc", c_status, c_ptr, ctypes.c_int, E)
_fn("hoop_session_options_set_start", c_status, c_ptr, ctypes.c_int, E)
_fn("hoop_session_options_set_notify_review", c_status, c_ptr, ctypes.c_int,
    E)
_fn("hoop_session_options_set_review_timeout_ms", c_status, c_ptr,
    ctypes.c_int64, E)
_fn("hoop_session_options_set_max_held_bytes", c_status, c_ptr, c_size, E)
_fn("hoop_session_options_set_max_message_size", c_status, c_ptr,
    ctypes.c_uint32, E)
_fn("hoop_session_options_set_client_address", c_status, c_ptr, c_str, E)
_fn("hoop_session_options_set_gateway_id", c_status, c_ptr, c_str, E)
_fn("hoop_session_options_set_clock", c_status, c_ptr, CLOCK_FN, c_ptr, E)

_fn("hoop_session_new_postgres", c_status, c_ptr, c_ptr_p, E)
_fn("hoop_session_free", None, c_ptr)
_fn("hoop_session_feed", c_status, c_ptr, ctypes.c_int, c_str, c_size, E)
_fn("hoop_session_feed_borrowed", c_status, c_ptr, ctypes.c_int, c_str,
    c_size, E)
_fn("hoop_session_resolve", c_status, c_ptr, c_str, ctypes.c_int, c_str,
    c_str, E)
_fn("hoop_session_tick", c_status, c_ptr, E)
_fn("hoop_session_next_deadline_ms", ctypes.c_int64, c_ptr)
_fn("hoop_session_finish", c_status, c_ptr, ctypes.c_int, c_str, E)
_fn("hoop_session_to_server", ctypes.POINTER(Slice), c_ptr, c_size_p)
_fn("hoop_session_to_client", ctypes.POINTER(Slice), c_ptr, c_size_p)
_fn("hoop_session_to_server_bytes", c_size, c_ptr)
_fn("hoop_session_to_client_bytes", c_size, c_ptr)
_fn("hoop_session_to_server_joined", c_status, c_ptr, c_buf_out, c_size_p, E)
_fn("hoop_session_to_client_joined", c_status, c_ptr, c_buf_out, c_size_p, E)
_fn("hoop_session_event_count", c_size, c_ptr)
_fn("hoop_session_event", ctypes.POINTER(Event), c_ptr, c_size)
_fn("hoop_session_should_close", ctypes.c_int, c_ptr)
_fn("hoop_session_held_count", c_size, c_ptr)
_fn("hoop_session_held_request", ctypes.c_char_p, c_ptr, c_size)
_fn("hoop_session_get_stats", None, c_ptr, ctypes.POINTER(Stats), c_size)
