#!/usr/bin/env bats
# Things going wrong on the remote: it dies in the middle of a mutation, a
# hook refuses the push, someone pushes a broken ledger or rewrites its
# history by hand.  Each ends with a clear message and the right exit
# status, the local ledger as it was, and no event lost or duplicated.

bats_require_minimum_version 1.5.0

load helper
load sync

setup() {
	setup_repo
}

teardown() {
	servers_stop
	cleanup_repo
}

# team KIND: a bare remote served over KIND, clone a (cristina) with the
# ledger and release 2.6.3 started; $TEST_TMP/vandal is a plain git clone.
team() {
	serve "$1" team
	clone_into a "$URL"
	cd "$TEST_TMP/a"
	relctl init --playbook "$PLAYBOOK" >/dev/null
	relctl start 2.6.3 >/dev/null
}

# hook NAME BODY: an executable hook in the remote.
hook() {
	printf '#!/bin/sh\n%s\n' "$2" >"$REMOTE/hooks/$1"
	chmod +x "$REMOTE/hooks/$1"
}

# After a fault the remote is back (the daemon on a new port): clone a follows.
daemon_back() {
	rm -f "$REMOTE"/hooks/pre-receive "$REMOTE"/hooks/reference-transaction
	daemon_start
	git -C "$TEST_TMP/a" remote set-url origin "$(remote_url git team)"
}

@test "git daemon killed while it receives the push: the mutation fails with 69, nothing moves, and the retry records the event once" {
	team git
	before=$(git rev-parse relctl-ledger)
	# The remote dies after the objects arrived, before the branch moves.
	hook pre-receive "kill -KILL $DAEMON_PID \$(ps -o ppid= -p \$PPID) \$PPID"
	run timeout 30 env RELCTL_USER=jan "$RELCTL" claim build-rc
	[ "$status" -eq 69 ] || { echo "exit $status: $output"; false; }
	[[ "$output" == *'cannot push to remote "origin"'*"--offline"* ]]
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ "$(remote_tip)" = "$before" ]
	[ -z "$(git for-each-ref refs/relctl/outgoing)" ]
	run as jan claim build-rc
	[ "$status" -eq 69 ] # still down
	daemon_back
	as jan claim build-rc >/dev/null
	[ "$(remote_events)" = "$(printf 'cristina start -\njan claim build-rc')" ]
	[ "$(git rev-parse relctl-ledger)" = "$(remote_tip)" ]
}

@test "git daemon killed after moving the branch but before answering: the mutation fails with 69, and sync brings its event back exactly once" {
	team git
	before=$(git rev-parse relctl-ledger)
	hook reference-transaction "[ \"\$1\" = committed ] || exit 0
kill -KILL $DAEMON_PID \$(ps -o ppid= -p \$PPID) \$PPID"
	run timeout 30 env RELCTL_USER=jan "$RELCTL" claim build-rc
	[ "$status" -eq 69 ] || { echo "exit $status: $output"; false; }
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ "$(remote_events)" = "$(printf 'cristina start -\njan claim build-rc')" ]
	daemon_back
	run relctl sync
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 event received, 0 sent"* ]]
	[ "$(git rev-parse relctl-ledger)" = "$(remote_tip)" ]
	run as jan claim build-rc
	[ "$status" -ne 0 ]
	[[ "$output" == *"you already hold build-rc"* ]]
	[ "$(remote_events | grep -c 'jan claim build-rc')" -eq 1 ]
}

@test "git://: a push refused by a pre-receive hook fails with the hook's words, adds no commit, and succeeds once the hook allows it" {
	team git
	before=$(git rev-parse relctl-ledger)
	hook pre-receive 'echo "ledger frozen during the audit" >&2; exit 1'
	run as jan claim build-rc
	[ "$status" -eq 77 ]
	[[ "$output" == *'remote "origin" refused the ledger update: pre-receive hook declined'* ]]
	[[ "$output" == *"ledger frozen during the audit"* ]]
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ "$(remote_tip)" = "$before" ]
	rm "$REMOTE/hooks/pre-receive"
	as jan claim build-rc >/dev/null
	[ "$(remote_events)" = "$(printf 'cristina start -\njan claim build-rc')" ]
	[ "$(git rev-parse relctl-ledger)" = "$(remote_tip)" ]
}

@test "http://: a push refused by a pre-receive hook fails with the hook's words, adds no commit, and succeeds once the hook allows it" {
	team http
	before=$(git rev-parse relctl-ledger)
	hook pre-receive 'echo "ledger frozen during the audit" >&2; exit 1'
	run as jan claim build-rc
	[ "$status" -eq 77 ]
	[[ "$output" == *"pre-receive hook declined"*"ledger frozen during the audit"* ]]
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ "$(remote_tip)" = "$before" ]
	rm "$REMOTE/hooks/pre-receive"
	as jan claim build-rc >/dev/null
	[ "$(remote_events)" = "$(printf 'cristina start -\njan claim build-rc')" ]
}

@test "a release file that is not JSON, pushed by hand: mutations and sync are refused with 65 and the local ledger stays as it was" {
	team path
	snapshot
	echo '{"format": 1, "events": [ this is not json' >"$TEST_TMP/broken.json"
	hand_push "$TEST_TMP/broken.json" releases/2.6.3.json "hand edit"
	remote_before=$(remote_tip)
	run as jan claim build-rc
	refused_unchanged
	[[ "$output" == *'remote "origin" has commit'*"that relctl refuses"*"releases/2.6.3.json is not valid JSON"*"your local ledger is unchanged"* ]]
	run relctl sync
	refused_unchanged
	# Reads still work from the last good state.
	[ "$(relctl status --json | jq -r .version)" = 2.6.3 ]
	# A fresh clone does not take it either.
	clone_into fresh "$REMOTE"
	cd "$TEST_TMP/fresh"
	run relctl sync
	[ "$status" -eq 65 ]
	run ! git rev-parse --verify -q relctl-ledger
}

@test "a release file of a newer ledger format, pushed by hand: refused with 65 asking to upgrade relctl, local ledger unchanged" {
	team path
	snapshot
	remote_ledger "$REMOTE" 2.6.3 | jq '.format = 99' >"$TEST_TMP/future.json"
	hand_push "$TEST_TMP/future.json" releases/2.6.3.json "from the future"
	remote_before=$(remote_tip)
	run as jan claim build-rc
	refused_unchanged
	[[ "$output" == *"format 99"*"upgrade relctl"* ]]
}

@test "an event that breaks the rules, pushed by hand (a second holder): refused with 65, local ledger unchanged" {
	team path
	as jan claim build-rc >/dev/null
	snapshot
	remote_ledger "$REMOTE" 2.6.3 |
		jq '.events += [.events[-1] | .id = "f00dfeedf00dfeedf00dfeedf00dfeed" | .actor = "shalom"]' >"$TEST_TMP/second.json"
	hand_push "$TEST_TMP/second.json" releases/2.6.3.json "shalom takes build-rc too"
	remote_before=$(remote_tip)
	run as shalom claim draft-changelog
	refused_unchanged
	[[ "$output" == *'remote "origin" has commit'*"by"*"that relctl refuses"*"build-rc"* ]]
	[ "$(ledger 2.6.3 | jq '[.events[] | select(.op == "claim")] | length')" -eq 1 ]
}

@test "a force-pushed older ledger (git push --force): refused with 65 naming the rewrite, local ledger unchanged" {
	team path
	as jan claim build-rc >/dev/null
	as shalom claim draft-changelog >/dev/null
	snapshot
	git clone -q "$REMOTE" "$TEST_TMP/vandal"
	git -C "$TEST_TMP/vandal" push -q --force origin origin/relctl-ledger~2:refs/heads/relctl-ledger
	remote_before=$(remote_tip)
	[ "$remote_before" != "$local_before" ]
	run as jan done build-rc
	refused_unchanged
	[[ "$output" == *'remote "origin" rewrote the ledger'*"${local_before:0:12}"*"your local ledger is unchanged"* ]]
	run relctl sync
	refused_unchanged
	[ "$(ledger 2.6.3 | jq '.events | length')" -eq 3 ]
}

@test "a force-pushed rewrite is still refused after the user's own 'git fetch' moved refs/remotes/origin to it" {
	team path
	as jan claim build-rc >/dev/null
	snapshot
	git clone -q "$REMOTE" "$TEST_TMP/vandal"
	git -C "$TEST_TMP/vandal" push -q --force origin origin/relctl-ledger~1:refs/heads/relctl-ledger
	remote_before=$(remote_tip)
	git fetch -q origin
	[ "$(git rev-parse refs/remotes/origin/relctl-ledger)" = "$remote_before" ]
	run as shalom claim draft-changelog
	refused_unchanged
	[[ "$output" == *"rewrote the ledger's history"* ]]
	run relctl sync
	refused_unchanged
}

@test "a force-pushed rewrite with different events: refused with 65, and the events already shared stay in the local ledger" {
	team path
	as jan claim build-rc >/dev/null
	snapshot
	# Rewrite the last commit: shalom instead of jan, pushed over it.
	git clone -q "$REMOTE" "$TEST_TMP/vandal"
	remote_ledger "$REMOTE" 2.6.3 | jq '.events[-1].actor = "shalom"' >"$TEST_TMP/rewritten.json"
	v="$TEST_TMP/vandal"
	blob=$(git -C "$v" hash-object -w "$TEST_TMP/rewritten.json")
	GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" read-tree origin/relctl-ledger
	GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" update-index --cacheinfo "100644,$blob,releases/2.6.3.json"
	tree=$(GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" write-tree)
	commit=$(git -C "$v" commit-tree "$tree" -p origin/relctl-ledger~1 -m "rewritten")
	git -C "$v" push -q --force origin "$commit:refs/heads/relctl-ledger"
	remote_before=$(remote_tip)
	run as shalom claim draft-changelog
	refused_unchanged
	[[ "$output" == *"rewrote the ledger's history"* ]]
	[ "$(ledger 2.6.3 | jq -r '.events[-1].actor')" = jan ]
}
