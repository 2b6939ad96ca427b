#!/usr/bin/env python3
"""Builds the benchmark's ledgers the way a team does: one relctl command per event.

Every release of the TinyPilot playbook is played through the binary, by the
person who would do each step, with the clock (RELCTL_NOW) moving as a real
week does: the build and its shadow, the drafts and their reviews, the three
device tests' checklists item by item (evidence where the playbook wants it,
a dev's review of the items that ask for one), the e2e suite, the inputs and
the decision, the hook steps sent to a local receiver, the 48-hour watch and
the announcing phase.  Every fifth release finds a bug in its first candidate
(a failed item, a finding with estimate, risk and impact) and is delayed once.
Every commit is signed with its actor's own ed25519 key (`signing: required`,
each person's key in the playbook, each person's git config in their own HOME),
so the history is what `relctl verify` and a first sync judge on a real team.

    bench/real-history.py RELCTL CACHE RELEASES...
    bench/real-history.py RELCTL CACHE --open REPO

leaves in CACHE/ledger-N (for each N of RELEASES) a copy of the repository
after N finished releases, and the people's homes (key, git config) in
CACHE/home; CACHE/stamp says how they were made.  Ledgers already there with
the same stamp are kept: building 100 releases takes long (see
docs/performance.md), so it is done once, and an interrupted build goes on
from the longest ledger it finished.
The stamp names the binary's version, the story's number (STORY) and the
playbook's contents; delete CACHE to rebuild.  With --open, REPO (a copy of one of
them) gets one more release, open in the middle of its testing: the build
done and shadowed, the changelog in review, one device test half checked,
so that next has something to say to every role and claim a step to take.
"""
import datetime
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOK = os.path.join(ROOT, "playbooks", "tinypilot.yaml")
PEOPLE = ["michael", "cristina", "jan", "shalom", "david", "maria", "lena"]
START = datetime.datetime(2020, 1, 6, 9, 0, 0)
WEEK = datetime.timedelta(days=7)


class Receiver(http.server.BaseHTTPRequestHandler):
    """The team's CMS and mail relay: accepts every hook request."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        pass


# Raise it when the story played below changes: cached ledgers are rebuilt.
STORY = 1


def stamp(relctl):
    """What the cached ledgers depend on: the binary's version, the story, the playbook."""
    version = subprocess.run([relctl, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    with open(PLAYBOOK, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    return f"{version} story {STORY} playbook {digest}\n"


def team_playbook(cache):
    """tinypilot.yaml with each person's public key (made once, in CACHE/home),
    signing required, and the mailing-list hook sent over HTTP to the same
    local receiver."""
    text = open(PLAYBOOK).read()
    for person in PEOPLE:
        home = os.path.join(cache, "home", person)
        key = os.path.join(home, "key")
        if not os.path.exists(key):
            os.makedirs(home, exist_ok=True)
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", person, "-f", key], check=True)
            with open(os.path.join(home, ".gitconfig"), "w") as f:
                f.write("[user]\n\tsigningKey = ~/key\n[gpg]\n\tformat = ssh\n")
        pub = " ".join(open(key + ".pub").read().split()[:2])
        text, n = re.subn(r"(\{id: %s, .*roles: \[[^]]*\])\}" % person, r'\1, keys: ["%s"]}' % pub, text)
        assert n == 1, person
    text = text.replace("\npeople:", "\nsigning: required\n\npeople:", 1)
    text, n = re.subn(r'url: "\$\{MAILER_SMTP_URL\}"\n    mail:\n(      .*\n)+',
                      'url: "${TINYPILOT_CMS_URL}/api/mail"\n    method: POST\n', text)
    assert n == 1
    path = os.path.join(cache, "team.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


class Team:
    """Runs relctl as each person, one command per event, the clock moving on."""

    def __init__(self, relctl, repo, work, port):
        self.relctl, self.repo, self.work = relctl, repo, work
        self.now = START
        self.env = dict(os.environ, TINYPILOT_CMS_URL=f"http://127.0.0.1:{port}",
                        TINYPILOT_CMS_TOKEN="bench-token",
                        TINYPILOT_CMS_SIGNING_SECRET="whsec_YmVuY2gtc2lnbmluZy1zZWNyZXQtMzItYnl0ZXMh")
        self.env.pop("RELCTL_USER", None)
        self.commands = 0

    def run(self, who, *args, minutes=10, out=False):
        self.now += datetime.timedelta(minutes=minutes)
        env = dict(self.env, RELCTL_USER=who, HOME=os.path.join(self.work, "home", who),
                   RELCTL_NOW=self.now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        p = subprocess.run([self.relctl, *args], cwd=self.repo, env=env, capture_output=True, text=True)
        self.commands += 1
        if p.returncode != 0:
            sys.exit(f"real-history: relctl {' '.join(args)} (as {who}) exited {p.returncode}: {p.stderr.strip()}")
        return p.stdout if out else None

    def items(self, who, step, version):
        doc = json.loads(self.run(who, "check", step, "--release", version, "--json", minutes=0, out=True))
        return doc["checklist"]["items"]

    def test(self, who, step, version, fail=None):
        """who claims step, records a result for every item, and marks it done."""
        self.run(who, "claim", step, "--release", version)
        failed = False
        for item in self.items(who, step, version):
            if item.get("removed") or item.get("result"):
                continue
            evidence = [] if not item.get("evidence_required") else ["--evidence", f"https://videos.example.com/{version}/{item['id']}"]
            if fail and not failed:
                self.run(who, "check", step, item["id"], "fail", "--note", fail, *evidence, "--release", version, minutes=5)
                failed = True
            else:
                self.run(who, "check", step, item["id"], "pass", *evidence, "--release", version, minutes=5)
        self.run(who, "done", step, "--evidence", f"https://videos.example.com/{version}/{step}", "--release", version)

    def approve(self, who, step, version):
        for item in self.items(who, step, version):
            if not item.get("removed") and item.get("review") is not None and item["review"].get("verdict") != "approve":
                self.run(who, "review", step, "approve", "--item", item["id"], "--release", version, minutes=3)

    def candidate(self, version, n, fail):
        """The steps a delay reopens, played once: build, device tests, e2e, review."""
        builder, shadow = ("jan", "shalom") if n % 2 else ("shalom", "jan")
        self.run(builder, "claim", "build-rc", "--release", version)
        if n % 3 == 0:
            self.run(shadow, "shadow", "build-rc", "--release", version)
        self.run(builder, "done", "build-rc", "--note", f"rc{n}", "--evidence", f"https://ci.example.com/{version}/rc", "--release", version, minutes=60)
        testers = ("david", "maria") if n % 2 else ("maria", "david")
        self.test(testers[0], "test-voyager", version, fail)
        self.approve(builder, "test-voyager", version)
        self.test(testers[1], "test-update", version)
        self.approve(shadow, "test-update", version)
        self.test(testers[0], "test-diy", version)
        self.approve(builder, "test-diy", version)
        self.test(shadow, "run-e2e-tests", version)
        self.run("cristina", "claim", "review-test-results", "--release", version)
        self.run("cristina", "done", "review-test-results", "--note", "read every result", "--release", version)

    def drafts(self, version):
        for folder, text in (("changelog", f"# TinyPilot Pro {version}\n\n- fixes\n"),
                             ("announcements", f"# What's new in TinyPilot Pro {version}\n")):
            os.makedirs(os.path.join(self.repo, folder), exist_ok=True)
            with open(os.path.join(self.repo, folder, f"{version}.md"), "w") as f:
                f.write(text)

    def open_release(self, n):
        version = self.version(n)
        self.now = START + n * WEEK
        self.drafts(version)
        self.run("cristina", "start", version)
        self.run("jan", "claim", "update-test-plan", "--release", version)
        self.run("jan", "done", "update-test-plan", "--release", version)
        self.run("shalom", "claim", "draft-changelog", "--release", version)
        self.run("shalom", "done", "draft-changelog", "--release", version, minutes=45)
        self.run("jan", "claim", "build-rc", "--release", version)
        self.run("shalom", "shadow", "build-rc", "--release", version)
        self.run("jan", "done", "build-rc", "--note", "rc1", "--release", version, minutes=60)
        self.run("david", "claim", "test-voyager", "--release", version)
        for item in self.items("david", "test-voyager", version)[:12]:
            evidence = [] if not item.get("evidence_required") else ["--evidence", f"https://videos.example.com/{version}/{item['id']}"]
            self.run("david", "check", "test-voyager", item["id"], "pass", *evidence, "--release", version, minutes=5)
        return version

    @staticmethod
    def version(n):
        return f"3.{n // 10}.{n % 10}"

    def release(self, n):
        version = self.version(n)
        self.now = START + n * WEEK
        self.drafts(version)
        delayed = n % 5 == 4
        self.run("cristina", "start", version)
        self.run("jan", "claim", "update-test-plan", "--release", version)
        self.run("jan", "done", "update-test-plan", "--release", version)
        self.run("shalom", "claim", "draft-changelog", "--release", version)
        self.run("shalom", "done", "draft-changelog", "--release", version, minutes=45)
        self.run("cristina", "review", "draft-changelog", "approve", "--release", version)
        self.run("lena", "claim", "draft-announcement", "--release", version)
        self.run("lena", "done", "draft-announcement", "--release", version, minutes=60)
        self.run("jan", "review", "draft-announcement", "approve", "--release", version)
        self.candidate(version, n, "the static IP page shows an error screen" if delayed else None)
        if delayed:
            finding = json.loads(self.run("cristina", "finding", "list", "--release", version, "--json", minutes=0, out=True))
            ident = finding[-1]["id"] if isinstance(finding, list) else finding["findings"][-1]["id"]
            self.run("jan", "finding", "update", ident, "--estimate", "1d", "--risk", "medium", "--release", version)
            self.run("maria", "finding", "update", ident, "--impact", "static IP users lose the web UI", "--release", version)
            self.run("jan", "input", "--note", "a day to fix", "--release", version)
            self.run("david", "input", "--note", "customers wait for it", "--release", version)
            self.run("michael", "decide", "delay", "--reason", "fix the static IP page first", "--release", version)
            self.run("jan", "finding", "update", ident, "--close", "--release", version, minutes=600)
            self.candidate(version, n + 1, None)
        self.run("jan", "input", "--note", "no open blockers", "--release", version)
        self.run("maria", "input", "--note", "customers are happy", "--release", version)
        self.run("michael", "decide", "ship", "--reason", "all devices green", "--release", version)
        self.run("cristina", "run", "publish-changelog", "--release", version)
        self.run("jan", "claim", "publish-release", "--release", version)
        self.run("jan", "done", "publish-release", "--evidence", f"https://update.example.com/{version}", "--release", version, minutes=60)
        self.run("david", "claim", "verify-update", "--release", version)
        self.run("david", "done", "verify-update", "--evidence", f"https://update.example.com/{version}/log", "--release", version)
        self.run("shalom", "claim", "add-image-hashes", "--release", version)
        self.run("shalom", "done", "add-image-hashes", "--release", version)
        self.run("cristina", "claim", "announce-team", "--release", version)
        self.run("cristina", "done", "announce-team", "--release", version)
        self.run("maria", "claim", "monitor-bugs", "--release", version)
        self.run("maria", "done", "monitor-bugs", "--note", "no new reports", "--release", version, minutes=49 * 60)
        self.run("shalom", "claim", "publish-community", "--release", version)
        self.run("shalom", "done", "publish-community", "--evidence", f"https://github.example.com/{version}", "--release", version)
        self.run("lena", "run", "publish-blog", "--release", version)
        self.run("lena", "run", "send-mailing-list", "--release", version)
        self.run("lena", "claim", "share-twitter", "--release", version)
        self.run("lena", "done", "share-twitter", "--release", version)
        self.run("maria", "claim", "share-eu-distributor", "--release", version)
        self.run("maria", "done", "share-eu-distributor", "--release", version)
        self.run("cristina", "claim", "share-manufacturer", "--release", version)
        self.run("cristina", "done", "share-manufacturer", "--evidence", f"https://mail.example.com/{version}", "--release", version)
        self.run("david", "claim", "update-playbook-links", "--release", version)
        self.run("david", "done", "update-playbook-links", "--release", version)


def open_one(relctl, cache, repo):
    """Plays the beginning of the next release in REPO, as its people."""
    finished = len(json.loads(subprocess.run(["git", "-C", repo, "show", "relctl-ledger:index.json"], capture_output=True,
                                             check=True).stdout)["releases"])
    team = Team(relctl, repo, cache, 9)
    print(team.open_release(finished))


def main():
    if sys.argv[3] == "--open":
        return open_one(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[4]))
    relctl, cache, counts = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sorted(map(int, sys.argv[3:]))
    want = stamp(relctl)
    stamp_file = os.path.join(cache, "stamp")

    def ledger(n):
        return os.path.join(cache, f"ledger-{n}")

    if not (os.path.exists(stamp_file) and open(stamp_file).read() == want):
        shutil.rmtree(cache, ignore_errors=True)
        os.makedirs(cache)
        team_playbook(cache)
        with open(stamp_file, "w") as f:
            f.write(want)
    if all(os.path.isdir(ledger(n)) for n in counts):
        return
    # Go on from the longest ledger already played (an interrupted build resumes).
    done = max([n for n in range(1, max(counts)) if os.path.isdir(ledger(n))], default=0)
    work = os.path.join(cache, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    repo = os.path.join(work, "repo")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    team = Team(relctl, repo, cache, server.server_address[1])
    if done:
        shutil.copytree(ledger(done), repo, symlinks=True)
    else:
        subprocess.run(["git", "init", "-q", repo], check=True)
        subprocess.run(["git", "-C", repo, "config", "user.email", "cristina@example.com"], check=True)
        team.run("cristina", "init", "--playbook", team_playbook(cache), minutes=0)
    started = datetime.datetime.now()
    for n in range(done, max(counts)):
        team.release(n)
        if n + 1 in counts:
            shutil.rmtree(ledger(n + 1) + ".tmp", ignore_errors=True)
            shutil.copytree(repo, ledger(n + 1) + ".tmp", symlinks=True)
            os.rename(ledger(n + 1) + ".tmp", ledger(n + 1))
            commits = subprocess.run(["git", "-C", repo, "rev-list", "--count", "relctl-ledger"], capture_output=True,
                                     text=True, check=True).stdout.strip()
            seconds = (datetime.datetime.now() - started).total_seconds()
            print(f"real-history: {n + 1} releases, {commits} commits, {team.commands} relctl commands "
                  f"in {seconds:.0f} s (from release {done})", file=sys.stderr)
    server.shutdown()
    shutil.rmtree(work)

if __name__ == "__main__":
    main()
