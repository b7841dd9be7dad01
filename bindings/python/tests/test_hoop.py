# Copyright 2026 The hoop Authors.
"""Unit tests of the Python binding, over the real libhoop.so.

Run from ctest (HOOP_LIBRARY and PYTHONPATH set there) or by hand:
  HOOP_LIBRARY=build/capi/libhoop.so PYTHONPATH=bindings/python \\
  /usr/bin/python3 -m unittest discover -s bindings/python/tests
"""

import base64
import ctypes
import gc
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hoop  # noqa: E402
import pgwire as pg  # noqa: E402

DENY_MESSAGE = "no schema changes from agents"
POLICY = f"""\
version: hoop.policy/v1
name: unit
rules:
  - id: agents-read
    subjects: [{{kinds: [non_human]}}]
    resources: {{names: [shop]}}
    sql: {{effects: [read]}}
    verdict: allow
  - id: no-ddl
    sql: {{effects: [ddl]}}
    verdict: deny
    message: {DENY_MESSAGE}
  - id: writes-reviewed
    resources: {{names: [shop]}}
    sql: {{effects: [write]}}
    verdict: review
    review: {{approver_groups: [dba]}}
"""
EMAIL = "ana.silva@example.com"


def b64u(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def address_of(view):
    """Where a memoryview from an Output points (its ctypes array)."""
    return ctypes.addressof(view.obj)


def address_of_bytes(b):
    return ctypes.cast(ctypes.c_char_p(b), ctypes.c_void_p).value


class VersionTest(unittest.TestCase):
    def test_version_matches_the_binding(self):
        self.assertEqual(hoop.version(), hoop.__version__)
        major, minor, patch = map(int, hoop.version().split("."))
        self.assertEqual(hoop.version_number(),
                         major * 10000 + minor * 100 + patch)
        self.assertTrue(os.path.exists(hoop.library_path()))


class PolicyTest(unittest.TestCase):
    def test_good_policy(self):
        with hoop.Policy.from_text(POLICY, source="unit.yaml") as p:
            self.assertEqual(p.name, "unit")
            self.assertEqual(p.rule_count, 3)
        self.assertTrue(p.closed)
        with self.assertRaises(ValueError):
            p.rule_count  # noqa: B018: closed

    def test_bad_policy_raises_invalid_argument_naming_the_place(self):
        bad = POLICY.replace("verdict: deny", "verdict: maybe")
        with self.assertRaises(hoop.InvalidArgument) as e:
            hoop.Policy.from_text(bad, source="bad.yaml")
        self.assertEqual(e.exception.code, hoop.Status.INVALID_ARGUMENT)
        self.assertRegex(e.exception.message, r"^bad\.yaml:\d+:\d+: ")
        self.assertIn("maybe", e.exception.message)
        self.assertIsInstance(e.exception, ValueError)
        self.assertIsInstance(e.exception, hoop.HoopError)

    def test_from_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write(POLICY)
            f.flush()
            self.assertEqual(hoop.Policy.from_file(f.name).rule_count, 3)
        with self.assertRaises(hoop.NotFound):
            hoop.Policy.from_file("/nonexistent/policy.yaml")


class MaskerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.masker = hoop.Masker.default()

    def test_default_profile_masks_an_email(self):
        out = self.masker.mask(f"write to {EMAIL} today".encode())
        self.assertEqual(out, b"write to [EMAIL] today")
        self.assertEqual(self.masker.mask(EMAIL), "[EMAIL]")  # str -> str
        self.assertIn("EMAIL", self.masker.counts())

    def test_nothing_matched_returns_the_input_itself(self):
        value = b"nothing sensitive in here"
        self.assertIs(self.masker.mask(value), value)
        self.assertIs(self.masker.mask(value, column="note", type="text"),
                      value)
        text = "plain words"
        self.assertIs(self.masker.mask_buffer(text), text)

    def test_column_rules_and_custom_profile(self):
        profile = """\
name: cols
all_builtins: true
columns:
  - name: '^secret$'
    action: MASK
    method: {kind: REDACT, token: "[HIDDEN]"}
"""
        m = hoop.Masker.from_text(profile)
        self.assertEqual(m.mask(b"open sesame", column="secret", type="text"),
                         b"[HIDDEN]")
        self.assertEqual(m.mask(b"open sesame", column="other"),
                         b"open sesame")
        self.assertIn("COLUMN_RULE", m.counter_names())

    def test_bad_profile(self):
        with self.assertRaises(hoop.InvalidArgument) as e:
            hoop.Masker.from_text("name: x\ndetector: []\n", source="p.yaml")
        self.assertTrue(e.exception.message.startswith("p.yaml:2:"),
                        e.exception.message)
        with self.assertRaises(hoop.NotFound):
            hoop.Masker.from_file("/nonexistent/profile.yaml")

    def test_stream_masker_masks_a_value_split_across_chunks(self):
        with self.masker.stream() as s:
            text = f"contact {EMAIL} now".encode()
            out = b"".join(s.write(text[i:i + 3])
                           for i in range(0, len(text), 3))
            out += s.finish()
        self.assertEqual(out, b"contact [EMAIL] now")


class IdentityTest(unittest.TestCase):
    ISSUER = "https://idp.example.com"
    AUDIENCE = "hoop-gateway"

    def test_from_fields(self):
        who = hoop.Identity(subject="agent-7", email="ops@example.com",
                            groups=["dba", "ops"], kind="non_human")
        self.assertEqual(who.subject, "agent-7")
        self.assertEqual(who.email, "ops@example.com")
        self.assertEqual(who.groups, ["dba", "ops"])
        self.assertEqual(who.kind, hoop.IdentityKind.NON_HUMAN)
        self.assertIsNone(who.expires)
        self.assertEqual(who.issuer, "")

    def mint(self, **claims):
        try:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ed25519
        except ImportError:
            self.skipTest("python3-cryptography is not installed")
        key = ed25519.Ed25519PrivateKey.generate()
        pub = key.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
        jwks = json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519",
                                     "kid": "k1", "use": "sig",
                                     "alg": "EdDSA", "x": b64u(pub)}]})
        now = int(time.time())
        body = {"iss": self.ISSUER, "aud": self.AUDIENCE, "sub": "u-123",
                "email": "ana@example.com", "groups": ["dba"],
                "iat": now, "exp": now + 300}
        body.update(claims)
        head = b64u(json.dumps({"alg": "EdDSA", "kid": "k1",
                                "typ": "JWT"}).encode())
        signing_input = head + "." + b64u(json.dumps(body).encode())
        sig = key.sign(signing_input.encode())
        return signing_input + "." + b64u(sig), jwks, now + 300

    def test_from_a_verified_token(self):
        token, jwks, exp = self.mint()
        who = hoop.Identity.from_token(token, jwks, self.ISSUER,
                                       self.AUDIENCE)
        self.assertEqual(who.subject, "u-123")
        self.assertEqual(who.email, "ana@example.com")
        self.assertEqual(who.groups, ["dba"])
        self.assertEqual(who.issuer, self.ISSUER)
        self.assertEqual(who.expires, exp)

    def test_refused_tokens(self):
        token, jwks, _ = self.mint()
        head, body, sig = token.split(".")
        forged = b64u(json.dumps({"iss": self.ISSUER, "aud": self.AUDIENCE,
                                  "sub": "admin",
                                  "exp": int(time.time()) + 300}).encode())
        with self.assertRaises(hoop.Unauthenticated) as e:
            hoop.Identity.from_token(f"{head}.{forged}.{sig}", jwks,
                                     self.ISSUER, self.AUDIENCE)
        self.assertIn("bad_signature", e.exception.message)
        with self.assertRaises(hoop.Unauthenticated) as e:
            hoop.Identity.from_token(token, jwks, self.ISSUER, "other")
        self.assertIn("wrong_audience", e.exception.message)
        expired, jwks2, _ = self.mint(exp=int(time.time()) - 3600)
        with self.assertRaises(hoop.Unauthenticated) as e:
            hoop.Identity.from_token(expired, jwks2, self.ISSUER,
                                     self.AUDIENCE)
        self.assertIn("expired", e.exception.message)
        with self.assertRaises(hoop.InvalidArgument):
            hoop.Identity.from_token(token, "{not json", self.ISSUER,
                                     self.AUDIENCE)


class SessionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.policy = hoop.Policy.from_text(POLICY)
        cls.masker = hoop.Masker.default()
        cls.agent = hoop.Identity(subject="agent-7", kind="non_human")

    def session(self, **options):
        opts = dict(session_id="py-unit", policy=self.policy,
                    identity=self.agent, resource="shop", masker=self.masker)
        opts.update(options)
        s = hoop.PostgresSession(**opts)
        self.addCleanup(s.close)
        # Startup and authentication, passed through.
        out = s.feed(hoop.CLIENT, pg.startup())
        self.assertEqual(out.server_bytes(), pg.startup())
        self.assertEqual(out.events[0].kind, hoop.EventKind.STARTUP)
        self.assertIn("user=app", out.events[0].text)
        hello = pg.auth_ok() + pg.ready()
        self.assertEqual(s.feed(hoop.SERVER, hello).client_bytes(), hello)
        return s

    def command_event(self, out):
        events = [e for e in out.events if e.kind == hoop.EventKind.COMMAND]
        self.assertEqual(len(events), 1, out.events)
        return events[0]

    def test_allowed_query_is_forwarded_unchanged_and_uncopied(self):
        s = self.session()
        q = pg.query("SELECT id, email FROM customers")
        out = s.feed(hoop.CLIENT, q)
        self.assertEqual(out.server_bytes(), q)
        self.assertEqual(out.to_client, [])
        self.assertFalse(out.close)
        e = self.command_event(out)
        self.assertEqual(e.decision, hoop.Decision.ALLOW)
        self.assertEqual(e.rule_id, "agents-read")
        # Zero copy: the slice is the very bytes object that was fed.
        self.assertEqual(len(out.to_server), 1)
        self.assertEqual(address_of(out.to_server[0]), address_of_bytes(q))
        # Other buffers work too (copied by the library).
        out = s.feed(hoop.CLIENT, bytearray(q))
        self.assertEqual(out.server_bytes(), q)

    def test_denied_query_gets_error_42501_and_ready_for_query(self):
        s = self.session()
        out = s.feed(hoop.CLIENT, pg.query("DROP TABLE customers"))
        self.assertEqual(out.to_server, [])
        replies = pg.split(out.client_bytes())
        self.assertEqual([t for t, _ in replies], [b"E", b"Z"])
        f = pg.fields(replies[0][1])
        self.assertEqual(f["S"], "ERROR")
        self.assertEqual(f["V"], "ERROR")
        self.assertEqual(f["C"], "42501")
        self.assertEqual(f["M"], DENY_MESSAGE)
        self.assertIn("no-ddl", f["D"])
        self.assertEqual(replies[1][1], b"I")  # the true status: idle
        e = self.command_event(out)
        self.assertEqual(e.decision, hoop.Decision.DENY)
        self.assertEqual(e.rule_id, "no-ddl")
        self.assertEqual(s.stats().denied, 1)
        # The connection goes on.
        q = pg.query("SELECT 1")
        self.assertEqual(s.feed(hoop.CLIENT, q).server_bytes(), q)

    def test_data_row_with_an_email_comes_out_masked(self):
        s = self.session()
        s.feed(hoop.CLIENT, pg.query("SELECT name, email FROM customers"))
        clean = pg.data_row("Bo", "no address")
        result = (pg.row_description("name", "email") +
                  pg.data_row("Ana", EMAIL) + clean +
                  pg.command_complete("SELECT 2") + pg.ready())
        out = s.feed(hoop.SERVER, result)
        data = out.client_bytes()
        self.assertNotIn(EMAIL.encode(), data)
        msgs = pg.split(data)
        self.assertEqual([t for t, _ in msgs], [b"T", b"D", b"D", b"C", b"Z"])
        self.assertEqual(pg.cells(msgs[1][1]), [b"Ana", b"[EMAIL]"])
        self.assertEqual(pg.cells(msgs[2][1]), [b"Bo", b"no address"])
        st = s.stats()
        self.assertEqual((st.rows, st.rows_rewritten, st.cells_masked),
                         (2, 1, 1))
        results = [e for e in out.events if e.kind == hoop.EventKind.RESULT]
        self.assertEqual(results[0].rows, 2)
        # The unchanged row is forwarded as a slice of the input.
        base = address_of_bytes(result)
        inside = [v for v in out.to_client
                  if base <= address_of(v) < base + len(result)]
        self.assertTrue(any(clean in bytes(v) for v in inside))

    def test_review_then_approve_forwards_the_held_bytes(self):
        s = self.session()
        update = pg.query("UPDATE customers SET name = 'x' WHERE id = 1")
        out = s.feed(hoop.CLIENT, update)
        self.assertEqual(out.to_server, [])
        requested = [e for e in out.events
                     if e.kind == hoop.EventKind.APPROVAL_REQUESTED]
        self.assertEqual(len(requested), 1)
        rid = requested[0].request_id
        self.assertTrue(rid)
        self.assertEqual(s.held_requests(), [rid])
        notice = pg.split(out.client_bytes())
        self.assertEqual(notice[0][0], b"N")
        self.assertIn(rid, pg.fields(notice[0][1])["M"])
        # Pipelined behind it: held too.
        later = pg.query("SELECT 1")
        self.assertEqual(s.feed(hoop.CLIENT, later).to_server, [])
        with self.assertRaises(hoop.NotFound):
            s.resolve("no-such-request", approve=True)
        out = s.resolve(rid, approve=True, approver="dba@example.com",
                        reason="ticket OPS-1")
        self.assertEqual(out.server_bytes(), update + later)
        resolved = [e for e in out.events
                    if e.kind == hoop.EventKind.APPROVAL_RESOLVED]
        self.assertEqual(resolved[0].resolution, hoop.Resolution.APPROVE)
        self.assertEqual(resolved[0].request_id, rid)
        self.assertEqual(s.held_requests(), [])

    def test_review_denied_and_expired(self):
        s = self.session(review_timeout=0.05)
        out = s.feed(hoop.CLIENT, pg.query("DELETE FROM customers"))
        rid = out.events[-1].request_id
        out = s.resolve(rid, approve=False, approver="dba")
        self.assertEqual(out.to_server, [])
        replies = pg.split(out.client_bytes())
        self.assertEqual([t for t, _ in replies], [b"E", b"Z"])
        self.assertEqual(pg.fields(replies[0][1])["C"], "42501")

        s.feed(hoop.CLIENT, pg.query("DELETE FROM customers"))
        deadline = s.next_deadline()
        self.assertIsNotNone(deadline)
        self.assertLess(deadline - time.time(), 1.0)
        time.sleep(0.1)
        self.assertEqual(s.seconds_to_deadline(), 0)
        out = s.tick()
        resolved = [e for e in out.events
                    if e.kind == hoop.EventKind.APPROVAL_RESOLVED]
        self.assertEqual(resolved[0].resolution, hoop.Resolution.EXPIRE)
        self.assertEqual([t for t, _ in pg.split(out.client_bytes())],
                         [b"E", b"Z"])
        self.assertIsNone(s.next_deadline())

    def test_outputs_go_stale_at_the_next_call(self):
        s = self.session()
        out = s.feed(hoop.CLIENT, pg.query("SELECT 1"))
        view = out.to_server[0]
        self.assertTrue(out.valid)
        s.tick()
        self.assertFalse(out.valid)
        with self.assertRaises(ValueError):
            bytes(view)  # released, not a read of freed memory
        with self.assertRaises(ValueError):
            out.server_bytes()

    def test_finish_then_feed_fails(self):
        s = self.session()
        s.feed(hoop.CLIENT, pg.query("UPDATE customers SET name = 'y'"))
        out = s.finish(hoop.EndReason.CLIENT_CLOSED, "bye")
        resolved = [e for e in out.events
                    if e.kind == hoop.EventKind.APPROVAL_RESOLVED]
        self.assertEqual(resolved[0].resolution, hoop.Resolution.CANCEL)
        with self.assertRaises(hoop.FailedPrecondition):
            s.feed(hoop.CLIENT, pg.query("SELECT 1"))
        s.finish()  # a second finish is a no-op
        s.close()
        with self.assertRaises(ValueError):
            s.feed(hoop.CLIENT, b"")

    def test_session_options_are_checked(self):
        with self.assertRaises(hoop.InvalidArgument):
            hoop.PostgresSession(session_id="", policy=self.policy)

    def test_records_to_a_callback_and_to_a_directory(self):
        records = []
        recorder = hoop.Recorder(records.append)
        s = self.session(recorder=recorder, session_id="py-rec")
        s.feed(hoop.CLIENT, pg.query("DROP TABLE customers"))
        s.finish(hoop.EndReason.CLIENT_CLOSED)
        self.assertGreaterEqual(len(records), 3)  # start, command, end
        self.assertTrue(all(isinstance(r, bytes) and r for r in records))
        self.assertTrue(any(b"DROP TABLE customers" in r for r in records))

        with tempfile.TemporaryDirectory() as d:
            s = self.session(recorder=hoop.Recorder.to_dir(d),
                             session_id="py-dir")
            s.feed(hoop.CLIENT, pg.query("SELECT 1"))
            s.finish()
            path = os.path.join(d, "py-dir.hooprec")
            self.assertTrue(os.path.getsize(path) > 0)

    def test_a_failing_record_callback_closes_the_session(self):
        def refuse(_record):
            raise RuntimeError("disk full")
        s = hoop.PostgresSession(
            session_id="py-fail", policy=self.policy, identity=self.agent,
            resource="shop",
            recorder=hoop.Recorder(refuse, queue_capacity=0))
        self.addCleanup(s.close)
        out = s.feed(hoop.CLIENT, pg.startup())  # SessionStart is refused
        self.assertTrue(out.close, out)
        self.assertTrue(any(e.kind == hoop.EventKind.ERROR and e.fatal
                            for e in out.events), out.events)

    def test_handles_are_freed_by_gc(self):
        for _ in range(50):
            s = hoop.PostgresSession(session_id="gc", policy=self.policy)
            s.feed(hoop.CLIENT, pg.startup())
            del s
        gc.collect()


if __name__ == "__main__":
    unittest.main(verbosity=2)
