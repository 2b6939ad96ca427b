#!/usr/bin/env bats
# Many relctl processes on one clone: the branch moves only by
# compare-and-swap from the tip a command read, so none of them loses an
# event, and a process killed at any moment leaves the ledger at the old or
# the new state.

load helper

setup() {
	setup_repo
	# Ten developers and plenty of steps that can all be claimed at once.
	{
		echo 'relctl: 1'
		echo 'name: Crowd'
		echo 'roles: [release-manager, dev]'
		echo 'people:'
		echo '  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}'
		for i in $(seq -w 1 10); do
			echo "  - {id: p$i, name: Person $i, email: p$i@example.com, roles: [dev]}"
		done
		echo 'phases:'
		echo '  - id: work'
		echo '    steps:'
		for i in $(seq -w 1 120); do
			echo "      - {id: s$i, title: Step $i, owner: dev, instructions: Do it.}"
		done
		echo '      - {id: final, title: The last step, owner: dev, instructions: Do it.}'
	} >"$TEST_TMP/crowd.yaml"
	relctl init --playbook "$TEST_TMP/crowd.yaml" >/dev/null
	relctl start 1.0 >/dev/null
}

teardown() {
	cleanup_repo
}

j() {
	ledger 1.0 | jq -r "$@"
}

# Every commit after init adds exactly one event, and every release file on
# the branch is whole JSON: the k-th commit's file holds k events.
one_event_per_commit() {
	local checked
	checked=$(git rev-list --reverse relctl-ledger | tail -n +2 | sed 's|$|:releases/1.0.json|' |
		git cat-file --batch | python3 -c '
import json, sys
data, k = sys.stdin.buffer, 0
while True:
    header = data.readline().split()
    if not header:
        break
    if len(header) != 3 or header[1] != b"blob":
        sys.exit("commit #%d has no release file: %s" % (k + 1, header))
    body = data.read(int(header[2]))
    data.read(1)
    k += 1
    n = len(json.loads(body)["events"])
    if n != k:
        sys.exit("commit #%d holds %d events" % (k, n))
print(k)
') || return 1
	[ "$checked" -eq "$(j '.events | length')" ]
}

# together CMD...: runs "CMD i" for i in 01..10 as ten processes released
# at the same instant; exit codes in $TEST_TMP/rc.i, output in out.i.
together() {
	local gate="$TEST_TMP/gate" i
	exec 9>"$gate"
	flock -x 9
	for i in $(seq -w 1 10); do
		(
			set +e
			exec 9>&- 3>&- 8<"$gate"
			flock -s 8
			"$@" "$i" >"$TEST_TMP/out.$i" 2>&1
			echo $? >"$TEST_TMP/rc.$i"
		) &
	done
	sleep 0.3 # all ten are waiting at the gate
	flock -u 9
	exec 9>&-
	wait
}

claim_own_step() { # i: person i claims step i
	RELCTL_USER="p$1" "$RELCTL" claim "s0$1"
}

claim_s001() { # i: person i claims step s001
	RELCTL_USER="p$1" "$RELCTL" claim s001
}

@test "ten relctl processes started at once, each claiming its own step, all succeed and all ten events are recorded" {
	together claim_own_step
	for i in $(seq -w 1 10); do
		[ "$(cat "$TEST_TMP/rc.$i")" -eq 0 ] || { cat "$TEST_TMP/out.$i"; false; }
		[ "$(j ".steps[\"s0$i\"].holder")" = "p$i" ]
	done
	[ "$(j '[.events[] | select(.op == "claim")] | length')" -eq 10 ]
	[ "$(j '[.events[].id] | unique | length')" -eq 11 ]
	[ "$(ledger_commits)" -eq 12 ]
	one_event_per_commit
	# Each commit is by its claimer.
	[ "$(git log -10 --format=%ae relctl-ledger | sort | tr '\n' ' ')" = "$(for i in $(seq -w 1 10); do echo "p$i@example.com"; done | tr '\n' ' ')" ]
}

@test "ten at once in one clone that syncs with a remote: each succeeds or is told to retry (75), none loses its event, the remote has every one" {
	git init -q --bare "$TEST_TMP/team.git"
	git remote add origin "$TEST_TMP/team.git"
	git config relctl.remote origin
	relctl sync >/dev/null
	together claim_own_step
	won=0
	for i in $(seq -w 1 10); do
		case $(cat "$TEST_TMP/rc.$i") in
		0)
			won=$((won + 1))
			[ "$(j ".steps[\"s0$i\"].holder")" = "p$i" ] ;;
		75) grep -q "others kept updating the ledger on \"origin\"" "$TEST_TMP/out.$i" || { cat "$TEST_TMP/out.$i"; false; } ;;
		*) cat "$TEST_TMP/out.$i"; false ;;
		esac
	done
	[ "$won" -ge 5 ]
	[ "$(j '[.events[] | select(.op == "claim")] | length')" -eq "$won" ]
	[ "$(git --git-dir="$TEST_TMP/team.git" rev-parse relctl-ledger)" = "$(git rev-parse relctl-ledger)" ]
	one_event_per_commit
}

@test "ten racing for the same step: exactly one wins, the nine others get 75 naming the winner" {
	together claim_s001
	winner=$(j '.steps.s001.holder')
	[[ "$winner" =~ ^p[0-9]{2}$ ]]
	won=0 lost=0
	for i in $(seq -w 1 10); do
		rc=$(cat "$TEST_TMP/rc.$i")
		if [ "$rc" -eq 0 ]; then
			won=$((won + 1))
			[ "p$i" = "$winner" ]
		else
			[ "$rc" -eq 75 ] || { echo "p$i: exit $rc: $(cat "$TEST_TMP/out.$i")"; false; }
			grep -q "s001 is already claimed by $winner" "$TEST_TMP/out.$i"
			lost=$((lost + 1))
		fi
	done
	[ "$won" -eq 1 ]
	[ "$lost" -eq 9 ]
	[ "$(j '[.events[] | select(.op == "claim")] | length')" -eq 1 ]
	[ "$(ledger_commits)" -eq 3 ]
	one_event_per_commit
}

@test "processes killed with SIGKILL at random moments leave a whole ledger that still takes new events" {
	# Claims and dones, one after the other, while they are killed at random.
	(
		set +e
		exec 3>&-
		for i in $(seq -w 1 120); do
			[ -e "$TEST_TMP/stop" ] && break
			RELCTL_USER=p01 "$RELCTL" claim "s$i" >/dev/null 2>&1
			RELCTL_USER=p01 "$RELCTL" done "s$i" >/dev/null 2>&1
		done
	) &
	loop=$!
	kills=0 tries=0
	while [ "$kills" -lt 30 ] && [ "$tries" -lt 100 ]; do
		tries=$((tries + 1))
		sleep "$(printf '0.%03d' $((RANDOM % 110 + 10)))"
		for pid in $(pgrep -P "$loop"); do
			kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
		done
	done
	touch "$TEST_TMP/stop"
	wait "$loop" || true
	echo "# $kills processes killed in $tries tries, $SECONDS s" >&3
	[ "$kills" -ge 20 ]

	# The repository is sound and the ledger is whole JSON at every commit.
	run git fsck --full --no-dangling
	[ "$status" -eq 0 ]
	[ -z "$(echo "$output" | grep -v '^notice: HEAD points to an unborn branch')" ]
	ledger 1.0 | jq -e . >/dev/null
	git show relctl-ledger:index.json | jq -e '.releases["1.0"]' >/dev/null
	one_event_per_commit
	echo "# checked $(ledger_commits) commits, $SECONDS s" >&3

	# Every event replays: new commands (which replay them all) still work,
	# even if a killed process left its lock on the branch behind.
	if [ -e .git/refs/heads/relctl-ledger.lock ]; then
		echo "# a killed process left the branch locked" >&3
	fi
	before=$(j '.events | length')
	RELCTL_USER=p02 "$RELCTL" claim final
	RELCTL_USER=p02 "$RELCTL" done final
	[ "$(j '.events | length')" -eq $((before + 2)) ]
	[ "$(j '.steps.final.state')" = done ]
	[ ! -e .git/refs/heads/relctl-ledger.lock ]
	[ "$(ledger_commits)" -eq $((before + 3)) ]
}
