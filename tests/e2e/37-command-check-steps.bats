#!/usr/bin/env bats
# Command and check steps, played from two clones of one bare remote by
# people of different roles: the release script run by its holder (its
# output streamed, hashed, its tail kept with the token masked), a script
# that fails and one that hangs past its timeout (its whole process group
# killed), --dry-run and a rehearsal that run nothing; a build farm's
# status page (a real HTTP server on 127.0.0.1) polled once, with --wait,
# and by relctl remind until it answers "success"; max_wait, --override by
# the owner role and not by others, the brief and the report; and forged
# results pushed with plain git, which sync refuses.

bats_require_minimum_version 1.5.0
load helper
load hooks
load sync
load judge

V=1.0

setup() {
	setup_repo
	: >"$TEST_TMP/outputs"
	FARM_TOKEN=$(random_secret)
	export FARM_TOKEN
	cat >"$TEST_TMP/lab.yaml" <<'YAML'
relctl: 1
name: Command lab
roles: [release-manager, dev, ops, qa]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: shalom, name: Shalom, email: shalom@example.com, roles: [dev]}
  - {id: olga, name: Olga, email: olga@example.com, roles: [ops]}
  - {id: quinn, name: Quinn, email: quinn@example.com, roles: [qa]}
vars:
  channel: {type: enum, values: [beta, final], default: beta}
phases:
  - id: build
    steps:
      - id: tag
        title: Tag the release
        owner: dev
        kind: command
        run: ["./tools/tag.sh", "{{release.version}}", "channel {{vars.channel}}"]
        timeout: 30s
        instructions: The release script tags and writes tagged.txt.
      - id: broken
        title: Upload the docs
        owner: dev
        kind: command
        run: [./fail.sh]
        cwd: tools
        instructions: Uploads the docs.
      - id: hang
        title: Export the tarball
        owner: dev
        kind: command
        run: [./tools/hang.sh]
        timeout: 1s
        instructions: Exports.
      - id: farm
        title: Wait for the build farm
        owner: ops
        kind: check
        url: "http://127.0.0.1:${FARM_PORT}/status/{{release.version}}"
        headers: {Authorization: "Bearer ${FARM_TOKEN}"}
        expect: {status: 200, body_contains: success}
        every: 5m
        max_wait: 1h
        needs: [tag]
        instructions: The farm must be green.
      - id: decide
        title: Go or no go
        kind: decision
        owner: release-manager
        needs: [farm]
        instructions: Read the brief.
YAML
}

teardown() {
	stop_servers
	servers_stop
	cleanup_repo
}

ok() { # PERSON ARGS...: relctl as PERSON must succeed; output in $output
	relrun "$@"
	expect 0
}

# The release scripts of the work tree: one that writes a file (and prints
# the farm token, which must not reach the ledger), one that fails, one
# that starts a child and hangs.
scripts() {
	mkdir -p tools
	printf '%s\n' '#!/bin/sh' 'echo "tagging $1 ($2)"' 'echo "$1" >tagged.txt' 'echo "token $FARM_TOKEN"' \
		'echo done tagging' >tools/tag.sh
	printf '%s\n' '#!/bin/sh' 'echo "uploading from $(basename "$PWD")"' 'echo "upload refused: 403" >&2' 'exit 3' >tools/fail.sh
	printf '%s\n' '#!/bin/sh' 'sleep 300 &' 'echo $! >hang.pid' 'echo exporting' 'sleep 300' >tools/hang.sh
	chmod +x tools/*.sh
}

# farm ANSWERS: the status page, answering each GET with the next of ANSWERS.
farm() {
	local dir="$TEST_TMP/farm" i
	mkdir -p "$dir"
	rm -f "$dir/port"
	python3 "$BATS_TEST_DIRNAME/farm.py" --port-file "$dir/port" --log "$dir/log" --answers "$1" \
		>"$dir/stdout" 2>"$dir/stderr" 3>&- &
	started $!
	for i in $(seq 100); do
		[ -s "$dir/port" ] && break
		sleep 0.05
	done
	FARM_PORT=$(cat "$dir/port")
	export FARM_PORT
}

farm_requests() {
	[ -f "$TEST_TMP/farm/log" ] || { echo 0; return; }
	wc -l <"$TEST_TMP/farm/log"
}

# team: a bare remote; clone a (the ledger and 1.0 started there) and clone b, synced.
team() {
	serve path team
	clone_into a "$URL"
	clone_into b "$URL"
	cd "$TEST_TMP/a"
	scripts
	relctl init --playbook "$TEST_TMP/lab.yaml" >/dev/null
	ok cristina start "$V"
	(cd "$TEST_TMP/b" && scripts && relctl sync >/dev/null)
}

@test "lint: a cwd outside the work tree, \${ENV} in run, a check without expect, check keys on a command: each at its line and column" {
	cat >"$TEST_TMP/bad.yaml" <<'YAML'
relctl: 1
name: Bad
roles: [release-manager]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
phases:
  - id: p
    steps:
      - {id: a, title: A, owner: release-manager, kind: command, run: [./x, "${TOKEN}"], cwd: ../elsewhere, instructions: x}
      - {id: b, title: B, owner: release-manager, kind: check, url: "http://127.0.0.1/", every: 5m, instructions: x}
      - {id: c, title: C, owner: release-manager, kind: command, run: [./x], every: 5m, instructions: x}
      - {id: d, title: D, owner: release-manager, kind: command, run: ["{{steps.a.note}}"], instructions: x}
YAML
	run relctl lint "$TEST_TMP/bad.yaml"
	[ "$status" -eq 65 ]
	has "bad.yaml:9:77: \"run\" takes no \${ENV}"
	has "bad.yaml:9:95: \"cwd\" must be a directory inside the work tree"
	has "bad.yaml:10:9: check step \"b\" needs \"expect\""
	has "bad.yaml:11:85: \"every\" is only for steps of kind check"
	has "bad.yaml:12:73: {{steps.a.note}} cannot be used in a command's arguments"
	run relctl lint "$TEST_TMP/lab.yaml"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "a command step run by its holder: the command printed, its output streamed, one event with exit, duration, sha256 and tail (token masked); the other clone sees it" {
	team
	ok jan run tag
	has "jan claimed tag ($V rc1)"
	has "\$ ./tools/tag.sh 1.0 'channel beta'"
	has "tagging 1.0 (channel beta)"
	has "token ***"
	has "jan ran the command of tag: passed, exit 0 in "
	[ "$(cat tagged.txt)" = 1.0 ]
	ev=$(ledger "$V" | jq -c '.events[-1]')
	[ "$(jq -r '[.op, .actor, .step, .result.outcome, .result.exit, .result.cwd] | join(" ")' <<<"$ev")" = "command jan tag passed 0 ." ]
	[ "$(jq -c '.result.argv' <<<"$ev")" = '["./tools/tag.sh","1.0","channel beta"]' ]
	expected=$(printf 'tagging 1.0 (channel beta)\ntoken %s\ndone tagging\n' "$FARM_TOKEN" | sha256sum | cut -d' ' -f1)
	same "$expected" "$(jq -r '.result.output_sha256' <<<"$ev")"
	same "$(printf 'tagging 1.0 (channel beta)\ntoken ***\ndone tagging\n')" "$(jq -r '.result.output_tail' <<<"$ev")"
	[ "$(jq -r '.result.duration_ms | type' <<<"$ev")" = number ]
	[ "$(ledger "$V" | jq -r '.steps.tag | [.state, .done_by, .command.outcome] | join(" ")')" = "done jan passed" ]
	git log -1 --format=%s relctl-ledger | grep -q "^jan ran the command of tag: passed, exit 0 in "
	[ "$(git log -1 --format=%an relctl-ledger)" = Jan ]
	secrets_absent "$FARM_TOKEN"

	cd "$TEST_TMP/b"
	ok olga sync
	[ "$(ledger "$V" | jq -r '.steps.tag.state, .steps.farm.state' | paste -sd' ')" = "done ready" ]
	[ ! -e tagged.txt ]
	schema_valid
}

@test "a failing command stays claimed, is recorded, and exits 69 naming its status and last line; only its holder runs it" {
	team
	ok jan claim broken
	before=$(ledger_commits)
	relrun shalom run broken
	expect 77
	has "shalom cannot record a run of broken: it is held by jan"
	has "nothing was run"
	[ "$(ledger_commits)" -eq "$before" ]
	relrun jan run broken
	expect 69
	same "relctl: broken: the command exited with status 3; last output: upload refused: 403" "${lines[-1]}"
	has "uploading from tools"
	[ "$(ledger "$V" | jq -r '.events[-1] | [.op, .result.outcome, .result.exit] | join(" ")')" = "command failed 3" ]
	[ "$(ledger "$V" | jq -r '.steps.broken | [.state, .holder] | join(" ")')" = "claimed jan" ]
	relrun jan done broken
	expect 65
	has "broken is a command step: 'relctl run broken' runs it and marks it done"
	schema_valid
}

@test "a command past its timeout: its process group is killed, the timeout recorded, the step left claimed" {
	team
	SECONDS=0
	relrun jan run hang
	expect 69
	[ "$SECONDS" -lt 20 ]
	has "relctl: hang: the command timed out after "
	has "last output: exporting"
	[ -s hang.pid ]
	pid=$(cat hang.pid)
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	run ! kill -0 "$pid"
	[ "$(ledger "$V" | jq -r '.events[-1].result | [.outcome, .exit, .signal, .timeout_seconds] | join(" ")')" = "timeout  15 1" ]
	[ "$(ledger "$V" | jq -r '.steps.hang.state')" = claimed ]
}

@test "--dry-run prints the argv and runs nothing; a rehearsal records a dry run and runs nothing" {
	team
	before=$(ledger_sum "$V")
	ok jan run tag --dry-run
	has "\$ ./tools/tag.sh 1.0 'channel beta'"
	has "dry run: nothing was run and the ledger is unchanged"
	[ ! -e tagged.txt ]
	[ "$(ledger_sum "$V")" = "$before" ]

	ok cristina start 2.0 --rehearsal
	ok jan run tag --release 2.0
	has "REHEARSAL: tag is not run"
	[ ! -e tagged.txt ]
	[ "$(ledger 2.0 | jq -r '.events[-1] | [.op, .result.outcome, (.result.argv | join(" "))] | join(" ")')" = "command dry-run ./tools/tag.sh 2.0 channel beta" ]
	[ "$(ledger 2.0 | jq -r '.steps.tag.state')" = done ]
	schema_valid
}

@test "a check step: one poll says pending, --wait polls until success; the token goes to the farm and nowhere else" {
	team
	farm pending,pending,success
	ok jan run tag
	cd "$TEST_TMP/b"
	ok olga sync
	relrun olga run farm
	expect 75
	has "olga claimed farm ($V rc1)"
	has "olga polled farm: failed, HTTP 200"
	has "'relctl run farm --wait' polls every 5m"
	[ "$(ledger "$V" | jq -r '.steps.farm | [.state, .check.polls, .check.last.response] | join(" ")')" = "claimed 1 pending" ]
	# --every: the person waiting polls more often than the playbook's 5m.
	relrun olga run farm --every 1s
	expect 64
	has "--every goes with --wait"
	ok olga run farm --wait --every 1s
	has "olga polled farm: passed, HTTP 200"
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "poll") | .result.outcome] | join(" ")')" = "failed failed passed" ]
	[ "$(ledger "$V" | jq -r '.steps.farm | [.state, .done_by, .check.polls, .check.finished] | join(" ")')" = "done olga 3 passed" ]
	[ "$(farm_requests)" -eq 3 ]
	[ "$(jq -r -s '.[0].headers.Authorization' "$TEST_TMP/farm/log")" = "Bearer $FARM_TOKEN" ]
	[ "$(jq -r -s '.[0].path' "$TEST_TMP/farm/log")" = "/status/1.0" ]
	ledger "$V" | jq -r '.events[] | select(.op == "poll") | .result.url' | grep -qF "http://127.0.0.1:***/status/1.0"
	ok olga run farm
	has "farm is done (passed)"
	# Completion offers --wait for a check step only, --force for a hook step only.
	run relctl completion candidates -- run farm --
	has "--wait"
	[[ "$output" != *"--force"* ]] || false
	run relctl completion candidates -- run tag --
	[[ "$output" != *"--wait"* ]] || false
	run relctl completion candidates -- done farm --
	has "--override"
	[ "$(farm_requests)" -eq 3 ]
	secrets_absent "$FARM_TOKEN"
	schema_valid
}

@test "after max_wait the holder may finish a check step without it, recorded as such; before, refused" {
	team
	farm pending
	ok jan run tag
	relrun olga run farm
	expect 75
	RELCTL_NOW=2024-03-19T10:30:00Z relrun olga done farm --note "farm is down"
	expect 65
	has "its holder may finish it without the check from 2024-03-19T11:00:00Z"
	RELCTL_NOW=2024-03-19T11:01:00Z relrun olga done farm
	expect 64
	has "needs --note"
	RELCTL_NOW=2024-03-19T11:01:00Z ok olga done farm --note "farm is down; built by hand"
	has "olga finished farm without the check ($V rc1)"
	[ "$(ledger "$V" | jq -r '.steps.farm | [.state, .check.finished, .note] | join("|")')" = "done|without-check|farm is down; built by hand" ]
	[ "$(git log -1 --format=%s relctl-ledger)" = "olga finished farm without the check ($V rc1)" ]
	ok cristina report "$V"
	has "finished without the check: farm is down; built by hand"
}

@test "--override by the check step's owner role finishes it; others are refused; the brief and the report show it" {
	team
	ok jan run tag
	before=$(ledger_commits)
	relrun jan done farm --override --reason "farm is down"
	expect 77
	has "jan cannot override the check of farm: it needs the role ops; ask an ops (olga)"
	relrun cristina done farm --override --reason "farm is down"
	expect 77
	relrun olga done farm --override
	expect 64
	[ "$(ledger_commits)" -eq "$before" ]

	cd "$TEST_TMP/b"
	ok olga sync
	ok olga done farm --override --reason "the farm is down; built and signed by hand"
	has "olga overrode the check of farm ($V rc1)"
	[ "$(ledger "$V" | jq -r '.events[-1] | [.op, .actor, .reason] | join("|")')" = "override|olga|the farm is down; built and signed by hand" ]
	[ "$(ledger "$V" | jq -r '.steps.farm | [.state, .done_by, .check.finished, .reason] | join("|")')" = "done|olga|override|the farm is down; built and signed by hand" ]
	ok cristina brief
	has "| Wait for the build farm | done: check overridden | olga | the farm is down; built and signed by hand |"
	[ "$(as cristina brief --json | jq -r '.testing[] | select(.id == "farm") | .check')" = override ]
	ok cristina report "$V"
	has "**check overridden**: the farm is down; built and signed by hand"
	schema_valid
}

@test "relctl remind polls the due check steps as the person running it and closes the gate by itself" {
	team
	farm pending,success
	ok jan run tag
	# quinn may not poll farm (not its role, not a release manager): named on stderr, nothing sent.
	RELCTL_NOW=2024-03-19T10:10:00Z relrun quinn remind
	expect 0
	has "the check of farm is due but not polled: quinn cannot poll farm"
	[ "$(farm_requests)" -eq 0 ]
	RELCTL_NOW=2024-03-19T10:10:00Z ok cristina remind
	has "cristina polled farm: failed, HTTP 200"
	# Not due again before "every" has passed.
	RELCTL_NOW=2024-03-19T10:12:00Z ok cristina remind
	[[ "$output" != *"polled farm"* ]] || false
	[ "$(farm_requests)" -eq 1 ]
	RELCTL_NOW=2024-03-19T10:16:00Z ok cristina remind --dry-run
	has "would poll the check of farm"
	[ "$(farm_requests)" -eq 1 ]
	RELCTL_NOW=2024-03-19T10:16:00Z ok cristina remind
	has "cristina polled farm: passed, HTTP 200"
	[ "$(ledger "$V" | jq -r '.steps.farm | [.state, .done_by, .holder, .check.polls] | join(" ")')" = "done cristina  2" ]
	[ "$(ledger "$V" | jq -r '.steps.decide.state')" = ready ]

	cd "$TEST_TMP/b"
	# A teammate whose clock reads after the polls takes them (an earlier clock would see them as ahead of it).
	RELCTL_NOW=2024-03-19T10:17:00Z ok olga sync
	[ "$(ledger "$V" | jq -r '.steps.farm.state')" = done ]
	schema_valid
}

@test "forged results pushed with plain git are refused by sync: a passed poll of a command step, a poll by someone not allowed, a pass that contradicts its status" {
	team
	farm pending
	ok jan run tag
	cd "$TEST_TMP/b"
	ok olga sync
	base=$(ledger "$V")

	# forge NAME EMAIL EVENT TEXT: EVENT appended to the release as NAME, pushed with plain git, refused by sync naming TEXT.
	forge() {
		jq --argjson ev "$3" '.events += [$ev]' <<<"$base" >"$TEST_TMP/forged.json"
		git -C "$TEST_TMP/vandal" push -q -f origin "$honest:refs/heads/relctl-ledger" 2>/dev/null || true
		push_files "$1" "$2" "forged" "100644:releases/$V.json=$TEST_TMP/forged.json"
		bad=$HAND_COMMIT
		local tip
		tip=$(git rev-parse relctl-ledger)
		run relctl sync
		[ "$status" -eq 65 ] || { echo "$output"; return 1; }
		refused_line "$bad" "$1 <$2>" "$4" || return 1
		[ "$(git rev-parse relctl-ledger)" = "$tip" ] || { echo "the local ledger moved"; return 1; }
	}
	honest=$(git rev-parse relctl-ledger)
	forge Jan jan@example.com \
		'{"id":"f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0","time":"2024-03-19T10:00:00Z","actor":"jan","op":"poll","step":"broken","candidate":1,"result":{"outcome":"passed","status":200}}' \
		"broken is a command step, not a check step: it is not polled"
	forge Quinn quinn@example.com \
		'{"id":"f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1","time":"2024-03-19T10:00:00Z","actor":"quinn","op":"poll","step":"farm","candidate":1,"result":{"outcome":"passed","status":200}}' \
		"quinn cannot poll farm: it needs the role ops"
	forge Olga olga@example.com \
		'{"id":"f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2","time":"2024-03-19T10:00:00Z","actor":"olga","op":"poll","step":"farm","candidate":1,"result":{"outcome":"passed","status":503}}' \
		"the poll of farm says passed with status 503"
	forge Jan jan@example.com \
		'{"id":"f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3","time":"2024-03-19T10:00:00Z","actor":"jan","op":"command","step":"farm","candidate":1,"result":{"outcome":"passed","exit":0}}' \
		"farm is a check step, not a command step"
	[ "$(ledger "$V" | jq -r '.steps.farm.state')" = ready ]
}
