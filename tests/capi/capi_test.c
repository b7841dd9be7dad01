/* Copyright 2026 The hoop Authors.
 *
 * The C API's test, written in C (C99) and linked only against libhoop.so.
 * Every function of hoop.h is called, error paths included, and a PostgreSQL
 * session is driven with hand-built protocol messages: an allowed query is
 * forwarded, a denied one answered with ErrorResponse 42501 +
 * ReadyForQuery, an email in a DataRow masked, a held write approved,
 * refused and expired.
 *
 *   capi_test            every group
 *   capi_test masker id  only those groups (version errors policy masker
 *                        identity recorder options session threads)
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hoop/hoop.h"

/* --- a tiny harness ------------------------------------------------------ */

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                    \
  do {                                                                 \
    ++checks;                                                          \
    if (!(cond)) {                                                     \
      ++failures;                                                      \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                  \
    }                                                                  \
  } while (0)

/* A call that must succeed; prints the error otherwise. */
#define CHECK_OK(call)                                                     \
  do {                                                                     \
    hoop_error* check_ok_err_ = NULL;                                      \
    hoop_status check_ok_st_ = (call);                                     \
    (void)check_ok_err_;                                                   \
    ++checks;                                                              \
    if (check_ok_st_ != HOOP_OK) {                                         \
      ++failures;                                                          \
      fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, \
              hoop_status_name(check_ok_st_));                             \
    }                                                                      \
  } while (0)

/* Calls that take `&err`: expects `code`, and a message containing `part`
 * (NULL: any). Frees the error. */
static void expect_error(const char* file, int line, hoop_status st,
                         hoop_error* err, hoop_status code,
                         const char* part) {
  ++checks;
  if (st != code || hoop_error_code(err) != code ||
      (code != HOOP_OK && err == NULL) || (code == HOOP_OK && err != NULL) ||
      (part != NULL && strstr(hoop_error_message(err), part) == NULL)) {
    ++failures;
    fprintf(stderr,
            "%s:%d: expected %s%s%s%s, got %s (error %s: \"%s\")\n", file,
            line, hoop_status_name(code), part ? " with \"" : "",
            part ? part : "", part ? "\"" : "", hoop_status_name(st),
            hoop_status_name(hoop_error_code(err)), hoop_error_message(err));
  }
  hoop_error_free(err);
}
/* The call is made first, then `err` read (argument order is unspecified). */
#define EXPECT_ERROR(call, err, code, part)                             \
  do {                                                                  \
    const hoop_status expect_error_st_ = (call);                        \
    expect_error(__FILE__, __LINE__, expect_error_st_, (err), (code),   \
                 (part));                                               \
  } while (0)

static int contains(const void* hay, size_t hay_len, const void* needle,
                    size_t needle_len) {
  const uint8_t* h = (const uint8_t*)hay;
  size_t i;
  if (needle_len == 0) return 1;
  if (hay == NULL || hay_len < needle_len) return 0;
  for (i = 0; i + needle_len <= hay_len; ++i) {
    if (memcmp(h + i, needle, needle_len) == 0) return 1;
  }
  return 0;
}
#define CONTAINS_STR(hay, len, s) contains((hay), (len), (s), strlen(s))

/* --- fixtures ------------------------------------------------------------ */

static const char kPolicy[] =
    "version: hoop.policy/v1\n"
    "name: capi-test\n"
    "rules:\n"
    "  - id: analysts-read\n"
    "    subjects: [{groups: [analysts]}]\n"
    "    resources: {names: [\"warehouse-*\"], kinds: [postgres]}\n"
    "    sql: {effects: [read]}\n"
    "    verdict: allow\n"
    "  - id: analysts-write-review\n"
    "    subjects: [{groups: [analysts]}]\n"
    "    sql: {effects: [write]}\n"
    "    verdict: review\n"
    "    review: {approver_groups: [dba]}\n"
    "  - id: no-unbounded-writes\n"
    "    sql: {flags: [no_where]}\n"
    "    verdict: deny\n"
    "    message: add a WHERE clause\n";

/* Line 4 has an unknown verdict. */
static const char kBadPolicy[] =
    "version: hoop.policy/v1\n"
    "rules:\n"
    "  - id: r1\n"
    "    verdict: maybe\n";

static const char kProfile[] =
    "name: capi\n"
    "all_builtins: true\n"
    "default_method: {kind: REDACT}\n"
    "columns:\n"
    "  - name: '(?i)^password$'\n"
    "    action: MASK\n"
    "    method: {kind: REDACT, token: \"[SECRET]\"}\n"
    "  - types: [int4]\n"
    "    action: EXEMPT\n";

/* Line 3: a pattern RE2 refuses. */
static const char kBadProfile[] =
    "name: bad\n"
    "detectors:\n"
    "  - {name: X, pattern: '(a'}\n";

/* An Ed25519 JWKS and tokens made for this test (python3-cryptography):
 * iss https://idp.example.com, aud hoop-gateway, sub ana, groups
 * [analysts, dba], exp 2100-01-01. */
static const char kJwks[] =
    "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"capi-test\","
    "\"use\":\"sig\",\"alg\":\"EdDSA\","
    "\"x\":\"JhuKVccxeeOt1ySM5OHOuljIhOHH9U-plSsAuw6no98\"}]}";
#define TOKEN_HEADER "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6ImNhcGktdGVzdCJ9."
#define TOKEN_CLAIMS_PREFIX                                               \
  "eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imhvb3AtZ2F0ZXdh" \
  "eSIsInN1YiI6ImFuYSIsImVtYWlsIjoiYW5hQGV4YW1wbGUuY29tIiwibmFtZSI6IkFu" \
  "YSIsImdyb3VwcyI6WyJhbmFseXN0cyIsImRiYSJdLCJpYXQiOjE3MDAwMDAwMDAsImV4"
static const char kGoodToken[] =
    TOKEN_HEADER TOKEN_CLAIMS_PREFIX
    "cCI6NDEwMjQ0NDgwMH0."
    "OPAuaYkknO5xuu2q-Nfq1BOOhkfnOm-9qcZsw4UQbEYCvAYy-nJpgLzT4ZBqJ4KNkYcZ6a"
    "vD2472wVq6syS7Cw";
static const char kOtherKeyToken[] =
    TOKEN_HEADER TOKEN_CLAIMS_PREFIX
    "cCI6NDEwMjQ0NDgwMH0."
    "z0xZjPZr84VWdXPQCnSHeCWDJuyM5-U3ni71tNS7dyLC8rQSd3vUr1gE-F-8S92ZgevwSz"
    "XXeZ8Q477ZgF3GBw";
static const char kExpiredToken[] =
    TOKEN_HEADER TOKEN_CLAIMS_PREFIX
    "cCI6MTcwMDAwMDYwMH0."
    "QYHa65SpYDtS_a1-alm9hJ-SXD5mmmfO6K75OaFE6UM5JPnImpL8Q1snm7CyybMV8-DGGq"
    "eaMuW-6bSdhfuYDg";
static const char kAlgNoneToken[] =
    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." TOKEN_CLAIMS_PREFIX
    "cCI6NDEwMjQ0NDgwMH0.";

static const char kSigningKeyPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIGsFcycXQYpMJkTih5kdOpDuXOhw+3F5Zjvpt/3tHj7s\n"
    "-----END PRIVATE KEY-----\n";

static char temp_dir[256];

static void write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  CHECK(f != NULL);
  if (f == NULL) return;
  fputs(text, f);
  fclose(f);
}

/* --- PostgreSQL messages, built by hand ---------------------------------- */

typedef struct {
  uint8_t data[4096];
  size_t len;
} msgbuf;

static void put_u8(msgbuf* b, uint8_t v) { b->data[b->len++] = v; }
static void put_u16(msgbuf* b, uint16_t v) {
  put_u8(b, (uint8_t)(v >> 8));
  put_u8(b, (uint8_t)v);
}
static void put_u32(msgbuf* b, uint32_t v) {
  put_u16(b, (uint16_t)(v >> 16));
  put_u16(b, (uint16_t)v);
}
static void put_bytes(msgbuf* b, const void* p, size_t n) {
  memcpy(b->data + b->len, p, n);
  b->len += n;
}
static void put_cstr(msgbuf* b, const char* s) { put_bytes(b, s, strlen(s) + 1); }

/* Starts a message of `type`; returns where its length goes. */
static size_t begin_msg(msgbuf* b, char type) {
  size_t at;
  put_u8(b, (uint8_t)type);
  at = b->len;
  put_u32(b, 0);
  return at;
}
static void end_msg(msgbuf* b, size_t at) {
  const uint32_t n = (uint32_t)(b->len - at);
  b->data[at] = (uint8_t)(n >> 24);
  b->data[at + 1] = (uint8_t)(n >> 16);
  b->data[at + 2] = (uint8_t)(n >> 8);
  b->data[at + 3] = (uint8_t)n;
}

static void query_msg(msgbuf* b, const char* sql) {
  size_t at = begin_msg(b, 'Q');
  put_cstr(b, sql);
  end_msg(b, at);
}

/* RowDescription (text columns named `names`, OID 25 text), DataRows,
 * CommandComplete "SELECT n", ReadyForQuery 'I'. */
static void result_msgs(msgbuf* b, const char* const* names, size_t ncols,
                        const char* const* cells, size_t nrows) {
  size_t at = begin_msg(b, 'T');
  size_t c, r;
  char tag[32];
  put_u16(b, (uint16_t)ncols);
  for (c = 0; c < ncols; ++c) {
    put_cstr(b, names[c]);
    put_u32(b, 16384); /* table OID */
    put_u16(b, (uint16_t)(c + 1));
    put_u32(b, 25);    /* text */
    put_u16(b, 0xFFFF); /* typlen -1 */
    put_u32(b, 0xFFFFFFFFu);
    put_u16(b, 0);     /* text format */
  }
  end_msg(b, at);
  for (r = 0; r < nrows; ++r) {
    at = begin_msg(b, 'D');
    put_u16(b, (uint16_t)ncols);
    for (c = 0; c < ncols; ++c) {
      const char* v = cells[r * ncols + c];
      put_u32(b, (uint32_t)strlen(v));
      put_bytes(b, v, strlen(v));
    }
    end_msg(b, at);
  }
  snprintf(tag, sizeof tag, "SELECT %u", (unsigned)nrows);
  at = begin_msg(b, 'C');
  put_cstr(b, tag);
  end_msg(b, at);
  at = begin_msg(b, 'Z');
  put_u8(b, 'I');
  end_msg(b, at);
}

/* The joined output of one direction (copied out for the checks). */
typedef struct {
  uint8_t data[8192];
  size_t len;
} joined;

static void get_to_client(hoop_session* s, joined* j) {
  const uint8_t* p = NULL;
  size_t n = 0;
  CHECK_OK(hoop_session_to_client_joined(s, &p, &n, NULL));
  CHECK(n == hoop_session_to_client_bytes(s));
  CHECK(n <= sizeof j->data);
  j->len = n <= sizeof j->data ? n : 0;
  if (j->len != 0) memcpy(j->data, p, j->len);
}
static void get_to_server(hoop_session* s, joined* j) {
  const uint8_t* p = NULL;
  size_t n = 0;
  CHECK_OK(hoop_session_to_server_joined(s, &p, &n, NULL));
  CHECK(n == hoop_session_to_server_bytes(s));
  CHECK(n <= sizeof j->data);
  j->len = n <= sizeof j->data ? n : 0;
  if (j->len != 0) memcpy(j->data, p, j->len);
}

/* The first event of `kind` in the last output, or NULL. */
static const hoop_event* find_event(const hoop_session* s,
                                    hoop_event_kind kind) {
  size_t i;
  for (i = 0; i < hoop_session_event_count(s); ++i) {
    const hoop_event* e = hoop_session_event(s, i);
    if (e->kind == kind) return e;
  }
  return NULL;
}

/* Whether `j` holds an ErrorResponse with SQLSTATE `code` followed (last)
 * by ReadyForQuery 'I'. */
static int is_error_then_ready(const joined* j, const char* code) {
  char field[16];
  snprintf(field, sizeof field, "C%s", code);
  return j->len > 6 && contains(j->data, j->len, "E", 1) &&
         contains(j->data, j->len, field, strlen(field) + 1) &&
         memcmp(j->data + j->len - 6, "Z\0\0\0\5I", 6) == 0;
}

/* --- groups -------------------------------------------------------------- */

static void test_version(void) {
  CHECK(strcmp(hoop_version(), HOOP_VERSION_STRING) == 0);
  CHECK(hoop_version_number() == HOOP_VERSION_NUMBER);
  CHECK(HOOP_VERSION_NUMBER ==
        HOOP_VERSION_MAJOR * 10000 + HOOP_VERSION_MINOR * 100 +
            HOOP_VERSION_PATCH);
}

static void test_errors(void) {
  hoop_error* err = (hoop_error*)&err; /* garbage: must be overwritten */
  hoop_policy* p = NULL;
  CHECK(strcmp(hoop_status_name(HOOP_OK), "OK") == 0);
  CHECK(strcmp(hoop_status_name(HOOP_INVALID_ARGUMENT), "INVALID_ARGUMENT") ==
        0);
  CHECK(strcmp(hoop_status_name(HOOP_UNAUTHENTICATED), "UNAUTHENTICATED") ==
        0);
  CHECK(strcmp(hoop_status_name((hoop_status)99), "UNKNOWN_STATUS") == 0);
  /* Pinned values: the canonical codes. */
  CHECK(HOOP_INVALID_ARGUMENT == 3 && HOOP_NOT_FOUND == 5 &&
        HOOP_RESOURCE_EXHAUSTED == 8 && HOOP_FAILED_PRECONDITION == 9 &&
        HOOP_INTERNAL == 13 && HOOP_UNAUTHENTICATED == 16);
  CHECK(hoop_error_code(NULL) == HOOP_OK);
  CHECK(strcmp(hoop_error_message(NULL), "") == 0);
  hoop_error_free(NULL);
  /* *err is written on success too (NULL). */
  CHECK(hoop_policy_new_from_text(kPolicy, strlen(kPolicy), NULL, &p, &err) ==
        HOOP_OK);
  CHECK(err == NULL);
  hoop_policy_free(p);
  /* Without err, the status alone. */
  CHECK(hoop_policy_new_from_text("rules: 7", 8, NULL, &p, NULL) ==
        HOOP_INVALID_ARGUMENT);
  /* Out-pointer NULL: an argument error. */
  EXPECT_ERROR(hoop_policy_new_from_text(kPolicy, strlen(kPolicy), NULL,
                                         NULL, &err),
               err, HOOP_INVALID_ARGUMENT, "out");
}

static void test_policy(void) {
  hoop_error* err = NULL;
  hoop_policy* p = NULL;
  char path[512];

  CHECK_OK(hoop_policy_new_from_text(kPolicy, strlen(kPolicy), "capi.yaml", &p,
                                     &err));
  CHECK(p != NULL);
  CHECK(hoop_policy_rule_count(p) == 3);
  CHECK(strcmp(hoop_policy_name(p), "capi-test") == 0);
  hoop_policy_free(p);
  hoop_policy_free(NULL);
  CHECK(hoop_policy_rule_count(NULL) == 0);

  /* The error names the source, line and field. */
  p = NULL;
  EXPECT_ERROR(hoop_policy_new_from_text(kBadPolicy, strlen(kBadPolicy),
                                         "bad.yaml", &p, &err),
               err, HOOP_INVALID_ARGUMENT, "bad.yaml:4:");
  CHECK(p == NULL); /* out-parameters are written only on success */
  EXPECT_ERROR(hoop_policy_new_from_text(kBadPolicy, strlen(kBadPolicy), NULL,
                                         &p, &err),
               err, HOOP_INVALID_ARGUMENT, "<policy>:4:");
  EXPECT_ERROR(hoop_policy_new_from_text(NULL, 3, NULL, &p, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);

  snprintf(path, sizeof path, "%s/policy.yaml", temp_dir);
  write_file(path, kPolicy);
  CHECK_OK(hoop_policy_new_from_file(path, &p, NULL));
  CHECK(hoop_policy_rule_count(p) == 3);
  hoop_policy_free(p);

  snprintf(path, sizeof path, "%s/absent.yaml", temp_dir);
  EXPECT_ERROR(hoop_policy_new_from_file(path, &p, &err), err, HOOP_NOT_FOUND,
               "absent.yaml");
  snprintf(path, sizeof path, "%s/bad.yaml", temp_dir);
  write_file(path, kBadPolicy);
  EXPECT_ERROR(hoop_policy_new_from_file(path, &p, &err), err,
               HOOP_INVALID_ARGUMENT, "bad.yaml:4:");
  EXPECT_ERROR(hoop_policy_new_from_file(NULL, &p, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
}

static void test_masker(void) {
  hoop_error* err = NULL;
  hoop_masker* m = NULL;
  hoop_masker* custom = NULL;
  hoop_mask_scratch* scratch = NULL;
  hoop_stream_masker* stream = NULL;
  const char* out = NULL;
  size_t out_len = 0;
  size_t i, email = (size_t)-1;
  uint64_t values = 0, bytes = 0;
  char path[512];
  char streamed[256];
  size_t streamed_len = 0;
  static const char kCell[] = "write to ana@example.com today";
  static const char kPlain[] = "nothing to see here";
  static const char kText[] =
      "user ana@example.com logged in from 192.168.10.7\n";

  CHECK_OK(hoop_masker_new_default(&m, &err));
  CHECK_OK(hoop_mask_scratch_new(&scratch, &err));
  CHECK(hoop_masker_num_counters(m) > 2);
  for (i = 0; i < hoop_masker_num_counters(m); ++i) {
    if (strcmp(hoop_masker_counter_name(m, i), "EMAIL") == 0) email = i;
  }
  CHECK(email != (size_t)-1);
  CHECK(strcmp(hoop_masker_counter_name(m, hoop_masker_num_counters(m) - 1),
               "FAIL_CLOSED") == 0);
  CHECK(hoop_masker_counter_name(m, hoop_masker_num_counters(m)) == NULL);

  /* A match: the masked value, in scratch. */
  CHECK_OK(hoop_masker_mask_cell(m, scratch, "note", 4, "text", 4, kCell,
                                 strlen(kCell), &out, &out_len, &err));
  CHECK(out != NULL);
  CHECK(out_len == strlen("write to [EMAIL] today") &&
        memcmp(out, "write to [EMAIL] today", out_len) == 0);
  hoop_mask_scratch_count(scratch, email, &values, &bytes);
  CHECK(values == 1 && bytes == strlen("ana@example.com"));
  hoop_mask_scratch_count(scratch, 9999, &values, NULL);
  CHECK(values == 0);

  /* No match: NULL, the caller keeps its own bytes. */
  out = kPlain;
  CHECK_OK(hoop_masker_mask_cell(m, scratch, "note", 4, "text", 4, kPlain,
                                 strlen(kPlain), &out, &out_len, &err));
  CHECK(out == NULL && out_len == strlen(kPlain));
  CHECK_OK(hoop_masker_mask_cell(m, scratch, NULL, 0, NULL, 0, NULL, 0, &out,
                                 &out_len, &err));
  CHECK(out == NULL && out_len == 0);
  hoop_mask_scratch_reset(scratch);
  hoop_mask_scratch_count(scratch, email, &values, NULL);
  CHECK(values == 1); /* reset keeps the counts */

  /* Argument errors. */
  EXPECT_ERROR(hoop_masker_mask_cell(m, NULL, "a", 1, "text", 4, kCell, 3,
                                     &out, &out_len, &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_masker_mask_cell(m, scratch, "a", 1, "text", 4, NULL, 3,
                                     &out, &out_len, &err),
               err, HOOP_INVALID_ARGUMENT, NULL);

  /* A whole buffer, and the same text as a stream cut inside the email. */
  CHECK_OK(hoop_masker_mask_buffer(m, scratch, kText, strlen(kText), &out,
                                   &out_len, &err));
  CHECK(out != NULL &&
        out_len == strlen("user [EMAIL] logged in from [IPV4]\n") &&
        memcmp(out, "user [EMAIL] logged in from [IPV4]\n", out_len) == 0);
  CHECK_OK(hoop_masker_mask_buffer(m, scratch, kPlain, strlen(kPlain), &out,
                                   &out_len, &err));
  CHECK(out == NULL && out_len == strlen(kPlain));
  EXPECT_ERROR(hoop_masker_mask_buffer(m, scratch, NULL, 1, &out, &out_len,
                                       &err),
               err, HOOP_INVALID_ARGUMENT, NULL);

  CHECK_OK(hoop_stream_masker_new(m, &stream, &err));
  for (i = 0; i < strlen(kText); i += 7) { /* 7-byte chunks */
    size_t n = strlen(kText) - i < 7 ? strlen(kText) - i : 7;
    CHECK_OK(hoop_stream_masker_write(stream, kText + i, n, &out, &out_len,
                                      &err));
    CHECK(streamed_len + out_len <= sizeof streamed);
    if (out_len != 0) memcpy(streamed + streamed_len, out, out_len);
    streamed_len += out_len;
  }
  CHECK_OK(hoop_stream_masker_finish(stream, &out, &out_len, &err));
  if (out_len != 0) memcpy(streamed + streamed_len, out, out_len);
  streamed_len += out_len;
  CHECK(streamed_len == strlen("user [EMAIL] logged in from [IPV4]\n") &&
        memcmp(streamed, "user [EMAIL] logged in from [IPV4]\n",
               streamed_len) == 0);
  EXPECT_ERROR(hoop_stream_masker_write(stream, NULL, 2, &out, &out_len, &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  hoop_stream_masker_free(stream);
  EXPECT_ERROR(hoop_stream_masker_new(NULL, &stream, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);

  /* A profile: column rules by name and by type. The stream masker keeps
   * its own reference to the masker. */
  CHECK_OK(hoop_masker_new_from_text(kProfile, strlen(kProfile), "capi.yaml",
                                     &custom, &err));
  CHECK_OK(hoop_stream_masker_new(custom, &stream, &err));
  CHECK_OK(hoop_masker_mask_cell(custom, scratch, "Password", 8, "text", 4,
                                 "hunter2", 7, &out, &out_len, &err));
  CHECK(out != NULL && out_len == 8 && memcmp(out, "[SECRET]", 8) == 0);
  CHECK_OK(hoop_masker_mask_cell(custom, scratch, "n", 1, "int4", 4,
                                 "4111111111111111", 16, &out, &out_len,
                                 &err));
  CHECK(out == NULL); /* exempt type */
  CHECK_OK(hoop_masker_mask_cell(custom, scratch, "n", 1, "text", 4,
                                 "4111111111111111", 16, &out, &out_len,
                                 &err));
  CHECK(out != NULL && out_len == strlen("[PAYMENT_CARD]"));
  hoop_masker_free(custom);
  CHECK_OK(hoop_stream_masker_write(stream, "mail bo@example.org ok", 22, &out,
                                    &out_len, &err));
  CHECK_OK(hoop_stream_masker_finish(stream, &out, &out_len, &err));
  hoop_stream_masker_free(stream);

  EXPECT_ERROR(hoop_masker_new_from_text(kBadProfile, strlen(kBadProfile),
                                         "bad.yaml", &custom, &err),
               err, HOOP_INVALID_ARGUMENT, "bad.yaml:3:");
  snprintf(path, sizeof path, "%s/profile.yaml", temp_dir);
  write_file(path, kProfile);
  CHECK_OK(hoop_masker_new_from_file(path, &custom, &err));
  hoop_masker_free(custom);
  snprintf(path, sizeof path, "%s/no-profile.yaml", temp_dir);
  EXPECT_ERROR(hoop_masker_new_from_file(path, &custom, &err), err,
               HOOP_NOT_FOUND, NULL);
  EXPECT_ERROR(hoop_masker_new_default(NULL, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);

  hoop_mask_scratch_free(scratch);
  hoop_mask_scratch_free(NULL);
  hoop_masker_free(m);
  hoop_masker_free(NULL);
}

static void test_identity(void) {
  hoop_error* err = NULL;
  hoop_identity* id = NULL;
  static const char* const kGroups[] = {"analysts", "oncall"};
  static const char* const kNullGroup[] = {NULL};

  CHECK_OK(hoop_identity_new("bot-7", "bot@example.com", kGroups, 2,
                             HOOP_IDENTITY_NON_HUMAN, &id, &err));
  CHECK(strcmp(hoop_identity_subject(id), "bot-7") == 0);
  CHECK(strcmp(hoop_identity_email(id), "bot@example.com") == 0);
  CHECK(strcmp(hoop_identity_name(id), "") == 0);
  CHECK(strcmp(hoop_identity_issuer(id), "") == 0);
  CHECK(strcmp(hoop_identity_client_id(id), "") == 0);
  CHECK(hoop_identity_get_kind(id) == HOOP_IDENTITY_NON_HUMAN);
  CHECK(hoop_identity_group_count(id) == 2);
  CHECK(strcmp(hoop_identity_group(id, 1), "oncall") == 0);
  CHECK(hoop_identity_group(id, 2) == NULL);
  CHECK(hoop_identity_expires_unix(id) == INT64_MAX);
  hoop_identity_free(id);
  hoop_identity_free(NULL);
  CHECK(strcmp(hoop_identity_subject(NULL), "") == 0);

  CHECK_OK(hoop_identity_new(NULL, NULL, NULL, 0, HOOP_IDENTITY_PERSON, &id,
                             &err));
  CHECK(strcmp(hoop_identity_subject(id), "") == 0);
  hoop_identity_free(id);
  EXPECT_ERROR(hoop_identity_new("a", NULL, NULL, 1, HOOP_IDENTITY_PERSON, &id,
                                 &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_identity_new("a", NULL, kNullGroup, 1,
                                 HOOP_IDENTITY_PERSON, &id, &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_identity_new("a", NULL, NULL, 0, (hoop_identity_kind)7,
                                 &id, &err),
               err, HOOP_INVALID_ARGUMENT, NULL);

  /* A verified token. */
  id = NULL;
  CHECK_OK(hoop_identity_new_from_token(
      kGoodToken, strlen(kGoodToken), kJwks, strlen(kJwks),
      "https://idp.example.com", "hoop-gateway", &id, &err));
  CHECK(id != NULL);
  if (id != NULL) {
    CHECK(strcmp(hoop_identity_subject(id), "ana") == 0);
    CHECK(strcmp(hoop_identity_email(id), "ana@example.com") == 0);
    CHECK(strcmp(hoop_identity_name(id), "Ana") == 0);
    CHECK(strcmp(hoop_identity_issuer(id), "https://idp.example.com") == 0);
    CHECK(hoop_identity_get_kind(id) == HOOP_IDENTITY_PERSON);
    CHECK(hoop_identity_group_count(id) == 2);
    CHECK(strcmp(hoop_identity_group(id, 0), "analysts") == 0);
    CHECK(hoop_identity_expires_unix(id) == 4102444800);
    hoop_identity_free(id);
  }

  /* Refused tokens: UNAUTHENTICATED, naming the check. */
  EXPECT_ERROR(hoop_identity_new_from_token(
                   kOtherKeyToken, strlen(kOtherKeyToken), kJwks,
                   strlen(kJwks), "https://idp.example.com", "hoop-gateway",
                   &id, &err),
               err, HOOP_UNAUTHENTICATED, "bad_signature");
  EXPECT_ERROR(hoop_identity_new_from_token(
                   kExpiredToken, strlen(kExpiredToken), kJwks,
                   strlen(kJwks), "https://idp.example.com", "hoop-gateway",
                   &id, &err),
               err, HOOP_UNAUTHENTICATED, "expired");
  EXPECT_ERROR(hoop_identity_new_from_token(
                   kAlgNoneToken, strlen(kAlgNoneToken), kJwks,
                   strlen(kJwks), "https://idp.example.com", "hoop-gateway",
                   &id, &err),
               err, HOOP_UNAUTHENTICATED, "alg_none");
  EXPECT_ERROR(hoop_identity_new_from_token(
                   kGoodToken, strlen(kGoodToken), kJwks, strlen(kJwks),
                   "https://idp.example.com", "other-app", &id, &err),
               err, HOOP_UNAUTHENTICATED, "audience");
  EXPECT_ERROR(hoop_identity_new_from_token(
                   kGoodToken, strlen(kGoodToken), kJwks, strlen(kJwks),
                   "https://evil.example.com", "hoop-gateway", &id, &err),
               err, HOOP_UNAUTHENTICATED, "issuer");
  EXPECT_ERROR(hoop_identity_new_from_token("not-a-jwt", 9, kJwks,
                                            strlen(kJwks),
                                            "https://idp.example.com",
                                            "hoop-gateway", &id, &err),
               err, HOOP_UNAUTHENTICATED, NULL);
  /* The token and JWKS are (pointer, length): a token cut short fails. */
  EXPECT_ERROR(hoop_identity_new_from_token(
                   kGoodToken, strlen(kGoodToken) - 1, kJwks, strlen(kJwks),
                   "https://idp.example.com", "hoop-gateway", &id, &err),
               err, HOOP_UNAUTHENTICATED, NULL);
  EXPECT_ERROR(hoop_identity_new_from_token(kGoodToken, strlen(kGoodToken),
                                            "{\"keys\": 3}", 12,
                                            "https://idp.example.com",
                                            "hoop-gateway", &id, &err),
               err, HOOP_INVALID_ARGUMENT, "JWKS");
  EXPECT_ERROR(hoop_identity_new_from_token(kGoodToken, strlen(kGoodToken),
                                            kJwks, strlen(kJwks), "",
                                            "hoop-gateway", &id, &err),
               err, HOOP_INVALID_ARGUMENT, "issuer");
  EXPECT_ERROR(hoop_identity_new_from_token(kGoodToken, strlen(kGoodToken),
                                            kJwks, strlen(kJwks),
                                            "https://idp.example.com", NULL,
                                            &id, &err),
               err, HOOP_INVALID_ARGUMENT, "audience");
}

static void test_recorder(void) {
  hoop_error* err = NULL;
  hoop_recorder* r = NULL;

  CHECK_OK(hoop_recorder_new_dir(temp_dir, &r, &err));
  CHECK_OK(hoop_recorder_set_signing_key_pem(r, kSigningKeyPem,
                                             strlen(kSigningKeyPem), &err));
  EXPECT_ERROR(hoop_recorder_set_signing_key_pem(r, "-----BEGIN nonsense", 19,
                                                 &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_recorder_set_durability(r, HOOP_DURABILITY_EVERY_RECORD, 0,
                                        &err));
  CHECK_OK(hoop_recorder_set_durability(r, HOOP_DURABILITY_INTERVAL, 50, &err));
  CHECK_OK(hoop_recorder_set_durability(r, HOOP_DURABILITY_AT_CLOSE, 0, &err));
  EXPECT_ERROR(hoop_recorder_set_durability(r, HOOP_DURABILITY_INTERVAL, 0,
                                            &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_recorder_set_durability(r, (hoop_durability)9, 0, &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_recorder_set_queue_capacity(r, 0, &err));
  CHECK_OK(hoop_recorder_set_checkpoint_every(r, 10, &err));
  EXPECT_ERROR(hoop_recorder_set_checkpoint_every(r, 0, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  hoop_recorder_free(r);
  hoop_recorder_free(NULL);

  CHECK_OK(hoop_recorder_new_file("/tmp/x.hooprec", &r, &err));
  hoop_recorder_free(r);
  EXPECT_ERROR(hoop_recorder_new_dir("", &r, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_recorder_new_file(NULL, &r, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_recorder_new_callback(NULL, NULL, NULL, &r, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_recorder_set_queue_capacity(NULL, 1, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
}

static void test_options(void) {
  hoop_error* err = NULL;
  hoop_session_options* o = hoop_session_options_new();
  hoop_masker* m = NULL;
  CHECK(o != NULL);
  CHECK_OK(hoop_masker_new_default(&m, NULL));
  CHECK_OK(hoop_session_options_set_session_id(o, "s-1", &err));
  CHECK_OK(hoop_session_options_set_policy(o, NULL, &err));
  CHECK_OK(hoop_session_options_set_identity(o, NULL, &err));
  CHECK_OK(hoop_session_options_set_resource(o, "warehouse-eu",
                                             HOOP_RESOURCE_POSTGRES, &err));
  EXPECT_ERROR(hoop_session_options_set_resource(o, "x",
                                                 (hoop_resource_kind)42, &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_options_add_resource_label(o, "env", "prod", &err));
  EXPECT_ERROR(hoop_session_options_add_resource_label(o, "", "prod", &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_options_set_masker(o, m, &err));
  CHECK_OK(hoop_session_options_set_masker(o, NULL, &err));
  CHECK_OK(hoop_session_options_add_profile(o, "pii", m, &err));
  EXPECT_ERROR(hoop_session_options_add_profile(o, "pii", NULL, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_session_options_add_profile(o, NULL, m, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_options_set_recorder(o, NULL, &err));
  CHECK_OK(hoop_session_options_set_ssl(o, HOOP_PG_ENCRYPTION_ACCEPT, &err));
  EXPECT_ERROR(hoop_session_options_set_ssl(o, (hoop_pg_encryption)5, &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_options_set_gssenc(o, HOOP_PG_ENCRYPTION_FORWARD,
                                           &err));
  EXPECT_ERROR(hoop_session_options_set_gssenc(o, (hoop_pg_encryption)-1,
                                               &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_options_set_start(o, HOOP_PG_START_NORMAL, &err));
  EXPECT_ERROR(hoop_session_options_set_start(o, (hoop_pg_start)3, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_options_set_notify_review(o, 0, &err));
  CHECK_OK(hoop_session_options_set_review_timeout_ms(o, 1000, &err));
  EXPECT_ERROR(hoop_session_options_set_review_timeout_ms(o, 0, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_options_set_max_held_bytes(o, 4096, &err));
  CHECK_OK(hoop_session_options_set_max_message_size(o, 1u << 20, &err));
  EXPECT_ERROR(hoop_session_options_set_max_message_size(o, 0, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_options_set_client_address(o, "203.0.113.7", &err));
  CHECK_OK(hoop_session_options_set_gateway_id(o, "gw-1", &err));
  CHECK_OK(hoop_session_options_set_clock(o, NULL, NULL, &err));
  EXPECT_ERROR(hoop_session_options_set_session_id(NULL, "x", &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  hoop_masker_free(m);
  hoop_session_options_free(o);
  hoop_session_options_free(NULL);
}

/* --- session --------------------------------------------------------------- */

/* Touches only its own counter: it may run on a recorder thread. */
typedef struct {
  int records;
  size_t bytes;
  int closed;
  int bad; /* records that were not a varint length + that many bytes */
} record_counter;

static int count_record(void* user, const uint8_t* framed, size_t len) {
  record_counter* c = (record_counter*)user;
  uint64_t n = 0;
  size_t i = 0;
  int shift = 0;
  while (framed != NULL && i < len && i < 10) {
    n |= (uint64_t)(framed[i] & 0x7F) << shift;
    shift += 7;
    if ((framed[i++] & 0x80) == 0) break;
  }
  if (framed == NULL || n == 0 || i + n != len) c->bad++;
  c->records++;
  c->bytes += len;
  return 0;
}
static void count_close(void* user) { ((record_counter*)user)->closed++; }
static int refuse_record(void* user, const uint8_t* framed, size_t len) {
  (void)user;
  (void)framed;
  (void)len;
  return 5;
}

static int64_t fake_now_ms = 1800000000000LL;
static int64_t fake_clock(void* user) {
  return *(const int64_t*)user;
}

/* Options for a session as analyst "ana" on warehouse-eu, startup done. */
static hoop_session_options* analyst_options(hoop_policy* policy,
                                             hoop_masker* masker,
                                             const char* id) {
  static const char* const kGroups[] = {"analysts"};
  hoop_identity* who = NULL;
  hoop_session_options* o = hoop_session_options_new();
  CHECK_OK(hoop_identity_new("ana", "ana@example.com", kGroups, 1,
                             HOOP_IDENTITY_PERSON, &who, NULL));
  CHECK_OK(hoop_session_options_set_session_id(o, id, NULL));
  CHECK_OK(hoop_session_options_set_identity(o, who, NULL));
  hoop_identity_free(who); /* copied */
  CHECK_OK(hoop_session_options_set_resource(o, "warehouse-eu",
                                             HOOP_RESOURCE_POSTGRES, NULL));
  CHECK_OK(hoop_session_options_set_policy(o, policy, NULL));
  CHECK_OK(hoop_session_options_set_masker(o, masker, NULL));
  CHECK_OK(hoop_session_options_set_start(o, HOOP_PG_START_NORMAL, NULL));
  CHECK_OK(hoop_session_options_set_clock(o, fake_clock, &fake_now_ms, NULL));
  CHECK_OK(hoop_session_options_set_review_timeout_ms(o, 60000, NULL));
  return o;
}

static void test_session(void) {
  hoop_error* err = NULL;
  hoop_policy* policy = NULL;
  hoop_masker* masker = NULL;
  hoop_recorder* rec = NULL;
  hoop_session_options* o = NULL;
  hoop_session* s = NULL;
  record_counter counter = {0, 0, 0, 0};
  msgbuf in, held_msg;
  joined j;
  const hoop_event* e;
  const hoop_slice* slices;
  size_t n;
  hoop_session_stats stats;
  char request_id[128];
  char path[512];
  struct stat st;
  static const char* const kCols[] = {"name", "email"};
  static const char* const kRows[] = {"Ana", "ana@example.com"};

  CHECK_OK(hoop_policy_new_from_text(kPolicy, strlen(kPolicy), NULL, &policy,
                                     NULL));
  CHECK_OK(hoop_masker_new_default(&masker, NULL));

  /* Refused options. */
  o = hoop_session_options_new();
  EXPECT_ERROR(hoop_session_new_postgres(o, &s, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_options_set_session_id(o, "s-0", NULL));
  EXPECT_ERROR(hoop_session_new_postgres(o, &s, &err), err,
               HOOP_INVALID_ARGUMENT, NULL); /* no policy */
  CHECK_OK(hoop_session_options_set_policy(o, policy, NULL));
  CHECK_OK(hoop_session_options_set_gssenc(o, HOOP_PG_ENCRYPTION_ACCEPT, NULL));
  EXPECT_ERROR(hoop_session_new_postgres(o, &s, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_session_new_postgres(NULL, &s, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  hoop_session_options_free(o);

  /* A session whose records go to a callback, written on this thread. */
  o = analyst_options(policy, masker, "s-capi-1");
  CHECK_OK(hoop_recorder_new_callback(count_record, count_close, &counter,
                                      &rec, NULL));
  CHECK_OK(hoop_recorder_set_queue_capacity(rec, 0, NULL));
  CHECK_OK(hoop_session_options_set_recorder(o, rec, NULL));
  hoop_recorder_free(rec); /* copied */
  CHECK_OK(hoop_session_new_postgres(o, &s, &err));
  hoop_session_options_free(o);
  hoop_masker_free(masker); /* the session keeps its own reference */
  masker = NULL;
  if (s == NULL) {
    hoop_policy_free(policy);
    return;
  }
  CHECK(hoop_session_next_deadline_ms(s) == -1);

  /* ALLOW: forwarded unchanged, from session memory (copied feed). */
  in.len = 0;
  query_msg(&in, "SELECT name, email FROM customers");
  CHECK_OK(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, in.data, in.len, &err));
  slices = hoop_session_to_server(s, &n);
  CHECK(n >= 1 && slices != NULL);
  if (n >= 1) {
    CHECK(slices[0].data < in.data || slices[0].data >= in.data + in.len);
  }
  get_to_server(s, &j);
  CHECK(j.len == in.len && memcmp(j.data, in.data, in.len) == 0);
  CHECK(hoop_session_to_client(s, &n) == NULL && n == 0);
  e = find_event(s, HOOP_EVENT_COMMAND);
  CHECK(e != NULL);
  if (e != NULL) {
    CHECK(e->decision == HOOP_DECISION_ALLOW);
    CHECK(strcmp(e->rule_id, "analysts-read") == 0 &&
          e->rule_id_len == strlen("analysts-read"));
    CHECK(strlen(e->text) == e->text_len);
  }
  CHECK(hoop_session_should_close(s) == 0);

  /* The server's rows: the email is masked, the row rebuilt with the right
   * lengths; the rest is as the server sent it. */
  in.len = 0;
  result_msgs(&in, kCols, 2, kRows, 1);
  CHECK_OK(hoop_session_feed(s, HOOP_SERVER_TO_CLIENT, in.data, in.len, &err));
  get_to_client(s, &j);
  CHECK(!CONTAINS_STR(j.data, j.len, "ana@example.com"));
  CHECK(CONTAINS_STR(j.data, j.len, "[EMAIL]"));
  CHECK(CONTAINS_STR(j.data, j.len, "Ana"));
  CHECK(j.len == in.len - strlen("ana@example.com") + strlen("[EMAIL]"));
  {
    /* The rebuilt DataRow: 'D', length, 2 columns, "Ana", "[EMAIL]". */
    msgbuf row;
    size_t at;
    row.len = 0;
    at = begin_msg(&row, 'D');
    put_u16(&row, 2);
    put_u32(&row, 3);
    put_bytes(&row, "Ana", 3);
    put_u32(&row, 7);
    put_bytes(&row, "[EMAIL]", 7);
    end_msg(&row, at);
    CHECK(contains(j.data, j.len, row.data, row.len));
  }
  CHECK(memcmp(j.data + j.len - 6, "Z\0\0\0\5I", 6) == 0);
  e = find_event(s, HOOP_EVENT_RESULT);
  CHECK(e != NULL && e->rows == 1);
  CHECK(hoop_session_to_server(s, &n) == NULL && n == 0);

  /* DENY: not forwarded; ErrorResponse 42501 with the rule's message, then
   * ReadyForQuery. */
  in.len = 0;
  query_msg(&in, "DELETE FROM customers");
  CHECK_OK(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, in.data, in.len, &err));
  CHECK(hoop_session_to_server_bytes(s) == 0);
  get_to_client(s, &j);
  CHECK(j.len > 0 && j.data[0] == 'E');
  CHECK(is_error_then_ready(&j, "42501"));
  CHECK(CONTAINS_STR(j.data, j.len, "add a WHERE clause"));
  CHECK(CONTAINS_STR(j.data, j.len, "no-unbounded-writes"));
  e = find_event(s, HOOP_EVENT_COMMAND);
  CHECK(e != NULL && e->decision == HOOP_DECISION_DENY &&
        strcmp(e->rule_id, "no-unbounded-writes") == 0);

  /* REVIEW: held until resolved. */
  in.len = 0;
  query_msg(&in, "UPDATE customers SET name = 'A' WHERE id = 1");
  CHECK_OK(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, in.data, in.len, &err));
  CHECK(hoop_session_to_server_bytes(s) == 0);
  e = find_event(s, HOOP_EVENT_APPROVAL_REQUESTED);
  CHECK(e != NULL && e->request_id_len > 0);
  request_id[0] = '\0';
  if (e != NULL && e->request_id_len < sizeof request_id) {
    memcpy(request_id, e->request_id, e->request_id_len + 1);
  }
  get_to_client(s, &j);
  CHECK(j.len > 0 && j.data[0] == 'N'); /* the notice: waiting for review */
  CHECK(CONTAINS_STR(j.data, j.len, request_id));
  CHECK(hoop_session_held_count(s) == 1);
  CHECK(strcmp(hoop_session_held_request(s, 0), request_id) == 0);
  CHECK(hoop_session_held_request(s, 1) == NULL);
  CHECK(hoop_session_next_deadline_ms(s) == fake_now_ms + 60000);
  EXPECT_ERROR(hoop_session_resolve(s, "no-such-request",
                                    HOOP_RESOLUTION_APPROVE, "bo", NULL, &err),
               err, HOOP_NOT_FOUND, "no-such-request");
  EXPECT_ERROR(hoop_session_resolve(s, request_id, HOOP_RESOLUTION_EXPIRE,
                                    "bo", NULL, &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_tick(s, &err)); /* not due yet */
  CHECK(hoop_session_held_count(s) == 1);
  /* Meanwhile the server speaks (ParameterStatus), and both the caller's
   * buffer and the session's copy of the last chunk are overwritten: the
   * held statement must still come out intact. */
  held_msg = in;
  in.len = 0;
  {
    size_t at = begin_msg(&in, 'S');
    put_cstr(&in, "application_name");
    put_cstr(&in, "psql");
    end_msg(&in, at);
  }
  CHECK_OK(hoop_session_feed(s, HOOP_SERVER_TO_CLIENT, in.data, in.len, &err));
  get_to_client(s, &j);
  CHECK(j.len == in.len && memcmp(j.data, in.data, in.len) == 0);
  memset(in.data, 'x', sizeof in.data);
  CHECK_OK(hoop_session_resolve(s, request_id, HOOP_RESOLUTION_APPROVE,
                                "bo@example.com", "ticket OPS-1", &err));
  get_to_server(s, &j);
  CHECK(j.len == held_msg.len &&
        memcmp(j.data, held_msg.data, held_msg.len) == 0);
  e = find_event(s, HOOP_EVENT_APPROVAL_RESOLVED);
  CHECK(e != NULL && e->resolution == HOOP_RESOLUTION_APPROVE);
  CHECK(hoop_session_held_count(s) == 0);
  CHECK(hoop_session_next_deadline_ms(s) == -1);
  in.len = 0;
  {
    size_t at = begin_msg(&in, 'C');
    put_cstr(&in, "UPDATE 1");
    end_msg(&in, at);
    at = begin_msg(&in, 'Z');
    put_u8(&in, 'I');
    end_msg(&in, at);
  }
  CHECK_OK(hoop_session_feed(s, HOOP_SERVER_TO_CLIENT, in.data, in.len, &err));
  get_to_client(s, &j);
  CHECK(j.len == in.len && memcmp(j.data, in.data, in.len) == 0);

  /* REVIEW denied by the approver, then one that times out. */
  in.len = 0;
  query_msg(&in, "UPDATE customers SET name = 'B' WHERE id = 2");
  CHECK_OK(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, in.data, in.len, &err));
  e = find_event(s, HOOP_EVENT_APPROVAL_REQUESTED);
  CHECK(e != NULL);
  if (e != NULL && e->request_id_len < sizeof request_id) {
    memcpy(request_id, e->request_id, e->request_id_len + 1);
  }
  CHECK_OK(hoop_session_resolve(s, request_id, HOOP_RESOLUTION_DENY, "bo",
                                "not today", &err));
  CHECK(hoop_session_to_server_bytes(s) == 0);
  get_to_client(s, &j);
  CHECK(is_error_then_ready(&j, "42501"));

  CHECK_OK(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, in.data, in.len, &err));
  CHECK(hoop_session_held_count(s) == 1);
  fake_now_ms += 61000;
  CHECK_OK(hoop_session_tick(s, &err));
  CHECK(hoop_session_held_count(s) == 0);
  CHECK(hoop_session_to_server_bytes(s) == 0);
  get_to_client(s, &j);
  CHECK(is_error_then_ready(&j, "42501"));
  e = find_event(s, HOOP_EVENT_APPROVAL_RESOLVED);
  CHECK(e != NULL && e->resolution == HOOP_RESOLUTION_EXPIRE);

  /* Borrowed feed: the unchanged frame is a slice of the caller's buffer. */
  in.len = 0;
  query_msg(&in, "SELECT 1");
  CHECK_OK(hoop_session_feed_borrowed(s, HOOP_CLIENT_TO_SERVER, in.data,
                                      in.len, &err));
  slices = hoop_session_to_server(s, &n);
  CHECK(n == 1 && slices != NULL && slices[0].data == in.data &&
        slices[0].len == in.len);

  /* Nothing to feed (a Go nil slice): an empty output. */
  CHECK_OK(hoop_session_feed(s, HOOP_SERVER_TO_CLIENT, NULL, 0, &err));
  CHECK(hoop_session_to_client(s, &n) == NULL && n == 0);
  CHECK_OK(hoop_session_feed_borrowed(s, HOOP_CLIENT_TO_SERVER, NULL, 0, &err));
  CHECK(hoop_session_to_server(s, &n) == NULL && n == 0);

  /* Argument errors leave an empty output. */
  EXPECT_ERROR(hoop_session_feed(s, (hoop_direction)2, in.data, in.len, &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  CHECK(hoop_session_to_server(s, &n) == NULL && n == 0);
  CHECK(hoop_session_event_count(s) == 0 && hoop_session_event(s, 0) == NULL);
  EXPECT_ERROR(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, NULL, 3, &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_session_feed(NULL, HOOP_CLIENT_TO_SERVER, in.data, in.len,
                                 &err),
               err, HOOP_INVALID_ARGUMENT, NULL);

  memset(&stats, 0xAB, sizeof stats);
  hoop_session_get_stats(s, &stats, sizeof stats);
  CHECK(stats.commands == 6);
  CHECK(stats.allowed == 2 && stats.denied == 1 && stats.reviewed == 3);
  CHECK(stats.rows == 1 && stats.rows_rewritten == 1 &&
        stats.cells_masked == 1);
  CHECK(stats.held_bytes == 0);
  {
    /* A caller that knows only the first two counters gets just those. */
    uint64_t two[3] = {0, 0, 77};
    hoop_session_get_stats(s, (hoop_session_stats*)(void*)two,
                           2 * sizeof(uint64_t));
    CHECK(two[0] == stats.bytes_client_to_server &&
          two[1] == stats.bytes_server_to_client && two[2] == 77);
  }

  CHECK(counter.records > 0 && counter.bad == 0);
  CHECK(counter.closed == 0);
  EXPECT_ERROR(hoop_session_finish(s, (hoop_end_reason)99, "done", &err), err,
               HOOP_INVALID_ARGUMENT, NULL);
  EXPECT_ERROR(hoop_session_resolve(s, "x", (hoop_resolution)-5, NULL, NULL,
                                    &err),
               err, HOOP_INVALID_ARGUMENT, NULL);
  CHECK_OK(hoop_session_finish(s, HOOP_END_CLIENT_CLOSED, "done", &err));
  CHECK(counter.closed == 1);
  CHECK_OK(hoop_session_finish(s, HOOP_END_CLIENT_CLOSED, NULL, &err));
  EXPECT_ERROR(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, in.data, in.len,
                                 &err),
               err, HOOP_FAILED_PRECONDITION, NULL);
  EXPECT_ERROR(hoop_session_tick(s, &err), err, HOOP_FAILED_PRECONDITION,
               NULL);
  EXPECT_ERROR(hoop_session_resolve(s, "x", HOOP_RESOLUTION_APPROVE, NULL,
                                    NULL, &err),
               err, HOOP_FAILED_PRECONDITION, NULL);
  hoop_session_free(s);
  hoop_session_free(NULL);

  /* Records to a directory: the file is there after finish. Freed without
   * finish: the session ends itself. */
  CHECK_OK(hoop_masker_new_default(&masker, NULL));
  o = analyst_options(policy, masker, "s-capi-dir");
  CHECK_OK(hoop_recorder_new_dir(temp_dir, &rec, NULL));
  CHECK_OK(hoop_recorder_set_signing_key_pem(rec, kSigningKeyPem,
                                             strlen(kSigningKeyPem), NULL));
  CHECK_OK(hoop_session_options_set_recorder(o, rec, NULL));
  hoop_recorder_free(rec);
  s = NULL;
  CHECK_OK(hoop_session_new_postgres(o, &s, &err));
  hoop_session_options_free(o);
  in.len = 0;
  query_msg(&in, "SELECT 1");
  CHECK_OK(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, in.data, in.len, NULL));
  hoop_session_free(s);
  snprintf(path, sizeof path, "%s/s-capi-dir.hooprec", temp_dir);
  CHECK(stat(path, &st) == 0 && st.st_size > 0);
  unlink(path);

  /* A recorder that refuses records fails the session closed. */
  o = analyst_options(policy, masker, "s-capi-refused");
  CHECK_OK(hoop_recorder_new_callback(refuse_record, NULL, NULL, &rec, NULL));
  CHECK_OK(hoop_recorder_set_queue_capacity(rec, 0, NULL));
  CHECK_OK(hoop_session_options_set_recorder(o, rec, NULL));
  hoop_recorder_free(rec);
  s = NULL;
  CHECK_OK(hoop_session_new_postgres(o, &s, &err));
  hoop_session_options_free(o);
  if (s != NULL) {
    int closed = 0, i;
    for (i = 0; i < 2 && !closed; ++i) {
      CHECK_OK(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, in.data, in.len,
                                 NULL));
      closed = hoop_session_should_close(s);
    }
    CHECK(closed);
    e = find_event(s, HOOP_EVENT_ERROR);
    CHECK(e != NULL && e->fatal);
    hoop_session_free(s);
  }

  /* Startup phase: SSLRequest answered per the options, then the startup
   * packet reported. */
  {
    int accept;
    for (accept = 0; accept < 2; ++accept) {
      msgbuf ssl, startup;
      ssl.len = 0;
      put_u32(&ssl, 8);
      put_u32(&ssl, 80877103u);
      startup.len = 0;
      put_u32(&startup, 0);
      put_u32(&startup, 196608u); /* protocol 3.0 */
      put_cstr(&startup, "user");
      put_cstr(&startup, "ana");
      put_cstr(&startup, "database");
      put_cstr(&startup, "warehouse");
      put_u8(&startup, 0);
      startup.data[3] = (uint8_t)startup.len;
      o = analyst_options(policy, masker, "s-capi-startup");
      CHECK_OK(hoop_session_options_set_start(o, HOOP_PG_START_STARTUP, NULL));
      CHECK_OK(hoop_session_options_set_ssl(
          o, accept ? HOOP_PG_ENCRYPTION_ACCEPT : HOOP_PG_ENCRYPTION_REFUSE,
          NULL));
      s = NULL;
      CHECK_OK(hoop_session_new_postgres(o, &s, &err));
      hoop_session_options_free(o);
      if (s == NULL) continue;
      CHECK_OK(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, ssl.data, ssl.len,
                                 &err));
      CHECK(hoop_session_to_server_bytes(s) == 0);
      get_to_client(s, &j);
      CHECK(j.len == 1 && j.data[0] == (accept ? 'S' : 'N'));
      CHECK((find_event(s, HOOP_EVENT_TLS_REQUESTED) != NULL) == accept);
      /* (With ACCEPT the proxy now does TLS and feeds the plaintext.) */
      CHECK_OK(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, startup.data,
                                 startup.len, &err));
      get_to_server(s, &j);
      CHECK(j.len == startup.len &&
            memcmp(j.data, startup.data, startup.len) == 0);
      e = find_event(s, HOOP_EVENT_STARTUP);
      CHECK(e != NULL && CONTAINS_STR(e->text, e->text_len, "user=ana") &&
            CONTAINS_STR(e->text, e->text_len, "database=warehouse"));
      hoop_session_free(s);
    }
  }

  /* Malformed input is an event, not a failed call. */
  o = analyst_options(policy, masker, "s-capi-bad");
  s = NULL;
  CHECK_OK(hoop_session_new_postgres(o, &s, &err));
  hoop_session_options_free(o);
  if (s != NULL) {
    static const uint8_t kGarbage[] = {'Q', 0, 0, 0, 2};
    CHECK_OK(hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, kGarbage,
                               sizeof kGarbage, &err));
    CHECK(hoop_session_should_close(s) == 1);
    e = find_event(s, HOOP_EVENT_ERROR);
    CHECK(e != NULL && e->fatal == 1);
    CHECK(hoop_session_to_server_bytes(s) == 0);
    hoop_session_free(s);
  }

  hoop_masker_free(masker);
  hoop_policy_free(policy);
}

/* --- threads ---------------------------------------------------------------- */

/* hoop.h: policies and maskers are immutable and shared by any number of
 * threads; scratches and sessions are one per thread. Each thread masks
 * cells with the shared masker and runs a session over the shared policy and
 * masker whose records go to a callback on the session's recorder thread.
 * (Run under ASan+UBSan in the sanitizer build.) */
enum { kThreads = 4 };

typedef struct {
  const hoop_policy* policy;
  const hoop_masker* masker;
  int index;
  int failures; /* this thread's own count; summed by main */
  record_counter records;
} thread_job;

static int64_t system_like_clock(void* user) {
  (void)user;
  return 1800000000000LL;
}

static void* thread_main(void* arg) {
  thread_job* job = (thread_job*)arg;
  hoop_mask_scratch* scratch = NULL;
  hoop_session_options* o = hoop_session_options_new();
  hoop_recorder* rec = NULL;
  hoop_session* s = NULL;
  char cell[64];
  char id[32];
  int i;
  if (o == NULL || hoop_mask_scratch_new(&scratch, NULL) != HOOP_OK) {
    job->failures++;
    return NULL;
  }
  for (i = 0; i < 2000; ++i) {
    const char* out = NULL;
    size_t out_len = 0;
    const int n = snprintf(cell, sizeof cell, "u%d.t%d@example.com", i,
                           job->index);
    if (hoop_masker_mask_cell(job->masker, scratch, "email", 5, "text", 4,
                              cell, (size_t)n, &out, &out_len,
                              NULL) != HOOP_OK ||
        out == NULL || out_len != 7 || memcmp(out, "[EMAIL]", 7) != 0) {
      job->failures++;
    }
    if (i % 100 == 99) hoop_mask_scratch_reset(scratch);
  }
  hoop_mask_scratch_free(scratch);

  snprintf(id, sizeof id, "s-thread-%d", job->index);
  {
    static const char* const kGroups[] = {"analysts"};
    hoop_identity* who = NULL;
    hoop_identity_new("ana", NULL, kGroups, 1, HOOP_IDENTITY_PERSON, &who,
                      NULL);
    hoop_session_options_set_identity(o, who, NULL);
    hoop_identity_free(who);
  }
  hoop_session_options_set_session_id(o, id, NULL);
  hoop_session_options_set_policy(o, job->policy, NULL);
  hoop_session_options_set_masker(o, job->masker, NULL);
  hoop_session_options_set_resource(o, "warehouse-eu", HOOP_RESOURCE_POSTGRES,
                                    NULL);
  hoop_session_options_set_start(o, HOOP_PG_START_NORMAL, NULL);
  hoop_session_options_set_clock(o, system_like_clock, NULL, NULL);
  /* Default queue: records are written on the recorder's own thread. */
  hoop_recorder_new_callback(count_record, count_close, &job->records, &rec,
                             NULL);
  hoop_session_options_set_recorder(o, rec, NULL);
  hoop_recorder_free(rec);
  if (hoop_session_new_postgres(o, &s, NULL) != HOOP_OK) {
    job->failures++;
    hoop_session_options_free(o);
    return NULL;
  }
  hoop_session_options_free(o);
  for (i = 0; i < 50; ++i) {
    static const char* const kCols[] = {"email"};
    const char* rows[1];
    msgbuf in;
    const uint8_t* data = NULL;
    size_t len = 0;
    snprintf(cell, sizeof cell, "r%d.t%d@example.com", i, job->index);
    rows[0] = cell;
    in.len = 0;
    query_msg(&in, "SELECT email FROM customers");
    if (hoop_session_feed(s, HOOP_CLIENT_TO_SERVER, in.data, in.len, NULL) !=
            HOOP_OK ||
        hoop_session_to_server_bytes(s) != in.len) {
      job->failures++;
    }
    in.len = 0;
    result_msgs(&in, kCols, 1, rows, 1);
    if (hoop_session_feed(s, HOOP_SERVER_TO_CLIENT, in.data, in.len, NULL) !=
            HOOP_OK ||
        hoop_session_to_client_joined(s, &data, &len, NULL) != HOOP_OK ||
        contains(data, len, cell, strlen(cell)) ||
        !contains(data, len, "[EMAIL]", 7)) {
      job->failures++;
    }
  }
  if (hoop_session_finish(s, HOOP_END_CLIENT_CLOSED, NULL, NULL) != HOOP_OK) {
    job->failures++;
  }
  hoop_session_free(s);
  return NULL;
}

static void test_threads(void) {
  hoop_policy* policy = NULL;
  hoop_masker* masker = NULL;
  pthread_t threads[kThreads];
  thread_job jobs[kThreads];
  int i;
  CHECK_OK(hoop_policy_new_from_text(kPolicy, strlen(kPolicy), NULL, &policy,
                                     NULL));
  CHECK_OK(hoop_masker_new_default(&masker, NULL));
  for (i = 0; i < kThreads; ++i) {
    memset(&jobs[i], 0, sizeof jobs[i]);
    jobs[i].policy = policy;
    jobs[i].masker = masker;
    jobs[i].index = i;
    CHECK(pthread_create(&threads[i], NULL, thread_main, &jobs[i]) == 0);
  }
  for (i = 0; i < kThreads; ++i) {
    CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(jobs[i].failures == 0);
    /* finish joined the recorder thread: its counts are final and seen. */
    CHECK(jobs[i].records.records > 100 && jobs[i].records.bad == 0);
    CHECK(jobs[i].records.closed == 1);
  }
  hoop_masker_free(masker);
  hoop_policy_free(policy);
}

/* --- main ------------------------------------------------------------------ */

typedef struct {
  const char* name;
  void (*run)(void);
} group;

static const group kGroups[] = {
    {"version", test_version},   {"errors", test_errors},
    {"policy", test_policy},     {"masker", test_masker},
    {"identity", test_identity}, {"recorder", test_recorder},
    {"options", test_options},   {"session", test_session},
    {"threads", test_threads},
};

int main(int argc, char** argv) {
  size_t g;
  const char* tmp = getenv("TMPDIR");
  snprintf(temp_dir, sizeof temp_dir, "%s/hoop-capi-XXXXXX",
           tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
  if (mkdtemp(temp_dir) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  for (g = 0; g < sizeof kGroups / sizeof kGroups[0]; ++g) {
    int i, selected = argc <= 1;
    for (i = 1; i < argc; ++i) {
      if (strcmp(argv[i], kGroups[g].name) == 0) selected = 1;
    }
    if (!selected) continue;
    {
      const int before = failures;
      kGroups[g].run();
      printf("%-9s %s\n", kGroups[g].name,
             failures == before ? "ok" : "FAILED");
    }
  }
  {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", temp_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", temp_dir);
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
