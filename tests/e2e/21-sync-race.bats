#!/usr/bin/env bats
# Eight clones of one remote, each running a loop of claims and
# completions at the same time, several racing for the same steps.
# Afterwards the remote's ledger holds every successful command's event
# exactly once and nothing else, no step ever had two holders, and the
# remote repository is intact.  libgit2's local transport writes refs
# without checking their old value, so the path and file:// runs show that
# relctl's own compare-and-swap loses no update there.

bats_require_minimum_version 1.5.0

load helper
load sync

CLONES=8
ROUNDS=4 # a claim and a done each: 8 commands per clone

setup() {
	setup_repo
	{
		echo 'relctl: 1'
		echo 'name: Race'
		echo 'roles: [release-manager, dev]'
		echo 'people:'
		echo '  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}'
		for i in $(seq 1 $CLONES); do
			echo "  - {id: d$i, name: Dev $i, email: d$i@example.com, roles: [dev]}"
		done
		echo 'phases:'
		echo '  - id: work'
		echo '    steps:'
		for i in $(seq -w 1 12); do
			echo "      - {id: s$i, title: Step $i, owner: dev, instructions: Do it.}"
		done
	} >"$TEST_TMP/race.yaml"
}

teardown() {
	servers_stop
	cleanup_repo
}

# worker I: dev I claims and finishes steps I+1..I+ROUNDS (of 12, wrapping),
# so each step is wanted by up to four clones; one line per command:
# "actor op step exit".
worker() {
	local i=$1 k step
	for k in $(seq 1 $ROUNDS); do
		step=$(printf 's%02d' $(((i + k) % 12 + 1)))
		for op in claim done; do
			RELCTL_USER="d$i" "$RELCTL" "$op" "$step" >>"$TEST_TMP/cmd.$i" 2>&1
			echo "d$i $op $step $?" >>"$TEST_TMP/log.$i"
		done
	done
}

race() {
	local kind=$1 i
	serve "$kind" team
	url=$URL
	clone_into lead "$url"
	(cd "$TEST_TMP/lead" && relctl init --playbook "$TEST_TMP/race.yaml" >/dev/null && relctl start 1.0 >/dev/null)
	for i in $(seq 1 $CLONES); do
		clone_into "c$i" "$url"
		(cd "$TEST_TMP/c$i" && relctl sync >/dev/null)
	done
	gate_close
	for i in $(seq 1 $CLONES); do
		gated "$i" "$TEST_TMP/c$i" worker "$i"
	done
	gate_open
	check_remote
}

check_remote() {
	local tip events ok bad c k n
	cat "$TEST_TMP"/log.* >"$TEST_TMP/all"
	[ "$(wc -l <"$TEST_TMP/all")" -eq $((CLONES * ROUNDS * 2)) ]
	# Every command either succeeded or was refused for a reason; no crash,
	# no sanitizer report, no unreachable remote.
	bad=$(awk '$4 != 0 && $4 != 65 && $4 != 75 && $4 != 77' "$TEST_TMP/all")
	[ -z "$bad" ] || { echo "unexpected exits: $bad"; cat "$TEST_TMP"/cmd.*; false; }
	run ! grep -q "Sanitizer\|runtime error" "$TEST_TMP"/cmd.*
	ok=$(awk '$4 == 0' "$TEST_TMP/all" | wc -l)
	# 32 claims of 12 steps: most lose, and at most one claim per step wins.
	[ "$(awk '$4 == 0 && $2 == "claim"' "$TEST_TMP/all" | wc -l)" -le 12 ]
	[ "$ok" -gt 0 ]

	remote_ledger "$REMOTE" 1.0 >"$TEST_TMP/remote.json"
	# The successful commands and the remote's events are the same multiset.
	awk '$4 == 0 {print $1, $2, $3}' "$TEST_TMP/all" | sort >"$TEST_TMP/succeeded"
	jq -r '.events[] | select(.op != "start") | "\(.actor) \(.op) \(.step)"' "$TEST_TMP/remote.json" | sort >"$TEST_TMP/recorded"
	diff "$TEST_TMP/succeeded" "$TEST_TMP/recorded"
	[ "$(jq '.events | length' "$TEST_TMP/remote.json")" -eq $((ok + 1)) ]
	[ "$(jq '[.events[].id] | unique | length' "$TEST_TMP/remote.json")" -eq $((ok + 1)) ]

	# Replayed in order, no step ever has two holders, is finished by anyone
	# but its holder, or is claimed again once done.
	bad=$(jq -r 'reduce (.events[] | select(.step != null)) as $e ({h: {}, bad: []};
		.h[$e.step] as $cur
		| if $e.op == "claim" then
			(if $cur != null then .bad += ["\($e.actor) claimed \($e.step) held by \($cur)"] else . end)
			| .h[$e.step] = $e.actor
		  elif $e.op == "done" then
			(if $cur != $e.actor then .bad += ["\($e.actor) finished \($e.step) held by \($cur)"] else . end)
			| .h[$e.step] = "(done)"
		  else . end) | .bad[]' "$TEST_TMP/remote.json")
	[ -z "$bad" ] || { echo "$bad"; false; }

	# History: one event per commit, each commit by its actor.
	tip=$(git --git-dir="$REMOTE" rev-parse relctl-ledger)
	n=0
	while read -r c; do
		n=$((n + 1))
		k=$(git --git-dir="$REMOTE" show "$c:releases/1.0.json" | jq '.events | length')
		[ "$k" -eq "$n" ] || { echo "commit $c holds $k events, expected $n"; false; }
		[ "$(git --git-dir="$REMOTE" log -1 --format=%ae "$c")" = \
			"$(git --git-dir="$REMOTE" show "$c:releases/1.0.json" | jq -r '.events[-1].actor')@example.com" ]
	done < <(git --git-dir="$REMOTE" rev-list --reverse --first-parent relctl-ledger | tail -n +2)
	[ "$n" -eq $((ok + 1)) ]
	[ "$(git --git-dir="$REMOTE" rev-list --merges --count relctl-ledger)" -eq 0 ]

	# The remote is intact and keeps none of relctl's temporary refs; every
	# clone's ledger is part of the remote's history.
	run bash -c "git --git-dir='$REMOTE' fsck --no-dangling --no-progress 2>&1"
	[[ ! "$output" =~ error|missing|broken|corrupt ]] || { echo "$output"; false; }
	git --git-dir="$REMOTE" fsck --no-dangling --no-progress >/dev/null 2>&1
	[ -z "$(git --git-dir="$REMOTE" for-each-ref refs/relctl)" ]
	[ "$(git --git-dir="$REMOTE" for-each-ref --format='%(refname)')" = refs/heads/relctl-ledger ]
	for c in $(seq 1 $CLONES); do
		git --git-dir="$REMOTE" merge-base --is-ancestor "$(git -C "$TEST_TMP/c$c" rev-parse relctl-ledger)" "$tip"
		[ -z "$(git -C "$TEST_TMP/c$c" for-each-ref refs/relctl/outgoing refs/relctl/fetch)" ]
	done
}

@test "8 clones racing on a path remote: every successful command's event is recorded once, none lost, never two holders" {
	race path
}

@test "8 clones racing on a file:// remote: every successful command's event is recorded once, none lost, never two holders" {
	race file
}

@test "8 clones racing over git://: every successful command's event is recorded once, none lost, never two holders" {
	race git
}
