#!/usr/bin/env python3
"""Copies one template release into N releases on the ledger branch.

Reads releases/TEMPLATE.json from the ledger, writes releases/V.json for
V = 1.0.0 .. 1.0.N-1 with fresh event ids (the events are otherwise the
same, so each copy's derived view still equals its replay), updates
index.json, and commits everything in one commit with git plumbing.
With --every DAYS, copy n has every time moved n x DAYS days later, so the
copies follow one another as real releases do (stats' trends need a span).

    bench/gen.py REPO TEMPLATE N [--every DAYS]

copy_releases() does the same for any list of copies (tests import it).
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import tempfile
import uuid

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def shift(value, days):
    """value with every RFC 3339 UTC time in it moved days later."""
    if isinstance(value, dict):
        return {k: shift(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [shift(v, days) for v in value]
    if isinstance(value, str) and STAMP.match(value):
        t = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(days=days)
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def git(repo, *args, data=None, env=None):
    return subprocess.run(["git", "-C", repo, *args], input=data, capture_output=True, check=True,
                          env=env).stdout


def copy_releases(repo, plan, message):
    """Writes, in one commit, each (template, version, days) of plan: a copy of
    release template as version, every time moved days later, fresh event ids."""
    index = json.loads(git(repo, "show", "relctl-ledger:index.json"))
    docs = {}
    lines = []
    for template, version, days in plan:
        if template not in docs:
            docs[template] = json.loads(git(repo, "show", f"relctl-ledger:releases/{template}.json"))
        copy = shift(dict(docs[template], version=version), days)
        copy["events"] = [dict(ev, id=uuid.uuid4().hex) for ev in copy["events"]]
        text = json.dumps(copy, indent="\t").encode() + b"\n"
        blob = git(repo, "hash-object", "-w", "--stdin", data=text).decode().strip()
        lines.append(f"100644 blob {blob}\treleases/{version}.json")
        index["releases"][version] = shift(index["releases"][template], days)
    blob = git(repo, "hash-object", "-w", "--stdin", data=json.dumps(index, indent="\t").encode()).decode().strip()
    lines.append(f"100644 blob {blob}\tindex.json")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_INDEX_FILE=os.path.join(tmp, "index"))
        git(repo, "read-tree", "relctl-ledger", env=env)
        git(repo, "update-index", "--index-info", data=("\n".join(lines) + "\n").encode(), env=env)
        tree = git(repo, "write-tree", env=env).decode().strip()
    commit = git(repo, "commit-tree", tree, "-p", "relctl-ledger", "-m", message).decode().strip()
    git(repo, "update-ref", "refs/heads/relctl-ledger", commit)


def main():
    parser = argparse.ArgumentParser(description="Copies one template release into N releases.")
    parser.add_argument("repo")
    parser.add_argument("template")
    parser.add_argument("count", type=int)
    parser.add_argument("--every", type=float, default=0, metavar="DAYS", help="days between two copies")
    args = parser.parse_args()
    plan = [(args.template, f"1.0.{n}", n * args.every) for n in range(args.count)]
    copy_releases(args.repo, plan, f"bench: {args.count} releases")


if __name__ == "__main__":
    main()
