/* Copyright 2026 The hoop Authors.
 *
 * hoop.h: the C API of hoop (libhoop.so). C99; no C++ type or exception
 * crosses it. Go (cgo) and Python (ctypes) bindings are built on it.
 *
 *   hoop_error* err = NULL;
 *   hoop_policy* policy = NULL;
 *   if (hoop_policy_new_from_file("policy.yaml", &policy, &err) != HOOP_OK) {
 *     fprintf(stderr, "%s\n", hoop_error_message(err));  // names file:line
 *     hoop_error_free(err);
 *     return 1;
 *   }
 *   hoop_masker* masker = NULL;
 *   hoop_masker_new_default(&masker, NULL);
 *   hoop_identity* who = NULL;
 *   hoop_identity_new_from_token(tok, tok_len, jwks, jwks_len,
 *                                "https://idp.example.com", "hoop-gateway",
 *                                &who, &err);
 *
 *   hoop_session_options* o = hoop_session_options_new();
 *   hoop_session_options_set_session_id(o, "s-0001", NULL);
 *   hoop_session_options_set_identity(o, who, NULL);
 *   hoop_session_options_set_resource(o, "warehouse-eu",
 *                                     HOOP_RESOURCE_POSTGRES, NULL);
 *   hoop_session_options_set_policy(o, policy, NULL);
 *   hoop_session_options_set_masker(o, masker, NULL);
 *   hoop_session* s = NULL;
 *   hoop_session_new_postgres(o, &s, &err);
 *   hoop_session_options_free(o);   // the session copied what it needs
 *
 *   // For every chunk read from a socket:
 *   hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, buf, n, &err);
 *   size_t ns, nc;
 *   const hoop_slice* to_server = hoop_session_to_server(s, &ns);
 *   const hoop_slice* to_client = hoop_session_to_client(s, &nc);
 *   writev(server_fd, (const struct iovec*)to_server, (int)ns);
 *   writev(client_fd, (const struct iovec*)to_client, (int)nc);
 *   for (size_t i = 0; i < hoop_session_event_count(s); ++i) {
 *     const hoop_event* e = hoop_session_event(s, i);  ...
 *   }
 *   if (hoop_session_should_close(s)) { ... close both sockets ... }
 *   ...
 *   hoop_session_finish(s, HOOP_END_CLIENT_CLOSED, "client hung up", NULL);
 *   hoop_session_free(s);
 *
 * CONVENTIONS
 *
 * Names. Everything is prefixed hoop_ / HOOP_; functions are
 * hoop_<object>_<verb>. Objects are opaque handles.
 *
 * Ownership. Every hoop_X_new* has a hoop_X_free; free functions accept NULL.
 * A handle passed to another function is borrowed for the call unless the
 * function says it is "shared" (the receiver keeps its own reference: the
 * caller may free its handle at once) or "copied". Nothing is ever owned by
 * hoop that the caller allocated, and nothing hoop returns is freed with
 * free(3): only with the hoop_*_free named next to it.
 *
 * Caller memory. hoop never keeps a pointer to memory the caller passed once
 * the call returns (so Go and Python buffers are safe to pass), with one
 * documented opt-in exception: hoop_session_feed_borrowed.
 *
 * Errors. A function that can fail returns hoop_status (HOOP_OK == 0) and
 * takes `hoop_error** err` as its last parameter. err may be NULL (the
 * status alone is reported). Otherwise *err is ALWAYS written: NULL on
 * success, a new error object on failure, which the caller frees with
 * hoop_error_free (free an earlier error before reusing the variable).
 * Results come back through out-parameters, which are written only on
 * success. Status codes are pinned: they are the canonical codes of
 * absl::StatusCode / gRPC, and never renumbered. There is no thread-local
 * "last error" (cgo may move a goroutine between OS threads between calls).
 * Argument errors (NULL handle or out-pointer, an unknown enum value) are
 * HOOP_INVALID_ARGUMENT; an allocation failure is HOOP_RESOURCE_EXHAUSTED.
 * Functions that cannot fail return their value directly.
 *
 * Strings. Documents, tokens, values and wire bytes are (pointer, length):
 * they may hold NUL bytes and need no terminator; a NULL pointer with length
 * 0 is the empty string. Short configuration strings (paths, ids, names) are
 * NUL-terminated UTF-8; NULL means "". Strings returned by hoop are both
 * NUL-terminated and, where they may contain NUL, come with a length.
 *
 * Lifetimes. Every function returning a pointer says how long it lives
 * ("LIFETIME:"). Typically: as long as the handle it came from, or until
 * the next call on that handle.
 *
 * Threads. Stated per object below. In short: hoop_policy, hoop_masker,
 * hoop_identity and hoop_error are immutable and may be used from any number
 * of threads at once; hoop_recorder and hoop_session_options are plain
 * configuration (mutate from one thread; reading them in hoop_session_new*
 * from several threads is safe when nobody mutates); hoop_session,
 * hoop_mask_scratch and hoop_stream_masker are used by one thread at a time
 * (any thread, but calls must not overlap: serialise them yourself).
 *
 * Exceptions. None crosses the boundary: every entry point catches
 * everything; an allocation failure becomes HOOP_RESOURCE_EXHAUSTED and any
 * other escaped exception HOOP_INTERNAL.
 *
 * ABI. Opaque handles and functions only, except hoop_slice (iovec-shaped),
 * hoop_event (read through a pointer; fields are only ever appended) and
 * hoop_session_stats (filled up to the size the caller passes). Enums are
 * int-sized with pinned values. Only hoop_* symbols are exported.
 */

#ifndef HOOP_HOOP_H_
#define HOOP_HOOP_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && !defined(HOOP_STATIC)
#if defined(HOOP_BUILDING_CAPI)
#define HOOP_EXPORT __declspec(dllexport)
#else
#define HOOP_EXPORT __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define HOOP_EXPORT __attribute__((visibility("default")))
#else
#define HOOP_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Version. The macros are the version of this header; hoop_version() that
 * of the library actually loaded (compare them to catch a mismatch).
 * ------------------------------------------------------------------------ */
#define HOOP_VERSION_MAJOR 0
#define HOOP_VERSION_MINOR 1
#define HOOP_VERSION_PATCH 0
#define HOOP_VERSION_NUMBER \
  (HOOP_VERSION_MAJOR * 10000 + HOOP_VERSION_MINOR * 100 + HOOP_VERSION_PATCH)
#define HOOP_VERSION_STRING "0.1.0"

/* "0.1.0". LIFETIME: static. */
HOOP_EXPORT const char* hoop_version(void);
/* MAJOR * 10000 + MINOR * 100 + PATCH, as HOOP_VERSION_NUMBER. */
HOOP_EXPORT unsigned hoop_version_number(void);

/* ------------------------------------------------------------------------
 * Errors.
 * ------------------------------------------------------------------------ */

/* Pinned: the canonical codes of absl::StatusCode (and gRPC). */
typedef enum hoop_status {
  HOOP_OK = 0,
  HOOP_CANCELLED = 1,
  HOOP_UNKNOWN = 2,
  HOOP_INVALID_ARGUMENT = 3,  /* bad document, bad argument, malformed input */
  HOOP_DEADLINE_EXCEEDED = 4,
  HOOP_NOT_FOUND = 5,         /* file missing, no such request id */
  HOOP_ALREADY_EXISTS = 6,
  HOOP_PERMISSION_DENIED = 7,
  HOOP_RESOURCE_EXHAUSTED = 8,  /* out of memory, recorder overloaded */
  HOOP_FAILED_PRECONDITION = 9, /* e.g. a call after hoop_session_finish */
  HOOP_ABORTED = 10,
  HOOP_OUT_OF_RANGE = 11,
  HOOP_UNIMPLEMENTED = 12,
  HOOP_INTERNAL = 13,
  HOOP_UNAVAILABLE = 14,
  HOOP_DATA_LOSS = 15,
  HOOP_UNAUTHENTICATED = 16  /* a token failed verification */
} hoop_status;

/* "OK", "INVALID_ARGUMENT", ...; "UNKNOWN_STATUS" for other values.
 * LIFETIME: static. */
HOOP_EXPORT const char* hoop_status_name(hoop_status status);

/* An error: a status code and a message. Immutable; thread-safe. */
typedef struct hoop_error hoop_error;

/* HOOP_OK when err is NULL. */
HOOP_EXPORT hoop_status hoop_error_code(const hoop_error* err);
/* The message, e.g. "policy.yaml:12:7: rules[1].sql.effects[0]: ...";
 * "" when err is NULL. LIFETIME: until hoop_error_free(err). */
HOOP_EXPORT const char* hoop_error_message(const hoop_error* err);
HOOP_EXPORT void hoop_error_free(hoop_error* err);

/* ------------------------------------------------------------------------
 * Policy: the rules that decide allow / deny / review per command.
 * YAML or JSON, see proto/hoop/policy/v1/policy.proto and policy/policy.h.
 * Thread-safety: immutable; share one among any number of sessions and
 * threads. A session keeps its own reference (free the handle any time).
 * ------------------------------------------------------------------------ */
typedef struct hoop_policy hoop_policy;

/* Errors: HOOP_INVALID_ARGUMENT "<source>:<line>:<column>: <field>: <what>".
 * `source_name` names the text in messages (NULL: "<policy>"). */
HOOP_EXPORT hoop_status hoop_policy_new_from_text(const char* text,
                                                  size_t text_len,
                                                  const char* source_name,
                                                  hoop_policy** out,
                                                  hoop_error** err);
/* Errors: HOOP_NOT_FOUND if unreadable; as above. */
HOOP_EXPORT hoop_status hoop_policy_new_from_file(const char* path,
                                                  hoop_policy** out,
                                                  hoop_error** err);
HOOP_EXPORT void hoop_policy_free(hoop_policy* policy);
HOOP_EXPORT size_t hoop_policy_rule_count(const hoop_policy* policy);
/* The document's name ("" if none). LIFETIME: as long as `policy`. */
HOOP_EXPORT const char* hoop_policy_name(const hoop_policy* policy);

/* ------------------------------------------------------------------------
 * Masker: a compiled masking profile (masking/masker.h, profile.h).
 * Thread-safety: immutable; share one per profile among any number of
 * sessions and threads. Sessions keep their own reference.
 * ------------------------------------------------------------------------ */
typedef struct hoop_masker hoop_masker;

/* Every built-in detector, values replaced by "[EMAIL]", "[PAYMENT_CARD]"...
 * Fails only for lack of memory. */
HOOP_EXPORT hoop_status hoop_masker_new_default(hoop_masker** out,
                                                hoop_error** err);
/* A profile in YAML or JSON. Errors: HOOP_INVALID_ARGUMENT naming
 * "<source>:<line>:<column>: <field>: <what>" (source_name NULL:
 * "<profile>"). */
HOOP_EXPORT hoop_status hoop_masker_new_from_text(const char* text,
                                                  size_t text_len,
                                                  const char* source_name,
                                                  hoop_masker** out,
                                                  hoop_error** err);
/* Errors: HOOP_NOT_FOUND if unreadable; as above. */
HOOP_EXPORT hoop_status hoop_masker_new_from_file(const char* path,
                                                  hoop_masker** out,
                                                  hoop_error** err);
HOOP_EXPORT void hoop_masker_free(hoop_masker* masker);

/* Detector names ("EMAIL", ..., custom names), then "COLUMN_RULE" and
 * "FAIL_CLOSED": the indexes of hoop_mask_scratch_count. NULL when
 * i >= hoop_masker_num_counters(). LIFETIME: as long as `masker`. */
HOOP_EXPORT size_t hoop_masker_num_counters(const hoop_masker* masker);
HOOP_EXPORT const char* hoop_masker_counter_name(const hoop_masker* masker,
                                                 size_t i);

/* Where masked results are written, and running counts of what was masked.
 * One per thread (or per session): not thread-safe. Reusable with any
 * masker; counters are summed by index (use one scratch per masker if you
 * read them). */
typedef struct hoop_mask_scratch hoop_mask_scratch;

HOOP_EXPORT hoop_status hoop_mask_scratch_new(hoop_mask_scratch** out,
                                              hoop_error** err);
HOOP_EXPORT void hoop_mask_scratch_free(hoop_mask_scratch* scratch);
/* Invalidates every result written into `scratch` and reuses its memory.
 * Counters are kept. */
HOOP_EXPORT void hoop_mask_scratch_reset(hoop_mask_scratch* scratch);
/* Values and bytes masked under counter i since the scratch was made (0 if
 * none). Either out-pointer may be NULL. */
HOOP_EXPORT void hoop_mask_scratch_count(const hoop_mask_scratch* scratch,
                                         size_t i, uint64_t* values,
                                         uint64_t* bytes);

/* Masks one result cell of a column (name and type as the server reports
 * them, e.g. "email", "text"; either may be empty). Column rules of the
 * profile apply, then its detectors.
 * On HOOP_OK: *out == NULL when nothing was masked (the value is to be used
 * as it is; hoop does not hand back pointers into caller memory), else
 * (*out, *out_len) is the masked value.
 * LIFETIME: *out lives in `scratch` until hoop_mask_scratch_reset or
 * hoop_mask_scratch_free; results of successive calls accumulate there, so
 * reset it after each batch (e.g. each row).
 * Fails only on bad arguments or lack of memory; a value that cannot be
 * masked is replaced whole (fail closed), never returned raw. */
HOOP_EXPORT hoop_status hoop_masker_mask_cell(
    const hoop_masker* masker, hoop_mask_scratch* scratch,
    const char* column_name, size_t column_name_len, const char* column_type,
    size_t column_type_len, const char* value, size_t value_len,
    const char** out, size_t* out_len, hoop_error** err);

/* Masks a whole free-text buffer (an SSH transcript, an HTTP body) with the
 * profile's detectors, no column rules, and no size limit (it runs as a
 * stream). Same result contract and LIFETIME as hoop_masker_mask_cell. */
HOOP_EXPORT hoop_status hoop_masker_mask_buffer(const hoop_masker* masker,
                                                hoop_mask_scratch* scratch,
                                                const char* data,
                                                size_t data_len,
                                                const char** out,
                                                size_t* out_len,
                                                hoop_error** err);

/* A stream cut into chunks (SSH output): a value split across chunks is
 * still masked; a few bytes that may be the start of a value are held back
 * until the next chunk or hoop_stream_masker_finish.
 * Thread-safety: one thread at a time. Shares the masker. */
typedef struct hoop_stream_masker hoop_stream_masker;

HOOP_EXPORT hoop_status hoop_stream_masker_new(const hoop_masker* masker,
                                               hoop_stream_masker** out,
                                               hoop_error** err);
HOOP_EXPORT void hoop_stream_masker_free(hoop_stream_masker* stream);
/* Consumes a chunk; (*out, *out_len) are the bytes now final (maybe none).
 * LIFETIME: *out is valid until the next call on `stream` or its free. */
HOOP_EXPORT hoop_status hoop_stream_masker_write(hoop_stream_masker* stream,
                                                 const char* data,
                                                 size_t data_len,
                                                 const char** out,
                                                 size_t* out_len,
                                                 hoop_error** err);
/* End of stream: everything still held. The stream may then be reused.
 * LIFETIME: as hoop_stream_masker_write. */
HOOP_EXPORT hoop_status hoop_stream_masker_finish(hoop_stream_masker* stream,
                                                  const char** out,
                                                  size_t* out_len,
                                                  hoop_error** err);

/* ------------------------------------------------------------------------
 * Identity: who is on the client side (policy/identity.h). Either verified
 * by hoop from an OIDC ID token, or asserted by the embedder that verified
 * it itself. Thread-safety: immutable. Sessions copy it.
 * ------------------------------------------------------------------------ */
typedef struct hoop_identity hoop_identity;

typedef enum hoop_identity_kind {
  HOOP_IDENTITY_PERSON = 0,
  HOOP_IDENTITY_NON_HUMAN = 1  /* automation agent, service account, CI job */
} hoop_identity_kind;

/* From fields the embedder vouches for. `groups` is an array of n_groups
 * NUL-terminated strings (NULL when n_groups is 0). All copied. */
HOOP_EXPORT hoop_status hoop_identity_new(const char* subject,
                                          const char* email,
                                          const char* const* groups,
                                          size_t n_groups,
                                          hoop_identity_kind kind,
                                          hoop_identity** out,
                                          hoop_error** err);

/* Verifies a compact JWS ID token against a JWKS document (JSON), the
 * expected issuer ("iss") and an audience ("aud" must contain it), with 60 s
 * leeway on exp/nbf/iat, and maps its claims (sub, email, name, groups, azp)
 * to an identity. Algorithms: RS*, PS*, ES*, EdDSA; never none or HS*.
 * Errors: HOOP_UNAUTHENTICATED for any token that fails verification
 * (malformed, bad signature, expired, wrong issuer/audience, unknown kid,
 * alg none/HS*), the message naming the failed check, e.g. "token refused
 * (bad_signature): ..."; HOOP_INVALID_ARGUMENT for an unusable JWKS or an
 * empty issuer or audience. */
HOOP_EXPORT hoop_status hoop_identity_new_from_token(
    const char* token, size_t token_len, const char* jwks_json,
    size_t jwks_json_len, const char* issuer, const char* audience,
    hoop_identity** out, hoop_error** err);
HOOP_EXPORT void hoop_identity_free(hoop_identity* identity);

/* Accessors. Strings are "" when absent. LIFETIME: as long as `identity`. */
HOOP_EXPORT const char* hoop_identity_subject(const hoop_identity* identity);
HOOP_EXPORT const char* hoop_identity_email(const hoop_identity* identity);
HOOP_EXPORT const char* hoop_identity_name(const hoop_identity* identity);
HOOP_EXPORT const char* hoop_identity_issuer(const hoop_identity* identity);
HOOP_EXPORT const char* hoop_identity_client_id(
    const hoop_identity* identity);
HOOP_EXPORT hoop_identity_kind hoop_identity_get_kind(
    const hoop_identity* identity);
HOOP_EXPORT size_t hoop_identity_group_count(const hoop_identity* identity);
/* NULL when i >= hoop_identity_group_count(). */
HOOP_EXPORT const char* hoop_identity_group(const hoop_identity* identity,
                                            size_t i);
/* The token's "exp" in seconds since the Unix epoch; INT64_MAX when none
 * (identities from fields). */
HOOP_EXPORT int64_t hoop_identity_expires_unix(const hoop_identity* identity);

/* ------------------------------------------------------------------------
 * Recorder: where each session's tamper-evident records go. A hoop_recorder
 * is a configuration, not a stream: hoop_session_new_postgres makes each
 * session its own recorder from it (named by the session's id), so one
 * hoop_recorder serves many sessions. Sessions copy it: change or free it
 * at any time after.
 *
 * Sinks:
 *   file      one file per session, "<session_id>.hooprec" in a directory
 *             (created if absent), or one exact path; read and verified with
 *             `hoopctl verify` / session/reader.h.
 *   callback  write(user, framed, len) per record, in order: `framed` is
 *             the record exactly as a file would hold it (varint length +
 *             serialized hoop.session.v1.Record); return 0 to accept it,
 *             anything else to fail the recorder (the session then fails
 *             closed: hoop_session_should_close). Called from the session's
 *             recorder thread, one call at a time per session (several
 *             sessions may call at once from their threads), or on the
 *             thread calling the session when the queue capacity is 0.
 *             LIFETIME: `framed` is valid only during the call. `user` must
 *             stay valid until every session made with it is finished.
 *             The optional close(user) is called once per session when its
 *             records end (at hoop_session_finish or free).
 *
 * Defaults: durability INTERVAL (fsync at most 200 ms apart), queue of 4096
 * records, no signing key (hash chain only), checkpoint every 1000 records.
 * Thread-safety: configuration; do not mutate while sessions are made from
 * it on other threads.
 * ------------------------------------------------------------------------ */
typedef struct hoop_recorder hoop_recorder;

typedef int (*hoop_record_write_fn)(void* user, const uint8_t* framed,
                                    size_t len);
typedef void (*hoop_record_close_fn)(void* user);

/* Records to "<dir>/<session_id>.hooprec". */
HOOP_EXPORT hoop_status hoop_recorder_new_dir(const char* dir,
                                              hoop_recorder** out,
                                              hoop_error** err);
/* Records to exactly `path` (one session per path: do not share). */
HOOP_EXPORT hoop_status hoop_recorder_new_file(const char* path,
                                               hoop_recorder** out,
                                               hoop_error** err);
/* Records to a callback. `close_fn` may be NULL. */
HOOP_EXPORT hoop_status hoop_recorder_new_callback(hoop_record_write_fn write,
                                                   hoop_record_close_fn close_fn,
                                                   void* user,
                                                   hoop_recorder** out,
                                                   hoop_error** err);
HOOP_EXPORT void hoop_recorder_free(hoop_recorder* recorder);

/* Signs checkpoints with an Ed25519 private key (PKCS#8 PEM, as made by
 * `openssl genpkey -algorithm ed25519`). Errors: HOOP_INVALID_ARGUMENT. */
HOOP_EXPORT hoop_status hoop_recorder_set_signing_key_pem(
    hoop_recorder* recorder, const char* pem, size_t pem_len,
    hoop_error** err);

typedef enum hoop_durability {
  HOOP_DURABILITY_EVERY_RECORD = 0,  /* fdatasync after each record */
  HOOP_DURABILITY_INTERVAL = 1,      /* at most sync_interval_ms apart */
  HOOP_DURABILITY_AT_CLOSE = 2
} hoop_durability;

/* sync_interval_ms is used by HOOP_DURABILITY_INTERVAL (> 0).
 * Errors: HOOP_INVALID_ARGUMENT. */
HOOP_EXPORT hoop_status hoop_recorder_set_durability(
    hoop_recorder* recorder, hoop_durability durability,
    int64_t sync_interval_ms, hoop_error** err);
/* Records queued to the recorder thread; 0: written on the session's own
 * thread, no recorder thread. When full, the session waits up to 1 s, then
 * fails closed. */
HOOP_EXPORT hoop_status hoop_recorder_set_queue_capacity(
    hoop_recorder* recorder, size_t records, hoop_error** err);
/* Records between signed checkpoints (> 0). */
HOOP_EXPORT hoop_status hoop_recorder_set_checkpoint_every(
    hoop_recorder* recorder, uint32_t records, hoop_error** err);

/* ------------------------------------------------------------------------
 * Session options: everything a PostgreSQL session is made from. Sessions
 * copy them (handles are shared): reuse one options object for many
 * sessions, free it any time after. Defaults:
 *
 *   session_id       (required)  names records and approval requests
 *   policy           (required)
 *   identity         empty person  (no subject: rules on subjects miss)
 *   resource         "", HOOP_RESOURCE_POSTGRES
 *   masker           none        no masking unless a rule names a profile
 *   profiles         none        named masking profiles; a rule naming one
 *                                that is absent masks every cell whole
 *   recorder         none        no records
 *   ssl, gssenc      REFUSE      answer 'N' to SSLRequest / GSSENCRequest
 *   start            STARTUP     NORMAL: the proxy did startup itself
 *   notify_review    1           NoticeResponse to a client that is held
 *   review_timeout   300000 ms   then the held command is denied (expired)
 *   max_held_bytes   1 MiB       pipelined behind a held command; beyond,
 *                                the session fails closed
 *   max_message      1 GiB       largest protocol message accepted
 *   client_address   ""          for policy conditions and records
 *   gateway_id       ""          for records
 *   clock            system      milliseconds since the Unix epoch
 *
 * Setters that take a handle "share" it (policy, masker) or "copy" it
 * (identity, recorder); passing NULL restores the default. Setters fail
 * only on NULL/invalid arguments or lack of memory. Thread-safety:
 * configuration (see the top).
 * ------------------------------------------------------------------------ */
typedef struct hoop_session_options hoop_session_options;

typedef enum hoop_resource_kind {
  HOOP_RESOURCE_UNSPECIFIED = 0,
  HOOP_RESOURCE_POSTGRES = 1,
  HOOP_RESOURCE_MYSQL = 2,
  HOOP_RESOURCE_SSH = 3,
  HOOP_RESOURCE_HTTP = 4,
  HOOP_RESOURCE_KUBERNETES = 5
} hoop_resource_kind;

/* The answer to a client's SSLRequest / GSSENCRequest. */
typedef enum hoop_pg_encryption {
  HOOP_PG_ENCRYPTION_REFUSE = 0,  /* answer 'N': the client goes on in clear */
  HOOP_PG_ENCRYPTION_ACCEPT = 1,  /* answer 'S', event TLS_REQUESTED: the
                                     proxy terminates TLS and feeds the
                                     plaintext (not for gssenc) */
  HOOP_PG_ENCRYPTION_FORWARD = 2  /* pass it to the server; if it says 'S'
                                     the session fails closed */
} hoop_pg_encryption;

typedef enum hoop_pg_start {
  HOOP_PG_START_STARTUP = 0,  /* the first client bytes are the startup */
  HOOP_PG_START_NORMAL = 1    /* startup and authentication already done */
} hoop_pg_start;

/* NULL only when out of memory. */
HOOP_EXPORT hoop_session_options* hoop_session_options_new(void);
HOOP_EXPORT void hoop_session_options_free(hoop_session_options* options);

HOOP_EXPORT hoop_status hoop_session_options_set_session_id(
    hoop_session_options* options, const char* session_id, hoop_error** err);
HOOP_EXPORT hoop_status hoop_session_options_set_policy(
    hoop_session_options* options, const hoop_policy* policy,
    hoop_error** err);
HOOP_EXPORT hoop_status hoop_session_options_set_identity(
    hoop_session_options* options, const hoop_identity* identity,
    hoop_error** err);
HOOP_EXPORT hoop_status hoop_session_options_set_resource(
    hoop_session_options* options, const char* name, hoop_resource_kind kind,
    hoop_error** err);
/* Adds a resource label (key=value) that policy rules may match. */
HOOP_EXPORT hoop_status hoop_session_options_add_resource_label(
    hoop_session_options* options, const char* key, const char* value,
    hoop_error** err);
/* The default masking profile; NULL: none. */
HOOP_EXPORT hoop_status hoop_session_options_set_masker(
    hoop_session_options* options, const hoop_masker* masker,
    hoop_error** err);
/* A masking profile that policy rules name ("masking_profile: pii-strict").
 * Replaces one of the same name. */
HOOP_EXPORT hoop_status hoop_session_options_add_profile(
    hoop_session_options* options, const char* name,
    const hoop_masker* masker, hoop_error** err);
/* NULL: no records. */
HOOP_EXPORT hoop_status hoop_session_options_set_recorder(
    hoop_session_options* options, const hoop_recorder* recorder,
    hoop_error** err);
HOOP_EXPORT hoop_status hoop_session_options_set_ssl(
    hoop_session_options* options, hoop_pg_encryption ssl, hoop_error** err);
/* HOOP_PG_ENCRYPTION_ACCEPT is refused by hoop_session_new_postgres. */
HOOP_EXPORT hoop_status hoop_session_options_set_gssenc(
    hoop_session_options* options, hoop_pg_encryption gssenc,
    hoop_error** err);
HOOP_EXPORT hoop_status hoop_session_options_set_start(
    hoop_session_options* options, hoop_pg_start start, hoop_error** err);
HOOP_EXPORT hoop_status hoop_session_options_set_notify_review(
    hoop_session_options* options, int notify, hoop_error** err);
/* > 0. */
HOOP_EXPORT hoop_status hoop_session_options_set_review_timeout_ms(
    hoop_session_options* options, int64_t timeout_ms, hoop_error** err);
HOOP_EXPORT hoop_status hoop_session_options_set_max_held_bytes(
    hoop_session_options* options, size_t max_held_bytes, hoop_error** err);
/* > 0 and <= 1 GiB. */
HOOP_EXPORT hoop_status hoop_session_options_set_max_message_size(
    hoop_session_options* options, uint32_t max_message_size,
    hoop_error** err);
HOOP_EXPORT hoop_status hoop_session_options_set_client_address(
    hoop_session_options* options, const char* address, hoop_error** err);
HOOP_EXPORT hoop_status hoop_session_options_set_gateway_id(
    hoop_session_options* options, const char* gateway_id, hoop_error** err);

/* A clock for review deadlines and records: milliseconds since the Unix
 * epoch. Called on the session's thread during its calls (and by its
 * recorder for timestamps, possibly from the recorder thread). NULL: the
 * system clock. `user` must outlive the sessions made with it. */
typedef int64_t (*hoop_clock_fn)(void* user);
HOOP_EXPORT hoop_status hoop_session_options_set_clock(
    hoop_session_options* options, hoop_clock_fn now_ms, void* user,
    hoop_error** err);

/* ------------------------------------------------------------------------
 * Session: one proxied PostgreSQL connection (session/session.h,
 * session/postgres_session.h). The proxy feeds it every chunk it reads and
 * writes out what the session returns.
 *
 * Output. After each call of feed, resolve, tick and finish, the session
 * holds that call's output:
 *   to_server   slices to write to the server, in order;
 *   to_client   slices to write to the client, in order: the server's
 *               frames (masked) and the session's own replies (an
 *               ErrorResponse + ReadyForQuery for a denied command, the
 *               notice that a command waits for review, 'N' to SSLRequest);
 *   events      verdicts, approval requests, results, errors;
 *   should_close  write what is above, then close both connections.
 * LIFETIME: everything output-related is valid until the next call of
 * feed, feed_borrowed, resolve, tick or finish on the session, or its free.
 * A call that fails leaves an empty output.
 *
 * Copying. hoop_session_feed first copies the chunk into session memory
 * (one memcpy of each byte fed, small beside decoding and masking), so the
 * caller may reuse its buffer at once, and slices never point into caller
 * memory: the safe choice for Go and Python. hoop_session_feed_borrowed
 * skips that copy: unchanged frames are then slices of the caller's chunk,
 * which must stay valid and unchanged until the output has been written
 * (the next call on the session). For C/C++ callers only.
 *
 * Thread-safety: one thread at a time. Calls must not overlap; an embedder
 * resolving reviews from another thread serialises them with its own lock
 * or event loop. Any thread may make the calls.
 * ------------------------------------------------------------------------ */
typedef struct hoop_session hoop_session;

typedef enum hoop_direction {
  HOOP_CLIENT_TO_SERVER = 0,  /* bytes read from the client */
  HOOP_SERVER_TO_CLIENT = 1   /* bytes read from the server */
} hoop_direction;

/* Same layout as struct iovec: cast an array of them for writev(2). */
typedef struct hoop_slice {
  const uint8_t* data;
  size_t len;
} hoop_slice;

typedef enum hoop_event_kind {
  HOOP_EVENT_STARTUP = 0,             /* text: "user=… database=… …" */
  HOOP_EVENT_COMMAND = 1,             /* a command was decided */
  HOOP_EVENT_APPROVAL_REQUESTED = 2,  /* held; request_id names it */
  HOOP_EVENT_APPROVAL_RESOLVED = 3,   /* approved, denied, expired, cancelled */
  HOOP_EVENT_RESULT = 4,              /* a command finished; rows */
  HOOP_EVENT_ERROR = 5,               /* protocol/masking/recorder; fatal */
  HOOP_EVENT_TLS_REQUESTED = 6        /* SSLRequest answered 'S' (ACCEPT) */
} hoop_event_kind;

typedef enum hoop_decision {
  HOOP_DECISION_ALLOW = 0,
  HOOP_DECISION_REVIEW = 1,
  HOOP_DECISION_DENY = 2
} hoop_decision;

typedef enum hoop_resolution {
  HOOP_RESOLUTION_APPROVE = 0,
  HOOP_RESOLUTION_DENY = 1,
  HOOP_RESOLUTION_EXPIRE = 2,  /* a review timed out (hoop_session_tick) */
  HOOP_RESOLUTION_CANCEL = 3   /* the session ended while it was held */
} hoop_resolution;

/* session.v1.EndReason values, for hoop_session_finish. */
typedef enum hoop_end_reason {
  HOOP_END_UNSPECIFIED = 0,
  HOOP_END_CLIENT_CLOSED = 1,
  HOOP_END_SERVER_CLOSED = 2,
  HOOP_END_PROTOCOL_ERROR = 3,
  HOOP_END_POLICY = 4,
  HOOP_END_RECORDER_OVERLOADED = 5,
  HOOP_END_GATEWAY_SHUTDOWN = 6,
  HOOP_END_IDLE_TIMEOUT = 7
} hoop_end_reason;

/* One event. Read it through the pointer hoop_session_event returns (fields
 * are only ever appended, never reordered). Strings are NUL-terminated and
 * also carry their length; "" when not set for the kind.
 * LIFETIME: as the session's output. */
typedef struct hoop_event {
  hoop_event_kind kind;
  hoop_decision decision;      /* COMMAND */
  hoop_resolution resolution;  /* APPROVAL_RESOLVED */
  int fatal;                   /* ERROR: the session cannot go on */
  uint64_t command_id;         /* COMMAND, APPROVAL_*, RESULT */
  uint64_t rows;               /* RESULT */
  const char* request_id;      /* APPROVAL_*: what hoop_session_resolve takes */
  size_t request_id_len;
  const char* rule_id;         /* COMMAND: the deciding rule ("": default) */
  size_t rule_id_len;
  /* COMMAND: the statement (masked); RESULT: the command tag ("SELECT 3")
   * or the server's error; ERROR: what went wrong; STARTUP: user etc. */
  const char* text;
  size_t text_len;
  const char* reason;          /* COMMAND: why (deny: what the client saw) */
  size_t reason_len;
} hoop_event;

/* Cumulative counters. */
typedef struct hoop_session_stats {
  uint64_t bytes_client_to_server;    /* fed from the client */
  uint64_t bytes_server_to_client;    /* fed from the server */
  uint64_t bytes_forwarded_to_server;
  uint64_t bytes_forwarded_to_client;
  uint64_t commands;
  uint64_t allowed;
  uint64_t denied;
  uint64_t reviewed;
  uint64_t rows;
  uint64_t rows_rewritten;            /* DataRows with a masked cell */
  uint64_t cells_masked;
  uint64_t binary_cells_unmasked;     /* binary cells of non-text types */
  uint64_t held_bytes;                /* now */
} hoop_session_stats;

/* Errors: HOOP_INVALID_ARGUMENT without a session id or policy, or with
 * gssenc ACCEPT; a recorder's error (e.g. the directory cannot be made). */
HOOP_EXPORT hoop_status hoop_session_new_postgres(
    const hoop_session_options* options, hoop_session** out,
    hoop_error** err);

/* Ends the session if hoop_session_finish was not called (reason
 * UNSPECIFIED: the records say it was not ended cleanly), then frees it. */
HOOP_EXPORT void hoop_session_free(hoop_session* session);

/* The next bytes read from `from`'s socket (copied; see Copying above).
 * Errors: HOOP_FAILED_PRECONDITION after finish; HOOP_INVALID_ARGUMENT for
 * a bad direction (nothing was consumed: these two may be retried). Any
 * other error (out of memory) leaves the stream in an unknown state: close
 * the connection. Malformed protocol input is not an error of the call: it
 * is an ERROR event with fatal set, and should_close. */
HOOP_EXPORT hoop_status hoop_session_feed(hoop_session* session,
                                          hoop_direction from,
                                          const uint8_t* data, size_t len,
                                          hoop_error** err);
/* As hoop_session_feed without the copy. REQUIRES: data[0, len) stays valid
 * and unchanged until the next call on the session (or its free). */
HOOP_EXPORT hoop_status hoop_session_feed_borrowed(hoop_session* session,
                                                   hoop_direction from,
                                                   const uint8_t* data,
                                                   size_t len,
                                                   hoop_error** err);

/* Decides a held command (request_id from an APPROVAL_REQUESTED event).
 * `approver` (who decided) and `reason` are recorded; may be NULL.
 * `resolution` is APPROVE or DENY. Errors: HOOP_NOT_FOUND when nothing is
 * held under `request_id` (nothing changes); HOOP_INVALID_ARGUMENT. */
HOOP_EXPORT hoop_status hoop_session_resolve(hoop_session* session,
                                             const char* request_id,
                                             hoop_resolution resolution,
                                             const char* approver,
                                             const char* reason,
                                             hoop_error** err);

/* Expires reviews whose deadline has passed. Cheap when nothing is due. */
HOOP_EXPORT hoop_status hoop_session_tick(hoop_session* session,
                                          hoop_error** err);

/* When hoop_session_tick next has work, in milliseconds since the Unix
 * epoch (by the session's clock); -1 when nothing is held. */
HOOP_EXPORT int64_t hoop_session_next_deadline_ms(const hoop_session* session);

/* Ends the session: cancels held commands, records the end, closes the
 * recorder (waits for its records to be written). Later feed/resolve/tick
 * calls fail with HOOP_FAILED_PRECONDITION; a second finish is a no-op.
 * `detail` (may be NULL) is free text for the record. */
HOOP_EXPORT hoop_status hoop_session_finish(hoop_session* session,
                                            hoop_end_reason reason,
                                            const char* detail,
                                            hoop_error** err);

/* The last call's output (see Output above). *count receives the number of
 * slices; the array is NULL when empty. LIFETIME: as the output. */
HOOP_EXPORT const hoop_slice* hoop_session_to_server(
    const hoop_session* session, size_t* count);
HOOP_EXPORT const hoop_slice* hoop_session_to_client(
    const hoop_session* session, size_t* count);
/* Total bytes of those slices. */
HOOP_EXPORT size_t hoop_session_to_server_bytes(const hoop_session* session);
HOOP_EXPORT size_t hoop_session_to_client_bytes(const hoop_session* session);
/* The same bytes joined in one session-owned buffer (copied on the first
 * call for that output; handy for bindings that prefer one read). *data is
 * NULL when there are none. LIFETIME: as the output. Errors only for lack
 * of memory. */
HOOP_EXPORT hoop_status hoop_session_to_server_joined(hoop_session* session,
                                                      const uint8_t** data,
                                                      size_t* len,
                                                      hoop_error** err);
HOOP_EXPORT hoop_status hoop_session_to_client_joined(hoop_session* session,
                                                      const uint8_t** data,
                                                      size_t* len,
                                                      hoop_error** err);
HOOP_EXPORT size_t hoop_session_event_count(const hoop_session* session);
/* NULL when i >= hoop_session_event_count(). LIFETIME: as the output. */
HOOP_EXPORT const hoop_event* hoop_session_event(const hoop_session* session,
                                                 size_t i);
/* 1: write the output, then close both connections (malformed input, the
 * recorder failed, held bytes overflowed). The events/records say why. */
HOOP_EXPORT int hoop_session_should_close(const hoop_session* session);

/* Request ids of the commands held now, oldest first: the count, then each
 * (NULL past the end). LIFETIME: hoop_session_held_request's strings are
 * valid until the next hoop_session_held_count or any call that changes the
 * session. */
HOOP_EXPORT size_t hoop_session_held_count(hoop_session* session);
HOOP_EXPORT const char* hoop_session_held_request(const hoop_session* session,
                                                  size_t i);

/* Copies the counters into *out, at most `out_size` bytes of them (pass
 * sizeof(hoop_session_stats); older callers get the prefix they know). */
HOOP_EXPORT void hoop_session_get_stats(const hoop_session* session,
                                        hoop_session_stats* out,
                                        size_t out_size);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HOOP_HOOP_H_ */
