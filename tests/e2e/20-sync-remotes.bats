#!/usr/bin/env bats
# Teammates on two clones share the ledger through a real git remote: a
# plain path, file://, git:// (git daemon) and http:// (git http-backend
# behind nginx).  A clone picks the ledger up with 'relctl sync' alone,
# every mutation is replayed on the remote's tip, two claims of one step
# have exactly one winner, and offline events are synced later without
# ever overwriting someone else's.

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

# team KIND: a bare remote served over KIND; clone a (cristina) set up with
# 'relctl init --playbook' and release 2.6.3 started; clone b untouched.
team() {
	serve "$1" team
	clone_into a "$URL"
	clone_into b "$URL"
	cd "$TEST_TMP/a"
	run relctl init --playbook "$PLAYBOOK"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"shared through origin"* ]]
	[ "$(git config relctl.remote)" = origin ]
	relctl start 2.6.3 >/dev/null
}

picks_up_and_shares() { # KIND
	team "$1"
	shares_between_clones
}

one_claim_wins() { # KIND
	team "$1"
	one_claim_of_two_wins
}

@test "path remote: a fresh clone picks up the ledger with 'relctl sync', and each clone's claims reach the other" {
	picks_up_and_shares path
}

@test "file:// remote: a fresh clone picks up the ledger with 'relctl sync', and each clone's claims reach the other" {
	picks_up_and_shares file
}

@test "git:// remote: a fresh clone picks up the ledger with 'relctl sync', and each clone's claims reach the other" {
	picks_up_and_shares git
}

@test "http:// remote: a fresh clone picks up the ledger with 'relctl sync', and each clone's claims reach the other" {
	picks_up_and_shares http
}

@test "https:// remote (a private CA in http.sslCAInfo, basic auth from git's credential helper): a fresh clone picks up the ledger, and each clone's claims reach the other" {
	picks_up_and_shares https
	# The password came from the helper each time; relctl kept it nowhere.
	for clone in a b; do
		! grep -rqF "$HTTPS_PASSWORD" "$TEST_TMP/$clone/.git/config" "$TEST_TMP/$clone/.git/logs" || false
		! (cd "$TEST_TMP/$clone" && git log -p --all && git cat-file --batch-all-objects --batch) | grep -qF "$HTTPS_PASSWORD" || false
	done
	# And the server did ask for it: without credentials it refuses.
	[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TEST_TMP/srv-http/ca/ca.pem" "$URL/info/refs?service=git-upload-pack")" = 401 ]
}

@test "https:// remote: a wrong password is refused with 77 naming the remote, without showing it; an untrusted certificate with 69 pointing to http.sslCAInfo; nothing is written" {
	team https
	before=$(git rev-parse relctl-ledger)
	wrong="wrong-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	printf 'https://alice:%s@127.0.0.1:%s\n' "$wrong" "$HTTP_PORT" >"$CREDENTIALS"
	# A second helper that logs what git's helpers are told (git runs them all for store and erase).
	git config --add credential.helper "!f() { echo \"\$1\" >>$TEST_TMP/helper.log; }; f"
	run as jan claim build-rc
	[ "$status" -eq 77 ] || { echo "$output"; false; }
	# As git does: the refused password is rejected, so the store helper forgets it.
	[ "$(cat "$TEST_TMP/helper.log")" = erase ]
	! grep -qF "$wrong" "$CREDENTIALS" || false
	[[ "$output" == 'relctl: remote "origin" refused the credentials'*"'git credential fill'"* ]]
	[[ "$output" != *"$wrong"* ]]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ "$(git --git-dir="$REMOTE" rev-parse relctl-ledger)" = "$before" ]

	printf 'https://alice:%s@127.0.0.1:%s\n' "$HTTPS_PASSWORD" "$HTTP_PORT" >"$CREDENTIALS"
	git config --unset http.sslCAInfo
	run as jan claim build-rc
	[ "$status" -eq 69 ] || { echo "$output"; false; }
	[[ "$output" == 'relctl: cannot fetch from remote "origin": '*"set git config http.sslCAInfo FILE"* ]]
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ "$(git --git-dir="$REMOTE" rev-parse relctl-ledger)" = "$before" ]
	# GIT_SSL_CAINFO, as git itself reads it, works too.
	GIT_SSL_CAINFO="$TEST_TMP/srv-http/ca/ca.pem" as jan claim build-rc >/dev/null
	[ "$(remote_events)" = "$(printf 'cristina start -\njan claim build-rc')" ]
	# Credentials that worked are approved, as git does (a cache helper keeps them).
	grep -qx store "$TEST_TMP/helper.log"
	grep -qF "$HTTPS_PASSWORD" "$CREDENTIALS"
}

@test "path remote: two teammates claim one step at once: one wins, the other exits 75 naming the holder and ends equal to the remote" {
	one_claim_wins path
}

@test "file:// remote: two teammates claim one step at once: one wins, the other exits 75 naming the holder and ends equal to the remote" {
	one_claim_wins file
}

@test "git:// remote: two teammates claim one step at once: one wins, the other exits 75 naming the holder and ends equal to the remote" {
	one_claim_wins git
}

@test "http:// remote: two teammates claim one step at once: one wins, the other exits 75 naming the holder and ends equal to the remote" {
	one_claim_wins http
}

@test "https:// remote: two teammates claim one step at once: one wins, the other exits 75 naming the holder and ends equal to the remote" {
	one_claim_wins https
}

@test "relctl init without --playbook on a clone takes the team's ledger from the remote" {
	team path
	cd "$TEST_TMP/b"
	run relctl init
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(git config relctl.remote)" = origin ]
	same_as_remote
	[ "$(relctl status --json | jq -r .version)" = 2.6.3 ]
}

@test "a fresh clone of the team's repository is told to run 'relctl sync', and 'init --playbook' there says the clone took the team's ledger" {
	team path
	rm -rf "$TEST_TMP/c"
	clone_into c "$URL"
	cd "$TEST_TMP/c"
	git rev-parse -q --verify refs/remotes/origin/relctl-ledger >/dev/null
	run relctl status
	[ "$status" -eq 78 ]
	[ "$output" = "relctl: this clone has not taken the team's ledger yet: run 'relctl sync' (remote \"origin\" has relctl-ledger)" ]
	run relctl init --playbook "$PLAYBOOK"
	[ "$status" -eq 65 ]
	[ "$output" = "relctl: remote \"origin\" already has the team's relctl ledger, and this clone has taken it, as 'relctl sync' does; 'relctl playbook update FILE' changes its playbook" ]
	same_as_remote
	[ "$(relctl status --json | jq -r .version)" = 2.6.3 ]
	# Without a remote, the first advice stays.
	cd "$TEST_TMP" && rm -rf lone && git init -q lone && cd lone
	run relctl status
	[ "$status" -eq 78 ]
	[ "$output" = "relctl: this repository has no relctl ledger yet; run 'relctl init --playbook FILE'" ]
}

@test "path and file:// remotes are fetched as git fetch does, from git upload-pack, without this clone's GIT_DIR; with no git on PATH, through libgit2's own transport" {
	team path
	cd "$TEST_TMP/b"
	# GIT_TRACE to a file: git writes there which commands it ran.
	GIT_TRACE="$TEST_TMP/trace" GIT_DIR="$TEST_TMP/b/.git" GIT_OBJECT_DIRECTORY="$TEST_TMP/b/.git/objects" run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"1 event received, 0 sent"* ]]
	grep -q "upload-pack -- $REMOTE" "$TEST_TMP/trace"
	[ "$(relctl status --json | jq -r .version)" = 2.6.3 ]
	git remote set-url origin "file://$REMOTE"
	(cd "$TEST_TMP/a" && as jan claim build-rc >/dev/null)
	rm -f "$TEST_TMP/trace"
	GIT_TRACE="$TEST_TMP/trace" run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"1 event received, 0 sent"* ]]
	grep -q "upload-pack -- $REMOTE" "$TEST_TMP/trace"
	(cd "$TEST_TMP/a" && as jan done build-rc >/dev/null)
	rm -f "$TEST_TMP/trace"
	PATH=/nonexistent GIT_TRACE="$TEST_TMP/trace" run "$RELCTL" sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"1 event received, 0 sent"* ]]
	[ ! -e "$TEST_TMP/trace" ]
	[ "$(ledger 2.6.3 | jq -r '.steps["build-rc"].state')" = done ]
	same_as_remote
}

@test "path remote moved away: a mutation fails with 69, adds no commit, and reads still work from the last fetched state" {
	team path
	before=$(git rev-parse relctl-ledger)
	mv "$REMOTE" "$REMOTE.away"
	run as jan claim build-rc
	[ "$status" -eq 69 ]
	[[ "$output" == *'cannot fetch from remote "origin": git upload-pack: fatal: '*"does not appear to be a git repository"*"--offline"* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ -z "$(git for-each-ref refs/relctl/outgoing)" ]
	[ "$(relctl status --json | jq -r .version)" = 2.6.3 ]
	mv "$REMOTE.away" "$REMOTE"
	[ "$(git --git-dir="$REMOTE" rev-parse relctl-ledger)" = "$before" ]
}

@test "read commands say how old the local ledger is when a remote is configured, on stderr and not with --json" {
	team path
	# Just exchanged: no note.
	run relctl status
	[ "$status" -eq 0 ]
	[[ "$output" != *"note:"* ]]
	git config relctl.lastSync 2024-03-19T06:55:00Z # 3h5m before RELCTL_NOW, the clock the note follows
	mv "$REMOTE" "$REMOTE.away"
	for cmd in status next log releases "finding list" brief stats forecast "show build-rc"; do
		# shellcheck disable=SC2086
		run --separate-stderr relctl $cmd
		[ "$status" -eq 0 ] || { echo "$cmd: $output $stderr"; false; }
		[[ "$stderr" == *'ledger as of the last exchange with "origin", 3h5m ago; '"'relctl sync'"' fetches the newest'* ]] ||
			{ echo "$cmd: $stderr"; false; }
		[[ "$output" != *"note:"* ]]
	done
	run --separate-stderr relctl status --json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(echo "$output" | jq -r .version)" = 2.6.3 ]
	git config --unset relctl.lastSync
	run --separate-stderr relctl next
	[[ "$stderr" == *'never exchanged with "origin" yet; run '"'relctl sync'"* ]]
	mv "$REMOTE.away" "$REMOTE"
	relctl sync >/dev/null
	run --separate-stderr relctl next
	[ -z "$stderr" ]
}

@test "git daemon stopped: a mutation fails with 69 and adds no commit" {
	team git
	before=$(git rev-parse relctl-ledger)
	daemon_stop
	run as jan claim build-rc
	[ "$status" -eq 69 ]
	[[ "$output" == *'remote "origin"'* ]]
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ "$(git --git-dir="$REMOTE" rev-parse relctl-ledger)" = "$before" ]
}

@test "--offline commits locally while the remote is away, and a later 'relctl sync' pushes it exactly once" {
	team path
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
	remote_before=$(git --git-dir="$REMOTE" rev-parse relctl-ledger)
	mv "$REMOTE" "$REMOTE.away"
	run as jan claim build-rc --offline
	[ "$status" -eq 0 ]
	[ "$(git rev-list --count "$remote_before..relctl-ledger")" -eq 1 ]
	[ "$(ledger 2.6.3 | jq -r '.steps["build-rc"].holder')" = jan ]
	mv "$REMOTE.away" "$REMOTE"
	[ "$(git --git-dir="$REMOTE" rev-parse relctl-ledger)" = "$remote_before" ]

	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"0 events received, 1 sent"* ]]
	same_as_remote
	[ "$(remote_events)" = "$(printf 'cristina start -\njan claim build-rc')" ]
	run relctl sync
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 events received, 0 sent"* ]]
	[ "$(remote_events | grep -c 'jan claim build-rc')" -eq 1 ]
}

@test "offline events are replayed on top of what others pushed meanwhile, keeping both sides' events" {
	team path
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
	mv "$REMOTE" "$REMOTE.away"
	as jan claim build-rc --offline >/dev/null
	mv "$REMOTE.away" "$REMOTE"
	cd "$TEST_TMP/a"
	as shalom claim draft-changelog >/dev/null
	cd "$TEST_TMP/b"
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"1 event received, 1 sent"* ]] || { echo "$output"; false; }
	same_as_remote
	[ "$(remote_events)" = "$(printf 'cristina start -\nshalom claim draft-changelog\njan claim build-rc')" ]
	[ "$(git --git-dir="$REMOTE" log -1 --format=%ae relctl-ledger)" = jan@example.com ]
}

@test "an offline claim of a step someone claimed meanwhile: sync exits 75 naming it, keeps it under refs/relctl/rejected, never overwrites the other's claim" {
	team path
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
	mv "$REMOTE" "$REMOTE.away"
	as jan claim build-rc --offline >/dev/null
	id=$(ledger 2.6.3 | jq -r '.events[-1].id')
	offline_tip=$(git rev-parse relctl-ledger)
	mv "$REMOTE.away" "$REMOTE"
	cd "$TEST_TMP/a"
	RELCTL_NOW=2024-03-19T10:07:00Z as shalom claim build-rc >/dev/null
	remote_before=$(git --git-dir="$REMOTE" rev-parse relctl-ledger)

	# jan syncs after shalom's claim, by a clock that has passed it (times are judged).
	cd "$TEST_TMP/b"
	at 2024-03-19T10:08:00Z
	run relctl sync
	[ "$status" -eq 75 ] || { echo "$output"; false; }
	[[ "$output" == *"jan claim build-rc"*"build-rc is already claimed by shalom since 2024-03-19T10:07:00Z"*"refs/relctl/rejected/$id"* ]]
	[[ "$output" == *"1 offline event could not be applied"* ]]
	[ "$(git rev-parse "refs/relctl/rejected/$id^")" = "$offline_tip" ]
	# The other's claim stands; nothing of jan's reached the remote.
	[ "$(git --git-dir="$REMOTE" rev-parse relctl-ledger)" = "$remote_before" ]
	[ "$(remote_events)" = "$(printf 'cristina start -\nshalom claim build-rc')" ]
	# The clone now shows the team's ledger, and sync does not report it twice.
	same_as_remote
	[ "$(relctl status --json | jq -r '.phases[0].steps[] | select(.id == "build-rc") | .holder')" = shalom ]
	run relctl sync
	[ "$status" -eq 0 ]
	[ "$(git rev-parse "refs/relctl/rejected/$id^")" = "$offline_tip" ]
}

@test "a mutation while an offline event no longer applies: refused with 75 pointing to sync, nothing dropped or moved; after sync it goes through" {
	team path
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
	mv "$REMOTE" "$REMOTE.away"
	as jan claim build-rc --offline >/dev/null
	as jan claim draft-changelog --offline >/dev/null
	offline_tip=$(git rev-parse relctl-ledger)
	mv "$REMOTE.away" "$REMOTE"
	cd "$TEST_TMP/a"
	as shalom claim build-rc >/dev/null
	remote_before=$(git --git-dir="$REMOTE" rev-parse relctl-ledger)

	cd "$TEST_TMP/b"
	run as jan claim update-test-plan
	[ "$status" -eq 75 ]
	[[ "$output" == *"1 of your offline events no longer applies"*"claim build-rc"*"already claimed by shalom"*"relctl sync"* ]]
	[ "$(git rev-parse relctl-ledger)" = "$offline_tip" ]
	[ "$(git --git-dir="$REMOTE" rev-parse relctl-ledger)" = "$remote_before" ]

	run relctl sync
	[ "$status" -eq 75 ]
	[[ "$output" == *"1 event received, 1 sent"* ]]
	[[ "$output" == *"jan claim build-rc"*"refs/relctl/rejected/"* ]]
	same_as_remote
	[ "$(remote_events)" = "$(printf 'cristina start -\nshalom claim build-rc\njan claim draft-changelog')" ]
	run as jan claim update-test-plan
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(remote_events | tail -1)" = "jan claim update-test-plan" ]
}

@test "playbook update of the playbook the remote already has in force writes and pushes nothing, though this clone had not fetched it yet" {
	team path
	(cd "$TEST_TMP/b" && relctl sync >/dev/null)
	sed 's/^name: TinyPilot Pro$/name: TinyPilot Pro 2/' "$PLAYBOOK" >"$TEST_TMP/changed.yaml"
	run relctl playbook update "$TEST_TMP/changed.yaml"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	tip=$(remote_tip)
	cd "$TEST_TMP/b"
	run relctl playbook update "$TEST_TMP/changed.yaml"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "relctl: $TEST_TMP/changed.yaml is the playbook already in force; nothing to update" ]
	[ "$(remote_tip)" = "$tip" ]
	same_as_remote # fetched, as every command with a remote does; no commit of its own
}
