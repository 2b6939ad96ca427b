#!/usr/bin/env bats
# A TinyPilot release played from the command line by the team of
# playbooks/tinypilot.yaml: cristina (release manager), michael (product
# owner), jan and shalom (dev), david and maria (support), lena (marketing).
# After each step the ledger is read back with git and jq; every rule's
# refusal is checked for its exit code, its message, and that it wrote nothing.

bats_require_minimum_version 1.5.0
load helper

V=2.6.3

setup() {
	setup_repo
}

teardown() {
	cleanup_repo
}

# The TinyPilot playbook, and release 2.6.3 started by cristina (git identity).
tinypilot() {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	relctl start "$V" "$@" >/dev/null
}

# A small playbook for the rules the TinyPilot testing phase cannot reach:
# a wait step, a hook step, and a person with both the doer and reviewer role.
mini() {
	cat >"$TEST_TMP/mini.yaml" <<'EOF'
relctl: 1
name: Mini
roles: [release-manager, dev, support]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: dex, name: Dex, email: dex@example.com, roles: [dev, support]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: david, name: David, email: david@example.com, roles: [support]}
hooks:
  notes: {url: "http://127.0.0.1:9/notes", body: "{{release.version}}"}
phases:
  - id: only
    steps:
      - {id: watch, title: Watch the forum, kind: wait, min_duration: 48h, owner: support, instructions: Watch.}
      - {id: check, title: Check the device, owner: support, review: dev, instructions: Check.}
      - {id: post, title: Post the notes, kind: hook, hook: notes, owner: dev, instructions: Post.}
EOF
	relctl init --playbook "$TEST_TMP/mini.yaml" >/dev/null
	relctl start "$V" >/dev/null
}

# jq over the release file on the ledger branch.
j() {
	ledger "$V" | jq -r "$@"
}

step() { # STEP FIELD
	j ".steps[\"$1\"].$2"
}

absent() { # OBJECT: no such object or ref
	! git cat-file -e "$1" 2>/dev/null
}

last_commit() { # "Author <email>|subject"
	git log -1 --format='%an <%ae>|%s' relctl-ledger
}

# ok PERSON ARGS...: relctl succeeds as PERSON and adds exactly one commit.
ok() {
	local who=$1 n
	shift
	n=$(ledger_commits)
	run as "$who" "$@"
	if [ "$status" -ne 0 ]; then
		echo "relctl $* (as $who) failed with $status: $output"
		return 1
	fi
	if [ "$(ledger_commits)" -ne $((n + 1)) ]; then
		echo "relctl $* (as $who) did not add exactly one commit"
		return 1
	fi
}

# refused CODE TEXT PERSON ARGS...: relctl fails with CODE and a message
# containing TEXT, and the ledger branch and the release file are untouched.
refused() {
	local code=$1 text=$2 who=$3 tip file
	shift 3
	tip=$(git rev-parse relctl-ledger)
	file=$(ledger "$V" | sha256sum)
	run as "$who" "$@"
	if [ "$status" -ne "$code" ]; then
		echo "relctl $* (as $who): wanted exit $code, got $status: $output"
		return 1
	fi
	if [[ "$output" != *"$text"* ]]; then
		echo "relctl $* (as $who): wanted \"$text\" in: $output"
		return 1
	fi
	[ "$(git rev-parse relctl-ledger)" = "$tip" ] || { echo "a refused command moved the ledger"; return 1; }
	[ "$(ledger "$V" | sha256sum)" = "$file" ] || { echo "a refused command changed the file"; return 1; }
}

# Events are the truth: one commit per event (plus init), unique ids.
ledger_is_consistent() {
	local events
	events=$(j '.events | length')
	[ "$(ledger_commits)" -eq $((events + 1)) ] || { echo "commits $(ledger_commits) != events $events + 1"; return 1; }
	[ "$(j '[.events[].id] | unique | length')" -eq "$events" ] || { echo "duplicate event ids"; return 1; }
	# The commit's trailer names the last event.
	[ "$(git log -1 --format=%B relctl-ledger | sed -n 's/^Relctl-Event: //p')" = "$(j '.events[-1].id')" ]
}

@test "init puts the playbook on the ledger branch and start opens the release for everyone" {
	run relctl init --playbook "$PLAYBOOK"
	[ "$status" -eq 0 ]
	[[ "$output" == *"relctl ledger ready on branch relctl-ledger"* ]]
	git cat-file -e relctl-ledger:playbook.yaml
	git cat-file -e relctl-ledger:index.json
	[ "$(git show relctl-ledger:playbook.yaml | sha256sum)" = "$(sha256sum <"$PLAYBOOK")" ]
	[ "$(last_commit)" = 'Cristina <cristina@example.com>|cristina set up relctl with the playbook "TinyPilot Pro" (25 steps)' ]

	run relctl start "$V"
	[ "$status" -eq 0 ]
	[[ "$output" == *"cristina started release 2.6.3 (rc1)"* ]]
	[ "$(last_commit)" = 'Cristina <cristina@example.com>|cristina started release 2.6.3 (rc1) of "TinyPilot Pro"' ]
	[ "$(j .format)" = 1 ]
	[ "$(j .version)" = "$V" ]
	[ "$(j .status)" = open ]
	[ "$(j .started_by)" = cristina ]
	[ "$(j .started)" = 2024-03-19T10:00:00Z ]
	# The release pins the playbook it started with.
	[ "$(j .playbook.blob)" = "$(git hash-object "$PLAYBOOK")" ]
	git cat-file -e "relctl-ledger:playbooks/$(j .playbook.blob).yaml"
	[ "$(j '.events | length')" -eq 1 ]
	[ "$(j '.events[0] | [.actor, .op, .time] | join(" ")')" = "cristina start 2024-03-19T10:00:00Z" ]
	[[ "$(j '.events[0].id')" =~ ^[0-9a-f]{32}$ ]]
	[ "$(j '.steps | length')" -eq 25 ]
	[ "$(step build-rc state)" = ready ]
	[ "$(step build-rc ready_at)" = 2024-03-19T10:00:00Z ]
	[ "$(step test-voyager state)" = pending ]
	[ "$(step publish-release state)" = pending ]
	[ "$(git show relctl-ledger:index.json | jq -r '.releases["2.6.3"].status')" = open ]
	ledger_is_consistent
}

@test "playbook update with the playbook already in force says so and writes nothing (0); a changed one is one commit" {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	tip=$(git rev-parse relctl-ledger)
	run --separate-stderr relctl playbook update "$PLAYBOOK"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "$output" = "" ]
	[ "$stderr" = "relctl: $PLAYBOOK is the playbook already in force; nothing to update" ] || { echo "$stderr"; false; }
	[ "$(git rev-parse relctl-ledger)" = "$tip" ]
	sed 's/^name: TinyPilot Pro$/name: TinyPilot Pro 2/' "$PLAYBOOK" >"$BATS_TEST_TMPDIR/changed.yaml"
	run relctl playbook update "$BATS_TEST_TMPDIR/changed.yaml"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(git rev-list --count "$tip..relctl-ledger")" -eq 1 ]
	[ "$(last_commit)" = 'Cristina <cristina@example.com>|cristina updated the playbook "TinyPilot Pro 2" (25 steps)' ]
}

@test "init on a branch of one's own records it in git config and every command uses it" {
	run relctl init --playbook "$PLAYBOOK" --branch team/releases
	[ "$status" -eq 0 ]
	[ "$(git config relctl.branch)" = team/releases ]
	relctl start "$V" >/dev/null
	as jan claim build-rc >/dev/null
	[ "$(git show team/releases:releases/$V.json | jq -r '.steps["build-rc"].holder')" = jan ]
	absent relctl-ledger
}

@test "a TinyPilot release is played by seven people up to the product owner's decision" {
	tinypilot

	export RELCTL_NOW=2024-03-19T10:05:00Z
	ok jan claim build-rc
	[ "$(last_commit)" = 'Jan <jan@example.com>|jan claimed build-rc (2.6.3 rc1)' ]
	[ "$(step build-rc state)" = claimed ]
	[ "$(step build-rc holder)" = jan ]
	[ "$(step build-rc claimed_at)" = 2024-03-19T10:05:00Z ]
	[ "$(j '.events[-1] | [.actor, .op, .step, .time] | join(" ")')" = "jan claim build-rc 2024-03-19T10:05:00Z" ]

	export RELCTL_NOW=2024-03-19T11:00:00Z
	ok jan done build-rc --note "rc1 is build 8812"
	[ "$(last_commit)" = 'Jan <jan@example.com>|jan finished build-rc (2.6.3 rc1)' ]
	git log -1 --format=%B relctl-ledger | grep -qx 'Note: rc1 is build 8812'
	[ "$(step build-rc state)" = done ]
	[ "$(step build-rc done_by)" = jan ]
	[ "$(step build-rc done_at)" = 2024-03-19T11:00:00Z ]
	[ "$(step build-rc note)" = "rc1 is build 8812" ]
	# run-e2e-tests needed only build-rc: ready from that moment.
	[ "$(step run-e2e-tests state)" = ready ]
	[ "$(step run-e2e-tests ready_at)" = 2024-03-19T11:00:00Z ]

	ok shalom claim update-test-plan
	ok shalom done update-test-plan --note "static IP added"
	[ "$(step test-voyager state)" = ready ]

	# The changelog is read by the release manager before it counts.
	ok shalom claim draft-changelog
	ok shalom done draft-changelog
	[ "$(step draft-changelog state)" = in-review ]
	[ "$(step draft-changelog holder)" = shalom ]
	ok cristina review draft-changelog approve --note "reads well"
	[ "$(last_commit)" = 'Cristina <cristina@example.com>|cristina approved draft-changelog (2.6.3 rc1)' ]
	[ "$(step draft-changelog state)" = done ]
	[ "$(step draft-changelog review.by)" = cristina ]
	[ "$(step draft-changelog review.verdict)" = approve ]

	ok lena claim draft-announcement
	ok lena done draft-announcement --evidence https://docs.example.com/whats-new-2.6.3
	ok jan review draft-announcement approve

	# Device tests: support records each item of the checklist and the screen,
	# a dev reviews the footage of the items whose feature changed.
	export RELCTL_NOW=2024-03-19T13:00:00Z
	ok david claim test-voyager
	pass_items david test-voyager
	ok david done test-voyager --evidence https://videos.example.com/voyager-1 --note "all green"
	[ "$(last_commit)" = 'David <david@example.com>|david finished test-voyager (2.6.3 rc1)' ]
	git log -1 --format=%B relctl-ledger | grep -qx 'Evidence: https://videos.example.com/voyager-1'
	[ "$(step test-voyager state)" = in-review ]
	[ "$(step test-voyager 'evidence | join(",")')" = https://videos.example.com/voyager-1 ]
	ok shalom review test-voyager reject --item static-ip-reach --note "the static IP page is not in the video"
	[ "$(last_commit)" = 'Shalom <shalom@example.com>|shalom rejected static-ip-reach of test-voyager (2.6.3 rc1)' ]
	[ "$(step test-voyager state)" = claimed ]
	[ "$(step test-voyager holder)" = david ]
	[ "$(step test-voyager 'checklist.items[] | select(.id == "static-ip-reach") | .review.note')" = "the static IP page is not in the video" ]
	ok david check test-voyager static-ip-reach pass --evidence https://videos.example.com/voyager-2
	ok david done test-voyager --evidence https://videos.example.com/voyager-1 --evidence https://videos.example.com/voyager-2
	[ "$(step test-voyager 'evidence | length')" -eq 2 ]
	approve_items jan test-voyager
	[ "$(step test-voyager state)" = done ]
	[ "$(step test-voyager done_by)" = david ]
	[ "$(step test-voyager 'checklist.items[] | select(.id == "static-ip-reach") | .review.by')" = jan ]

	ok maria claim test-update
	pass_items maria test-update
	ok maria done test-update --evidence https://videos.example.com/update-1
	approve_items shalom test-update
	ok david claim test-diy
	pass_items david test-diy
	ok david done test-diy --evidence https://videos.example.com/diy-1
	approve_items jan test-diy
	ok jan claim run-e2e-tests
	pass_items jan run-e2e-tests https://ci.example.com/runs/4411
	ok jan done run-e2e-tests --evidence https://ci.example.com/runs/4411

	[ "$(step review-test-results state)" = ready ]
	ok cristina claim review-test-results
	ok cristina done review-test-results --note "brief ready for michael"

	# Everything before the decision is finished; the decision is michael's.
	[ "$(j '[.steps[] | select(.phase == "testing" and .state != "done" and .state != "skipped")] | map(.state) | join(",")')" = ready ]
	[ "$(step decide state)" = ready ]
	refused 65 "decide is a decision: the product owner finishes it with 'relctl decide ship|delay|abort'" michael done decide
	refused 65 "it is made with 'relctl decide ship|delay|abort --reason TEXT'" michael claim decide
	[ "$(step publish-changelog state)" = pending ]

	# 22 step events, 63 checklist results (one item checked twice) and 7 reviews of items.
	[ "$(j '.events | length')" -eq 92 ]
	[ "$(j '[.events[].actor] | unique | join(",")')" = cristina,david,jan,lena,maria,shalom ]
	# Every commit is authored by the event's actor.
	[ "$(git log --format=%ae relctl-ledger | sort -u | tr '\n' ' ')" = "cristina@example.com david@example.com jan@example.com lena@example.com maria@example.com shalom@example.com " ]
	ledger_is_consistent
	schema_valid
}

@test "without --set, draft-advisories and publish-advisories are skipped by the start with the reason" {
	tinypilot
	[ "$(j .vars.security_advisory)" = false ]
	[ "$(step draft-advisories state)" = skipped ]
	[ "$(step draft-advisories reason)" = "skipped by condition: security_advisory is false" ]
	[ "$(step publish-advisories state)" = skipped ]
	[ "$(j '.events | length')" -eq 1 ]
	refused 65 "it is already skipped; 'relctl reopen draft-advisories --reason TEXT' first" jan claim draft-advisories
}

@test "start --set security_advisory=true keeps the advisory steps in the release" {
	tinypilot --set security_advisory=true
	[ "$(j .vars.security_advisory)" = true ]
	[ "$(j .events[0].vars.security_advisory)" = true ]
	[ "$(step draft-advisories state)" = pending ]
	[ "$(step draft-advisories reason)" = null ]
	ok jan claim build-rc
	ok jan done build-rc
	[ "$(step draft-advisories state)" = ready ]
	ok shalom claim draft-advisories
}

@test "start refuses a var the playbook does not declare or a value of the wrong type" {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	run relctl start "$V" --set security_advisory=maybe
	[ "$status" -eq 64 ]
	[[ "$output" == *"security_advisory is a bool: use security_advisory=true or security_advisory=false"* ]]
	run relctl start "$V" --set embargo=true
	[ "$status" -eq 64 ]
	[[ "$output" == *'the playbook has no var "embargo"'* ]]
	[ "$(ledger_commits)" -eq 1 ]
	absent "relctl-ledger:releases/$V.json"
}

@test "starting a version twice is refused and writes nothing" {
	tinypilot
	refused 65 "release 2.6.3 already exists; 'relctl status 2.6.3' shows it" cristina start "$V"
}

@test "only a release manager starts a release (77)" {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	run as jan start "$V"
	[ "$status" -eq 77 ]
	[[ "$output" == *"jan cannot start a release: only a release-manager can"* ]]
	[ "$(ledger_commits)" -eq 1 ]
	absent "relctl-ledger:releases/$V.json"
}

@test "who acts is the git user.email mapped to a person of the playbook" {
	tinypilot
	git config user.email jan@example.com
	git config user.name "Jan on his laptop"
	run relctl claim build-rc
	[ "$status" -eq 0 ]
	[ "$(step build-rc holder)" = jan ]
	# The commit's author is the playbook's person, not the git config name.
	[ "$(last_commit)" = 'Jan <jan@example.com>|jan claimed build-rc (2.6.3 rc1)' ]
}

@test "RELCTL_USER overrides the git identity, by person id or by email" {
	tinypilot
	ok jan claim build-rc
	[ "$(j '.events[-1].actor')" = jan ]
	run env RELCTL_USER=shalom@example.com "$RELCTL" claim update-test-plan
	[ "$status" -eq 0 ]
	[ "$(step update-test-plan holder)" = shalom ]
	[ "$(last_commit)" = 'Shalom <shalom@example.com>|shalom claimed update-test-plan (2.6.3 rc1)' ]
	ledger_is_consistent
}

@test "an unknown identity is refused with 77 and a hint, whether from RELCTL_USER or git" {
	tinypilot
	refused 77 "RELCTL_USER=zoe is not a person of the playbook \"TinyPilot Pro\"; 'relctl playbook show' lists them" zoe claim build-rc
	refused 77 "RELCTL_USER=zoe@example.com is not a person" zoe@example.com claim build-rc

	git config user.email zoe@example.com
	tip=$(git rev-parse relctl-ledger)
	run relctl claim build-rc
	[ "$status" -eq 77 ]
	[[ "$output" == *"your git user.email zoe@example.com is not in the playbook \"TinyPilot Pro\"; add yourself under people, or set RELCTL_USER=ID"* ]]

	git config --unset user.email
	run env HOME="$TEST_TMP" XDG_CONFIG_HOME="$TEST_TMP" GIT_CONFIG_NOSYSTEM=1 "$RELCTL" claim build-rc
	[ "$status" -eq 77 ]
	[[ "$output" == *"who are you? set 'git config user.email'"* ]]
	[ "$(git rev-parse relctl-ledger)" = "$tip" ]
}

@test "claim needs the step's owner role (77)" {
	tinypilot
	refused 77 "david cannot claim build-rc: it needs the role dev; ask a dev (jan, shalom) to claim it, or a release manager (cristina) to assign it to one of them ('relctl assign build-rc jan')" david claim build-rc
	refused 77 "it needs the role dev" cristina claim build-rc
}

@test "claim before the needed steps are done is refused naming what it waits for (65)" {
	tinypilot
	refused 65 "cannot claim test-voyager yet: it waits for build-rc (ready), update-test-plan (ready)" david claim test-voyager
	ok jan claim build-rc
	refused 65 "it waits for build-rc (claimed by jan), update-test-plan (ready)" david claim test-voyager
}

@test "claim before the step's phase has started is refused naming the phase (65)" {
	tinypilot
	refused 65 "cannot claim publish-release yet: its phase \"publishing\" starts when \"testing\" is complete (10 steps left there; see 'relctl next')" jan claim publish-release
}

@test "claiming a step someone else holds is a conflict (75) naming the holder" {
	tinypilot
	ok jan claim build-rc
	refused 75 "build-rc is already claimed by jan since 2024-03-19T10:00:00Z; ask them, or a release manager (cristina) to move it with 'relctl assign build-rc PERSON'" shalom claim build-rc
	refused 65 "you already hold build-rc" jan claim build-rc
}

@test "unclaim is for the holder or the release manager (77)" {
	tinypilot
	ok jan claim build-rc
	refused 77 "shalom cannot unclaim build-rc: it is held by jan; only they or a release manager (cristina) can" shalom unclaim build-rc
	ok jan unclaim build-rc
	[ "$(last_commit)" = 'Jan <jan@example.com>|jan unclaimed build-rc (2.6.3 rc1)' ]
	[ "$(step build-rc state)" = ready ]
	[ "$(step build-rc holder)" = null ]
	refused 65 "cannot unclaim build-rc: it is ready, not claimed" jan unclaim build-rc
	ok shalom claim build-rc
	ok cristina unclaim build-rc
	[ "$(step build-rc holder)" = null ]
}

@test "assign is for the release manager (77) and only to someone with the step's role (65)" {
	tinypilot
	refused 77 "jan cannot assign steps: only a release manager can; 'relctl claim build-rc' takes it yourself" jan assign build-rc shalom
	refused 65 "cannot assign build-rc to david: it needs the role dev, which david does not have" cristina assign build-rc david
	refused 64 'no person "zoe" in the playbook' cristina assign build-rc zoe
	ok cristina assign build-rc shalom
	[ "$(last_commit)" = 'Cristina <cristina@example.com>|cristina assigned build-rc to shalom (2.6.3 rc1)' ]
	[ "$(step build-rc holder)" = shalom ]
	[ "$(j '.events[-1] | [.actor, .op, .person] | join(" ")')" = "cristina assign shalom" ]
	ok cristina assign build-rc jan
	[ "$(step build-rc holder)" = jan ]
	ok jan done build-rc
}

@test "done needs a claim (65) and the claimant or the release manager (77)" {
	tinypilot
	refused 65 "build-rc is not claimed; 'relctl claim build-rc' first" jan done build-rc
	ok jan claim build-rc
	refused 77 "shalom cannot finish build-rc: it is held by jan; only they or a release manager (cristina) can" shalom done build-rc
	# The release manager may finish it for jan, who stays the one who did it.
	ok cristina done build-rc --note "jan is off sick; build 8812 is fine"
	[ "$(last_commit)" = 'Cristina <cristina@example.com>|cristina finished build-rc (2.6.3 rc1)' ]
	[ "$(step build-rc state)" = done ]
	[ "$(step build-rc done_by)" = jan ]
	refused 65 "cannot finish build-rc: it is already done; 'relctl reopen build-rc --reason TEXT' first" jan done build-rc
}

@test "done of a step with evidence: required needs an --evidence link (65)" {
	tinypilot
	ok jan claim build-rc
	ok jan done build-rc
	ok jan claim run-e2e-tests
	refused 65 "run-e2e-tests needs evidence: add at least one --evidence URL" jan done run-e2e-tests
	refused 65 "run-e2e-tests needs evidence" jan done run-e2e-tests --note "all passed, trust me"
	pass_items jan run-e2e-tests https://ci.example.com/runs/4411
	ok jan done run-e2e-tests --evidence https://ci.example.com/runs/4411
	[ "$(step run-e2e-tests 'evidence[0]')" = https://ci.example.com/runs/4411 ]
}

@test "review: only the review role (77), a rejection needs a note (64) and goes back to the doer" {
	tinypilot
	ok shalom claim draft-changelog
	refused 65 "draft-changelog is claimed by shalom, not waiting for review; shalom runs 'relctl done draft-changelog' first" cristina review draft-changelog approve
	ok shalom done draft-changelog
	refused 65 "draft-changelog is already done and waits for review by release-manager" shalom done draft-changelog
	refused 77 "jan cannot review draft-changelog: it needs the role release-manager" jan review draft-changelog approve
	refused 64 "a rejection needs --note TEXT saying what to fix" cristina review draft-changelog reject
	refused 64 "a review is 'approve' or 'reject', not \"lgtm\"" cristina review draft-changelog lgtm
	ok cristina review draft-changelog reject --note "mention the static IP fix"
	[ "$(step draft-changelog state)" = claimed ]
	[ "$(step draft-changelog holder)" = shalom ]
	ok shalom done draft-changelog --note "static IP fix mentioned"
	ok cristina review draft-changelog approve
	[ "$(step draft-changelog state)" = done ]
}

@test "nobody reviews their own work (77)" {
	mini
	ok dex claim check
	ok dex done check
	refused 77 "dex cannot review their own work on check; ask another dev" dex review check approve
	ok jan review check approve
	[ "$(step check state)" = done ]
}

@test "a wait step is done only once its minimum duration has passed since the claim (65 says when)" {
	mini
	ok david claim watch
	[ "$(step watch opens_at)" = 2024-03-21T10:00:00Z ]
	RELCTL_NOW=2024-03-20T10:00:00Z refused 65 "watch is a wait step: it can be done from 2024-03-21T10:00:00Z, 2d after it was claimed" david done watch
	RELCTL_NOW=2024-03-21T10:00:00Z ok david done watch
	[ "$(step watch state)" = done ]
}

@test "a hook step is not finished with done: relctl run sends it (65)" {
	mini
	ok jan claim post
	refused 65 "post is a hook step: 'relctl run post' sends it and marks it done" jan done post
}

@test "skip needs a reason (64) and the release manager (77)" {
	tinypilot
	refused 64 "skip needs --reason TEXT, so the audit trail says why" cristina skip update-test-plan
	refused 77 "jan cannot skip update-test-plan: only a release manager can skip steps" jan skip update-test-plan --reason "no feature changes"
	ok cristina skip update-test-plan --reason "no feature changes in 2.6.3"
	[ "$(last_commit)" = 'Cristina <cristina@example.com>|cristina skipped update-test-plan (2.6.3 rc1)' ]
	git log -1 --format=%B relctl-ledger | grep -qx 'Reason: no feature changes in 2.6.3'
	[ "$(step update-test-plan state)" = skipped ]
	[ "$(step update-test-plan reason)" = "no feature changes in 2.6.3" ]
	refused 65 "the decision cannot be skipped" cristina skip decide --reason "ship it"
}

@test "reopen needs a reason (64) and someone of the step's role or the release manager (77)" {
	tinypilot
	ok jan claim build-rc
	ok jan done build-rc --evidence https://ci.example.com/b/1
	refused 64 "reopen needs --reason TEXT" jan reopen build-rc
	refused 77 "david cannot reopen build-rc: it needs the role dev" david reopen build-rc --reason "broken image"
	ok shalom reopen build-rc --reason "built from the wrong branch"
	[ "$(step build-rc state)" = ready ]
	[ "$(step build-rc done_by)" = null ]
	[ "$(step build-rc 'evidence | length')" -eq 0 ]
	[ "$(step build-rc reason)" = "built from the wrong branch" ]
	refused 65 "cannot reopen build-rc: it is ready, not done or skipped" cristina reopen build-rc --reason again
	ok cristina reopen draft-advisories --reason "a CVE came in"
	[ "$(step draft-advisories state)" = pending ]
}

@test "block needs a reason (64); a blocked step cannot be finished until it is unblocked" {
	tinypilot
	ok jan claim build-rc
	refused 64 "block needs --reason TEXT" jan block build-rc
	refused 77 "shalom cannot block build-rc: it is held by jan" shalom block build-rc --reason "ci down"
	ok jan block build-rc --reason "CI runners are down"
	[ "$(last_commit)" = 'Jan <jan@example.com>|jan blocked build-rc (2.6.3 rc1)' ]
	[ "$(step build-rc state)" = blocked ]
	[ "$(step build-rc reason)" = "CI runners are down" ]
	refused 65 "build-rc is blocked (CI runners are down); 'relctl unblock build-rc' first" jan done build-rc
	refused 77 "shalom cannot unblock build-rc: it is held by jan" shalom unblock build-rc
	ok cristina unblock build-rc
	[ "$(step build-rc state)" = claimed ]
	[ "$(step build-rc holder)" = jan ]
	refused 65 "build-rc is claimed, not blocked" jan unblock build-rc
	# A step nobody holds can be blocked by its role; claimers are told to unblock it.
	ok shalom block update-test-plan --reason "feature list not final"
	refused 65 "update-test-plan is blocked (feature list not final); 'relctl unblock update-test-plan' first" jan claim update-test-plan
	ok jan unblock update-test-plan
	ok jan claim update-test-plan
	ledger_is_consistent
}

@test "a step id that does not exist is refused with a suggestion (64)" {
	tinypilot
	refused 64 "release 2.6.3 has no step \"biuld-rc\"; did you mean \"build-rc\"?" jan claim biuld-rc
}
