#!/usr/bin/env bats
# No one alone on the critical path: a support engineer learns the build by
# shadowing it and is granted it two releases later, on another clone; a
# dev hands a step over to a teammate on another laptop; someone goes away
# and the release manager hands their step on; deadlines, a target date and
# its forecast; 'relctl remind' run three times in a day through a real
# chat receiver on 127.0.0.1 (each reminder once, the overdue step escalated
# to the release manager, a failed send sent again with the same id); and a
# rehearsal whose hooks reach the receiver zero times while the real
# release's reach it once each.
#
# The "lab" playbook below is small on purpose: two phases, a step that
# grants its shadows, deadlines, a notify hook and two hook steps.

bats_require_minimum_version 1.5.0
load helper
load hooks
load sync

setup() {
	setup_repo
	: >"$TEST_TMP/outputs"
	export LAB_TOKEN="lab-$(random_secret)"
	export RELCTL_HOOK_BACKOFF_MS=20
	receiver chat --dedupe
	export LAB_URL="http://127.0.0.1:$(port chat)"
	cat >"$TEST_TMP/lab.yaml" <<'EOF'
relctl: 1
name: Delegation lab
roles: [release-manager, dev, support]
idle_after: 1d
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: shalom, name: Shalom, email: shalom@example.com, roles: [dev]}
  - {id: david, name: David, email: david@example.com, roles: [support]}
  - {id: maria, name: Maria, email: maria@example.com, roles: [support]}
notify: chat
hooks:
  chat:
    url: "${LAB_URL}/chat"
    body: {text: "{{ready.message}}", steps: "{{ready.steps}}"}
    retries: 0
  changelog:
    url: "${LAB_URL}/changelog"
    headers: {Authorization: "Bearer ${LAB_TOKEN}"}
    body: {version: "{{release.version}}"}
    retries: 0
  blog:
    url: "${LAB_URL}/blog"
    body: "{{release.version}} is out"
    retries: 0
phases:
  - id: testing
    steps:
      - {id: build, title: Build the candidate, owner: dev, due: 2h, estimate: 1h, shadow_grants: true, instructions: Build it.}
      - {id: notes, title: Write the notes, owner: dev, instructions: Write them.}
      - {id: test, title: Test on a device, owner: support, needs: [build], due: 3h, estimate: 2h, instructions: Test it.}
  - id: publishing
    steps:
      - {id: publish-changelog, title: Publish the changelog, kind: hook, hook: changelog, owner: release-manager, instructions: Run it.}
      - {id: publish-blog, title: Publish the post, kind: hook, hook: blog, owner: release-manager, needs: [publish-changelog], instructions: Run it.}
EOF
}

teardown() {
	stop_servers
	servers_stop
	cleanup_repo
}

lab() { # the lab's ledger in $REPO
	relctl init --playbook "$TEST_TMP/lab.yaml" >/dev/null
}

# team: a bare remote, clone a (cristina: the lab's ledger) and clone b.
team() {
	serve path team
	clone_into a "$URL"
	clone_into b "$URL"
	cd "$TEST_TMP/a"
	relctl init --playbook "$TEST_TMP/lab.yaml" >/dev/null
	(cd "$TEST_TMP/b" && relctl sync >/dev/null)
}

ok() { # PERSON ARGS...: relctl as PERSON must succeed; output in $output
	relrun "$@"
	expect 0
}

# The chat messages that are reminders (notifications of ready steps are not).
reminders() { # FILTER
	rx chat "[.[] | select(.path == \"/chat\") | select(.body | fromjson | .text | test(\"overdue|idle|claimed for|waited\"))] | $1"
}

stats_json() { # FILTER
	relctl stats --json | jq -r "$1"
}

# ---------- shadowing ----------

@test "shadowing over three releases, on two clones: the shadow is granted the step and it leaves stats' risk list" {
	team
	at 2024-03-01T09:00:00Z
	ok cristina start 1.0
	ok jan claim build --release 1.0
	ok david shadow build --release 1.0
	has "david shadows build (1.0 rc1)"
	ok jan done build --release 1.0
	[ "$(ledger 1.0 | jq -c '.steps.build | [.done_by, .shadowed, .shadows]')" = '["jan",["david"],null]' ]
	[ "$(stats_json '[.bus_factor_risks[] | select(.step == "build") | .person] | join(",")')" = jan ]
	[ "$(stats_json '.shadowing.steps[] | select(.id == "build") | [.risk, .shadowed_by, .ready_next] | tostring')" = '[true,["david"],["david"]]' ]
	ok cristina stats
	has "build                    done by jan; shadowed by david; ready next david"

	# 1.1: the release manager's next names who should shadow it: a dev who never did it.
	at 2024-03-08T09:00:00Z
	ok cristina start 1.1
	ok jan claim build --release 1.1
	ok cristina next 1.1
	has "Shadowing plan (steps only one person has done)"
	has "only jan has done it: shalom should shadow it -> relctl shadow build"
	[ "$(as cristina next 1.1 --json | jq -c '.manager.shadowing[] | select(.id == "build") | .suggest')" = '["shalom"]' ]
	ok shalom shadow build --release 1.1
	ok shalom next 1.1
	has "You shadow"
	ok jan done build --release 1.1
	[ "$(stats_json '.shadowing.steps[] | select(.id == "build") | .shadowed_by | join(",")')" = david,shalom ]

	# 1.2, on the other clone: maria never shadowed it; david did, in 1.0, and the playbook grants it.
	at 2024-03-15T09:00:00Z
	ok cristina start 1.2
	cd "$TEST_TMP/b"
	ok david sync
	relrun maria claim build --release 1.2
	expect 77
	has "maria cannot claim build: it needs the role dev; ask a dev (jan, shalom) to claim it, or a release manager (cristina) to assign it to one of them ('relctl assign build jan --release 1.2'), or shadow it to its finish first, once someone has claimed it"
	ok david next 1.2
	has "build                    ready      Build the candidate -> relctl claim build"
	ok david claim build --release 1.2
	has "granted by the playbook: you shadowed it in 1.0"
	[ "$(ledger 1.2 | jq -r '.events[-1] | .op + " " + .shadowed_in')" = "claim 1.0" ]
	ok david done build --release 1.2

	# Clone a takes it only after its judge checked the grant against 1.0.
	cd "$TEST_TMP/a"
	ok cristina sync
	[ "$(ledger 1.2 | jq -r '.steps.build.done_by')" = david ]
	[ "$(stats_json '[.bus_factor_risks[] | select(.step == "build")] | length')" -eq 0 ]
	[ "$(stats_json '.shadowing.risks | index("build")')" = null ]
	[ "$(stats_json '.shadowing.steps[] | select(.id == "build") | .done_by | join(",")')" = jan,david ]
	ok cristina stats
	[[ "$output" != *"build                    done by"* ]] || { echo "$output"; false; }
	ok cristina verify
	schema_valid
}

@test "what a finished release tells next, a granted claim and forecast is read from a cache by its blob id; a corrupt or another release's cache file is made again" {
	team
	at 2024-03-01T09:00:00Z
	ok cristina start 1.0
	ok jan claim build --release 1.0
	ok david shadow build --release 1.0
	at 2024-03-01T10:30:00Z
	ok jan done build --release 1.0
	ok shalom claim notes --release 1.0
	ok shalom done notes --release 1.0
	ok maria claim test --release 1.0
	at 2024-03-01T12:00:00Z
	ok maria done test --release 1.0
	ok cristina run publish-changelog --release 1.0
	ok cristina run publish-blog --release 1.0
	[ "$(ledger 1.0 | jq -r .status)" = complete ]

	at 2024-03-08T09:00:00Z
	ok cristina start 1.1
	ok cristina next 1.1 --json
	fresh=$output
	ok cristina forecast 1.1
	forecast=$output
	cache=.git/relctl/summaries blob=$(git rev-parse relctl-ledger:releases/1.0.json)
	# Only the finished release is kept, under its file's blob id (with the figures stats reads, apart):
	# the open one changes with every event.
	[ "$(ls "$cache" | tr '\n' ' ')" = "$blob.figures.json $blob.json " ]
	jq -e '.version == "1.0" and (.steps[] | select(.id == "build") | .shadowed == ["david"] and .performers == ["jan"] and .waited == 5400)' "$cache/$blob.json"
	ok cristina next 1.1 --json
	[ "$output" = "$fresh" ]
	ok cristina forecast 1.1
	[ "$output" = "$forecast" ]

	# A file that is not a summary, with a terminal escape in it: made again, and the answers stay.
	printf 'not json \033[2J' >"$cache/$blob.json"
	ok cristina next 1.1 --json
	[ "$output" = "$fresh" ]
	jq -e '.version == "1.0"' "$cache/$blob.json"

	# Another release's summary under 1.0's id (nobody shadowed, nothing waited) is not 1.0's.
	jq -c '.version = "0.9" | .steps |= map(.shadowed = [] | .waited = -1)' "$cache/$blob.json" >"$TEST_TMP/other.json"
	cp "$TEST_TMP/other.json" "$cache/$blob.json"
	ok cristina forecast 1.1
	[ "$output" = "$forecast" ]
	cp "$TEST_TMP/other.json" "$cache/$blob.json"
	ok david claim build --release 1.1
	has "granted by the playbook: you shadowed it in 1.0"
	jq -e '.version == "1.0"' "$cache/$blob.json"
}

@test "a claim that names a release where the claimant never shadowed the step is refused by the judge of the other clone" {
	team
	at 2024-03-01T09:00:00Z
	ok cristina start 1.0
	ok jan claim build
	ok jan done build
	at 2024-03-08T09:00:00Z
	ok cristina start 1.1
	cd "$TEST_TMP/b"
	ok maria sync
	# Written with plain git on the remote, as a forger would: maria claims build "granted" by 1.0.
	git fetch -q origin relctl-ledger
	git show origin/relctl-ledger:releases/1.1.json |
		jq '.events += [{"id": "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0", "time": "2024-03-08T10:00:00Z", "actor": "maria", "op": "claim", "step": "build", "candidate": 1, "shadowed_in": "1.0"}]
		| .steps.build.state = "claimed" | .steps.build.holder = "maria" | .steps.build.claimed_at = "2024-03-08T10:00:00Z"' >"$TEST_TMP/forged.json"
	hand_push "$TEST_TMP/forged.json" releases/1.1.json "maria claimed build (1.1 rc1)" Maria maria@example.com
	cd "$TEST_TMP/a"
	run relctl sync
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	has "maria did not shadow build to its finish in release 1.0"
	[ "$(ledger 1.1 | jq -r '.steps.build.holder')" = null ]
}

# ---------- hand-over and away ----------

@test "a hand-over across two clones: the receiver sees the note in next and show, and finishes the step" {
	team
	at 2024-03-19T09:00:00Z
	ok cristina start 1.0
	ok jan claim build
	at 2024-03-19T10:30:00Z
	relrun jan handover build shalom
	expect 64
	has "a hand-over needs --note TEXT"
	relrun jan handover build david --note "x"
	expect 65
	has "cannot hand build to david: it needs the role dev"
	relrun shalom handover build shalom --note "mine now"
	expect 77
	ok jan handover build shalom --note "built on ci-42; the image is not signed yet"
	has "jan handed build over to shalom (1.0 rc1)"

	cd "$TEST_TMP/b"
	ok shalom sync
	ok shalom next
	has "handed over by jan: built on ci-42; the image is not signed yet"
	ok shalom show build
	has "handed over by jan to shalom at 2024-03-19T10:30:00Z: built on ci-42; the image is not signed yet"
	has "jan        handover to shalom: built on ci-42; the image is not signed yet"
	[ "$(as shalom next --json | jq -r '.hold[0].handover.note')" = "built on ci-42; the image is not signed yet" ]
	ok shalom done build

	cd "$TEST_TMP/a"
	ok cristina sync
	[ "$(ledger 1.0 | jq -r '[.events[] | .actor + " " + .op] | join(", ")')" = "cristina start, jan claim, jan handover, shalom done" ]
	[ "$(ledger 1.0 | jq -r '.steps.build | .done_by + " " + .handover.from')" = "shalom jan" ]
	[ "$(git log -2 --format=%ae relctl-ledger | tr '\n' ' ')" = "shalom@example.com jan@example.com " ]
	ok cristina report 1.0
	has "jan handed build to shalom: built on ci-42; the image is not signed yet"
	ok cristina verify
}

@test "away: next lists the holder's steps as holder away with whom to hand them to, assigning warns, the release manager hands over" {
	lab
	at 2024-03-19T09:00:00Z
	ok cristina start 1.0
	ok jan claim build
	relrun jan away --until 2024-03-18T09:00:00Z
	expect 64
	has "is not in the future"
	ok jan away --until 2024-03-22T09:00:00Z
	has "jan is away until 2024-03-22T09:00:00Z (1.0 rc1)"
	[ "$(ledger 1.0 | jq -c '.away')" = '{"jan":{"since":"2024-03-19T09:00:00Z","until":"2024-03-22T09:00:00Z"}}' ]
	ok cristina next
	has "Holder away"
	has "holder away: jan until 2024-03-22T09:00:00Z -> relctl handover build shalom --note TEXT"
	[ "$(as cristina next --json | jq -r '.manager.holder_away[0] | .id + " " + .hand_to')" = "build shalom" ]
	ok cristina assign notes jan
	has "warning: jan is away until 2024-03-22T09:00:00Z (since 2024-03-19T09:00:00Z); the step goes to them anyway"
	relrun shalom handover build shalom --note "taking it"
	expect 77
	has "jan holds it and hands it over (a release manager can while they are away"
	ok cristina handover build shalom --note "jan is away until Friday; the branch is release-1.0"
	[ "$(ledger 1.0 | jq -r '.steps.build.holder')" = shalom ]
	ok jan away --back
	has "jan is back (1.0 rc1)"
	ok cristina next
	[[ "$output" != *"Holder away"* ]] || { echo "$output"; false; }
	ok shalom handover build jan --note "back to you"
	[[ "$output" != *"warning"* ]] || { echo "$output"; false; }
	relrun maria away --back
	expect 65
	has "maria is not marked away in 1.0"
}

# ---------- deadlines ----------

@test "deadlines: status, next and show say a step is overdue and by how much; forecast says whether the target holds and what slips" {
	lab
	at 2024-03-19T09:00:00Z
	ok cristina start 1.0 --target 2024-03-19T12:00:00Z
	ok cristina status
	has "target: 2024-03-19T12:00:00Z (in 3h)"
	at 2024-03-19T12:30:00Z
	ok cristina status
	[[ "$output" =~ build\ +ready\ +dev\ +3h30m\ ago\ +overdue\ by\ 1h30m ]] || { echo "$output"; false; }
	[[ "$output" != *"notes"*"overdue"* ]] || { echo "$output"; false; }
	[ "$(relctl status --json | jq -c '.phases[0].steps[0] | [.due_at, .overdue_seconds]')" = '["2024-03-19T11:00:00Z",5400]' ]
	ok cristina next
	has "Overdue"
	has "overdue by 1h30m (due 2024-03-19T11:00:00Z), nobody has it"
	ok jan claim build
	ok jan next
	has "Build the candidate -> relctl done build; OVERDUE by 1h30m"
	ok jan show build
	has "due: 2024-03-19T11:00:00Z (2h after it was ready), overdue by 1h30m"
	[ "$(relctl show build --json | jq '.overdue_seconds')" -eq 5400 ]
	# The estimates from now: build 1h, test 2h; the target was 12:00.
	ok cristina forecast
	has "target 2024-03-19T12:00:00Z slips by 3h30m; late on the critical path: build, test"
	[ "$(relctl forecast --json | jq -c '.target | [.holds, .slip_seconds, .late_steps[0]]')" = '[false,12600,"build"]' ]
	ok cristina start 1.1 --target 2024-03-25T17:00:00Z
	[ "$(relctl forecast 1.1 --json | jq -c '.target | [.holds, .slip_seconds, .late_steps]')" = '[true,0,[]]' ]
	relrun cristina start 1.2 --target friday
	expect 64
	has "a release's --target is a time like 2024-03-21T17:00:00Z"
	schema_valid
}

# ---------- reminders ----------

@test "remind run three times in one day sends each reminder once and escalates the overdue step to the release manager" {
	lab
	at 2024-03-19T09:00:00Z
	ok cristina start 1.0
	ok shalom claim notes
	at 2024-03-19T09:05:00Z
	ok jan claim build
	at 2024-03-19T10:00:00Z
	ok cristina remind
	has "1.0: nothing to remind today"
	[ "$(reminders length)" -eq 0 ]

	at 2024-03-19T12:00:00Z # build is due at 11:00
	ok cristina remind --dry-run
	has "1.0: would remind jan of build"
	has "POST $LAB_URL/chat"
	[ "$(reminders length)" -eq 0 ]
	[ "$(ledger 1.0 | jq '.reminders | length')" -eq 0 ]
	ok cristina remind
	has "cristina reminded jan of build (1.0 rc1): jan, build is overdue by 1h (due 2024-03-19T11:00:00Z)"
	[ "$(reminders length)" -eq 1 ]
	[ "$(reminders '.[0].body | fromjson | .steps')" = build ]

	at 2024-03-19T13:30:00Z # overdue by 2h30m: more than its due again, so the release managers hear of it
	ok cristina remind
	[[ "$output" != *"reminded jan"* ]] || { echo "$output"; false; }
	has "cristina told the release managers of build (1.0 rc1): for the release managers (cristina): build is overdue by 2h30m (due 2024-03-19T11:00:00Z), held by jan"
	[ "$(reminders length)" -eq 2 ]

	at 2024-03-19T23:50:00Z
	ok cristina remind
	has "1.0: nothing to remind today"
	[ "$(reminders length)" -eq 2 ]
	[ "$(ledger 1.0 | jq -c '[.reminders[] | [.kind, .person, (.steps | join(","))]]')" = '[["reminder","jan","build"],["escalation",null,"build"]]' ]
	[ "$(reminders '[.[].webhook_id] | unique | length')" -eq 2 ]
	[ "$(ledger 1.0 | jq -r '[.reminders[].webhook_id] | join(" ")')" = "$(reminders '[.[].webhook_id] | join(" ")')" ]

	# The next day: jan again, shalom's notes idle for over a day, and the escalation again.
	at 2024-03-20T09:30:00Z
	ok cristina remind
	has "cristina reminded jan of build"
	has "cristina reminded shalom of notes (1.0 rc1): shalom, notes has been claimed for 1d30m without being done"
	has "cristina told the release managers of build"
	[ "$(reminders length)" -eq 5 ]
	[ "$(reminders '[.[].webhook_id] | unique | length')" -eq 5 ]
	ok cristina report 1.0
	has "jan reminded by cristina: jan, build is overdue by 1h"
	has "escalated to the release managers by cristina: for the release managers (cristina): build is overdue by 2h30m"
	ok cristina verify
	schema_valid
}

@test "remind: a reminder the chat does not take is not recorded, and the next run sends it with the same webhook-id" {
	lab
	at 2024-03-19T09:00:00Z
	ok cristina start 1.0
	ok jan claim build
	at 2024-03-19T12:00:00Z
	script chat '/chat=500'
	relrun cristina remind
	expect 69
	has "warning: the reminder to jan was not delivered (HTTP 500); the next run sends it again"
	has "1 reminder was not delivered"
	[ "$(ledger 1.0 | jq '.reminders | length')" -eq 0 ]
	at 2024-03-19T12:10:00Z
	ok cristina remind
	has "cristina reminded jan of build"
	[ "$(rx chat '[.[] | select(.path == "/chat")] | .[-2:] | map(.answer) | join(",")')" = 500,200 ]
	[ "$(rx chat '[.[] | select(.path == "/chat")] | .[-2:] | map(.webhook_id) | unique | length')" -eq 1 ]
	[ "$(ledger 1.0 | jq '.reminders | length')" -eq 1 ]
}

@test "remind with no notify hook: the dry run shows what is due and warns once; the real run shows it too and is a configuration error (78); nothing is recorded" {
	init_tinypilot
	at 2024-03-19T10:00:00Z
	ok cristina start 2.6.3
	ok jan claim build-rc
	at 2024-03-19T15:00:00Z # tinypilot's build-rc is due 4h after it is ready
	relrun cristina status
	has "overdue by 1h"
	sum=$(ledger_sum 2.6.3)
	run --separate-stderr as cristina remind --dry-run
	expect 0
	has "2.6.3: reminder of build-rc due for jan: jan, build-rc is overdue by 1h (due 2024-03-19T14:00:00Z)"
	same "relctl: warning: release 2.6.3's playbook has no notify hook, so nothing would be sent; releases started after you add 'notify: HOOK' to the playbook (docs/playbook.md, notify) and run 'relctl playbook update FILE' send them" "$stderr"
	run --separate-stderr as cristina remind
	expect 78
	has "2.6.3: reminder of build-rc due for jan: jan, build-rc is overdue by 1h"
	same "relctl: release 2.6.3 has 1 reminder due (above) but its playbook has no notify hook to send it through; releases started after you add 'notify: HOOK' to the playbook (docs/playbook.md, notify) and run 'relctl playbook update FILE' send them" "$stderr"
	[ "$(ledger_sum 2.6.3)" = "$sum" ]
}

# ---------- rehearsals ----------

# play_lab VERSION: the whole lab release, hooks run by cristina.
play_lab() {
	ok "$2" claim build --release "$1"
	ok "$2" done build --release "$1"
	ok "$2" claim notes --release "$1"
	ok "$2" done notes --release "$1"
	ok maria claim test --release "$1"
	ok maria done test --release "$1"
	ok cristina run publish-changelog --release "$1"
	ok cristina run publish-blog --release "$1"
}

@test "a rehearsal's hook steps reach the receiver zero times and are recorded as dry runs; the real release's reach it once each" {
	lab
	at 2024-03-18T09:00:00Z
	ok cristina start 1.0-rehearsal --rehearsal
	has "cristina started the rehearsal 1.0-rehearsal (rc1)"
	has "REHEARSAL: the chat notification is not sent"
	ok cristina releases
	[[ "${lines[0]}" == "1.0-rehearsal"*"REHEARSAL" ]] || { echo "$output"; false; }
	ok cristina status
	[[ "${lines[0]}" == "REHEARSAL Delegation lab 1.0-rehearsal"* ]] || { echo "$output"; false; }
	ok cristina next
	[[ "${lines[0]}" == "REHEARSAL Delegation lab 1.0-rehearsal rc1"* ]] || { echo "$output"; false; }

	play_lab 1.0-rehearsal shalom
	[ "$(deliveries chat)" -eq 0 ]
	relrun cristina run publish-changelog --release 1.0-rehearsal
	expect 0
	has "publish-changelog was already recorded as a dry run" # done: a re-run sends nothing either
	[ "$(ledger 1.0-rehearsal | jq -r '.status')" = complete ]
	[ "$(ledger 1.0-rehearsal | jq -r '[.events[] | select(.op == "hook") | .result.outcome] | join(",")')" = dry-run,dry-run ]
	[[ "$(ledger 1.0-rehearsal | jq -r '.steps["publish-changelog"].hook.request')" == "POST $LAB_URL/changelog"*"Authorization: Bearer ***"* ]]
	ok cristina report 1.0-rehearsal
	[ "${lines[0]}" = "# REHEARSAL Delegation lab 1.0-rehearsal: release record" ]
	ok cristina remind --release 1.0-rehearsal
	has "1.0-rehearsal: a rehearsal; nobody is reminded of it"

	at 2024-03-19T09:00:00Z
	ok cristina start 1.0
	[[ "$output" != *"REHEARSAL"* ]] || { echo "$output"; false; }
	play_lab 1.0 jan
	[ "$(deliveries chat /changelog)" -eq 1 ]
	[ "$(deliveries chat /blog)" -eq 1 ]
	[ "$(ledger 1.0 | jq -r '[.events[] | select(.op == "hook") | .result.outcome] | join(",")')" = delivered,delivered ]
	# Stats: durations and doers from the real release; the rehearsal is practice.
	[ "$(stats_json '.releases')" -eq 1 ]
	[ "$(stats_json '.shadowing.rehearsals')" -eq 1 ]
	[ "$(stats_json '.shadowing.steps[] | select(.id == "build") | [.done_by, .practised_by] | tostring')" = '[["jan"],["shalom"]]' ]
	[ "$(stats_json '.steps[] | select(.id == "build") | .people | keys | join(",")')" = jan ]
	ok cristina verify
	secrets_absent "$LAB_TOKEN"
	schema_valid
}

@test "a rehearsal stays one: a delivered hook written into it with plain git is refused by verify" {
	lab
	at 2024-03-18T09:00:00Z
	ok cristina start 1.0-rehearsal --rehearsal
	ok jan claim build
	ok jan done build
	ok jan claim notes
	ok jan done notes
	ok maria claim test
	ok maria done test
	ok cristina claim publish-changelog
	# A commit that claims the rehearsal's hook was delivered, written with plain git.
	ledger 1.0-rehearsal |
		jq '.events += [{"id": "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0", "time": "2024-03-18T09:10:00Z", "actor": "cristina", "op": "hook", "step": "publish-changelog", "candidate": 1, "result": {"outcome": "delivered"}}]' \
			>"$TEST_TMP/doc.json"
	blob=$(git hash-object -w "$TEST_TMP/doc.json")
	GIT_INDEX_FILE="$TEST_TMP/index" git read-tree relctl-ledger
	GIT_INDEX_FILE="$TEST_TMP/index" git update-index --cacheinfo "100644,$blob,releases/1.0-rehearsal.json"
	tree=$(GIT_INDEX_FILE="$TEST_TMP/index" git write-tree)
	git update-ref refs/heads/relctl-ledger "$(git commit-tree "$tree" -p relctl-ledger -m "cristina ran the changelog hook")"
	run relctl verify
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	has "1.0-rehearsal is a rehearsal: its hook publish-changelog is recorded as a dry run, never sent"
}
