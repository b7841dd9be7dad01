#!/usr/bin/python3
"""hoopctl decode, end to end: the recorded psql session decodes to the
expected JSON frames; malformed input prints the frames before the fault,
then an error on stderr, and exits non-zero. Usage: hoopctl_decode_test.py HOOPCTL SOURCE_DIR"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HOOPCTL, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "tests", "testdata")


def decode(client, server, *extra):
    return subprocess.run([HOOPCTL, "decode", "--protocol", "postgres", "--client", client,
                           "--server", server, *extra], capture_output=True, text=True)


class DecodeTest(unittest.TestCase):
    def test_psql_session(self):
        r = decode(os.path.join(DATA, "psql-session.c2s"), os.path.join(DATA, "psql-session.s2c"))
        self.assertEqual(r.returncode, 0, r.stderr)
        frames = [json.loads(line) for line in r.stdout.splitlines()]
        types = [f["type"] for f in frames]
        self.assertEqual(types[:3], ["StartupMessage", "AuthenticationSASL", "SASLInitialResponse"])
        self.assertEqual(types[-1], "Terminate")
        for t in ("RowDescription", "DataRow", "ErrorResponse", "NoticeResponse",
                  "NotificationResponse", "CopyOutResponse", "CopyInResponse", "CopyData"):
            self.assertIn(t, types)
        for f in frames:
            self.assertIn(f["dir"], ("client", "server"))
            for key in ("offset", "length", "type"):
                self.assertIn(key, f)
        # Offsets tile each direction.
        for d, path in (("client", "psql-session.c2s"), ("server", "psql-session.s2c")):
            mine = [f for f in frames if f["dir"] == d]
            pos = 0
            for f in mine:
                self.assertEqual(f["offset"], pos)
                pos += f["length"]
            self.assertEqual(pos, os.path.getsize(os.path.join(DATA, path)))
        self.assertEqual(frames[1]["auth_type"], 10)  # AuthenticationSASL
        start = frames[0]
        self.assertEqual(start["parameters"]["user"], "alice")
        row = next(f for f in frames if f["type"] == "DataRow")
        self.assertIn(None, [v for f in frames if f["type"] == "DataRow" for v in f["values"]])
        self.assertTrue(all(isinstance(v, (str, type(None), dict)) for v in row["values"]))
        err = next(f for f in frames if f["type"] == "ErrorResponse")
        self.assertEqual(err["fields"]["severity"], "ERROR")
        self.assertIn(err["fields"]["code"], ("23505", "22012"))

    def test_stdin_and_text(self):
        with open(os.path.join(DATA, "psql-session.s2c"), "rb") as s2c:
            r = subprocess.run([HOOPCTL, "decode", "--client", os.path.join(DATA, "psql-session.c2s"),
                                "--server", "-", "--format", "text"], stdin=s2c,
                               capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("C  Query", r.stdout)
        self.assertIn("  S DataRow", r.stdout)

    def test_malformed(self):
        with open(os.path.join(DATA, "psql-session.c2s"), "rb") as f:
            good = f.read()
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.c2s")
            empty = os.path.join(tmp, "empty.s2c")
            # A valid startup packet, then a Query whose length runs negative.
            startup_len = int.from_bytes(good[:4], "big")
            with open(bad, "wb") as f:
                f.write(good[:startup_len] + b"Q\xff\xff\xff\xff")
            open(empty, "wb").close()
            r = decode(bad, empty)
        self.assertNotEqual(r.returncode, 0)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 1)
        self.assertEqual(json.loads(lines[0])["type"], "StartupMessage")
        # The Query cannot be named before the server answers the login.
        self.assertIn("postgres client stream at offset", r.stderr)

    def test_binary_cells_are_hex(self):
        with tempfile.TemporaryDirectory() as tmp:
            c2s = os.path.join(tmp, "c"); s2c = os.path.join(tmp, "s")
            open(c2s, "wb").close()
            row = b"\x00\x01\x00\x00\x00\x02\xff\xfe"
            with open(s2c, "wb") as f:
                f.write(b"D" + (4 + len(row)).to_bytes(4, "big") + row)
            r = decode(c2s, s2c, "--mid-stream")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["values"], [{"hex": "fffe"}])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=1)
