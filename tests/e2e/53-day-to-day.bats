#!/usr/bin/env bats
# The day-to-day of a small team whose process is not TinyPilot's: every
# message relctl prints is true of the state it describes, and every command
# it suggests would succeed for the person it is offered to.

bats_require_minimum_version 1.5.0
load helper

setup() {
	setup_repo
	cat >"$TEST_TMP/team.yaml" <<'YAML'
relctl: 1
name: Four of us
roles: [release-manager, owner, builder, writer]
people:
  - {id: lee, name: Lee, email: lee@example.com, roles: [release-manager, builder]}
  - {id: ola, name: Ola, email: ola@example.com, roles: [owner]}
  - {id: bo, name: Bo, email: bo@example.com, roles: [builder]}
  - {id: wu, name: Wu, email: wu@example.com, roles: [writer]}
phases:
  - id: deciding
    steps:
      - {id: build, title: Build it, owner: builder}
      - {id: draft-notes, title: Draft the notes, owner: writer}
      - id: go
        title: Go or no go
        kind: decision
        owner: owner
        needs: [build]
        on_delay: [build]
  - id: shipping
    steps:
      - {id: upload, title: Upload it, owner: builder}
YAML
	as lee init --playbook "$TEST_TMP/team.yaml" >/dev/null
	as lee start 1.0 >/dev/null
}

teardown() {
	cleanup_repo
}

@test "a ship while a step of the gate's phase is open says which, not that the next phase is open" {
	as bo claim build >/dev/null
	as bo done build >/dev/null
	run as ola decide ship --reason "looks good"
	[ "$status" -eq 0 ]
	has "ola decided to ship 1.0"
	has "next: draft-notes of the deciding phase is still open; 'relctl next' shows who does it"
	[[ "$output" != *"shipping phase is open"* ]] || false
	# What it said is true: the next phase's step cannot be claimed yet.
	run as bo claim upload
	[ "$status" -eq 65 ]
	as wu claim draft-notes >/dev/null
	run as wu done draft-notes
	[ "$status" -eq 0 ]
	as bo claim upload >/dev/null
}

@test "a ship that finishes the gate's phase says the next phase is open" {
	as wu claim draft-notes >/dev/null
	as wu done draft-notes >/dev/null
	as bo claim build >/dev/null
	as bo done build >/dev/null
	run as ola decide ship --reason "looks good"
	[ "$status" -eq 0 ]
	has "next: the shipping phase is open; 'relctl next' shows who does what"
	as bo claim upload >/dev/null
}

@test "late work on a finished release names it, and the --release it suggests works" {
	for s in build draft-notes; do
		who=bo; [ "$s" = draft-notes ] && who=wu
		as $who claim $s >/dev/null
		as $who done $s >/dev/null
	done
	as ola decide ship --reason ok >/dev/null
	as bo claim upload >/dev/null
	as bo done upload >/dev/null
	[ "$(git show relctl-ledger:releases/1.0.json | jq -r .status)" = complete ]
	before=$(git rev-parse relctl-ledger)
	run as lee reopen upload --reason "the mirror lost the file"
	[ "$status" -eq 66 ]
	same "relctl: no release is open; the latest, 1.0, is complete: add --release 1.0 to change it, or start one with 'relctl start VERSION'" "$output"
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	run as lee reopen upload --reason "the mirror lost the file" --release 1.0
	[ "$status" -eq 0 ]
	[ "$(git show relctl-ledger:releases/1.0.json | jq -r '.steps.upload.state')" = ready ]
}

@test "a clone that has not synced since the release started is told its copy is old, and how to fetch the team's" {
	load sync
	remote=$(make_remote team)
	# The team's ledger before any release: lee's repository is the first.
	rm -rf "$REPO" && mkdir -p "$REPO" && cd "$REPO" && git init -q && git config user.email lee@example.com
	git commit -q --allow-empty -m base
	git remote add origin "$remote"
	git push -q origin HEAD:refs/heads/main
	# A clone made before the ledger existed: sync, not init, is the way in.
	clone_into early "$remote"
	as lee init --playbook "$TEST_TMP/team.yaml" --remote origin >/dev/null
	cd "$TEST_TMP/early"
	run as bo next
	[ "$status" -eq 78 ]
	same "relctl: this clone has no relctl ledger yet: run 'relctl sync' to take the team's from \"origin\", or, if the team has none, 'relctl init --playbook FILE'" "$output"
	as bo sync >/dev/null
	# Later the team starts 1.0, and this clone does not hear of it for an hour.
	cd "$REPO"
	as lee start 1.0 >/dev/null
	cd "$TEST_TMP/early"
	git config relctl.lastSync 2024-03-19T09:00:00Z # an hour before RELCTL_NOW
	run as bo next
	[ "$status" -eq 66 ]
	same "relctl: no release is open; start one with 'relctl start VERSION' (ledger as of the last exchange with \"origin\", 1h ago: 'relctl sync' fetches the newest)" "$output"
	as bo sync >/dev/null
	run as bo next
	[ "$status" -eq 0 ]
	has "build"
	# The note follows relctl's clock (RELCTL_NOW), as every other time does.
	[ "$(git config relctl.lastSync)" = 2024-03-19T10:00:00Z ]
	run --separate-stderr env RELCTL_NOW=2024-03-19T12:30:00Z RELCTL_USER=bo "$RELCTL" status
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'ledger as of the last exchange with "origin", 2h30m ago'* ]] || { echo "$stderr"; false; }
}

@test "forecast of a finished release says whether its target was met, and names what finished after it" {
	as lee start 2.0 --target 2024-03-19T12:00:00Z >/dev/null
	for s in build draft-notes; do
		who=bo; [ "$s" = draft-notes ] && who=wu
		as $who claim $s --release 2.0 >/dev/null
		as $who done $s --release 2.0 >/dev/null
	done
	as ola decide ship --reason ok --release 2.0 >/dev/null
	as bo claim upload --release 2.0 >/dev/null
	RELCTL_NOW=2024-03-20T09:30:00Z as bo done upload --release 2.0 >/dev/null
	run relctl forecast 2.0
	[ "$status" -eq 0 ]
	has "target 2024-03-19T12:00:00Z was missed by 21h30m; finished after it: upload"
	[[ "$output" != *"late on the critical path"* ]] || false
	[ "$(relctl forecast 2.0 --json | jq -c '.target | [.holds, .slip_seconds, .late_steps]')" = '[false,77400,["upload"]]' ]
	# Finished in time: met, and nothing listed.
	as lee start 3.0 --target 2024-03-21T12:00:00Z >/dev/null
	for s in build draft-notes; do
		who=bo; [ "$s" = draft-notes ] && who=wu
		as $who claim $s --release 3.0 >/dev/null
		as $who done $s --release 3.0 >/dev/null
	done
	as ola decide ship --reason ok --release 3.0 >/dev/null
	as bo claim upload --release 3.0 >/dev/null
	as bo done upload --release 3.0 >/dev/null
	run relctl forecast 3.0
	has "target 2024-03-21T12:00:00Z was met"
}

@test "status keeps its columns when a role or step id is longer than the usual width" {
	sed -e 's/writer/documentation-and-localisation/g' -e 's/draft-notes/draft-the-release-notes-for-translators/g' \
		"$TEST_TMP/team.yaml" >"$TEST_TMP/long.yaml"
	rm -rf "$REPO" && mkdir -p "$REPO" && cd "$REPO" && git init -q && git config user.email lee@example.com
	as lee init --playbook "$TEST_TMP/long.yaml" >/dev/null
	as lee start 1.0 >/dev/null
	as bo claim build >/dev/null
	run relctl status
	[ "$status" -eq 0 ]
	# Every step line has its state starting in the same column, and so the owner.
	states=$(grep -E '^  [a-z-]+ +(ready|claimed|pending) ' <<<"$output" | awk '{ print index($0, " " $2 " ") }' | sort -u | wc -l)
	[ "$states" -eq 1 ]
	owners=$(grep -E '^  [a-z-]+ +(ready|claimed|pending) ' <<<"$output" | awk '{ print index($0, " " $3) }' | sort -u | wc -l)
	[ "$owners" -eq 1 ]
	[ "$(grep -cE '^  [a-z-]+ +(ready|claimed|pending) ' <<<"$output")" -eq 4 ]
}

@test "the report's Note column says a block or reopen reason is one, not the step's note" {
	as bo claim build >/dev/null
	as bo block build --reason "the CI runner is down" >/dev/null
	as wu claim draft-notes >/dev/null
	as wu done draft-notes --note "drafted in the wiki" >/dev/null
	as lee reopen draft-notes --reason "the wiki page was lost" >/dev/null
	run relctl report 1.0 --format md
	[ "$status" -eq 0 ]
	has "| deciding | build | blocked | bo |  | blocked: the CI runner is down |"
	has "| deciding | draft-notes | ready | - |  | reopened: the wiki page was lost |"
	as bo unblock build >/dev/null
	as bo done build --note "built on the spare runner" >/dev/null
	run relctl report 1.0 --format md
	has "built on the spare runner; was blocked: the CI runner is down |"
}

@test "log says what a finding, an input and a decision were; show of the gate lists its inputs and decisions" {
	run as bo finding add "Upload times out" --severity major
	[ "$status" -eq 0 ]
	F=$(printf '%s\n' "$output" | sed -n 's/.* finding \(F-[0-9a-f]*\): .*/\1/p' | head -1)
	[ -n "$F" ]
	as bo claim build >/dev/null
	as bo done build >/dev/null
	as ola decide delay --reason "the upload times out" >/dev/null
	run "$RELCTL" log
	[ "$status" -eq 0 ]
	has "bo         finding-add  $F major  \"Upload times out\""
	has "ola        decide    delay  \"the upload times out\""
	run "$RELCTL" show go
	[ "$status" -eq 0 ]
	[[ "$output" != *"nothing yet"* ]] || { echo "$output"; false; }
	has "ola        decide delay: the upload times out"
	[ "$(as ola show go --json | jq -r '[.history[].op] | join(",")')" = decide ]
}

@test "with the only person of a role away, next and the escalation say so and until when, not that the role can claim it" {
	run as wu away --until 2024-03-22T09:00:00Z
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run as lee next
	[ "$status" -eq 0 ]
	has "draft-notes"
	has "nobody has it; the only writer is away (wu until 2024-03-22T09:00:00Z): give the role to someone else with 'relctl playbook update', or wait"
	[[ "$output" != *"a writer can claim it"* ]] || { echo "$output"; false; }
	# A role with someone here is offered as before.
	has "nobody has it; a builder can claim it, or relctl assign build PERSON"
	# Two days on, remind escalates it the same way (dry run: nothing sent or recorded).
	run env RELCTL_NOW=2024-03-21T10:00:00Z RELCTL_USER=lee "$RELCTL" remind --dry-run
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	has "draft-notes has waited 2d with nobody claiming it: the only writer is away (wu until 2024-03-22T09:00:00Z)"
}

@test "a wrong-role claim is told who to ask, and assign is offered only to people who could take the step" {
	run -77 as wu claim build
	same "relctl: wu cannot claim build: it needs the role builder; ask a builder (lee, bo) to claim it, or a release manager (lee) to assign it to one of them ('relctl assign build lee')" "$output"
	# What it offers works: lee assigns it to bo.
	run as lee assign build bo
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}
