#!/usr/bin/env bats
# Who must hear of a change is the rules' call (ledger_apply_notify), and
# every path that records an event follows it: a command, and sync's replay
# of events made offline.  Two clones share a real bare remote; the
# playbook's notify hook posts to tests/e2e/receiver.py on 127.0.0.1.
#   - jan finishes build offline and shalom approves it: nobody is told yet
#     (nobody else can see it); the 'relctl sync' that replays them on the
#     remote makes test ready there, and posts who can take it.
#   - shalom rejects jan's build: jan, who gets it back, and the release
#     managers are told, with the note saying what to fix.
#   - lena reports a blocker finding, ola delays (offline, then synced) and
#     later ships without the support input: the gate's owner, the release
#     managers and the team hear of each; a major finding or a plain ship
#     (which makes the next steps ready) adds nothing of its own.

bats_require_minimum_version 1.5.0
load helper
load sync
load hooks

setup() {
	setup_repo
	: >"$TEST_TMP/outputs"
	receiver chat
	export CHAT_URL="http://127.0.0.1:$(port chat)"
	cat >"$TEST_TMP/notify.yaml" <<EOF
relctl: 1
name: Notify lab
roles: [release-manager, dev, support, owner]
people:
  - {id: ola, name: Ola, email: ola@example.com, roles: [owner]}
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: shalom, name: Shalom, email: shalom@example.com, roles: [dev]}
  - {id: lena, name: Lena, email: lena@example.com, roles: [support]}
notify: chat
hooks:
  chat:
    url: "\${CHAT_URL}/chat"
    body: {text: "{{release.version}}: {{ready.message}}", steps: "{{ready.steps}}"}
    retries: 0
phases:
  - id: only
    steps:
      - {id: build, title: Build, owner: dev, review: dev, instructions: Build it.}
      - {id: test, title: Test, owner: support, needs: [build], instructions: Test it.}
      - {id: go, title: Go or no go, kind: decision, owner: owner, needs: [test], inputs: [support],
         on_delay: [build, test], instructions: Read the brief.}
EOF
}

teardown() {
	stop_servers
	servers_stop
	cleanup_repo
}

chat() { # FILTER over the notifications (path /chat)
	jq -s -r "[.[] | select(.path == \"/chat\")] | $1" "$TEST_TMP/rx/chat/log"
}

# Clone a (cristina) sets the ledger up on the remote and starts 1.0; clone b syncs it.
team() {
	serve path team
	clone_into a "$URL"
	clone_into b "$URL"
	cd "$TEST_TMP/a"
	relctl init --playbook "$TEST_TMP/notify.yaml" >/dev/null
	relctl start 1.0 >/dev/null
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
}

@test "a sync that makes a step ready notifies: jan's offline build, done and approved, replayed on the remote, posts that test is ready for lena" {
	team
	[ "$(chat length)" -eq 1 ] # the start: build is ready
	cd "$TEST_TMP/b"
	as jan claim build --offline >/dev/null
	run as jan done build --offline
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run as shalom review build approve --offline
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *"notified"* ]]
	[ "$(chat length)" -eq 1 ] # offline: the others cannot see it yet

	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"3 sent"* ]]
	[[ "$output" == *"notified chat: test is ready for a support (lena): relctl claim test"* ]]
	[ "$(chat length)" -eq 2 ]
	[ "$(chat '.[1].body | fromjson | .text')" = "1.0: test is ready for a support (lena): relctl claim test" ]
	[ "$(chat '.[1].body | fromjson | .steps')" = test ]
	# What the remote holds is what was told.
	[ "$(remote_ledger "$REMOTE" 1.0 | jq -r '.steps.test.state')" = ready ]

	# A sync with nothing of its own to replay tells nobody again.
	cd "$TEST_TMP/a"
	run relctl sync
	[ "$status" -eq 0 ]
	[[ "$output" != *"notified"* ]]
	[ "$(chat length)" -eq 2 ]
}

@test "a reject notifies the doer it goes back to and the release managers, with the reviewer's note" {
	team
	cd "$TEST_TMP/b"
	as jan claim build >/dev/null
	as jan done build >/dev/null
	[ "$(chat length)" -eq 1 ]
	run as shalom review build reject --note "the arm64 image is missing"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(chat length)" -eq 2 ]
	[ "$(chat '.[1].body | fromjson | .text')" = "1.0: build was rejected by shalom: the arm64 image is missing; it is back with jan (release managers: cristina)" ]
	[ "$(chat '.[1].body | fromjson | .steps')" = "build (rejected)" ]
	[ "$(ledger 1.0 | jq -r '.steps.build.holder')" = jan ]
}

@test "a blocker finding, a delay synced from offline and a forced ship are heard; a lesser finding is not" {
	team
	cd "$TEST_TMP/b"
	[ "$(chat length)" -eq 1 ]
	run as lena finding add "The upload times out" --severity major
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(chat length)" -eq 1 ]
	run as lena finding add "The image does not boot" --severity blocker
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	F=$(printf '%s\n' "$output" | sed -n 's/.* finding \(F-[0-9a-f]*\): .*/\1/p' | head -1)
	[ "$(chat length)" -eq 2 ]
	same "1.0: lena reported blocker finding $F: The image does not boot; owner decides at go (ola; release managers: cristina)" \
		"$(chat '.[1].body | fromjson | .text')"
	same "$F (blocker)" "$(chat '.[1].body | fromjson | .steps')"

	as jan claim build >/dev/null
	as jan done build >/dev/null
	as shalom review build approve >/dev/null
	as lena claim test >/dev/null
	as lena done test >/dev/null
	n=$(chat length)
	# Ola delays from clone a, offline: nobody hears until the sync that shares it.
	cd "$TEST_TMP/a"
	relctl sync >/dev/null
	run as ola decide delay --reason "the image does not boot" --force --offline
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(chat length)" -eq "$n" ]
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(chat length)" -eq $((n + 1)) ]
	same "1.0: ola decided to delay 1.0 rc1; the next candidate begins (forced, without every input): the image does not boot; build is ready for a dev (jan, shalom): relctl claim build" \
		"$(chat '.[-1].body | fromjson | .text')"

	as jan claim build >/dev/null
	as jan done build >/dev/null
	as shalom review build approve >/dev/null
	as lena claim test >/dev/null
	as lena done test >/dev/null
	n=$(chat length)
	run as ola decide ship --reason "fixed in rc2" --force
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(chat length)" -eq $((n + 1)) ]
	same "1.0: ola decided to ship 1.0 rc2 (forced, without every input): fixed in rc2" "$(chat '.[-1].body | fromjson | .text')"
}

@test "a ready hook step is run, not claimed; an owner role starting with a vowel takes 'an'; with two releases open the command names its release" {
	cat >"$TEST_TMP/hookstep.yaml" <<EOF2
relctl: 1
name: Hook lab
roles: [release-manager, engineer]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: eve, name: Eve, email: eve@example.com, roles: [engineer]}
notify: chat
hooks:
  chat:
    url: "\${CHAT_URL}/chat"
    body: {text: "{{release.version}}: {{ready.message}}"}
    retries: 0
  deploy:
    url: "\${CHAT_URL}/deploy"
    body: {version: "{{release.version}}"}
    retries: 0
phases:
  - id: only
    steps:
      - {id: publish, title: Publish, kind: hook, hook: deploy, owner: engineer, instructions: Run it.}
EOF2
	relctl init --playbook "$TEST_TMP/hookstep.yaml" >/dev/null
	run relctl start 1.0
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	same "1.0: publish is ready for an engineer (eve): relctl run publish" "$(chat '.[-1].body | fromjson | .text')"
	run relctl start 1.1
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	same "1.1: publish is ready for an engineer (eve): relctl run publish --release 1.1" "$(chat '.[-1].body | fromjson | .text')"
	# The command it offers works for eve.
	run as eve run publish --release 1.1
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(ledger 1.1 | jq -r .steps.publish.state)" = done ]
}

@test "a notification that cannot be sent waits in the clone's outbox; 'relctl notify' sends it once, the ledger untouched" {
	team
	cd "$TEST_TMP/b"
	run env -u CHAT_URL RELCTL_USER=jan "$RELCTL" claim build
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run env -u CHAT_URL RELCTL_USER=jan "$RELCTL" done build
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	n=$(chat length)
	run --separate-stderr env -u CHAT_URL RELCTL_USER=shalom "$RELCTL" review build approve
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	same "relctl: warning: the chat notification was not sent: hook \"chat\" needs the environment variable CHAT_URL; set it first; it waits in this clone's outbox, and 'relctl notify' sends it: test is ready for a support (lena): relctl claim test" "$stderr"
	[ "$(chat length)" -eq "$n" ]
	[ "$(ls .git/relctl/outbox | wc -l)" -eq 1 ]
	tip=$(git rev-parse relctl-ledger)
	remote_tip=$(git --git-dir="$REMOTE" rev-parse relctl-ledger)

	# What waits, without sending; the exact request, without sending.
	run relctl notify --list
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	same "1.0  chat, not sent: hook \"chat\" needs the environment variable CHAT_URL; set it first at 2024-03-19T10:00:00Z
  test is ready for a support (lena): relctl claim test" "$output"
	run relctl notify --json
	[ "$(jq -r '.[0].notices[0].kind + " " + .[0].notices[0].step' <<<"$output")" = "ready test" ]
	run env -u CHAT_URL "$RELCTL" notify --dry-run
	[ "$status" -eq 69 ] || { echo "$status $output"; false; }
	has "the chat notification of 1.0 cannot be made: hook \"chat\" needs the environment variable CHAT_URL"
	run relctl notify --dry-run
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	has "POST $CHAT_URL/chat"
	has '"text":"1.0: test is ready for a support (lena): relctl claim test"'
	[ "$(chat length)" -eq "$n" ]

	# With CHAT_URL set, it is sent once and leaves the outbox.
	run relctl notify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	same "notified chat: test is ready for a support (lena): relctl claim test" "$output"
	[ "$(chat length)" -eq $((n + 1)) ]
	same "1.0: test is ready for a support (lena): relctl claim test" "$(chat '.[-1].body | fromjson | .text')"
	[ "$(ls .git/relctl/outbox | wc -l)" -eq 0 ]
	run relctl notify
	[ "$status" -eq 0 ]
	same "nothing waits in this clone's outbox" "$output"
	[ "$(chat length)" -eq $((n + 1)) ]
	# Nothing was recorded, here or on the remote.
	[ "$(git rev-parse relctl-ledger)" = "$tip" ]
	[ "$(git --git-dir="$REMOTE" rev-parse relctl-ledger)" = "$remote_tip" ]
}

@test "a waiting notification no longer true is dropped, saying why; a receiver that is down keeps one waiting (69) until it is up" {
	team
	cd "$TEST_TMP/b"
	as jan claim build >/dev/null
	as jan done build >/dev/null
	run --separate-stderr env -u CHAT_URL RELCTL_USER=shalom "$RELCTL" review build approve
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	# Lena, in clone a, claims test before anyone has sent that it is ready.
	cd "$TEST_TMP/a"
	relctl sync >/dev/null
	as lena claim test >/dev/null
	cd "$TEST_TMP/b"
	n=$(chat length)
	run --separate-stderr relctl notify
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	same "relctl: synced with origin first: 1 event received, 0 sent" "$stderr"
	same "dropped 1.0: no longer true: test is no longer ready: it is claimed (lena)" "$output"
	[ "$(chat length)" -eq "$n" ]
	[ "$(ls .git/relctl/outbox | wc -l)" -eq 0 ]

	# A blocker reported while the receiver is down waits; the receiver up again (another port), it is sent.
	stop_servers
	run --separate-stderr as lena finding add "It does not boot" --severity blocker
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[[ "$stderr" == "relctl: warning: the chat notification was not delivered: "*"; it waits in this clone's outbox, and 'relctl notify' sends it: lena reported blocker finding F-"*": It does not boot; owner decides at go (ola; release managers: cristina)" ]] ||
		{ echo "$stderr"; false; }
	run relctl notify
	[ "$status" -eq 69 ] || { echo "$status $output"; false; }
	has "relctl: the chat notification of 1.0 was not delivered: "
	has "relctl: 1 notification could not be sent and still waits; 'relctl notify' tries again"
	[ "$(ls .git/relctl/outbox | wc -l)" -eq 1 ]
	rm "$TEST_TMP/rx/chat/port"
	receiver chat
	export CHAT_URL="http://127.0.0.1:$(port chat)"
	run relctl notify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == "notified chat: lena reported blocker finding F-"*": It does not boot;"* ]] || { echo "$output"; false; }
	[[ "$(chat '.[-1].body | fromjson | .text')" == "1.0: lena reported blocker finding F-"* ]]
	[ "$(ls .git/relctl/outbox | wc -l)" -eq 0 ]
}

@test "an outbox file edited by hand is one line naming it, left there; the others are still sent" {
	team
	cd "$TEST_TMP/b"
	as jan claim build >/dev/null
	as jan done build >/dev/null
	env -u CHAT_URL RELCTL_USER=shalom "$RELCTL" review build approve >/dev/null 2>&1
	f=$(ls .git/relctl/outbox/*.json)
	cp "$f" "${f%.json}0.json"
	printf '{"format": 1, "release": "1.0", "hook": "chat", "queued_at": "2024-03-19T10:00:00Z", "why": "x", "notices": [{"kind": "ready"}]}' >"$f"
	n=$(chat length)
	run relctl notify
	[ "$status" -eq 65 ] || { echo "$status $output"; false; }
	has "/b/.git/relctl/outbox/$(basename "${f%.json}").json is not a notification relctl can send: notice 1 has no \"release\"; it is left there, for you to fix or delete"
	has "notified chat: test is ready for a support (lena): relctl claim test"
	[ "$(chat length)" -eq $((n + 1)) ]
	[ -f "$f" ]
}

@test "remind decides on the team's ledger: a stale clone syncs first and sends nothing untrue; an unreachable remote sends nothing" {
	team
	cd "$TEST_TMP/a"
	as jan claim build >/dev/null
	as jan done build >/dev/null
	as shalom review build approve >/dev/null
	# Clone b has not synced since the start: its copy says build is still unclaimed.
	cd "$TEST_TMP/b"
	[ "$(ledger 1.0 | jq -r .steps.build.state)" = ready ]
	n=$(chat length)
	run --separate-stderr env RELCTL_NOW=2024-03-22T10:00:00Z RELCTL_USER=cristina "$RELCTL" remind
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[[ "$stderr" == *"synced with origin first: 3 events received"* ]] || { echo "$stderr"; false; }
	[ "$(chat length)" -eq $((n + 1)) ]
	text=$(chat '.[-1].body | fromjson | .text')
	[[ "$text" == *"test has waited 3d with nobody claiming it"* ]] || { echo "$text"; false; }
	[[ "$text" != *"build has waited"* ]] || { echo "$text"; false; }

	# The remote unreachable: nothing is sent, nothing recorded, and it says why.
	cd "$TEST_TMP/a"
	mv "$REMOTE" "$REMOTE.away"
	cd "$TEST_TMP/b"
	before=$(git rev-parse relctl-ledger)
	n=$(chat length)
	run env RELCTL_NOW=2024-03-23T10:00:00Z RELCTL_USER=cristina "$RELCTL" remind
	[ "$status" -eq 69 ] || { echo "$status $output"; false; }
	[[ "$output" == "relctl: nothing sent: this needs the team's current ledger, and "*"; fix that and run it again, or add --offline to act on this clone's copy" ]] ||
		{ echo "$output"; false; }
	[ "$(chat length)" -eq "$n" ]
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	mv "$REMOTE.away" "$REMOTE"
}

@test "run from a clone that has not synced since the step became ready: it syncs first and sends, instead of 'pending; claim it'" {
	cat >"$TEST_TMP/stale.yaml" <<EOF2
relctl: 1
name: Stale lab
roles: [release-manager, dev, engineer]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: eve, name: Eve, email: eve@example.com, roles: [engineer]}
hooks:
  deploy:
    url: "\${CHAT_URL}/deploy"
    body: {version: "{{release.version}}"}
    retries: 0
phases:
  - id: only
    steps:
      - {id: build, title: Build, owner: dev, instructions: Build it.}
      - {id: publish, title: Publish, kind: hook, hook: deploy, owner: engineer, needs: [build], instructions: Run it.}
EOF2
	serve path stale
	clone_into a "$URL"
	clone_into b "$URL"
	cd "$TEST_TMP/a"
	relctl init --playbook "$TEST_TMP/stale.yaml" >/dev/null
	relctl start 1.0 >/dev/null
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
	# Jan builds in clone a; clone b still sees publish pending.
	cd "$TEST_TMP/a"
	as jan claim build >/dev/null
	as jan done build >/dev/null
	cd "$TEST_TMP/b"
	[ "$(ledger 1.0 | jq -r .steps.publish.state)" = pending ]
	run --separate-stderr as eve run publish
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[[ "$stderr" == *"synced with origin first: 2 events received"* ]] || { echo "$stderr"; false; }
	[[ "$output" != *"pending"* ]] || { echo "$output"; false; }
	[ "$(ledger 1.0 | jq -r .steps.publish.state)" = done ]
	[ "$(jq -s '[.[] | select(.path == "/deploy")] | length' "$TEST_TMP/rx/chat/log")" -eq 1 ]
}
