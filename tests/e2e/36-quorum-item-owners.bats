#!/usr/bin/env bats
# Quorum reviews and checklist item owners, played from two clones of one
# bare remote by five people at a fixed clock: a build that needs two dev
# approvals (the doer refused, the same reviewer twice refused, "1 of 2
# approvals" in next, status and show, done after the second), and a
# release manager's step whose item only the Windows expert checks (the
# holder refused naming who can, next telling the expert, done waiting for
# the item).  Each result is read back with jq from the ledger branch.

bats_require_minimum_version 1.5.0
load helper
load hooks
load sync

setup() {
	setup_repo
	: >"$TEST_TMP/outputs"
	cat >"$TEST_TMP/quorum.yaml" <<'YAML'
relctl: 1
name: Quorum lab
roles: [release-manager, dev, windows]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: shalom, name: Shalom, email: shalom@example.com, roles: [dev]}
  - {id: mira, name: Mira, email: mira@example.com, roles: [dev]}
  - {id: wes, name: Wes, email: wes@example.com, roles: [windows]}
phases:
  - id: testing
    steps:
      - {id: build, title: Build the candidate, owner: dev, instructions: Build it., review: {role: dev, count: 2}}
      - id: notes
        title: Write the notes
        owner: release-manager
        instructions: Write them.
        checklist:
          - {id: win, text: The Windows installer starts, owner: windows}
          - {id: mac, text: The Mac build opens}
YAML
}

teardown() {
	servers_stop
	cleanup_repo
}

ok() { # PERSON ARGS...: relctl as PERSON must succeed; output in $output
	relrun "$@"
	expect 0
}

# team: a bare remote, clone a (the ledger started there) and clone b.
team() {
	serve path team
	clone_into a "$URL"
	clone_into b "$URL"
	cd "$TEST_TMP/a"
	relctl init --playbook "$TEST_TMP/quorum.yaml" >/dev/null
	relctl lint "$TEST_TMP/quorum.yaml" >/dev/null
	ok cristina start 1.0
	(cd "$TEST_TMP/b" && relctl sync >/dev/null)
}

@test "a step reviewed by two devs: not by its doer, not twice by one, 1 of 2 shown, done after the second, across two clones" {
	team
	ok jan claim build
	ok jan done build
	relrun jan review build approve
	expect 77
	has "jan cannot review their own work on build"

	cd "$TEST_TMP/b"
	ok shalom sync
	ok shalom review build approve
	relrun shalom review build approve
	expect 65
	same "relctl: shalom already approved build (1 of 2 approvals); it waits for another dev" "$output"
	[ "$(ledger 1.0 | jq -c '.steps.build | [.state, .review.count, .review.approvals]')" = '["in-review",2,["shalom"]]' ]
	ok mira next
	has "done by jan; 1 of 2 approvals -> relctl review build approve|reject --note TEXT"
	ok cristina next
	has "done by jan; waits for a dev to review (1 of 2 approvals)"
	ok mira status
	has "1 of 2 approvals"
	ok mira show build
	has "review: by a dev (1 of 2 approvals) - approve by shalom"
	[ "$(as mira status --json | jq -r '.phases[0].steps[0].approvals')" = "1 of 2 approvals" ]

	cd "$TEST_TMP/a"
	ok mira sync
	ok mira review build approve
	[ "$(ledger 1.0 | jq -c '.steps.build | [.state, .review.by, .review.approvals]')" = '["done","mira",["shalom","mira"]]' ]
	[ "$(ledger 1.0 | jq -r '[.events[] | select(.op == "review") | .actor] | join(" ")')" = "shalom mira" ]
	relrun shalom review build approve
	expect 65
	schema_valid
}

@test "an item with an owner: its role checks it, the holder is refused naming who can, next tells the owner, done waits for it" {
	team
	ok cristina claim notes
	relrun cristina check notes win pass
	expect 77
	same "relctl: cristina cannot check item win of notes: it needs the role windows; ask a windows (wes)" "$output"
	ok cristina check notes mac pass
	relrun cristina done notes
	expect 65
	has "1 of 2 items has no result: win"

	cd "$TEST_TMP/b"
	ok wes sync
	ok wes next
	has "item win of notes waits for you -> relctl check notes win pass|fail|na"
	[ "$(as wes next --json | jq -c '[.check_items[] | [.id, .item]]')" = '[["notes","win"]]' ]
	ok jan next
	[[ "$output" != *"waits for you"* ]] || false
	relrun jan check notes win pass
	expect 77
	ok wes check notes win pass
	ok wes next
	[[ "$output" != *"item win of notes"* ]] || false

	cd "$TEST_TMP/a"
	ok cristina sync
	ok cristina done notes
	[ "$(ledger 1.0 | jq -c '.steps.notes.checklist.items | map([.id, .owner, .result, .by])')" = '[["win","windows","pass","wes"],["mac",null,"pass","cristina"]]' ]
	[ "$(ledger 1.0 | jq -r '.steps.notes.state')" = done ]
	schema_valid
}

@test "an item added for this release with --owner: its role checks it, the holder may not, next tells the owner" {
	team
	ok cristina claim notes
	relrun cristina checklist add notes "The ARM64 installer starts" --id arm --owner windos
	expect 64
	same "relctl: --owner names the unknown role \"windos\"; see 'relctl playbook show'" "$output"
	ok cristina checklist add notes "The ARM64 installer starts" --id arm --owner windows
	[ "$(ledger 1.0 | jq -c '.steps.notes.checklist.items[2] | [.id, .owner, .added_by]')" = '["arm","windows","cristina"]' ]
	relrun cristina check notes arm pass
	expect 77
	same "relctl: cristina cannot check item arm of notes: it needs the role windows; ask a windows (wes)" "$output"
	cd "$TEST_TMP/b"
	ok wes sync
	ok wes next
	has "item arm of notes waits for you"
	ok wes check notes arm pass
	ok wes check notes win pass
	cd "$TEST_TMP/a"
	ok cristina sync
	ok cristina check notes mac pass
	ok cristina done notes
	[ "$(ledger 1.0 | jq -c '.steps.notes.checklist.items | map([.id, .result, .by])')" = '[["win","pass","wes"],["mac","pass","cristina"],["arm","pass","wes"]]' ]
	schema_valid
}
