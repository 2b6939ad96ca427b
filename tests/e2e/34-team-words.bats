#!/usr/bin/env bats
# A team whose words are not TinyPilot's: its findings are critical, major,
# minor or deferred, its customer-success role (not "support") weighs a
# finding's impact, and its successive candidates are builds ("build 2",
# not "rc2").  The ledger's rules, the commands' hints, the brief's columns
# and title and the commit messages all speak the playbook's words; a
# playbook that says none of this means what it always meant.

bats_require_minimum_version 1.5.0

load helper

V=4.1.0

setup() {
	setup_repo
	cat >"$TEST_TMP/words.yaml" <<'YAML'
relctl: 1
name: Harbor
roles: [release-manager, product-owner, dev, support, customer-success]
people:
  - {id: cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: michael, email: michael@example.com, roles: [product-owner]}
  - {id: jan, email: jan@example.com, roles: [dev]}
  - {id: david, email: david@example.com, roles: [support]}
  - {id: maria, email: maria@example.com, roles: [customer-success]}
candidate: {label: build}
findings:
  severities: [critical, major, minor, deferred]
  impact_by: [customer-success]
phases:
  - id: test
    steps:
      - {id: build, title: Build the candidate, owner: dev, instructions: make}
      - {id: decide, title: Ship or not, kind: decision, owner: product-owner, needs: [build], on_delay: [build]}
YAML
	"$RELCTL" init --playbook "$TEST_TMP/words.yaml" >/dev/null
	"$RELCTL" start "$V" >/dev/null
}

teardown() {
	cleanup_repo
}

finding_id() {
	printf '%s\n' "$output" | sed -n 's/.* finding \(F-[0-9a-f]*\): .*/\1/p' | head -1
}

@test "findings take the playbook's severities and its impact_by role, in the rules, the hints and the brief" {
	run -64 as jan finding add "Installer hangs" --severity blocker
	same "relctl: a finding's --severity is critical, major, minor or deferred" "$output"
	run -64 as jan finding add "Installer hangs"
	same "relctl: a finding needs --severity critical|major|minor|deferred" "$output"
	run as jan finding add "Installer hangs" --severity critical
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	F=$(finding_id)
	has "next: a dev (jan) adds 'relctl finding update $F --estimate 4h --risk low'; a customer-success (maria) adds --impact TEXT"
	# support has no say on the impact here; customer-success has.
	run -77 as david finding update "$F" --impact "nobody"
	same "relctl: david cannot set a finding's customer impact: that is the customer-success role's call; ask a customer-success (maria)" "$output"
	run as maria finding update "$F" --impact "3 enterprise customers use it"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run -77 as maria finding update "$F" --estimate 4h
	has "that is the dev role's call; ask a dev (jan)"
	run as jan finding update "$F" --estimate 4h --risk low
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run as michael brief
	has "| ID | Severity | Finding | Found in | Fix estimate (dev) | Risk (dev) | Customer impact (customer-success) | Evidence | Status |"
	has "| $F | critical | Installer hangs | - build 1 | 4h | low | 3 enterprise customers use it |"
	has "(1 open, 1 critical)"
	same "critical" "$(ledger "$V" | jq -r '.findings[0].severity')"
	schema_valid
}

@test "a delay starts build 2: the messages, the brief's title and the report say build, never rc" {
	as jan claim build >/dev/null
	as jan done build >/dev/null
	run as michael brief
	has "# Decision brief: Harbor $V, build 1"
	has "## Testing (build 1)"
	has "- **Delay**: build 2 after"
	run as michael decide delay --reason "the installer hangs"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	same "michael decided to delay $V build 1; the next candidate begins" "$(git log -1 --format=%s relctl-ledger)"
	as jan claim build >/dev/null
	same "jan claimed build ($V build 2)" "$(git log -1 --format=%s relctl-ledger)"
	run as michael brief
	has "# Decision brief: Harbor $V, build 2"
	has "## Testing (build 2)"
	has "- build 1: **delay** by michael"
	run "$RELCTL" status
	has "build 2"
	run "$RELCTL" releases
	has "$V"
	has " build 2 "
	run "$RELCTL" stats --json
	same "build 1" "$(jq -r '.by_release[0].delays[0].label' <<<"$output")"
	run "$RELCTL" report "$V"
	has "- Status: **open**, build 2"
	has "## Steps (build 2)"
	run bash -c 'git log --format=%s relctl-ledger; "$1" status; "$1" releases; "$1" report "$2"; RELCTL_USER=michael "$1" brief' _ "$RELCTL" "$V"
	[[ "$output" != *rc[0-9]* && "$output" != *"release candidate"* ]] || { echo "$output"; false; }
}

@test "a team whose release lead is not called release-manager: managers names the role, the rules and messages follow it" {
	cat >"$TEST_TMP/lead.yaml" <<'YAML'
relctl: 1
name: Heron
roles: [release-lead, core-dev, steering]
managers: [release-lead]
people:
  - {id: thea, email: thea@example.com, roles: [release-lead]}
  - {id: hugo, email: hugo@example.com, roles: [core-dev]}
  - {id: ines, email: ines@example.com, roles: [core-dev]}
  - {id: sara, email: sara@example.com, roles: [steering]}
phases:
  - id: test
    steps:
      - {id: build, title: Build, owner: core-dev, instructions: make}
      - {id: docs, title: Docs, owner: core-dev, instructions: make docs}
      - {id: go, title: Green light, kind: decision, owner: steering, needs: [build, docs], instructions: Read the brief}
YAML
	run relctl lint "$TEST_TMP/lead.yaml"
	[ "$status" -eq 0 ] && [[ "$output" != *warning* ]] || { echo "$output"; false; }
	cd "$TEST_TMP" && rm -rf lead && git init -q lead && cd lead
	git commit -q --allow-empty -m init
	RELCTL_USER=thea "$RELCTL" init --playbook "$TEST_TMP/lead.yaml" >/dev/null
	run -77 as hugo start 2.0.0
	same "relctl: hugo cannot start a release: only a release-lead can" "$output"
	run as thea start 2.0.0
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# The lead assigns and skips; a core developer may not, and the refusal names the lead.
	run as thea assign build hugo
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run -77 as ines unclaim build
	same "relctl: ines cannot unclaim build: it is held by hugo; only they or a release manager (thea) can" "$output"
	run -77 as ines skip docs --reason "no docs change"
	has "only a release manager can skip steps"
	run as thea skip docs --reason "no docs change"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# The gate is the steering role's, named in its words.
	run -65 as thea claim go
	same "relctl: go is the steering's decision; it is made with 'relctl decide ship|delay|abort --reason TEXT'" "$output"
	run -65 as thea skip go --reason x
	same "relctl: the decision cannot be skipped; the steering decides with 'relctl decide ship|delay|abort --reason TEXT'" "$output"
	[ "$(ledger 2.0.0 | jq -r '.steps.docs.state + " " + .steps.build.holder')" = "skipped hugo" ]
}
