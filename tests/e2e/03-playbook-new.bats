#!/usr/bin/env bats
# A team that starts from nothing: `relctl playbook new` prints a commented
# starter playbook that lints clean, and `relctl init` without a playbook
# says where to get one.

load helper

setup() {
	setup_repo
}

teardown() {
	cleanup_repo
}

@test "each starter playbook lints clean, with no warning, and is the file in playbooks/ byte for byte" {
	local name
	for name in minimal library tinypilot runtime; do
		relctl playbook new --from "$name" >"$TEST_TMP/$name.yaml"
		cmp "$TEST_TMP/$name.yaml" "$ROOT/playbooks/$name.yaml"
		run relctl lint "$TEST_TMP/$name.yaml"
		[ "$status" -eq 0 ]
		[[ "$output" == "$TEST_TMP/$name.yaml: ok: "* ]]
		[[ "$output" != *warning* ]]
		# Commented: a team can read what each part is for.
		[ "$(grep -c '^ *#' "$TEST_TMP/$name.yaml")" -ge 8 ]
	done
}

@test "without --from it is the minimal one; --list names the four; an unknown name is a usage error naming them" {
	run relctl playbook new
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$ROOT/playbooks/minimal.yaml")" ]
	run relctl playbook new --list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" == "minimal "* ]]
	[[ "${lines[1]}" == "library "* ]]
	[[ "${lines[2]}" == "tinypilot "* ]]
	[[ "${lines[3]}" == "runtime "* ]]
	run relctl playbook new --from jira
	[ "$status" -eq 64 ]
	[ "$output" = 'relctl: there is no starter playbook "jira"; use minimal, library, tinypilot, runtime' ]
	run relctl playbook new --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"relctl playbook new > playbook.yaml"* ]]
}

@test "the minimal playbook, with the team's own people, runs a release" {
	relctl playbook new | sed 's/alex@example.com/cristina@example.com/' >playbook.yaml
	run relctl init --playbook playbook.yaml
	[ "$status" -eq 0 ]
	run relctl start 1.0.0
	[ "$status" -eq 0 ]
	run as kim claim build
	[ "$status" -eq 0 ]
	[ "$(ledger 1.0.0 | jq -r '.steps.build.holder')" = kim ]
	[ "$(ledger 1.0.0 | jq -r '.steps.advisory.state')" = skipped ]
}

# playbook.yaml set up by alex, 1.0.0 started, and kim's finding added ($output says what next).
kim_finds_a_bug_in_1_0_0() {
	export RELCTL_USER=alex
	relctl init --playbook playbook.yaml >/dev/null
	relctl start 1.0.0 >/dev/null
	run as kim finding add "The installer hangs on arm64" --severity major
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "the minimal playbook has no trap: support gives a finding its impact, and whichever dev tests, the other reviews" {
	relctl playbook new >playbook.yaml
	kim_finds_a_bug_in_1_0_0
	[[ "$output" == *"next: a dev (alex, kim) adds 'relctl finding update F-"*" --estimate 4h --risk low'; a support (sam) adds --impact TEXT" ]] || { echo "$output"; false; }
	f=$(ledger 1.0.0 | jq -r '.findings[0].id')
	run as sam finding update "$f" --impact "arm64 users cannot upgrade"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(ledger 1.0.0 | jq -r '.findings[0].impact')" = "arm64 users cannot upgrade" ]
	# alex, the only release manager, builds and tests; kim reviews.
	as alex claim build >/dev/null
	as alex done build --evidence https://ci.example.com/1 >/dev/null
	as alex claim test >/dev/null
	as alex done test >/dev/null
	run as kim review test approve
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(ledger 1.0.0 | jq -r '.steps.test | "\(.state) \(.review.by)"')" = "done kim" ]
}

@test "finding add names who adds estimate and impact, and only the roles the playbook has" {
	relctl playbook new | sed 's/roles: \[product-owner, support\]/roles: [product-owner]/; s/^roles: \[release-manager, product-owner, dev, support\]/roles: [release-manager, product-owner, dev]/' >playbook.yaml
	! grep -v '^ *#' playbook.yaml | grep -q support || { grep -n support playbook.yaml; false; }
	kim_finds_a_bug_in_1_0_0
	[[ "$output" == *"next: a dev (alex, kim) adds 'relctl finding update F-"*" --estimate 4h --risk low'" ]] || { echo "$output"; false; }
	[[ "$output" != *support* ]] || { echo "$output"; false; }
}

@test "init without --playbook in a repository with no ledger and no remote says how to get a playbook, and creates nothing" {
	run relctl init
	[ "$status" -eq 64 ]
	[[ "$output" == "relctl: "*"'relctl playbook new > playbook.yaml'"*"'relctl init --playbook playbook.yaml'" ]]
	run git rev-parse --verify -q relctl-ledger
	[ "$status" -ne 0 ]
	[ -z "$(git config --get relctl.branch || true)" ]
	# Once there is a ledger, a plain init is a no-op as before.
	relctl init --playbook "$PLAYBOOK" >/dev/null
	run relctl init
	[ "$status" -eq 0 ]
}
