#!/usr/bin/env bats
# No push locks the team out.  A teammate with push access and plain git
# pushes what relctl never writes: a tree that lists a tree object as a
# file, a commit with no committer line, one 15 MiB blob under forty
# paths, event ids and author names made to derail the restore, a release
# file turned into a symlink, a name with '/' inside, and finally deletes
# the ledger branch or pushes it back in time.  Each is refused with one
# line naming the commit (or reported with what to do), the local ledger
# stays as it was, memory stays small, and the release manager's
# 'relctl sync --restore' brings every clone back with no valid event lost.

bats_require_minimum_version 1.5.0

load helper
load sync
load judge

setup() {
	setup_repo
	mini_playbook >"$TEST_TMP/mini.yaml"
}

teardown() {
	servers_stop
	cleanup_repo
}

# raw_objects PYTHON: runs PYTHON in the vandal clone (cloned if needed)
# with git(*args, inp=), obj(kind, bytes) -> id and tree(entries) -> id
# (entries as (mode, name, id) written as given, not as git would), good =
# origin/relctl-ledger; HAND_COMMIT is what it prints.  Nothing is pushed.
raw_objects() {
	local v="$TEST_TMP/vandal"
	[ -d "$v" ] || git clone -q "$REMOTE" "$v"
	git -C "$v" fetch -q origin
	HAND_COMMIT=$(/usr/bin/python3 - "$v" "$V" <<PY
import binascii, subprocess, sys
v, version = sys.argv[1:]
def git(*a, inp=None):
    return subprocess.run(["git", "-C", v] + list(a), input=inp, capture_output=True, check=True).stdout.decode().strip()
def obj(kind, raw):
    return git("hash-object", "-t", kind, "-w", "--literally", "--stdin", inp=raw)
def tree(entries):
    return obj("tree", b"".join(m.encode() + b" " + n.encode() + b"\0" + binascii.unhexlify(h) for m, n, h in entries))
good = git("rev-parse", "origin/relctl-ledger")
$1
PY
)
}

vandal_push() { # COMMIT
	git -C "$TEST_TMP/vandal" push -q origin "$1:refs/heads/relctl-ledger"
}

# restored_everywhere: the release manager's restore (in clone a) succeeds on
# top of the remote's tip without a force-push, every clone takes it, the
# events before are all there, and verify passes; RESTORE is its commit,
# RESTORED what it printed.
restored_everywhere() {
	local bad good_ids
	bad=$(remote_tip)
	good_ids=$(event_ids relctl-ledger)
	run relctl sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"cristina restored the ledger to ${local_before:0:12} after "* ]] || { echo "$output"; false; }
	RESTORED=$output
	RESTORE=$(remote_tip)
	[ "$(git --git-dir="$REMOTE" rev-parse "$RESTORE^")" = "$bad" ]
	[ "$(event_ids "$RESTORE" "$REMOTE")" = "$good_ids" ]
	same_as_remote
	cd "$TEST_TMP/b"
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	same_as_remote
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cd "$TEST_TMP/a"
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "a tree that lists a tree object under a file's mode: refused with one line naming it and its author; --restore writes on top of it and every clone goes on" {
	team
	raw_objects '
root = []
for line in git("ls-tree", good).splitlines():
    meta, name = line.split("\t")
    mode, kind, oid = meta.split()
    root.append(("40000" if kind == "tree" else mode, name, oid))
# index.json as a file whose object is a tree (one git has not seen yet, so that git push sends it).
inner = tree([("100644", "index.json", git("rev-parse", good + ":index.json"))])
root = [(m, n, inner if n == "index.json" else o) for m, n, o in root]
print(git("-c", "user.name=Jan", "-c", "user.email=jan@example.com", "commit-tree", tree(root), "-p", good, "-m", "tidy"))'
	vandal_push "$HAND_COMMIT"
	bad=$HAND_COMMIT
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Jan <jan@example.com>" "index.json is a tree under file mode 100644"
	run as shalom done notes
	refused_unchanged
	refused_line "$bad" "Jan <jan@example.com>" "index.json is a tree"
	restored_everywhere
	as shalom done notes >/dev/null
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r .steps.notes.state)" = done ]
}

@test "a commit with no committer line: refused with one line naming it and its author; --restore writes on top of it without reading it; every clone goes on" {
	# libgit2 1.5's own walks leak what they parsed of such a commit (see the file).
	export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$ROOT/tests/e2e/lsan-unparsable-commit.supp"
	team
	scratch maria claim test
	git clone -q "$REMOTE" "$TEST_TMP/vandal"
	git -C "$TEST_TMP/vandal" fetch -q "$TEST_TMP/scratch" relctl-ledger
	raw_objects "
tree_id = git('rev-parse', '$SCRATCH^{tree}')
raw = ('tree %s\nparent %s\nauthor Maria <maria@example.com> 1710842400 +0000\n\nmaria claimed test\n' % (tree_id, good)).encode()
print(obj('commit', raw))"
	bad=$HAND_COMMIT
	vandal_push "$bad"
	run ! git -C "$TEST_TMP/vandal" fsck --no-dangling
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Maria <maria@example.com>" "no committer"
	run as shalom done notes
	refused_unchanged
	restored_everywhere
	# The restore did not read the commit: maria's claim in it is not brought back.
	[[ "$RESTORED" == *"0 events brought back"* ]] || { echo "$RESTORED"; false; }
	as shalom done notes >/dev/null
	as maria claim test >/dev/null
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r '.steps.notes.state + " " + .steps.test.holder')" = "done maria" ]
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
	same_as_remote
}

# peak_kb CMD...: runs CMD (status and output as 'run' gives them) and sets
# PEAK to its peak resident memory in KiB.
peak_kb() {
	run /usr/bin/time -f "%M" -o "$TEST_TMP/rss" "$@"
	PEAK=$(tail -1 "$TEST_TMP/rss")
	output=$(grep -v "^$PEAK\$" <<<"$output" || true)
}

# under_address_space MIB CMD...: CMD with at most MIB MiB of address space
# (AddressSanitizer reserves terabytes: its build is measured by peak_kb alone).
under_address_space() {
	local mib=$1
	shift
	# grep, not nm -D: make check-asan links the sanitizer runtime statically.
	if grep -qa __asan_init "$RELCTL"; then
		run "$@"
	else
		run prlimit --as=$((mib * 1024 * 1024)) "$@"
	fi
}

@test "one 15 MiB blob under forty release paths, then as a forged restore: each refused by its paths and sizes before any file is read; sync stays in a small memory bound; --restore works" {
	team
	# A commit with the blob under forty names (a few KB pushed), on the remote's tip.
	raw_objects '
big = obj("blob", b"{\"events\": [" + b" " * (15 * 1024 * 1024) + b"]}")
entries = []
for line in git("ls-tree", good).splitlines():
    meta, name = line.split("\t")
    mode, kind, oid = meta.split()
    if name == "releases":
        rel = [tuple(l.split("\t")[0].split()[::2]) + (l.split("\t")[1],) for l in git("ls-tree", oid).splitlines()]
        rel = [(m, n, o) for m, o, n in rel] + [("100644", "%s.%02d.json" % (version, i), big) for i in range(40)]
        rel.sort(key=lambda e: e[1])
        oid = tree(rel)
    entries.append(("40000" if kind == "tree" else mode, name, oid))
print(git("-c", "user.name=Jan", "-c", "user.email=jan@example.com", "commit-tree", tree(entries), "-p", good, "-m", "jan tidied"))'
	bad=$HAND_COMMIT
	vandal_push "$bad"
	[ "$(du -sk "$REMOTE/objects" | cut -f1)" -lt 2000 ]
	snapshot
	peak_kb "$RELCTL" sync
	refused_unchanged
	refused_line "$bad" "Jan <jan@example.com>" "the commit changes 40 releases"
	# Far below one copy of the blob (about 12 MB; 60 under AddressSanitizer).
	[ "$PEAK" -lt 80000 ] || { echo "peak $PEAK KiB"; false; }
	under_address_space 400 "$RELCTL" sync
	refused_unchanged
	# The same forty files again, as a restore by the release manager that names the last good commit.
	raw_objects "
print(git('-c', 'user.name=Cristina', '-c', 'user.email=cristina@example.com', 'commit-tree', '$bad^{tree}', '-p', '$bad',
          '-m', 'cristina restored the ledger\n\nRelctl-Restore: $local_before'))"
	forged=$HAND_COMMIT
	vandal_push "$forged"
	snapshot
	peak_kb "$RELCTL" sync
	refused_unchanged
	refused_line "$bad" "Jan <jan@example.com>" "the commit changes 40 releases"
	[ "$PEAK" -lt 80000 ] || { echo "peak $PEAK KiB"; false; }
	restored_everywhere
	[[ "$RESTORED" == *"after 2 refused commits"* ]] || { echo "$RESTORED"; false; }
	# Every clone's verify keeps both, the forged restore refused by its size alone.
	cd "$TEST_TMP/b"
	peak_kb "$RELCTL" verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"${forged:0:12}"*"its files come to 600 MiB, more than the 48 MiB relctl reads of one commit"* ]] || { echo "$output"; false; }
	[ "$PEAK" -lt 80000 ] || { echo "peak $PEAK KiB"; false; }
}

# restore_message_is_own: the restore's message has one trailer block, its
# last paragraph, naming the last good commit, and no byte from a refused
# commit's text (no escape, no control character but newlines).
restore_message_is_own() {
	local msg
	msg=$(git --git-dir="$REMOTE" log -1 --format=%B "$RESTORE")
	[ "$(git interpret-trailers --parse <<<"$msg")" = "Relctl-Restore: $local_before" ] || { echo "$msg"; false; }
	[ "$(grep -c "Relctl-Restore" <<<"$msg")" -eq 1 ] || { echo "$msg"; false; }
	run ! grep -q "[[:cntrl:]]" <<<"$msg"
	[[ "$msg" != *"RED"* && "$msg" != *"0000000000"* ]] || { echo "$msg"; false; }
}

@test "a refused event whose id carries a restore trailer, by an author whose name holds escape codes: the restore succeeds, its message is relctl's own with one trailer block" {
	team
	trap0=$(printf 'c0ffee\n\nRelctl-Restore: %040d' 0)
	remote_ledger "$REMOTE" "$V" |
		jq --arg id "$trap0" '.events += [{id: $id, time: "2024-03-19T10:00:00Z", actor: "shalom", op: "unclaim", step: "notes", candidate: 1}]' >"$TEST_TMP/trap.json"
	hand_push "$TEST_TMP/trap.json" "releases/$V.json" "shalom unclaimed notes" "$(printf 'Shalom\033[31mRED\033[0m')" shalom@example.com
	bad=$HAND_COMMIT
	snapshot
	run relctl sync
	refused_unchanged
	# The terminal sees the escape codes escaped.
	[[ "$output" == "relctl: remote \"origin\" has commit ${bad:0:12} by Shalom\\x1b[31mRED\\x1b[0m <shalom@example.com>"* ]] || { echo "$output"; false; }
	run ! grep -q $'\033' <<<"$output"
	restored_everywhere
	[[ "$RESTORED" == *"0 events brought back, 1 dropped"* ]] || { echo "$RESTORED"; false; }
	restore_message_is_own
	# The message cannot derail the judge: a second clone and verify take it.
	git clone -q --no-checkout "$REMOTE" "$TEST_TMP/audit" 2>/dev/null
	git -C "$TEST_TMP/audit" branch -q -f relctl-ledger origin/relctl-ledger
	run bash -c "cd '$TEST_TMP/audit' && '$RELCTL' verify"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "a release file turned into a symlink, a tree entry with '/' in its name: each refused, and --restore writes on the last good tree every time" {
	team
	# releases/V.json as a symlink.
	remote_ledger "$REMOTE" "$V" >"$TEST_TMP/same.json"
	push_files Maria maria@example.com "maria claimed test" "120000:releases/$V.json=$TEST_TMP/same.json"
	bad=$HAND_COMMIT
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Maria <maria@example.com>" "releases/$V.json is not a plain file (a symlink)"
	restored_everywhere
	restore_message_is_own
	cd "$TEST_TMP/a"
	# A name with '/' inside, in the releases tree (git fsck: fullPathname).
	raw_objects '
entries = []
for line in git("ls-tree", good).splitlines():
    meta, name = line.split("\t")
    mode, kind, oid = meta.split()
    if name == "releases":
        rel = [(l.split()[0], l.split("\t")[1], l.split()[2]) for l in git("ls-tree", oid).splitlines()]
        rel.append(("100644", version + "/x.json", git("rev-parse", good + ":index.json")))
        oid = tree(sorted(rel, key=lambda e: e[1]))
    entries.append(("40000" if kind == "tree" else mode, name, oid))
print(git("-c", "user.name=Maria", "-c", "user.email=maria@example.com", "commit-tree", tree(entries), "-p", good, "-m", "odd"))'
	bad=$HAND_COMMIT
	vandal_push "$bad"
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Maria <maria@example.com>" "it writes releases/$V/x.json, which is not a ledger file"
	restored_everywhere
	restore_message_is_own
}

@test "a deleted ledger branch is not a fresh start: sync and mutations refuse (65) and send nothing; a release manager's --restore pushes the accepted ledger back; a clone that accepted more is told and its --restore pushes the rest fast-forward; no event lost" {
	team
	# a (cristina) takes maria's claim, which b (michael) never saw.
	as maria claim test >/dev/null
	all_ids=$(event_ids relctl-ledger "$REMOTE")
	[ "$(jq length <<<"$all_ids")" -eq 5 ]
	git --git-dir="$REMOTE" update-ref -d refs/heads/relctl-ledger
	cd "$TEST_TMP/b"
	local_before=$(git rev-parse relctl-ledger)
	for cmd in "sync" "claim notes"; do
		run as shalom $cmd
		[ "$status" -eq 65 ] || { echo "$output"; false; }
		[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
		[[ "$output" == "relctl: remote \"origin\" has no relctl-ledger branch any more, but this clone took the ledger from it up to commit ${local_before:0:12}: a deleted branch is not a fresh start"*"a release manager can run 'relctl sync --restore'"* ]] ||
			{ echo "$output"; false; }
		[ "$(git rev-parse relctl-ledger)" = "$local_before" ]
		run ! git --git-dir="$REMOTE" rev-parse -q --verify refs/heads/relctl-ledger
	done
	run relctl sync --restore
	[ "$status" -eq 77 ] || { echo "$output"; false; }
	run ! git --git-dir="$REMOTE" rev-parse -q --verify refs/heads/relctl-ledger
	# The release manager, from the clone that saw less.
	run as cristina sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"cristina put the ledger back on \"origin\" at ${local_before:0:12}, as this clone had accepted it: its relctl-ledger branch was gone"* ]] ||
		{ echo "$output"; false; }
	[ "$(remote_tip)" = "$local_before" ]
	# a accepted maria's claim: the remote is behind it, said so; its restore puts the claim back, fast-forward.
	cd "$TEST_TMP/a"
	run relctl sync
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[[ "$output" == "relctl: remote \"origin\" rewrote the ledger's history back in time: its relctl-ledger is at ${local_before:0:12}, behind commit "*"'relctl sync --restore' pushes the commits this clone accepted back, fast-forward" ]] || { echo "$output"; false; }
	[ "$(remote_tip)" = "$local_before" ]
	run relctl sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"pushed the commits this clone accepted back to \"origin\", fast-forward"* ]] || { echo "$output"; false; }
	[ "$(event_ids relctl-ledger "$REMOTE")" = "$all_ids" ]
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r .steps.test.holder)" = maria ]
	same_as_remote
	cd "$TEST_TMP/b"
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	same_as_remote
	as shalom done notes >/dev/null
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cd "$TEST_TMP/a"
	relctl sync >/dev/null
	same_as_remote
	[ "$(ledger "$V" | jq -r '.steps.notes.state + " " + .steps.test.holder')" = "done maria" ]
}

@test "a ledger branch pushed back in time: mutations refuse (65) saying what to do; the clone that accepted more, a dev's, pushes those commits back fast-forward with --restore; no event lost" {
	team
	as maria claim test >/dev/null
	all_ids=$(event_ids relctl-ledger "$REMOTE")
	old=$(git rev-parse relctl-ledger~1)
	git clone -q "$REMOTE" "$TEST_TMP/vandal"
	git -C "$TEST_TMP/vandal" push -q -f origin "$old:refs/heads/relctl-ledger"
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r '.steps.test.state')" = ready ]
	local_before=$(git rev-parse relctl-ledger)
	run as maria done test
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 1 ] && [[ "$output" == *"rewrote the ledger's history back in time: its relctl-ledger is at ${old:0:12}, behind commit ${local_before:0:12} this clone took"* ]] || { echo "$output"; false; }
	[ "$(git rev-parse relctl-ledger)" = "$local_before" ] && [ "$(remote_tip)" = "$old" ]
	# Pushing back commits this clone judged needs no release manager.
	run as maria sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	same_as_remote
	[ "$(event_ids relctl-ledger "$REMOTE")" = "$all_ids" ]
	as maria done test >/dev/null
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r '.steps.test.state')" = done ]
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
	same_as_remote
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}
