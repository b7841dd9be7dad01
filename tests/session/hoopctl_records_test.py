#!/usr/bin/python3
# hoopctl sample-records / verify / sessions / review / replay, end to end.
# Usage: hoopctl_records_test.py HOOPCTL
import html.parser
import json
import os
import subprocess
import sys
import tempfile

HOOPCTL = sys.argv[1]
failures = []


def run(*args, expect=0):
    p = subprocess.run([HOOPCTL, *args], capture_output=True, text=True)
    if p.returncode != expect:
        failures.append(f"{args}: exit {p.returncode}, wanted {expect}\n{p.stderr}")
    return p.stdout


def check(cond, what):
    if not cond:
        failures.append(what)


class Html(html.parser.HTMLParser):
    VOID = {"meta", "br"}

    def __init__(self):
        super().__init__()
        self.stack, self.kpi, self.cur, self.errors = [], {}, None, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if tag == "b":
            self.cur = dict(attrs).get("id")

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()
        self.cur = None

    def handle_data(self, data):
        if self.cur:
            self.kpi[self.cur] = int(data)


with tempfile.TemporaryDirectory() as d:
    pem = run("sample-records", d, "--now", "2026-11-20")
    check(pem.startswith("-----BEGIN PUBLIC KEY-----"), "sample-records prints the key")
    key = os.path.join(d, "public_key.pem")
    inv = os.path.join(d, "inventory.json")
    out = run("verify", d, "--key", key)
    check("16 sessions, 0 with faults" in out, "verify: all sessions ok\n" + out)

    rows = run("sessions", d, "--key", key).strip().splitlines()
    check(len(rows) == 17, f"sessions: header + 16 lines, got {len(rows)}")
    check("ai-assistant" in rows[1] and "agent" in rows[1], "sessions: oldest first")

    text = run("review", d, "--inventory", inv, "--now", "2026-11-20", "--key", key)
    check("16 sessions, 30 commands, 4 people, 3 non-human identities" in text, "review text")
    check("approval: denied by ana@example.com" in text, "review names the approver")
    j = json.loads(run("review", d, "--inventory", inv, "--now", "2026-11-20",
                       "--format", "json"))
    t = j["totals"]
    check((t["sessions"], t["commands"], t["denied"], t["held"]) == (16, 30, 7, 4),
          f"review json totals {t}")
    check(len(j["stale_credentials"]) == 5, "five stale credentials")
    check(j["credentials_not_in_inventory"] == ["mysql-root"], "unknown credential")

    page = os.path.join(d, "review.html")
    run("review", d, "--inventory", inv, "--now", "2026-11-20", "--format", "html", "-o", page)
    p = Html()
    with open(page) as f:
        p.feed(f.read())
    check(not p.errors and not p.stack, f"html well formed: {p.errors} {p.stack}")
    check(p.kpi == {"sessions": 16, "commands": 30, "people": 4, "non_humans": 3,
                    "denied": 7, "held": 4}, f"html numbers {p.kpi}")

    ssh = run("replay", os.path.join(d, "s05-carla-ssh-bastion.hooprec"), "--no-delay")
    check("$ cat /etc/app/env" in ssh and "[AWS_ACCESS_KEY_ID]" in ssh, "replay ssh\n" + ssh)
    pg = run("replay", os.path.join(d, "s01-ana-pg-prod.hooprec"), "--key", key)
    check("| [EMAIL]" in pg and "integrity: ok" in pg, "replay pg table\n" + pg)

    # Tamper with one byte: verify fails and names the file and offset.
    victim = os.path.join(d, "s02-ana-pg-prod.hooprec")
    with open(victim, "r+b") as f:
        data = bytearray(f.read())
        at = data.find(b"DROP TABLE")
        data[at] ^= 0x20
        f.seek(0)
        f.write(data)
    out = run("verify", d, "--key", key, expect=2)
    check("FAIL  s02-ana-pg-prod" in out and "s02-ana-pg-prod.hooprec:" in out,
          "verify names the tampered record\n" + out)
    # Cut the tail: torn record reported, earlier records recovered.
    victim = os.path.join(d, "s01-ana-pg-prod.hooprec")
    size = os.path.getsize(victim)
    os.truncate(victim, size - 7)
    out = run("verify", victim, "--key", key, expect=2)
    check("torn_tail" in out and "recovered" in out, "verify reports the torn tail\n" + out)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("ok")
