#!/usr/bin/env bats
# One judge at the door.  A teammate with push access but not relctl's
# rules edits the ledger branch by hand and pushes it: dropped events, a
# playbook that makes him release manager, a decision on a stale brief, a
# commit under another name, an event for an earlier candidate, a view
# that is not the replay, a 100 MiB file.  Sync refuses each one (65, one
# line naming the commit and its author), the local ledger stays as it
# was, and the release manager's 'relctl sync --restore' brings every
# clone back with no valid event lost; verify keeps the incident on
# record.  A correct hand-made playbook change by the release manager is
# accepted, because the judge checks rules, not tools.

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

@test "dropped events, pushed by hand: sync and mutations refuse (65, one line) and keep the ledger; a dev cannot restore; the release manager's --restore brings both clones back with every event; verify keeps the incident" {
	team
	snapshot
	good_events=$(event_ids relctl-ledger)
	remote_ledger "$REMOTE" "$V" | jq '.events = [.events[0]]' >"$TEST_TMP/trunc.json"
	hand_push "$TEST_TMP/trunc.json" "releases/$V.json" "tidy up" Jan jan@example.com
	bad=$HAND_COMMIT
	remote_before=$bad
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Jan <jan@example.com>" "an earlier event was changed or removed"
	# jan's build is still done for everyone who has not taken the bad commit.
	[ "$(ledger "$V" | jq -r .steps.build.state)" = done ]
	run as shalom done notes
	refused_unchanged
	# Only a release manager restores.
	run as jan sync --restore
	[ "$status" -eq 77 ] || { echo "$output"; false; }
	[ "$(remote_tip)" = "$bad" ]
	run relctl sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"cristina restored the ledger to ${local_before:0:12} after 1 refused commit: 0 events brought back, 0 dropped"* ]]
	restore=$(remote_tip)
	# One commit, on top of the bad one (no force-push), naming what it restores.
	[ "$(git --git-dir="$REMOTE" rev-parse "$restore^")" = "$bad" ]
	git --git-dir="$REMOTE" log -1 --format=%B "$restore" | grep -qx "Relctl-Restore: $local_before"
	[ "$(event_ids relctl-ledger "$REMOTE")" = "$good_events" ]
	same_as_remote
	# Michael's clone takes the restore and goes on.
	cd "$TEST_TMP/b"
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	same_as_remote
	cd "$TEST_TMP/a"
	as shalom done notes >/dev/null
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r .steps.notes.state)" = done ]
	# verify: the incident for ever, restored, by whom.
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"commit ${bad:0:12}, event "*" by Jan <jan@example.com> at "*"restored by Cristina <cristina@example.com>"* ]] || { echo "$output"; false; }
	run --separate-stderr relctl verify --json
	same "true 1 true $restore" "$(jq -r '"\(.ok) \(.incidents | length) \(.incidents[0].restored) \(.incidents[0].restore_commit)"' <<<"$output")"
}

@test "a dev who makes himself release manager and product owner in playbook.yaml by hand: refused at sync; 'start' as him is refused; --restore puts the playbook back" {
	team
	snapshot
	before=$(git show relctl-ledger:playbook.yaml)
	sed 's/roles: \[dev\]}$/roles: [dev, release-manager, product-owner]}/' "$TEST_TMP/mini.yaml" >"$TEST_TMP/evil.yaml"
	grep -q "id: jan.*release-manager" "$TEST_TMP/evil.yaml"
	# Even with its pinned copy, as relctl would write it.
	blob=$(git hash-object "$TEST_TMP/evil.yaml")
	v="$TEST_TMP/vandal"
	git clone -q "$REMOTE" "$v"
	b=$(git -C "$v" hash-object -w "$TEST_TMP/evil.yaml")
	GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" read-tree origin/relctl-ledger
	GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" update-index --add --cacheinfo "100644,$b,playbook.yaml" --cacheinfo "100644,$b,playbooks/$blob.yaml"
	tree=$(GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" write-tree)
	bad=$(git -C "$v" -c user.name=Jan -c user.email=jan@example.com commit-tree "$tree" -p origin/relctl-ledger -m "jan updated the playbook")
	git -C "$v" push -q origin "$bad:refs/heads/relctl-ledger"
	remote_before=$bad
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Jan <jan@example.com>" "who is not a release manager of the playbook before it"
	run as jan start 9.9.9
	refused_unchanged
	run as jan start 9.9.9 --offline
	[ "$status" -eq 77 ] || { echo "$output"; false; }
	relctl sync --restore >/dev/null
	[ "$(git --git-dir="$REMOTE" show relctl-ledger:playbook.yaml)" = "$before" ]
	run as jan start 9.9.9
	[ "$status" -eq 77 ]
}

@test "a decision on a brief that changed since: relctl's own sync rejects the offline decision (kept under refs/relctl/rejected/); pushed by hand, sync refuses it and --restore drops it" {
	team
	as maria claim test >/dev/null
	as maria done test >/dev/null
	as shalom done notes >/dev/null
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
	relctl brief >/dev/null
	relctl decide ship --reason "all green" --offline >/dev/null
	offline=$(ledger "$V" | jq -r '.events[-1].id')
	# Meanwhile maria finds a blocker, from clone a.
	cd "$TEST_TMP/a"
	as maria finding add "static IP lost after reboot" --severity blocker >/dev/null
	cd "$TEST_TMP/b"
	run relctl sync
	[ "$status" -eq 75 ] || { echo "$output"; false; }
	[[ "$output" == *"the brief of $V changed since this clone last showed it"* ]]
	git rev-parse -q --verify "refs/relctl/rejected/$offline" >/dev/null
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r .steps.decide.state)" = ready ]
	# Now by hand: the same decision and its view, on the remote's tip, with the old hash.
	old_hash=$(git show "refs/relctl/rejected/$offline:releases/$V.json" | jq -r '.events[-1].brief_hash')
	scratch michael decide ship --reason "all green"
	git -C "$TEST_TMP/scratch" show "relctl-ledger:releases/$V.json" |
		jq --arg h "$old_hash" '.events[-1].brief_hash = $h | .decisions[-1].brief_hash = $h' >"$TEST_TMP/stale.json"
	hand_push "$TEST_TMP/stale.json" "releases/$V.json" "michael decided to ship" Michael michael@example.com
	bad=$HAND_COMMIT
	cd "$TEST_TMP/a"
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Michael <michael@example.com>" "the brief of $V changed since"
	run relctl sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"1 dropped"*"dropped: michael decide"* ]] || { echo "$output"; false; }
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r .steps.decide.state)" = ready ]
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "a commit whose author is not its event's actor, an event for an earlier candidate, a view that is not the replay: each refused at sync, and restore brings back the valid events that came after" {
	team
	# shalom's real finish of notes, committed under jan's name.
	scratch shalom done notes
	push_tree "$SCRATCH" Jan jan@example.com "shalom finished notes"
	bad=$HAND_COMMIT
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Jan <jan@example.com>" "the commit's author <jan@example.com> is not the event's actor shalom <shalom@example.com>"
	relctl sync --restore >/dev/null
	# The view edited by hand.
	scratch maria claim test
	git -C "$TEST_TMP/scratch" show "relctl-ledger:releases/$V.json" | jq '.steps.test.holder = "jan"' >"$TEST_TMP/view.json"
	hand_push "$TEST_TMP/view.json" "releases/$V.json" "maria claimed test" Maria maria@example.com
	bad=$HAND_COMMIT
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Maria <maria@example.com>" "the stored steps view is not the replay of its events"
	# A valid event pushed by hand on top of the bad commit: restore brings it back.
	remote_ledger "$REMOTE" "$V" >"$TEST_TMP/on-bad.json"
	scratch_event=$(jq -n '{id: "c0ffee00c0ffee00c0ffee00c0ffee00", time: "2024-03-19T10:00:00Z", actor: "shalom", op: "unclaim", step: "notes", candidate: 1}')
	jq --argjson e "$scratch_event" '.events += [$e]' "$TEST_TMP/on-bad.json" >"$TEST_TMP/more.json"
	hand_push "$TEST_TMP/more.json" "releases/$V.json" "shalom unclaimed notes" Shalom shalom@example.com
	run relctl sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"after 2 refused commits: 2 events brought back, 0 dropped"* ]] || { echo "$output"; false; }
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r '.steps.notes.state, .steps.test.holder')" = "$(printf 'ready\nmaria')" ]
	# A teammate's sync after the restore counts the events it takes, those brought back included.
	here=$PWD
	cd "$TEST_TMP/b"
	before_n=$(ledger "$V" | jq '.events | length')
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	after_n=$(ledger "$V" | jq '.events | length')
	[ "$after_n" -gt "$before_n" ]
	[[ "$output" == *"$((after_n - before_n)) event"*" received, 0 sent"* ]] || { echo "$before_n -> $after_n: $output"; false; }
	cd "$here"
	# After a delay, an rc1 event pushed by hand is refused as such.
	as maria done test >/dev/null
	as shalom claim notes >/dev/null
	as shalom done notes >/dev/null
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
	relctl decide delay --reason "static IP fix" >/dev/null
	cd "$TEST_TMP/a"
	remote_ledger "$REMOTE" "$V" |
		jq '.events += [{id: "01d01d01d01d01d01d01d01d01d01d01", time: "2024-03-19T10:00:00Z", actor: "jan", op: "claim", step: "build", candidate: 1}]' >"$TEST_TMP/rc1.json"
	hand_push "$TEST_TMP/rc1.json" "releases/$V.json" "jan claimed build" Jan jan@example.com
	bad=$HAND_COMMIT
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Jan <jan@example.com>" "was made for $V rc1, but the release is at rc2 now"
}

@test "a 100 MiB release file pushed by hand is refused by its size without being read, and the ledger stays as it was" {
	team
	snapshot
	remote_ledger "$REMOTE" "$V" >"$TEST_TMP/base.json"
	/usr/bin/python3 - "$TEST_TMP/base.json" "$TEST_TMP/huge.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["events"][-1]["note"] = "x" * (100 * 1024 * 1024)
json.dump(doc, open(sys.argv[2], "w"))
EOF
	hand_push "$TEST_TMP/huge.json" "releases/$V.json" "a long note" Jan jan@example.com
	bad=$HAND_COMMIT
	remote_before=$bad
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Jan <jan@example.com>" "releases/$V.json is 1048"
	# The objects are here now (libgit2's transfer held the blob while it
	# indexed the pack); judging them again, relctl never holds the file:
	# far less than its 100 MiB in memory (about 12 MB, 55 under AddressSanitizer).
	run /usr/bin/time -f "%M" -o "$TEST_TMP/rss" "$RELCTL" sync
	refused_unchanged
	[ "$(tail -1 "$TEST_TMP/rss")" -lt 80000 ] || { cat "$TEST_TMP/rss"; false; }
}

@test "the release manager's own playbook change written by hand with plain git, done right, is accepted by sync" {
	team
	sed 's/^  - {id: maria.*/&\n  - {id: david, name: David, email: david@example.com, roles: [support]}/' "$TEST_TMP/mini.yaml" >"$TEST_TMP/more.yaml"
	grep -q "id: david" "$TEST_TMP/more.yaml"
	blob=$(git hash-object "$TEST_TMP/more.yaml")
	v="$TEST_TMP/vandal"
	git clone -q "$REMOTE" "$v"
	b=$(git -C "$v" hash-object -w "$TEST_TMP/more.yaml")
	GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" read-tree origin/relctl-ledger
	GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" update-index --add --cacheinfo "100644,$b,playbook.yaml" --cacheinfo "100644,$b,playbooks/$blob.yaml"
	tree=$(GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" write-tree)
	commit=$(git -C "$v" -c user.name=Cristina -c user.email=cristina@example.com commit-tree "$tree" -p origin/relctl-ledger -m "cristina updated the playbook")
	git -C "$v" push -q origin "$commit:refs/heads/relctl-ledger"
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	same_as_remote
	relctl start 2.7.0 >/dev/null
	as jan claim build --release 2.7.0 >/dev/null
	as jan done build --release 2.7.0 >/dev/null
	as david claim test --release 2.7.0 >/dev/null
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "a view edited by hand on a step the new event does not touch is refused too" {
	team
	scratch maria claim test
	# maria's claim is real; jan's finished build (untouched by it) gets another note.
	git -C "$TEST_TMP/scratch" show "relctl-ledger:releases/$V.json" | jq '.steps.build.note = "built from a fork"' >"$TEST_TMP/other.json"
	hand_push "$TEST_TMP/other.json" "releases/$V.json" "maria claimed test" Maria maria@example.com
	bad=$HAND_COMMIT
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Maria <maria@example.com>" "the stored steps view is not the replay of its events"
}

@test "what jq and relctl would read differently is refused: a key twice (in the new event, at the top, in a step, in an earlier event), a NUL in a string, bytes after the document" {
	team
	scratch maria claim test
	git -C "$TEST_TMP/scratch" show "relctl-ledger:releases/$V.json" >"$TEST_TMP/honest.json"
	# forge NAME PYTHON: honest.json changed as text by the Python expression on s, pushed by maria, refused with TEXT.
	forge() {
		/usr/bin/python3 -c "import sys; s = open(sys.argv[1]).read(); $2; open(sys.argv[2], 'w').write(s)" \
			"$TEST_TMP/honest.json" "$TEST_TMP/$1.json"
		cmp -s "$TEST_TMP/honest.json" "$TEST_TMP/$1.json" && { echo "$1: nothing forged"; return 1; }
		# The forgery still parses for jq (which takes the last of two keys).
		jq -e . "$TEST_TMP/$1.json" >/dev/null || [ "$1" = trailing ]
		hand_push "$TEST_TMP/$1.json" "releases/$V.json" "maria claimed test" Maria maria@example.com
		bad=$HAND_COMMIT
		snapshot
		run relctl sync
		refused_unchanged
		refused_line "$bad" "Maria <maria@example.com>" "$3"
		git -C "$TEST_TMP/vandal" push -q -f origin "$(git rev-parse relctl-ledger):refs/heads/relctl-ledger"
	}
	i='s.rindex("\"step\":\t\"test\"")'
	forge event "s = s[:$i] + '\"actor\":\t\"jan\", ' + s[$i:]" "has the key \"actor\" twice, which relctl never writes"
	forge top "s = s.rstrip()[:-1] + ', \"status\": \"aborted\"}\n'" "has the key \"status\" twice in one object"
	# jan's note is in his done event first, then in build's view.
	note="'\"note\":\t\"rc1 from main\"'"
	forge step "s = ($note + ', \"note\": \"from a fork\"').join(s.rsplit($note, 1))" \
		"the stored steps view is not the replay of its events"
	forge earlier "s = s.replace($note, $note + ', ' + $note, 1)" "an earlier event was changed or removed"
	forge nul "s = s.replace('rc1 from main', 'rc1 from main\\\\u0000 and a private fork')" \
		"has a NUL character (\\u0000) in a string"
	forge trailing "s = s + '{\"status\": \"aborted\"}\n'" "has bytes after its JSON document"
}

@test "a tree that names a release file twice (git shows one, libgit2 the other) is refused, and --restore writes a tree git fsck accepts with the honest event" {
	team
	scratch maria claim test
	git clone -q "$REMOTE" "$TEST_TMP/vandal"
	v="$TEST_TMP/vandal"
	good=$(git -C "$v" rev-parse origin/relctl-ledger)
	new=$(git -C "$v" hash-object -w --stdin < <(git -C "$TEST_TMP/scratch" show "relctl-ledger:releases/$V.json"))
	old=$(git -C "$v" rev-parse "$good:releases/$V.json")
	# releases/ as a raw tree object with two entries of one name, then the root over it.
	bad=$(/usr/bin/python3 - "$v" "$good" "$old" "$new" "$V" <<'PY'
import binascii, subprocess, sys
v, good, old, new, version = sys.argv[1:]
def git(*a, inp=None):
    return subprocess.run(["git", "-C", v] + list(a), input=inp, capture_output=True, check=True).stdout
def tree(entries):
    raw = b"".join(m.encode() + b" " + n.encode() + b"\0" + binascii.unhexlify(h) for m, n, h in entries)
    return git("hash-object", "-t", "tree", "-w", "--literally", "--stdin", inp=raw).decode().strip()
releases = tree([("100644", version + ".json", old), ("100644", version + ".json", new)])
root = []
for line in git("ls-tree", good).decode().splitlines():
    meta, name = line.split("\t")
    mode, kind, oid = meta.split()
    root.append(("40000" if kind == "tree" else mode, name, releases if name == "releases" else oid))
print(git("-c", "user.name=Maria", "-c", "user.email=maria@example.com", "commit-tree", tree(root), "-p", good,
          "-m", "maria claimed test").decode().strip())
PY
)
	git -C "$v" push -q origin "$bad:refs/heads/relctl-ledger"
	run ! git -C "$v" fsck --no-dangling
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Maria <maria@example.com>" "the commit's tree lists $V.json twice, which git never writes"
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# The release manager restores: the restore's trees are as git writes them (mktree gives the
	# same ids back), one entry again, and maria's claim is kept.
	run relctl sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"1 event brought back, 0 dropped"* ]] || { echo "$output"; false; }
	for t in relctl-ledger^{tree} relctl-ledger:releases; do
		[ "$(git --git-dir="$REMOTE" ls-tree "$t" | git --git-dir="$REMOTE" mktree)" = "$(git --git-dir="$REMOTE" rev-parse "$t")" ]
	done
	[ "$(git --git-dir="$REMOTE" ls-tree relctl-ledger:releases | wc -l)" -eq 1 ]
	[ "$(git --git-dir="$REMOTE" show "relctl-ledger:releases/$V.json" | jq -r '.steps.test.holder')" = maria ]
	same_as_remote
}

@test "a commit made with plain git in one's own clone is judged before sync sends it: refused (65, one line), nothing sent" {
	team
	remote=$(git --git-dir="$REMOTE" rev-parse relctl-ledger)
	# cristina tidies jan's note in her own clone by hand, then syncs.
	git show "relctl-ledger:releases/$V.json" | jq '(.events[] | select(.op == "done") | .note) = "tidied"' >"$TEST_TMP/tidy.json"
	GIT_INDEX_FILE="$TEST_TMP/idx" git read-tree relctl-ledger
	GIT_INDEX_FILE="$TEST_TMP/idx" git update-index --cacheinfo "100644,$(git hash-object -w "$TEST_TMP/tidy.json"),releases/$V.json"
	tidy=$(git commit-tree "$(GIT_INDEX_FILE="$TEST_TMP/idx" git write-tree)" -p relctl-ledger -m tidy)
	git update-ref refs/heads/relctl-ledger "$tidy"
	run relctl sync
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "relctl: your local ledger has commit ${tidy:0:12} by "*"an earlier event was changed or removed"*"it was not sent"*"git update-ref refs/heads/relctl-ledger ${remote:0:12}"* ]] ||
		{ echo "$output"; false; }
	[ "$(git --git-dir="$REMOTE" rev-parse relctl-ledger)" = "$remote" ]
	# A mutation, which syncs first, is refused the same way.
	run as shalom done notes
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[ "$(git --git-dir="$REMOTE" rev-parse relctl-ledger)" = "$remote" ]
	# Put back as the message says, the clone works again.
	git update-ref refs/heads/relctl-ledger "$remote"
	as shalom done notes >/dev/null
	same_as_remote
}

@test "a release started by hand on an older playbook the ledger still holds is refused, and restore drops it; releases started before an update go on, and verify passes" {
	team
	# cristina once made jan release manager and product owner, started 3.0 then, and took it back.
	sed 's/roles: \[dev\]}$/roles: [dev, release-manager, product-owner]}/' "$TEST_TMP/mini.yaml" >"$TEST_TMP/v2.yaml"
	relctl playbook update "$TEST_TMP/v2.yaml" >/dev/null
	relctl start 3.0 >/dev/null
	relctl playbook update "$TEST_TMP/mini.yaml" >/dev/null
	v2=$(git hash-object "$TEST_TMP/v2.yaml")
	mini=$(git hash-object "$TEST_TMP/mini.yaml")
	[ "$(ledger 3.0 | jq -r .playbook.blob)" = "$v2" ]
	# 3.0 goes on under the playbook it was started with.
	as jan claim build --release 3.0 >/dev/null
	# jan, demoted, writes release 9.0.0 by hand, pinned to v2 and started by himself.
	scratch cristina start 9.0.0
	git -C "$TEST_TMP/scratch" show relctl-ledger:releases/9.0.0.json |
		jq --arg b "$v2" '.playbook.blob = $b | .events[0].actor = "jan" | .started_by = "jan"' >"$TEST_TMP/forged.json"
	git -C "$TEST_TMP/scratch" show relctl-ledger:index.json >"$TEST_TMP/index.json"
	push_files Jan jan@example.com "jan started 9.0.0" "100644:releases/9.0.0.json=$TEST_TMP/forged.json" \
		"100644:index.json=$TEST_TMP/index.json"
	bad=$HAND_COMMIT
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Jan <jan@example.com>" "release 9.0.0 is pinned to playbook ${v2:0:12}..., not the one in force (${mini:0:12}...); a new release starts on the current playbook"
	run as jan skip build --release 9.0.0 --reason "jan acts as release manager"
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	run relctl sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"0 events brought back, 1 dropped"* ]] || { echo "$output"; false; }
	[[ "$output" == *"dropped: jan start (from commit ${bad:0:12}): release 9.0.0 is pinned to playbook ${v2:0:12}..., not the one in force"* ]] ||
		{ echo "$output"; false; }
	run git --git-dir="$REMOTE" cat-file -e relctl-ledger:releases/9.0.0.json
	[ "$status" -ne 0 ]
	as jan done build --release 3.0 >/dev/null
	relctl start 9.0.0 >/dev/null
	[ "$(ledger 9.0.0 | jq -r .playbook.blob)" = "$mini" ]
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"in 3 releases"* ]] || { echo "$output"; false; }
}

@test "a merge whose first parent is an unrelated root: sync refuses it (65) as a rewrite of history, naming the merge; verify never prints an empty root" {
	team
	scratch maria claim test
	v="$TEST_TMP/vandal"
	git clone -q "$REMOTE" "$v"
	good=$(git -C "$v" rev-parse origin/relctl-ledger)
	git -C "$v" fetch -q "$TEST_TMP/scratch" relctl-ledger
	root=$(git -C "$v" -c user.name=Maria -c user.email=maria@example.com commit-tree "$(git -C "$v" mktree </dev/null)" -m root)
	merge=$(git -C "$v" -c user.name=Maria -c user.email=maria@example.com commit-tree "$SCRATCH^{tree}" -p "$root" -p "$good" -m merge)
	git -C "$v" push -q origin "$merge:refs/heads/relctl-ledger"
	snapshot
	run relctl sync
	refused_unchanged
	[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == "relctl: remote \"origin\" has commit ${merge:0:12} by Maria <maria@example.com> that relctl refuses: a merge whose first parent does not lead to commit ${good:0:12} you fetched before: like a force-push, it rewrote the ledger's history; your local ledger is unchanged"* ]] ||
		{ echo "$output"; false; }
	run relctl sync --restore
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[ "$(remote_tip)" = "$merge" ]
	# A clone that took it with plain git: verify reports both commits and no root to pin.
	git clone -q --no-checkout "$REMOTE" "$TEST_TMP/audit" 2>/dev/null
	git -C "$TEST_TMP/audit" branch -q -f relctl-ledger origin/relctl-ledger
	run bash -c "cd '$TEST_TMP/audit' && '$RELCTL' verify"
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[[ "$output" == *"${root:0:12}"*"the first commit has no playbook.yaml"*"${merge:0:12}"*"a merge commit"* ]] || { echo "$output"; false; }
	[[ "$output" == *"root commit: none: the first commit was refused"* ]] || { echo "$output"; false; }
	[[ "$output" != *"relctl.root '"* && "$output" != *"root commit:  "* ]] || { echo "$output"; false; }
	run bash -c "cd '$TEST_TMP/audit' && '$RELCTL' verify --json"
	[ "$(jq -r '.root' <<<"$output")" = null ] || { echo "$output"; false; }
}

@test "index.json or a release file turned into a symlink is refused as not a plain file, not as a deletion" {
	team
	scratch maria claim test
	git -C "$TEST_TMP/scratch" show "relctl-ledger:releases/$V.json" >"$TEST_TMP/claim.json"
	git -C "$TEST_TMP/scratch" show relctl-ledger:index.json >"$TEST_TMP/index.json"
	push_files Maria maria@example.com "maria claimed test" "100644:releases/$V.json=$TEST_TMP/claim.json" \
		"120000:index.json=$TEST_TMP/index.json"
	bad=$HAND_COMMIT
	snapshot
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Maria <maria@example.com>" "index.json is not a plain file (a symlink)"
	git -C "$TEST_TMP/vandal" push -q -f origin "$local_before:refs/heads/relctl-ledger"
	push_files Maria maria@example.com "maria claimed test" "120000:releases/$V.json=$TEST_TMP/claim.json"
	bad=$HAND_COMMIT
	remote_before=$bad
	run relctl sync
	refused_unchanged
	refused_line "$bad" "Maria <maria@example.com>" "releases/$V.json is not a plain file (a symlink)"
}
