#!/usr/bin/env python3
"""Copies one template release into N releases on the ledger branch.

Reads releases/TEMPLATE.json from the ledger, writes releases/V.json for
V = 1.0.0 .. 1.0.N-1 with fresh event ids (the events are otherwise the
same, so each copy's derived view still equals its replay), updates
index.json, and commits everything in one commit with git plumbing.

    bench/gen.py REPO TEMPLATE N
"""
import json
import os
import subprocess
import sys
import tempfile
import uuid


def git(repo, *args, data=None, env=None):
    return subprocess.run(["git", "-C", repo, *args], input=data, capture_output=True, check=True,
                          env=env).stdout


def main():
    repo, template, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    doc = json.loads(git(repo, "show", f"relctl-ledger:releases/{template}.json"))
    index = json.loads(git(repo, "show", "relctl-ledger:index.json"))
    lines = []
    for n in range(count):
        version = f"1.0.{n}"
        copy = dict(doc, version=version)
        copy["events"] = [dict(ev, id=uuid.uuid4().hex) for ev in doc["events"]]
        text = json.dumps(copy, indent="\t").encode() + b"\n"
        blob = git(repo, "hash-object", "-w", "--stdin", data=text).decode().strip()
        lines.append(f"100644 blob {blob}\treleases/{version}.json")
        entry = dict(index["releases"][template])
        index["releases"][version] = entry
    blob = git(repo, "hash-object", "-w", "--stdin", data=json.dumps(index, indent="\t").encode()).decode().strip()
    lines.append(f"100644 blob {blob}\tindex.json")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_INDEX_FILE=os.path.join(tmp, "index"))
        git(repo, "read-tree", "relctl-ledger", env=env)
        git(repo, "update-index", "--index-info", data=("\n".join(lines) + "\n").encode(), env=env)
        tree = git(repo, "write-tree", env=env).decode().strip()
    commit = git(repo, "commit-tree", tree, "-p", "relctl-ledger", "-m", f"bench: {count} releases").decode().strip()
    git(repo, "update-ref", "refs/heads/relctl-ledger", commit)


if __name__ == "__main__":
    main()
