#!/usr/bin/env bats
# Two gates in one playbook, played from two clones of one bare remote: the
# release manager's go/no-go on the build (clone a, cristina) and the
# product owner's ship decision after the tests (clone b, michael), each
# with its own inputs and on_delay.  While both are open, decide and input
# name their gate with --step (one usage line listing them, 64); each
# gate's brief goes stale on its own; only a gate's owner decides it; a
# delay at the second gate starts the next candidate, where the only open
# gate needs no --step.  Read back from the ledger branch with jq.

bats_require_minimum_version 1.5.0

load helper
load sync

V=2.6.3

setup() {
	setup_repo
	cat >"$TEST_TMP/gates.yaml" <<'EOF'
relctl: 1
name: Gates
roles: [release-manager, product-owner, dev, support]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: michael, name: Michael, email: michael@example.com, roles: [product-owner]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: maria, name: Maria, email: maria@example.com, roles: [support]}
phases:
  - id: candidate
    steps:
      - {id: build, title: Build the candidate, owner: dev, estimate: 2h}
      - {id: go, title: Go or no-go on the build, kind: decision, owner: release-manager, inputs: [dev],
         needs: [build], on_delay: [build]}
      - {id: test, title: Test the candidate, owner: support, needs: [build], estimate: 3h}
      - {id: ship, title: Ship or delay, kind: decision, owner: product-owner, inputs: [support],
         needs: [test], on_delay: [build, test]}
  - id: publishing
    steps:
      - {id: publish, title: Publish the release, owner: dev, estimate: 1h}
EOF
}

teardown() {
	servers_stop
	cleanup_repo
}

# The remote's release file, through jq.
rj() {
	remote_ledger "$REMOTE" "$V" | jq -r "$@"
}

# runs PERSON ARGS...: relctl as PERSON succeeds.
runs() {
	run as "$@"
	[ "$status" -eq 0 ] || { echo "relctl ${*:2} (as $1) failed with $status: $output"; false; }
}

# refused CODE TEXT PERSON ARGS...: relctl fails with CODE, one line containing TEXT, and the remote did not move.
refused() {
	local code=$1 text=$2 tip
	shift 2
	tip=$(remote_tip)
	run as "$@"
	[ "$status" -eq "$code" ] || { echo "wanted $code, got $status: $output"; false; }
	[[ "$output" == *"$text"* ]] || { echo "wanted \"$text\" in: $output"; false; }
	[ "${#lines[@]}" -eq 1 ] || { echo "wanted one line: $output"; false; }
	[ "$(remote_tip)" = "$tip" ]
}

@test "two gates from two clones: --step while both are open, each gate's owner, inputs and stale brief on their own, a delay at the second gate, the only open gate needs no --step" {
	serve path team
	clone_into a "$URL"
	cd "$TEST_TMP/a"
	run relctl lint "$TEST_TMP/gates.yaml"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	relctl init --playbook "$TEST_TMP/gates.yaml" >/dev/null
	relctl start "$V" >/dev/null
	as jan claim build >/dev/null
	as jan done build >/dev/null
	as maria claim test >/dev/null
	as maria done test >/dev/null
	clone_into b "$URL"
	git -C "$TEST_TMP/b" config user.email michael@example.com

	# Michael's clone: both gates are open.
	cd "$TEST_TMP/b"
	runs michael sync
	refused 64 "relctl: release $V has several decisions open (go, ship); name one with --step STEP" \
		michael decide ship --reason "tests pass"
	refused 64 "several decisions open (go, ship)" maria input --note "no customer reports"
	refused 64 "release $V has no decision step \"test\"" maria input --step test --note "no customer reports"
	# Each owner is told of their gate, with its --step.
	runs michael next
	[[ "$output" == *"Ship or delay (rc1): read 'relctl brief --step ship', then 'relctl decide ship|delay|abort --step ship --reason TEXT'"* ]]
	[[ "$output" != *"Go or no-go"* ]]
	runs cristina next
	[[ "$output" == *"read 'relctl brief --step go'"* ]]
	runs maria input --step ship --note "no customer reports"
	[ "$(rj '.events[-1] | "\(.op) \(.step) \(.role)"')" = "input ship support" ]
	# The brief names its gate; michael reads ship's.
	runs michael brief --step ship
	[[ "$output" == *'Gate `ship`, to be decided by the product-owner role: `relctl decide ship|delay|abort --step ship --reason TEXT`'* ]]
	[[ "$output" == *"maria"* ]]
	runs michael brief --step ship --json
	[ "$(jq -r .decision_step <<<"$output")" = ship ]
	[ "$(jq -r '.inputs | map(.role) | join(",")' <<<"$output")" = support ]

	# Cristina's clone: her go/no-go brief goes stale with jan's input to go.
	cd "$TEST_TMP/a"
	runs cristina sync
	runs cristina brief --step go
	[[ "$output" == *'Gate `go`'* ]]
	runs jan input --step go --note "the build is reproducible"
	[ "$(rj '.events[-1] | "\(.op) \(.step) \(.role)"')" = "input go dev" ]
	refused 77 "cristina cannot decide ship: only a product-owner can" cristina decide ship --step ship --reason "mine"
	refused 75 "the brief of $V at go changed since this clone last showed it" \
		cristina decide ship --step go --reason "go"
	runs cristina brief --step go
	runs cristina decide ship --step go --reason "go"
	[ "$(rj '.events[-1] | "\(.op) \(.step) \(.decision)"')" = "decide go ship" ]
	[ "$(rj .steps.go.state)" = done ]
	[ "$(rj .steps.ship.state)" = ready ]

	# Michael decides on the brief he read before go's input and decision: ship's did not change.
	cd "$TEST_TMP/b"
	refused 77 "michael cannot decide go: only a release-manager can" michael decide abort --step go --reason "no"
	runs michael decide delay --step ship --reason "one more build"
	[ "$(rj '.events[-1] | "\(.op) \(.step) \(.decision) \(.candidate)"')" = "decide ship delay 1" ]
	[ "$(rj .candidate)" = 2 ]
	[ "$(rj '[.steps.build.state, .steps.test.state, .steps.go.state, .steps.ship.state] | join(" ")')" = \
		"ready pending done pending" ]

	# Candidate 2: the only open gate is ship, and --step may be left out.
	as jan claim build >/dev/null
	as jan done build >/dev/null
	as maria claim test >/dev/null
	as maria done test >/dev/null
	refused 65 "the decision still needs input from support" michael decide ship --reason "fixed"
	runs maria input --note "still no customer reports"
	[ "$(rj '.events[-1] | "\(.op) \(.step) \(.candidate)"')" = "input ship 2" ]
	runs michael brief
	[[ "$output" == *'Gate `ship`'* ]]
	runs michael decide ship --reason "fixed"
	[ "$(rj '.events[-1] | "\(.op) \(.step) \(.decision) \(.candidate)"')" = "decide ship ship 2" ]
	[ "$(rj '[.steps.go.state, .steps.ship.state] | join(" ")')" = "done done" ]
	# Every decide and input names its gate; clone a takes it all.
	[ "$(rj '[.events[] | select(.op == "decide" or .op == "input") | .step] | join(",")')" = "ship,go,go,ship,ship,ship" ]
	cd "$TEST_TMP/a"
	runs cristina sync
	same_as_remote
	runs cristina verify
	# The ledger, with its gates named in step, is what docs/ledger.schema.json says.
	schema_valid
	# The report names each decision's gate.
	runs cristina report "$V" --format md
	[[ "$output" == *"rc1: **ship** at go by cristina"* ]]
	[[ "$output" == *"rc1: **delay** at ship by michael"* ]]
}

@test "a playbook with one decision step writes decide and input events without a step, as before" {
	sed -e '/id: go,/,+1d' "$TEST_TMP/gates.yaml" >"$TEST_TMP/one.yaml"
	relctl init --playbook "$TEST_TMP/one.yaml" >/dev/null
	relctl start "$V" >/dev/null
	as jan claim build >/dev/null
	as jan done build >/dev/null
	as maria claim test >/dev/null
	as maria done test >/dev/null
	as maria input --note "fine" >/dev/null
	as michael decide ship --reason "fine" >/dev/null
	[ "$(ledger "$V" | jq -c '[.events[] | select(.op == "decide" or .op == "input") | has("step")]')" = "[false,false]" ]
	# --step names it all the same.
	run as michael decide ship --step go --reason "again"
	[ "$status" -eq 64 ] || { echo "$output"; false; }
	[[ "$output" == *"release $V has no decision step \"go\""* ]]
}
