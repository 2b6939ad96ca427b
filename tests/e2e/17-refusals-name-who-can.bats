#!/usr/bin/env bats
# A refusal is a signpost: its one line names who can do what was refused,
# or the command that gets past it, never advice the person cannot follow
# or the command they just ran.  A small team: alex is the only release
# manager (and a dev), kim a dev, lee support, sam the product owner.  The
# test step is reviewed by a release manager, so alex doing it himself is
# the trap whose way out the refusal must name.

bats_require_minimum_version 1.5.0
load helper

V=1.0

setup() {
	setup_repo
	cat >"$TEST_TMP/team.yaml" <<'EOF'
relctl: 1
name: Small team
roles: [release-manager, product-owner, dev, support]
people:
  - {id: alex, name: Alex, email: alex@example.com, roles: [release-manager, dev]}
  - {id: kim, name: Kim, email: kim@example.com, roles: [dev]}
  - {id: lee, name: Lee, email: lee@example.com, roles: [support]}
  - {id: sam, name: Sam, email: sam@example.com, roles: [product-owner]}
phases:
  - id: testing
    steps:
      - {id: build, title: Build, owner: dev, instructions: Build it.}
      - {id: plan, title: Plan the tests, owner: support, updates: [build], instructions: Plan them.}
      - {id: test, title: Test, owner: dev, needs: [build], review: release-manager, instructions: Test it.}
      - {id: decide, title: Decide, kind: decision, owner: product-owner, needs: [test], inputs: [dev, support], instructions: Decide.}
EOF
	export RELCTL_USER=alex
	relctl init --playbook "$TEST_TMP/team.yaml" >/dev/null
	relctl start "$V" >/dev/null
}

teardown() {
	cleanup_repo
}

# refused CODE MESSAGE PERSON ARGS...: exit CODE, exactly the one line
# "relctl: MESSAGE" on stderr, nothing on stdout, and the ledger unmoved.
refused() {
	local code=$1 message=$2 who=$3 tip
	shift 3
	tip=$(git rev-parse relctl-ledger)
	run --separate-stderr as "$who" "$@"
	[ "$status" -eq "$code" ] || { echo "relctl $* (as $who): wanted exit $code, got $status: $stderr"; return 1; }
	same "relctl: $message" "$stderr"
	same "" "$output"
	[ "$(git rev-parse relctl-ledger)" = "$tip" ] || { echo "a refused command moved the ledger"; return 1; }
}

@test "a done step's checklist: the product owner hears who may change it; the holder of a step that updates it, who may reopen it" {
	as kim claim build >/dev/null
	as kim done build >/dev/null
	refused 77 "sam cannot add an item to build's checklist: a dev (alex, kim), a release manager (alex) or whoever holds plan can" \
		sam checklist add build "boots on a Pi 3"
	refused 77 "sam cannot reopen build: it needs the role dev; ask a dev (alex, kim) or a release manager (alex)" \
		sam reopen build --reason "one more case"
	as lee claim plan >/dev/null
	refused 65 "cannot add an item to build: it is already done; ask a dev (alex, kim) or a release manager (alex) to 'relctl reopen build --reason TEXT' first" \
		lee checklist add build "boots on a Pi 3"
	refused 65 "cannot add an item to build: it is already done; 'relctl reopen build --reason TEXT' first" \
		kim checklist add build "boots on a Pi 3"
}

@test "init --remote with a remote that does not exist says how to add it and which there are" {
	refused 78 "there is no git remote \"nosuch\" (this repository has none); add it with 'git remote add nosuch URL'" \
		alex init --remote nosuch
	git remote add origin "$TEST_TMP/nowhere.git"
	git remote add upstream "$TEST_TMP/elsewhere.git"
	refused 78 "there is no git remote \"nosuch\" (this repository has origin, upstream); add it with 'git remote add nosuch URL'" \
		alex init --remote nosuch
}

@test "review of a claimed step names the holder, who must finish it first" {
	as kim claim build >/dev/null
	as kim done build >/dev/null
	as kim claim test >/dev/null
	refused 65 "test is claimed by kim, not waiting for review; kim runs 'relctl done test' first" alex review test approve
	refused 65 "test is claimed by kim, not waiting for review; 'relctl done test' first" kim review test approve
}

@test "input from someone without the roles asked names every role asked and who holds it" {
	refused 77 "the decision asks input from dev (alex, kim), support (lee); sam holds none of those roles, so one of them gives it with 'relctl input --note TEXT'" \
		sam input --note "customers are waiting"
}

@test "the only release manager reviewing his own step is told the way out, and it works" {
	as alex claim build >/dev/null
	as alex done build >/dev/null
	as alex claim test >/dev/null
	as alex done test >/dev/null
	refused 77 "alex cannot review their own work on test, and nobody else has the role release-manager; 'relctl reopen test --reason TEXT' lets another dev (kim) do it, for alex to review" \
		alex review test approve
	refused 77 "kim cannot review test: it needs the role release-manager; ask a release manager (alex)" kim review test approve
	as alex reopen test --reason "kim tests it, alex reviews" >/dev/null
	as kim claim test >/dev/null
	as kim done test >/dev/null
	run as alex review test approve
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(ledger "$V" | jq -r '.steps.test | "\(.state) \(.done_by) \(.review.by)"')" = "done kim alex" ]
}

@test "role refusals name the people once, with no 'a release-manager or the release manager'" {
	refused 77 "alex cannot claim plan: it needs the role support; 'relctl assign plan PERSON' gives it to a support (lee)" alex claim plan
	refused 77 "kim cannot claim plan: it needs the role support; ask a support (lee) to claim it, or a release manager (alex) to assign it to one of them ('relctl assign plan lee')" \
		kim claim plan
	as lee claim plan >/dev/null
	refused 77 "kim cannot unclaim plan: it is held by lee; only they or a release manager (alex) can" kim unclaim plan
	as kim finding add "Boot loops on a Pi 3" --severity major >/dev/null
	f=$(ledger "$V" | jq -r '.findings[0].id')
	refused 77 "kim cannot set a finding's customer impact: that is the support role's call; ask a support (lee)" \
		kim finding update "$f" --impact "Pi 3 owners"
	refused 77 "lee cannot set a finding's estimate or risk: that is the dev role's call; ask a dev (alex, kim)" \
		lee finding update "$f" --estimate 2h
}
