#!/usr/bin/env bats
# The seed's ship-vs-fix story ("How do we decide which bugs to fix?"),
# played from the command line by the TinyPilot team: rc1's device tests
# find the static-IP error screen, the dev estimates the fix and its risk,
# support says what it means for customers, both teams give their input,
# michael (product owner) reads the brief and delays; rc2 is built and
# tested again, the finding is closed, and michael ships.  After each step
# the ledger is read back with git and jq; every refusal is checked for its
# exit code, its message, and that the ledger branch did not move.

load helper
load fixture

V=2.6.3
STATIC_IP='Static IP: after saving, the browser shows "This site can'"'"'t be reached"'

setup() {
	setup_repo
}

teardown() {
	cleanup_repo
}

tinypilot() {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	relctl start "$V" >/dev/null
}

# jq over the release file on the ledger branch.
j() {
	ledger "$V" | jq -r "$@"
}

step() { # STEP FIELD
	j ".steps[\"$1\"].$2"
}

stepq() { # STEP JQ: a jq expression over one step's record
	j ".steps[\"$1\"] | $2"
}

last_commit() { # "Author <email>|subject"
	git log -1 --format='%an <%ae>|%s' relctl-ledger
}

last_body() {
	git log -1 --format=%B relctl-ledger
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

lacks() {
	[[ "$output" != *"$1"* ]] || { echo "did not want \"$1\" in: $output"; return 1; }
}

# The finding id printed by the last 'finding add'.
finding_id() {
	printf '%s\n' "$output" | sed -n 's/.* finding \(F-[0-9a-f]*\): .*/\1/p' | head -1
}

# One commit per event (plus init's), and the last commit names the last event.
ledger_is_consistent() {
	local events
	events=$(j '.events | length')
	[ "$(ledger_commits)" -eq $((events + 1)) ] || { echo "commits $(ledger_commits) != events $events + 1"; return 1; }
	[ "$(last_body | sed -n 's/^Relctl-Event: //p')" = "$(j '.events[-1].id')" ]
}

# The drafts of the testing phase, done once per release (not reopened by a delay).
drafts() {
	as shalom claim update-test-plan >/dev/null
	as shalom done update-test-plan --note "static IP added to the Voyager test" >/dev/null
	as shalom claim draft-changelog >/dev/null
	as shalom done draft-changelog >/dev/null
	as cristina review draft-changelog approve >/dev/null
	as lena claim draft-announcement >/dev/null
	as lena done draft-announcement --evidence https://docs.example.com/whats-new-2.6.3 >/dev/null
	as jan review draft-announcement approve >/dev/null
}

# A candidate's build and tests, each device test's checklist recorded and the
# footage of its changed items reviewed by a dev, then the release manager's
# review: the steps on_delay reopens.
candidate() { # N
	local rc=$1
	as jan claim build-rc >/dev/null
	as jan done build-rc --note "rc$rc build" >/dev/null
	as david claim test-voyager >/dev/null
	pass_items david test-voyager "https://videos.example.com/voyager-rc$rc"
	as david done test-voyager --evidence "https://videos.example.com/voyager-rc$rc" >/dev/null
	approve_items jan test-voyager
	as maria claim test-update >/dev/null
	pass_items maria test-update "https://videos.example.com/update-rc$rc"
	as maria done test-update --evidence "https://videos.example.com/update-rc$rc" >/dev/null
	approve_items shalom test-update
	as david claim test-diy >/dev/null
	pass_items david test-diy "https://videos.example.com/diy-rc$rc"
	as david done test-diy --evidence "https://videos.example.com/diy-rc$rc" >/dev/null
	approve_items jan test-diy
	as jan claim run-e2e-tests >/dev/null
	pass_items jan run-e2e-tests "https://ci.example.com/runs/rc$rc"
	as jan done run-e2e-tests --evidence "https://ci.example.com/runs/rc$rc" >/dev/null
	as cristina claim review-test-results >/dev/null
	as cristina done review-test-results --note "rc$rc results in the brief" >/dev/null
}

# Release 2.6.3 with rc1 fully tested: the decision is michael's.  Built by
# the first test that needs it, copied for the others (fixture.bash).
rc1_tested() {
	fixture rc1 rc1_build
	[ "$(step decide state)" = ready ]
}

rc1_build() {
	tinypilot
	drafts
	candidate 1
	[ "$(step decide state)" = ready ]
}

@test "rc1 finds the static-IP bug, michael delays from the brief, rc2 is tested again and ships" {
	tinypilot
	drafts
	[ "$(j .candidate)" = 1 ]

	# --- rc1: the build and the Voyager test that finds the bug ---
	export RELCTL_NOW=2024-03-19T11:00:00Z
	ok jan claim build-rc
	ok jan done build-rc --note "rc1 is build 8812"
	[ "$(j '.events[-1].candidate')" = 1 ]
	[ "$(last_commit)" = 'Jan <jan@example.com>|jan finished build-rc (2.6.3 rc1)' ]

	export RELCTL_NOW=2024-03-19T13:00:00Z
	ok david claim test-voyager
	export RELCTL_NOW=2024-03-19T13:40:00Z
	ok david finding add "$STATIC_IP" --severity major --step test-voyager \
		--evidence https://videos.example.com/voyager-static-ip
	F=$(finding_id)
	[[ "$F" =~ ^F-[0-9a-f]{6}$ ]]
	has "david reported major finding $F: $STATIC_IP (2.6.3 rc1)"
	has "relctl finding update $F --estimate"
	[ "$(last_commit)" = "David <david@example.com>|david reported major finding $F: $STATIC_IP (2.6.3 rc1)" ]
	last_body | grep -qx 'Evidence: https://videos.example.com/voyager-static-ip'
	[ "$(j '.findings | length')" = 1 ]
	[ "$(j '.findings[0] | [.id, .severity, .step, .by, .at, .candidate, .closed] | join(" ")')" = \
		"$F major test-voyager david 2024-03-19T13:40:00Z 1 false" ]
	[ "$(j '.findings[0].title')" = "$STATIC_IP" ]
	[ "$(j '.findings[0].evidence | join(",")')" = https://videos.example.com/voyager-static-ip ]
	[ "$(j '.findings[0] | [.estimate, .risk, .impact, .closed_by] | map(. == null) | all')" = true ]
	[ "$(j '.findings[0].notes | length')" = 0 ]
	[ "$(j '.events[-1] | [.op, .actor, .finding, .finding_step, .severity, .candidate] | join(" ")')" = \
		"finding-add david $F test-voyager major 1" ]

	# The test step itself is finished with its footage; a dev reviews the
	# footage of the items whose feature changed.
	pass_items david test-voyager https://videos.example.com/voyager-rc1
	ok david done test-voyager --evidence https://videos.example.com/voyager-rc1 \
		--note "static IP settings lead to the error screen"
	ok jan review test-voyager approve --item static-ip-reach --note "footage shows the error screen after saving a static IP"
	approve_items jan test-voyager
	ok maria claim test-update
	pass_items maria test-update
	ok maria done test-update --evidence https://videos.example.com/update-rc1
	approve_items shalom test-update
	ok david claim test-diy
	pass_items david test-diy
	ok david done test-diy --evidence https://videos.example.com/diy-rc1
	approve_items jan test-diy
	ok jan claim run-e2e-tests
	pass_items jan run-e2e-tests https://ci.example.com/runs/4411
	ok jan done run-e2e-tests --evidence https://ci.example.com/runs/4411
	ok cristina claim review-test-results
	ok cristina done review-test-results --note "one major finding; brief ready for michael"
	[ "$(step decide state)" = ready ]

	# --- the dev's estimate and risk, support's customer impact ---
	export RELCTL_NOW=2024-03-19T15:00:00Z
	ok jan finding update "$F" --estimate 1d --risk medium --note "the network reload drops the old address first"
	[ "$(last_commit)" = "Jan <jan@example.com>|jan updated finding $F (2.6.3 rc1)" ]
	last_body | grep -qx 'Estimate: 1d'
	last_body | grep -qx 'Risk: medium'
	[ "$(j '.findings[0] | [.estimate, .risk] | join(" ")')" = "1d medium" ]
	[ "$(j '.findings[0].notes[0] | [.by, .at, .note] | join("|")')" = \
		"jan|2024-03-19T15:00:00Z|the network reload drops the old address first" ]
	ok maria finding update "$F" --impact "Customers on a static IP lose the web UI until they factory-reset"
	[ "$(last_commit)" = "Maria <maria@example.com>|maria updated finding $F (2.6.3 rc1)" ]
	last_body | grep -qx 'Impact: Customers on a static IP lose the web UI until they factory-reset'
	[ "$(j '.findings[0].impact')" = "Customers on a static IP lose the web UI until they factory-reset" ]

	# --- the teams' inputs; the decision waits for the missing one ---
	ok jan input --note "A day to fix and a full retest: the change touches networking."
	has "jan gave the dev input for 2.6.3 rc1"
	[ "$(last_commit)" = 'Jan <jan@example.com>|jan gave the dev input for 2.6.3 rc1' ]
	[ "$(j '.inputs[0] | [.role, .by, .candidate] | join(" ")')" = "dev jan 1" ]
	refused 65 "the decision still needs input from support" michael decide delay --reason "fix it"
	ok david input --note "Static IP is common with business customers; two tickets a week would follow."
	[ "$(j '.inputs | map(.role + ":" + .by + ":" + (.candidate | tostring)) | join(",")')" = "dev:jan:1,support:david:1" ]

	# --- michael reads the brief and delays ---
	run as michael brief
	[ "$status" -eq 0 ]
	has "# Decision brief: TinyPilot Pro 2.6.3, release candidate 1"
	has "| Test release candidate on a Voyager device | done | david | static IP settings lead to the error screen | [link 1](https://videos.example.com/voyager-rc1) | 3 items approved |"
	has "- **Test release candidate on a Voyager device**: 24 of 24 items pass, 0 fail, 0 n/a"
	has "| $F | major | $STATIC_IP | test-voyager rc1 | 1d | medium | Customers on a static IP lose the web UI until they factory-reset | [link 1](https://videos.example.com/voyager-static-ip) | open |"
	has "- **dev** (jan, 2024-03-19T15:00:00Z): A day to fix and a full retest: the change touches networking."
	has "- **support** (david, 2024-03-19T15:00:00Z): Static IP is common"
	has "- **Delay**: rc2 after about 1d5h: 1d to fix (the longest open finding's estimate) and 5h to rebuild and retest; reopens \`build-rc\`, \`test-voyager\`, \`test-update\`, \`test-diy\`, \`run-e2e-tests\`, \`review-test-results\`."
	lacks "_missing_"
	run as michael brief --json
	[ "$(jq -r '.missing_inputs | length' <<<"$output")" = 0 ]
	[ "$(jq -r '.options.delay | [.next_candidate, .estimate] | join(" ")' <<<"$output")" = "2 1d5h" ]
	hash=$(as michael brief --json | jq -r .hash)
	[[ "$hash" =~ ^[0-9a-f]{64}$ ]]

	export RELCTL_NOW=2024-03-19T16:00:00Z
	ok michael decide delay --reason "Static IP customers would be locked out; a day's fix is worth the wait."
	has "michael decided to delay 2.6.3 rc1; the next candidate begins"
	[ "$(last_commit)" = 'Michael <michael@example.com>|michael decided to delay 2.6.3 rc1; the next candidate begins' ]
	last_body | grep -qx "Reason: Static IP customers would be locked out; a day's fix is worth the wait."
	last_body | grep -Eqx "Brief[-_ ]?[Hh]ash: $hash"
	[ "$(j .candidate)" = 2 ]
	[ "$(j .status)" = open ]
	[ "$(j '.decisions | length')" = 1 ]
	[ "$(j '.decisions[0] | [.decision, .by, .at, .candidate, .forced, .brief_hash] | join(" ")')" = \
		"delay michael 2024-03-19T16:00:00Z 1 false $hash" ]
	[ "$(j '.decisions[0].reason')" = "Static IP customers would be locked out; a day's fix is worth the wait." ]
	[ "$(j '.events[-1] | [.op, .decision, .candidate, .brief_hash] | join(" ")')" = "decide delay 1 $hash" ]
	[ "$(j '.events[-1].forced // false')" = false ]
	[ "$(git show relctl-ledger:index.json | jq -r '.releases["2.6.3"].candidate')" = 2 ]

	# The on_delay steps start again for rc2 ...
	[ "$(step build-rc state)" = ready ]
	[ "$(step build-rc ready_at)" = 2024-03-19T16:00:00Z ]
	for s in build-rc test-voyager test-update test-diy run-e2e-tests review-test-results; do
		[ "$(step "$s" candidate)" = 2 ] || { echo "$s candidate"; false; }
		[ "$(step "$s" done_by)" = null ] || { echo "$s done_by"; false; }
		[ "$(step "$s" 'evidence | length')" = 0 ] || { echo "$s evidence"; false; }
	done
	[ "$(step test-voyager state)" = pending ]
	[ "$(step test-voyager review.verdict)" = null ]
	[ "$(step review-test-results state)" = pending ]
	[ "$(step decide state)" = pending ]
	# ... the drafts keep their rc1 record.
	[ "$(stepq draft-changelog '.state + " " + (.candidate | tostring) + " " + .review.by')" = "done 1 cristina" ]
	[ "$(step update-test-plan state)" = done ]
	[ "$(step draft-advisories state)" = skipped ]
	run as cristina status --json
	[ "$(jq -r .candidate <<<"$output")" = 2 ]

	# rc1's record of the Voyager test stays visible in show and log.
	run as david show test-voyager
	[ "$status" -eq 0 ]
	has "release 2.6.3 rc2, phase testing"
	has "state: pending"
	has "2024-03-19T13:00:00Z  rc1  david      claim"
	has "rc1  david      done: static IP settings lead to the error screen"
	has "rc1  jan        review static-ip-reach approve: footage shows the error screen after saving a static IP"
	has "Checklist rc2: 0/24 checked: 0 pass, 0 fail, 0 na"
	has "Checklist rc1, earlier: 24/24 checked: 24 pass, 0 fail, 0 na"
	run as david show test-voyager --json
	[ "$(jq -r '.record.candidate' <<<"$output")" = 2 ]
	[ "$(jq -r '.history | map(.candidate) | unique | join(",")' <<<"$output")" = 1 ]
	[ "$(jq -r '.history | map(.op) | unique | join(",")' <<<"$output")" = check,claim,done,review ]
	[ "$(jq -r '.history | map(select(.op == "check")) | length' <<<"$output")" = 24 ]
	[ "$(jq -r '.record.checklist | [.candidate, .unchecked, .earlier[0].candidate, .earlier[0].pass] | join(" ")' <<<"$output")" = "2 24 1 24" ]
	run as david log
	[ "$status" -eq 0 ]
	has "rc1  david      done     test-voyager  \"static IP settings lead to the error screen\"  https://videos.example.com/voyager-rc1"
	has "2024-03-19T16:00:00Z  rc1  michael    decide"

	# A new candidate needs new inputs.
	run as michael brief --json
	[ "$(jq -r .candidate <<<"$output")" = 2 ]
	[ "$(jq -r '.missing_inputs | join(",")' <<<"$output")" = dev,support ]
	[ "$(jq -r '.inputs | length' <<<"$output")" = 0 ]
	[ "$(jq -r '.decisions[0] | [.candidate, .decision] | join(" ")' <<<"$output")" = "1 delay" ]

	# --- rc2: rebuilt with the fix and tested again ---
	export RELCTL_NOW=2024-03-20T10:00:00Z
	ok jan claim build-rc
	ok jan done build-rc --note "rc2 is build 8830 with the static IP fix"
	[ "$(last_commit)" = 'Jan <jan@example.com>|jan finished build-rc (2.6.3 rc2)' ]
	[ "$(j '[.events[] | select(.op == "done" and .step == "build-rc") | .candidate] | join(",")')" = 1,2 ]
	[ "$(step build-rc note)" = "rc2 is build 8830 with the static IP fix" ]
	ok david claim test-voyager
	pass_items david test-voyager https://videos.example.com/voyager-rc2
	ok david done test-voyager --evidence https://videos.example.com/voyager-rc2 --note "static IP saves and reconnects"
	ok shalom review test-voyager approve --item static-ip-reach --note "the new address comes up in the footage"
	approve_items shalom test-voyager
	[ "$(stepq test-voyager '.state + " " + (.candidate | tostring) + " " + (.checklist.items[] | select(.id == "static-ip-reach") | .review.by)')" = "done 2 shalom" ]
	[ "$(j '[.events[] | select(.step == "test-voyager" and .op == "done") | .evidence[0]] | join(",")')" = \
		https://videos.example.com/voyager-rc1,https://videos.example.com/voyager-rc2 ]
	ok maria claim test-update
	pass_items maria test-update
	ok maria done test-update --evidence https://videos.example.com/update-rc2
	approve_items jan test-update
	ok david claim test-diy
	pass_items david test-diy
	ok david done test-diy --evidence https://videos.example.com/diy-rc2
	approve_items jan test-diy
	ok jan claim run-e2e-tests
	pass_items jan run-e2e-tests
	ok jan done run-e2e-tests --evidence https://ci.example.com/runs/4420
	ok cristina claim review-test-results
	ok cristina done review-test-results --note "all green on rc2"
	[ "$(step decide state)" = ready ]

	ok jan finding update "$F" --close --note "fixed in rc2; the Voyager footage shows it"
	[ "$(last_commit)" = "Jan <jan@example.com>|jan closed finding $F (2.6.3 rc2)" ]
	[ "$(j '.findings[0] | [.closed, .closed_by, .candidate] | join(" ")')" = "true jan 1" ]
	[ "$(j '.findings[0].notes | length')" = 2 ]

	ok shalom input --note "The fix is small and verified on rc2."
	has "shalom gave the dev input for 2.6.3 rc2"
	ok maria input --note "No open customer-facing issues."
	[ "$(j '.inputs | map(.candidate) | join(",")')" = 1,1,2,2 ]

	run as michael brief --json
	[ "$(jq -r '.options.ship | [.open_findings, .open_blockers] | join(" ")' <<<"$output")" = "0 0" ]
	[ "$(jq -r '.findings[0].closed' <<<"$output")" = true ]
	hash2=$(as michael brief --json | jq -r .hash)
	[ "$hash2" != "$hash" ]

	# --- ship: the publishing phase opens ---
	export RELCTL_NOW=2024-03-20T15:00:00Z
	ok michael decide ship --reason "The static IP fix is verified on rc2."
	has "michael decided to ship 2.6.3 rc2"
	has "the publishing phase is open"
	[ "$(last_commit)" = 'Michael <michael@example.com>|michael decided to ship 2.6.3 rc2' ]
	last_body | grep -Eqx "Brief[-_ ]?[Hh]ash: $hash2"
	[ "$(j .candidate)" = 2 ]
	[ "$(j '.decisions | map(.decision + ":" + (.candidate | tostring) + ":" + (.forced | tostring)) | join(",")')" = \
		delay:1:false,ship:2:false ]
	[ "$(j '.decisions[1].brief_hash')" = "$hash2" ]
	[ "$(stepq decide '.state + " " + .done_by')" = "done michael" ]
	[ "$(step publish-changelog state)" = ready ]
	run as cristina status --json
	[ "$(jq -r '[.candidate, .status] | join(" ")' <<<"$output")" = "2 open" ]
	[ "$(jq -r '.phases | map(.id + ":" + (.open | tostring)) | join(",")' <<<"$output")" = \
		testing:true,publishing:true,announcing:false ]
	run as cristina next
	[ "$status" -eq 0 ]
	has "TinyPilot Pro 2.6.3 rc2, phase 2/3 publishing"
	has "publish-changelog        ready"
	run as cristina next --json
	[ "$(jq -r '[.phase, .candidate] | join(" ")' <<<"$output")" = "publishing 2" ]
	refused 65 "the decision for 2.6.3 rc2 was already made (done)" michael decide ship --reason again

	# The audit trail in git, decision by decision.
	[ "$(git log --format=%s relctl-ledger | grep -E 'finding|input|decided' | tac | tr '\n' '|')" = \
		"david reported major finding $F: $STATIC_IP (2.6.3 rc1)|jan updated finding $F (2.6.3 rc1)|maria updated finding $F (2.6.3 rc1)|jan gave the dev input for 2.6.3 rc1|david gave the support input for 2.6.3 rc1|michael decided to delay 2.6.3 rc1; the next candidate begins|jan closed finding $F (2.6.3 rc2)|shalom gave the dev input for 2.6.3 rc2|maria gave the support input for 2.6.3 rc2|michael decided to ship 2.6.3 rc2|" ]
	ledger_is_consistent
	schema_valid
}

@test "only the product owner decides (77), and not before the decision step is ready (65 naming what it waits for)" {
	tinypilot
	refused 65 "cannot make the decision decide yet: it waits for review-test-results (pending)" michael decide ship --reason "looks fine"
	# The refusal left the ledger as it was (refused checks): from here the test
	# goes on from rc1_tested, this release after drafts and candidate 1.
	rc1_tested
	as jan input --note "nothing to fix" >/dev/null
	as david input --note "nothing reported" >/dev/null
	refused 77 "cristina cannot decide: only a product-owner can; give your input with 'relctl input --note TEXT'" \
		cristina decide ship --reason "all green"
	refused 77 "jan cannot decide: only a product-owner can" jan decide delay --reason "one more day"
	refused 77 "david cannot decide: only a product-owner can" david decide abort --reason "stop"
	refused 64 "a decision needs --reason TEXT" michael decide ship
	refused 64 "decide ship, delay or abort" michael decide postpone --reason "later"
	[ "$(j '.decisions | length')" = 0 ]
}

@test "the decision step is not claimed or done like a step: done and claim are refused (65)" {
	rc1_tested
	refused 65 "decide is a decision: the product owner finishes it with 'relctl decide ship|delay|abort'" michael done decide
	refused 65 "decide is the product owner's decision; it is made with 'relctl decide ship|delay|abort --reason TEXT'" michael claim decide
	refused 65 "the decision cannot be skipped" cristina skip decide --reason "no time"
}

@test "a missing input refuses the decision naming the role (65); --force decides anyway and the ledger says forced" {
	rc1_tested
	refused 65 "the decision still needs input from dev, support ('relctl input --note TEXT' by someone of that role), or decide with --force" \
		michael decide ship --reason "ship it"
	ok jan input --note "nothing to fix"
	refused 65 "the decision still needs input from support" michael decide ship --reason "ship it"

	hash=$(as michael brief --json | jq -r .hash)
	export RELCTL_NOW=2024-03-19T18:00:00Z
	ok michael decide ship --reason "support is at a trade fair; the tests are green" --force
	has "michael decided to ship 2.6.3 rc1"
	[ "$(j '.decisions[0] | [.decision, .forced, .candidate, .brief_hash] | join(" ")')" = "ship true 1 $hash" ]
	[ "$(j '.events[-1].forced')" = true ]
	[ "$(step decide state)" = done ]
	run as michael brief --json
	[ "$(jq -r '.decisions[0].forced' <<<"$output")" = true ]
	run as michael brief --format md
	has "- rc1: **ship** by michael on 2024-03-19T18:00:00Z (forced, inputs missing): support is at a trade fair; the tests are green"
	ledger_is_consistent
}

@test "a decision from a clone that has not seen the newest finding is refused (75) until michael reads the brief again" {
	rc1_tested
	ok jan input --note "nothing to fix"
	ok maria input --note "customers are waiting for 2.6.3"
	git init -q --bare "$TEST_TMP/team.git"
	git remote add origin "$TEST_TMP/team.git"
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	git clone -q "$TEST_TMP/team.git" "$TEST_TMP/po"
	(cd "$TEST_TMP/po" && git config user.email michael@example.com && "$RELCTL" sync >/dev/null)
	# Michael reads the brief on his clone; meanwhile maria reports a blocker on hers.
	seen=$(cd "$TEST_TMP/po" && as michael brief --json | jq -r .hash)
	ok maria finding add "$STATIC_IP" --severity blocker --step test-voyager
	remote=$(git --git-dir="$TEST_TMP/team.git" rev-parse relctl-ledger)

	cd "$TEST_TMP/po"
	run as michael decide ship --reason "all devices green"
	[ "$status" -eq 75 ] || { echo "$output"; false; }
	has "the brief of 2.6.3 changed since this clone last showed it (new findings, inputs or results from your team); read 'relctl brief' again, then decide"
	[ "$(git --git-dir="$TEST_TMP/team.git" rev-parse relctl-ledger)" = "$remote" ]
	# His clone now holds the team's ledger, but he has not read it: the same command again, and
	# again offline, is refused too (each carries the brief he read), and nothing is written.
	[ "$(git rev-parse relctl-ledger)" = "$remote" ]
	run as michael decide ship --reason "all devices green"
	[ "$status" -eq 75 ] || { echo "$output"; false; }
	has "read 'relctl brief' again, then decide"
	run as michael decide ship --reason "all devices green" --offline
	[ "$status" -eq 75 ] || { echo "$output"; false; }
	[ "$(git rev-parse relctl-ledger)" = "$remote" ]
	[ "$(git --git-dir="$TEST_TMP/team.git" rev-parse relctl-ledger)" = "$remote" ]
	# He reads it: the brief shows the blocker, and he decides from it.
	run as michael brief
	has "$STATIC_IP"
	now=$(as michael brief --json | jq -r .hash)
	[ "$now" != "$seen" ]
	ok michael decide delay --reason "the static IP blocker"
	[ "$(j '.decisions[0] | [.decision, .brief_hash] | join(" ")')" = "delay $now" ]
	[ "$(git --git-dir="$TEST_TMP/team.git" rev-parse relctl-ledger)" = "$(git rev-parse relctl-ledger)" ]
}

@test "a finding's estimate and risk come from a dev and its impact from support; anyone else is refused (77)" {
	tinypilot
	ok david finding add "$STATIC_IP" --severity major --step test-voyager
	F=$(finding_id)
	refused 77 "david cannot set a finding's estimate or risk: that is the dev role's call" david finding update "$F" --estimate 4h
	refused 77 "cristina cannot set a finding's estimate or risk: that is the dev role's call" cristina finding update "$F" --risk low
	refused 77 "michael cannot set a finding's estimate or risk" michael finding update "$F" --estimate 1h --risk low
	refused 77 "jan cannot set a finding's customer impact: that is the support role's call" jan finding update "$F" --impact "none"
	refused 77 "lena cannot set a finding's customer impact" lena finding update "$F" --impact "bad press"
	# One field out of role refuses the whole update.
	refused 77 "jan cannot set a finding's customer impact" jan finding update "$F" --estimate 2h --impact "none"
	refused 64 "bad estimate \"soon\"" shalom finding update "$F" --estimate soon
	refused 64 "a finding's --risk is low, medium or high" shalom finding update "$F" --risk huge
	refused 64 "has no finding \"F-000000\"" jan finding update F-000000 --estimate 1h
	refused 64 "nothing to update" jan finding update "$F"
	refused 64 "--severity" david finding add "Fan is loud" --severity annoying
	refused 64 "a finding needs --severity" david finding add "Fan is loud"
	[ "$(j '.findings[0] | [.estimate, .risk, .impact] | map(. == null) | all')" = true ]

	ok shalom finding update "$F" --estimate 4h --risk low
	ok david finding update "$F" --impact "Static IP customers lose the web UI"
	[ "$(j '.findings[0] | [.estimate, .risk, .impact] | join("|")')" = "4h|low|Static IP customers lose the web UI" ]
	# Anyone may add a note.
	ok lena finding update "$F" --note "a customer tweeted about it"
	[ "$(j '.findings[0].notes[0].by')" = lena ]
}

@test "after decide abort nothing in the release changes (65) and the ledger branch stays where it was" {
	tinypilot
	ok jan claim build-rc
	ok david finding add "The device does not boot" --severity blocker
	F=$(finding_id)
	# Abort needs neither the decision step to be ready nor the inputs.
	ok michael decide abort --reason "The boot bug needs a new kernel; this release is off."
	has "michael decided to abort 2.6.3 rc1"
	[ "$(j .status)" = aborted ]
	[ "$(j '.decisions[0] | [.decision, .candidate, .forced] | join(" ")')" = "abort 1 false" ]
	[ "$(git show relctl-ledger:index.json | jq -r '.releases["2.6.3"].status')" = aborted ]

	tip=$(git rev-parse relctl-ledger)
	msg="release 2.6.3 was aborted; nothing in it can change"
	refused 65 "$msg" jan done build-rc --release "$V"
	refused 65 "$msg" jan unclaim build-rc --release "$V"
	refused 65 "$msg" shalom claim update-test-plan --release "$V"
	refused 65 "$msg" cristina skip test-diy --reason "no device" --release "$V"
	refused 65 "$msg" david finding add "Another bug" --severity minor --release "$V"
	refused 65 "$msg" jan finding update "$F" --estimate 2d --release "$V"
	refused 65 "$msg" jan finding update "$F" --close --release "$V"
	refused 65 "$msg" jan input --note "too late" --release "$V"
	refused 65 "$msg" michael decide ship --reason "changed my mind" --release "$V"
	refused 65 "$msg" michael decide delay --reason "changed my mind" --release "$V"
	refused 65 "$msg" michael decide abort --reason "again" --release "$V"
	# Without --release there is no open release to default to.
	refused 66 "no release is open" jan done build-rc
	[ "$(git rev-parse relctl-ledger)" = "$tip" ]
	# Reading it still works.
	run as michael brief "$V" --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = aborted ]
	schema_valid
}

@test "relctl brief --format md renders GitHub-flavoured tables, one column per header cell" {
	rc1_tested
	ok david finding add "Static IP | DHCP toggle: site can't be reached" --severity major --step test-voyager \
		--evidence https://videos.example.com/voyager-static-ip
	F=$(finding_id)
	ok david finding add "Login page typo" --severity minor
	ok jan finding update "$F" --estimate 4h --risk low
	ok jan input --note "a small fix"

	run as michael brief --format md
	[ "$status" -eq 0 ]
	md=$output
	grep -qx '## Testing (rc1)' <<<"$md"
	grep -qx '| Step | Result | By | Note | Evidence | Review |' <<<"$md"
	grep -qx '|---|---|---|---|---|---|' <<<"$md"
	grep -qx '| ID | Severity | Finding | Found in | Fix estimate (dev) | Risk (dev) | Customer impact (support) | Evidence | Status |' <<<"$md"
	grep -qx '|---|---|---|---|---|---|---|---|---|' <<<"$md"
	# The header row comes right before its separator row.
	grep -A1 -x '| Step | Result | By | Note | Evidence | Review |' <<<"$md" | tail -1 | grep -qx '|---|---|---|---|---|---|'
	# Every row of a table has as many cells as its header (an escaped \| is not a cell border).
	cells=$(awk '/^\|/ { line = $0; gsub(/\\\|/, "", line); n = gsub(/\|/, "", line); print n }' <<<"$md" | sort -nu | tr '\n' ' ')
	[ "$cells" = "7 10 " ] || { echo "cells: $cells"; echo "$md"; false; }
	[ "$(grep -c '^| ' <<<"$md")" -eq 14 ] # a header and 10 testing rows, a header and 2 finding rows
	grep -qF "| $F | major | Static IP \\| DHCP toggle: site can't be reached | test-voyager rc1 | 4h | low | not given | [link 1](https://videos.example.com/voyager-static-ip) | open |" <<<"$md"
	# Open findings by severity: the major before the minor.
	[ "$(grep -o '^| F-[0-9a-f]* | [a-z]*' <<<"$md" | awk '{print $4}' | tr '\n' ' ')" = "major minor " ]
	grep -qx '| Draft security advisories (if applicable) | skipped | - | skipped by condition: security_advisory is false |  | - |' <<<"$md"
	grep -qF -- '- **support**: _missing_' <<<"$md"
	grep -qF -- '- **Ship now**: the open findings ship with the release (2 open, 0 blockers).' <<<"$md"
	# The footer names the hash that a decision now would record.
	hash=$(as michael brief --json | jq -r .hash)
	[ "$(tail -1 <<<"$md")" = "_brief ${hash:0:12}, from the ledger of 2.6.3_" ]
	# The default format is the same markdown; --format json is --json.
	[ "$(as michael brief)" = "$md" ]
	[ "$(as michael brief --format json | jq -r .hash)" = "$hash" ]
	refused 64 "--format is text, md or json" michael brief --format html
}

@test "relctl next tells michael the decision waits for him and which input is still missing" {
	tinypilot
	tip=$(git rev-parse relctl-ledger)
	run as michael next
	lacks "The decision waits for you"
	has "decide                   pending    review-test-results (pending)"
	# next left the ledger as it was: from here the test goes on from
	# rc1_tested, this release after drafts and candidate 1.
	[ "$(git rev-parse relctl-ledger)" = "$tip" ]
	rc1_tested
	as jan input --note "nothing to fix" >/dev/null

	run as michael next
	[ "$status" -eq 0 ]
	has "TinyPilot Pro 2.6.3 rc1, phase 1/3 testing - you are michael (product-owner)"
	has "The decision waits for you"
	has "Decide whether to publish the release (rc1): read 'relctl brief', then 'relctl decide ship|delay|abort --reason TEXT'"
	has "still missing: the support input"
	lacks "the dev input"
	run as michael next --json
	[ "$(jq -r '[.decision, (.decision_missing_inputs | join(",")), .candidate] | join(" ")' <<<"$output")" = "decide support 1" ]
	# Others see that the decision is open and whose it is.
	run as david next
	has "The decision is open"
	has "decide waits for the product-owner"

	as maria input --note "no customer impact" >/dev/null
	run as michael next
	has "The decision waits for you"
	lacks "still missing"
	run as michael next --json
	[ "$(jq -r '.decision_missing_inputs | length' <<<"$output")" = 0 ]
}

@test "finding list --json parses; finding ids are F- and six hex digits, each its own" {
	tinypilot
	run as david finding list
	has "no findings for 2.6.3"
	ok david finding add "$STATIC_IP" --severity major --step test-voyager
	ok maria finding add "Update dialog links to an old changelog" --severity minor
	ok jan finding add "Build fails without network" --severity blocker --step build-rc --evidence https://ci.example.com/runs/1
	run as cristina finding list --json
	[ "$status" -eq 0 ]
	[ "$(jq -r 'length' <<<"$output")" = 3 ]
	[ "$(jq -r 'map(.id | test("^F-[0-9a-f]{6}$")) | all' <<<"$output")" = true ]
	[ "$(jq -r 'map(.id) | unique | length' <<<"$output")" = 3 ]
	[ "$(jq -r 'map(.severity) | sort | join(",")' <<<"$output")" = blocker,major,minor ]
	[ "$(jq -r '.[] | select(.severity == "blocker") | [.by, .step, .evidence[0], .candidate] | join(" ")' <<<"$output")" = \
		"jan build-rc https://ci.example.com/runs/1 1" ]
	[ "$(jq -r 'map(.id) | sort | join(",")' <<<"$output")" = "$(j '.findings | map(.id) | sort | join(",")')" ]
	run as cristina finding list
	has "major   open   $STATIC_IP"
	has "estimate not given, risk not given, impact: not given; by david in rc1"
}
