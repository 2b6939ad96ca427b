#!/usr/bin/env python3
"""Validates a ledger branch against docs/ledger.schema.json and docs/index.schema.json.

    validate-ledger.py REPO [BRANCH]     every releases/*.json and index.json at BRANCH's tip
    validate-ledger.py --file release|index FILE

Prints one line per problem (FILE: PATH: message) and exits 1 if there is
any, else prints "N documents valid" and exits 0.  Reads the branch with
plain git, the way a user's script would.
"""
import json
import os
import subprocess
import sys

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def validator(name):
    with open(os.path.join(ROOT, "docs", name + ".schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def problems(kind, label, text):
    try:
        doc = json.loads(text)
    except ValueError as e:
        return ["%s: not JSON: %s" % (label, e)]
    out = []
    for err in sorted(validator(kind).iter_errors(doc), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in err.absolute_path) or "(top)"
        out.append("%s: %s: %s" % (label, path, err.message[:300]))
    return out


def git(repo, *args):
    return subprocess.run(["git", "-C", repo] + list(args), check=True, capture_output=True, text=True).stdout


def main(argv):
    if len(argv) == 3 and argv[0] == "--file":
        with open(argv[2], encoding="utf-8") as f:
            found, count = problems(argv[1], argv[2], f.read()), 1
    else:
        repo, branch = argv[0], argv[1] if len(argv) > 1 else "relctl-ledger"
        names = git(repo, "ls-tree", "--name-only", branch, "releases/").split()
        if not names:
            print("no release files on %s" % branch)
            return 1
        found = problems("index", "index.json", git(repo, "show", branch + ":index.json"))
        for name in names:
            found += problems("ledger", name, git(repo, "show", "%s:%s" % (branch, name)))
        count = len(names) + 1
    for line in found:
        print(line)
    if found:
        return 1
    print("%d documents valid" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
