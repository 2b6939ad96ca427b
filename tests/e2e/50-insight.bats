#!/usr/bin/env bats
# Insight across releases (issue 7): stats, forecast, verify and report,
# checked against ledgers whose every duration and every person is known.
#
# A small playbook ("Mini": build, plan, test and the decision in phase
# testing; publish, a 2h wait step and announce in phase publishing) is
# played with the real binary, RELCTL_NOW set for every command, so each
# expected number below can be worked out by hand from the RELEASES table.
# jan builds and publishes every release (the bus-factor risk on the
# critical path); plan, test and soak are shared; announce is skipped in
# every release, so the critical path falls back to its estimate.
#
# The fixtures are built once per file and copied for each test.

load helper
load insight
bats_require_minimum_version 1.5.0

# Every time is minutes after 09:00 UTC on day DAY of April 2024.
DAY1=1711962000 # 2024-04-01T09:00:00Z

# One shipped release per line:
#   day version planner tester soaker  build:claim done  plan:claim done
#   test:claim done  decide(ship)  publish:claim done  soak:claim done
RELEASES=(
	"1 1.1.0 jan    david maria  60 180  10 70   210 390  450  465 525  450 570"
	"2 1.2.0 shalom maria david  30 150  20 80   165 405  435  465 525  445 575"
	"3 1.3.0 shalom david maria  90 240  30 60   300 450  570  590 630  575 695"
	"4 1.4.0 jan    maria david  45 165  10 100  195 405  450  460 570  450 600"
	"5 1.5.0 shalom maria david  60 210  15 75   255 450  540  565 620  560 680"
)

write_playbook() {
	cat >"$1" <<'EOF'
relctl: 1
name: Mini
roles: [release-manager, product-owner, dev, support, marketing]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: michael, name: Michael, email: michael@example.com, roles: [product-owner]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: shalom, name: Shalom, email: shalom@example.com, roles: [dev]}
  - {id: david, name: David, email: david@example.com, roles: [support]}
  - {id: maria, name: Maria, email: maria@example.com, roles: [support]}
  - {id: lena, name: Lena, email: lena@example.com, roles: [marketing]}
  - {id: tom, name: Tom, email: tom@example.com, roles: [marketing]}
phases:
  - id: testing
    steps:
      - {id: build, title: Build the release candidate, instructions: "make rc", owner: dev, estimate: 2h}
      - {id: plan, title: Update the test plan, instructions: "Edit the plan.", owner: dev, estimate: 1h}
      - {id: test, title: Test the candidate on a device, instructions: "Run the plan.", owner: support, needs: [build, plan], estimate: 3h}
      - {id: decide, title: Ship or delay, instructions: "Read the brief.", kind: decision, owner: product-owner, needs: [test], on_delay: [build, test]}
  - id: publishing
    steps:
      - {id: publish, title: Publish the release, instructions: "make publish", owner: dev, estimate: 1h}
      - {id: soak, title: Watch the bug reports, instructions: "Watch the tracker.", kind: wait, min_duration: 2h, owner: support}
      - {id: announce, title: Announce the release, instructions: "Write the post.", owner: marketing, needs: [publish], estimate: 3h}
EOF
}

at() { # DAY MINUTES PERSON ARGS...: relctl as PERSON at that moment; must succeed
	local day=$1 min=$2 who=$3
	shift 3
	relctl_at $((DAY1 + (day - 1) * 86400 + min * 60)) "$who" "$@"
}

new_ledger() { # DIR: a repository with a Mini ledger
	git init -q "$1" && cd "$1" || return 1
	git config user.email cristina@example.com
	git config user.name Cristina
	RELCTL_NOW=2024-03-01T00:00:00Z "$RELCTL" init --playbook "$FIX/mini.yaml" >/dev/null
}

play() { # one line of RELEASES
	local d v pl te so bc bd pc pd tc td x uc ud sc sd
	read -r d v pl te so bc bd pc pd tc td x uc ud sc sd <<<"$1"
	at "$d" 0 cristina start "$v" &&
		at "$d" 1 cristina skip announce --reason "patch release: nothing to announce" &&
		at "$d" "$pc" "$pl" claim plan &&
		at "$d" "$pd" "$pl" done plan --note "plan updated" &&
		at "$d" "$bc" jan claim build &&
		at "$d" "$bd" jan done build --evidence "https://ci.example.com/builds/$v" &&
		at "$d" "$tc" "$te" claim test &&
		at "$d" "$td" "$te" done test --evidence "https://videos.example.com/$v" &&
		at "$d" "$x" michael decide ship --reason "tests pass" &&
		at "$d" "$sc" "$so" claim soak &&
		at "$d" "$uc" jan claim publish &&
		at "$d" "$ud" jan done publish --evidence "https://example.com/releases/$v" &&
		at "$d" "$sd" "$so" done soak
}

# 2.0.0 on day 10: rc1's test finds the static-IP bug, michael delays, rc2
# is built and tested again and shipped; the wait step and announce run
# past midnight.
play_delayed() {
	local f
	at 10 0 cristina start 2.0.0 &&
		at 10 10 shalom claim plan && at 10 60 shalom done plan --note "static IP case added" &&
		at 10 30 jan claim build && at 10 150 jan done build --evidence https://ci.example.com/builds/2.0.0-rc1 &&
		at 10 160 maria claim test &&
		at 10 300 maria finding add "Static IP: the browser shows an error after saving" --severity major --step test &&
		at 10 330 maria done test --evidence https://videos.example.com/2.0.0-rc1 --note "static IP broken" || return 1
	f=$(git show relctl-ledger:releases/2.0.0.json | jq -r '.findings[0].id')
	at 10 340 jan finding update "$f" --estimate 2h --risk low &&
		at 10 350 david finding update "$f" --impact "customers on static IP lose access until they reboot" &&
		at 10 400 michael decide delay --reason "static IP fix is small and safe; ship it in rc2" &&
		at 10 420 jan claim build && at 10 540 jan done build --evidence https://ci.example.com/builds/2.0.0-rc2 &&
		at 10 550 david claim test &&
		at 10 690 david done test --evidence https://videos.example.com/2.0.0-rc2 --note "static IP works" &&
		at 10 695 maria finding update "$f" --close --note "fixed in rc2" &&
		at 10 720 michael decide ship --reason "rc2 fixes static IP; tests pass" &&
		at 10 730 david claim soak &&
		at 10 735 jan claim publish && at 10 800 jan done publish --evidence https://example.com/releases/2.0.0 &&
		at 10 810 lena claim announce &&
		at 10 900 david done soak &&
		at 10 990 lena done announce --evidence https://blog.example.com/2.0.0
}

# Fixtures: history (1.1.0 .. 1.5.0 shipped), open (history + 1.6.0 with
# plan done and build claimed by jan at 10:00 on day 8), delayed (2.0.0).
setup_file() {
	export FIX="$BATS_FILE_TMPDIR/fixtures"
	mkdir -p "$FIX"
	write_playbook "$FIX/mini.yaml"
	new_ledger "$FIX/history" || return 1
	for r in "${RELEASES[@]}"; do
		play "$r" || return 1
	done
	cp -a "$FIX/history" "$FIX/open"
	cd "$FIX/open" || return 1
	at 8 0 cristina start 1.6.0 &&
		at 8 10 shalom claim plan && at 8 60 shalom done plan &&
		at 8 60 jan claim build || return 1
	new_ledger "$FIX/delayed" || return 1
	play_delayed
}

setup() {
	TEST_TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/relctl-e2e.XXXXXX")"
	unset RELCTL_USER NO_COLOR
	export RELCTL_NOW=2024-04-20T09:00:00Z
}

teardown() {
	cleanup_repo
}

section() { # TITLE: the lines of $output from the one starting with TITLE to the next blank line
	printf '%s\n' "$output" | sed -n "/^$1/,/^\$/p"
}

# commit_by_hand FILE EMAIL MESSAGE: FILE becomes releases/$V.json in a new
# commit on the ledger branch, authored by EMAIL, made with plain git.
commit_by_hand() {
	local file=$1 email=$2 message=$3 parent blob tree index="$TEST_TMP/forge.index"
	parent=$(git rev-parse relctl-ledger)
	blob=$(git hash-object -w "$file")
	GIT_INDEX_FILE="$index" git read-tree relctl-ledger
	GIT_INDEX_FILE="$index" git update-index --add --cacheinfo "100644,$blob,releases/$V.json"
	tree=$(GIT_INDEX_FILE="$index" git write-tree)
	rm -f "$index"
	FORGED=$(GIT_AUTHOR_NAME=someone GIT_AUTHOR_EMAIL="$email" git commit-tree "$tree" -p "$parent" -m "$message")
	git update-ref refs/heads/relctl-ledger "$FORGED" "$parent"
}

# ---------- stats ----------

@test "stats: per-step medians and 90th percentiles (nearest rank) of ready-to-done and claim-to-done" {
	use history
	run relctl stats --json
	[ "$status" -eq 0 ]
	expect 5 "$(jq .releases <<<"$output")"
	# id  ready>done: count median p90  claim>done: count median p90  (seconds)
	expect "$(
		cat <<'EOF'
build 5 10800 14400 5 7200 9000
plan 5 4500 6000 5 3600 5400
test 5 14400 15300 5 11700 14400
decide 5 3600 7200 0 null null
publish 5 4800 7200 5 3600 6600
soak 5 8400 9000 5 7200 9000
announce 0 null null 0 null null
EOF
	)" "$(jq -r '.steps[] | [.id, (.ready_to_done, .claim_to_done | .count, .median_seconds, .p90_seconds)] | map(tostring) | join(" ")' <<<"$output")"
	# Human forms of the same numbers.
	expect '"4h" "4h15m" "3h15m" "4h"' "$(jq -r '.steps[2] | [.ready_to_done.median, .ready_to_done.p90, .claim_to_done.median, .claim_to_done.p90] | map(@json) | join(" ")' <<<"$output")"
}

@test "stats: phase durations are first ready to last done, median and p90" {
	use history
	run relctl stats --json
	[ "$status" -eq 0 ]
	# testing: 0 -> decision at 450, 435, 570, 450, 540 minutes; publishing: 120, 140, 125, 150, 140.
	expect "testing 5 27000 34200
publishing 5 8400 9000" "$(jq -r '.phases[] | [.id, .duration.count, .duration.median_seconds, .duration.p90_seconds] | map(tostring) | join(" ")' <<<"$output")"
}

@test "stats: who did each step; the bus-factor list holds exactly the steps only one person ever did; shares" {
	use history
	run relctl stats --json
	[ "$status" -eq 0 ]
	expect 'build {"jan":5}
plan {"jan":2,"shalom":3}
test {"david":2,"maria":3}
decide {"michael":5}
publish {"jan":5}
soak {"david":3,"maria":2}
announce {}' "$(jq -r '.steps[] | "\(.id) \(.people | to_entries | sort_by(.key) | from_entries | tojson)"' <<<"$output")"
	expect '[{"person":"jan","step":"build","times":5},{"person":"michael","step":"decide","times":5},{"person":"jan","step":"publish","times":5}]' \
		"$(jq -cS .bus_factor_risks <<<"$output")"
	# Shared steps are not risks.
	expect '[]' "$(jq -c '[.bus_factor_risks[] | select(.step == "plan" or .step == "test" or .step == "soak")]' <<<"$output")"
	# 30 steps done in all: jan 12, michael, david and maria 5 each, shalom 3 (rounded to 0.001).
	expect 'david 5 0.167
jan 12 0.4
maria 5 0.167
michael 5 0.167
shalom 3 0.1' "$(jq -r '.people | sort_by(.person)[] | "\(.person) \(.steps_done) \(.share)"' <<<"$output")"
	# Most steps first, ties by id.
	expect "jan david maria michael shalom" "$(jq -r '[.people[].person] | join(" ")' <<<"$output")"
}

@test "stats: the critical path by measured medians, with the estimate for a step never done" {
	use history
	run relctl stats --json
	[ "$status" -eq 0 ]
	# build 3h -> test 4h -> decide 1h -> (phase gate) publish 1h20m -> announce 3h (estimate):
	# plan (1h15m) runs beside build, soak (2h20m) beside publish and announce.
	expect 'build 10800 measured median {"jan":5}
test 14400 measured median {"david":2,"maria":3}
decide 3600 measured median {"michael":5}
publish 4800 measured median {"jan":5}
announce 10800 estimate {}' "$(jq -r '.critical_path.steps[] | "\(.id) \(.seconds) \(.source) \(.people | to_entries | sort_by(.key) | from_entries | tojson)"' <<<"$output")"
	expect "44400 12h20m" "$(jq -r '.critical_path | "\(.total_seconds) \(.total)"' <<<"$output")"
}

@test "stats text names jan on the critical path and the steps only he does" {
	use history
	run relctl stats
	[ "$status" -eq 0 ]
	has "Across 5 releases"
	path=$(section "Critical path")
	risks=$(section "Bus-factor risks")
	[[ "$path" == *"12h20m"* ]] || { echo "$path"; return 1; }
	grep -Eq '^  build +3h +measured median +jan x5$' <<<"$path" || { echo "$path"; return 1; }
	grep -Eq '^  publish +1h20m +measured median +jan x5$' <<<"$path" || { echo "$path"; return 1; }
	grep -Eq '^  announce +3h +estimate +nobody yet$' <<<"$path" || { echo "$path"; return 1; }
	grep -Eq '^  build +only jan \(5 times\)$' <<<"$risks" || { echo "$risks"; return 1; }
	grep -Eq '^  publish +only jan \(5 times\)$' <<<"$risks" || { echo "$risks"; return 1; }
	grep -Eq '^  decide +only michael \(5 times\)$' <<<"$risks" || { echo "$risks"; return 1; }
	! grep -Eq '^  (plan|test|soak) ' <<<"$risks" || { echo "$risks"; return 1; }
	# Largest share first, ties by id.
	expect "Share of all steps done
  jan           40.0%  (12 steps)
  david         16.7%  (5 steps)
  maria         16.7%  (5 steps)
  michael       16.7%  (5 steps)
  shalom        10.0%  (3 steps)" "$(section "Share of all steps" | sed '/^$/d')"
	# One step is "1 step".
	run relctl stats --last 1
	[ "$status" -eq 0 ]
	expect "  jan           33.3%  (2 steps)
  david         16.7%  (1 step)" "$(section "Share of all steps" | sed -n '2,3p')"
}

@test "stats --last N counts only the N most recent releases" {
	use history
	run relctl stats --last 2 --json
	[ "$status" -eq 0 ]
	expect 2 "$(jq .releases <<<"$output")"
	# 1.5.0 and 1.4.0: build took 3h30m and 2h45m from ready; plan by shalom and jan.
	expect "2 9900 12600" "$(jq -r '.steps[0].ready_to_done | "\(.count) \(.median_seconds) \(.p90_seconds)"' <<<"$output")"
	expect '{"jan":1,"shalom":1}' "$(jq -cS '.steps[1].people' <<<"$output")"
	expect '{"jan":2}' "$(jq -cS '.steps[0].people' <<<"$output")"
	run relctl stats --last 0
	[ "$status" -eq 64 ]
	has "--last needs a positive number"
}

@test "stats: after a delay, a step's wait counts from when it became ready again, not from rc1" {
	use delayed
	run relctl stats --json
	[ "$status" -eq 0 ]
	# decide: ready again when rc2's test was done (20:30), shipped at 21:00;
	# build: reopened by the delay (15:40), done 18:00; test: 18:00 -> 20:30.
	expect "build 8400 7200
test 9000 8400
decide 1800 null" "$(jq -r '.steps[] | select(.id == "build" or .id == "test" or .id == "decide") | "\(.id) \(.ready_to_done.median_seconds) \(.claim_to_done.median_seconds)"' <<<"$output")"
}

# ---------- forecast ----------

@test "forecast: the finish is the sum of measured medians along the chain, and hinges on jan's build" {
	use open
	export RELCTL_NOW=2024-04-08T11:00:00Z
	run relctl forecast 1.6.0 --json
	[ "$status" -eq 0 ]
	# 11:00 + build's 3h less the hour jan has had it + test 4h + decide 1h
	# + publish 1h20m + announce 3h (estimate) = 22:20; soak (2h20m) runs beside.
	expect "2024-04-08T22:20:00Z 40800" "$(jq -r '"\(.finish) \(.remaining_seconds)"' <<<"$output")"
	expect "build 2024-04-08T11:00:00Z 2024-04-08T13:00:00Z measured median
test 2024-04-08T13:00:00Z 2024-04-08T17:00:00Z measured median
decide 2024-04-08T17:00:00Z 2024-04-08T18:00:00Z measured median
publish 2024-04-08T18:00:00Z 2024-04-08T19:20:00Z measured median
soak 2024-04-08T18:00:00Z 2024-04-08T20:20:00Z measured median
announce 2024-04-08T19:20:00Z 2024-04-08T22:20:00Z estimate" \
		"$(jq -r '.steps[] | "\(.id) \(.start) \(.finish) \(.source)"' <<<"$output")"
	expect "testing 2024-04-08T18:00:00Z
publishing 2024-04-08T22:20:00Z" "$(jq -r '.phases[] | "\(.id) \(.finish)"' <<<"$output")"
	expect '["build","test","decide","publish","announce"]' "$(jq -c .critical_path <<<"$output")"
	expect '{"person":"jan","role":"dev","step":"build"}' "$(jq -cS .hinges_on <<<"$output")"
	run relctl forecast
	[ "$status" -eq 0 ]
	has "Mini 1.6.0: done around 2024-04-08T22:20:00Z (11h20m from now)"
	has "the date hinges on build (jan)"
}

@test "forecast: a finished phase, and a release whose steps are all done or skipped, finished when their last step did" {
	use open
	at 8 120 jan done build --evidence https://ci.example.com/builds/1.6.0
	at 8 130 david claim test
	at 8 200 david done test --evidence https://videos.example.com/1.6.0
	at 8 210 michael decide ship --reason "tests pass"
	export RELCTL_NOW=2024-04-10T09:00:00Z
	run relctl forecast --json
	[ "$status" -eq 0 ]
	expect "false 2024-04-10T13:20:00Z" "$(jq -r '"\(.finished) \(.finish)"' <<<"$output")"
	expect "testing true 2024-04-08T12:30:00Z
publishing false 2024-04-10T13:20:00Z" "$(jq -r '.phases[] | "\(.id) \(.finished) \(.finish)"' <<<"$output")"
	run relctl forecast
	[ "$status" -eq 0 ]
	has "phase testing      finished 2024-04-08T12:30:00Z"
	has "phase publishing   finishes 2024-04-10T13:20:00Z"

	# 1.5.0 shipped: decided at 18:00 on day 5, soak done at 20:20, announce skipped.
	run relctl forecast 1.5.0 --json
	[ "$status" -eq 0 ]
	expect "true 2024-04-05T20:20:00Z 0 0" "$(jq -r '"\(.finished) \(.finish) \(.remaining_seconds) \(.steps | length)"' <<<"$output")"
	expect "testing true 2024-04-05T18:00:00Z
publishing true 2024-04-05T20:20:00Z" "$(jq -r '.phases[] | "\(.id) \(.finished) \(.finish)"' <<<"$output")"
	run relctl forecast 1.5.0
	[ "$status" -eq 0 ]
	expect "Mini 1.5.0: finished 2024-04-05T20:20:00Z (every step done or skipped)

phase testing      finished 2024-04-05T18:00:00Z
phase publishing   finished 2024-04-05T20:20:00Z" "$output"
}

@test "forecast --assume STEP=DURATION moves the finish by the difference" {
	use open
	export RELCTL_NOW=2024-04-08T11:00:00Z
	# "If support needs a whole day for testing": 1d instead of 4h, 20h later.
	run relctl forecast --assume test=1d --json
	[ "$status" -eq 0 ]
	expect "2024-04-09T18:20:00Z 112800" "$(jq -r '"\(.finish) \(.remaining_seconds)"' <<<"$output")"
	expect "2024-04-08T13:00:00Z 2024-04-09T13:00:00Z assumed" \
		"$(jq -r '.steps[] | select(.id == "test") | "\(.start) \(.finish) \(.source)"' <<<"$output")"
	# A claimed step's assumption counts from now: jan's build done in 30 minutes, 1h30m sooner.
	run relctl forecast --assume build=30m --json
	[ "$status" -eq 0 ]
	expect "2024-04-08T20:50:00Z" "$(jq -r .finish <<<"$output")"
	expect "2024-04-08T11:30:00Z assumed" "$(jq -r '.steps[0] | "\(.finish) \(.source)"' <<<"$output")"
	run relctl forecast --assume build=30m --assume test=1d --json
	[ "$status" -eq 0 ]
	expect "2024-04-09T16:50:00Z" "$(jq -r .finish <<<"$output")"
	run relctl forecast --assume nosuch=1h
	[ "$status" -eq 64 ]
	has "--assume needs STEP=DURATION"
	run relctl forecast --assume test=soon
	[ "$status" -eq 64 ]
	# plan is done in this release: assuming it is a mistake, said so.
	run relctl forecast --assume plan=1h
	[ "$status" -eq 65 ]
	has "plan is already done; --assume is for the steps still to do"
}

# ---------- verify ----------

V=1.6.0

# The open release with jan's build and david's test done: the decision is ready.
decision_ready() {
	use open
	at 8 180 jan done build --evidence https://ci.example.com/builds/1.6.0
	at 8 190 david claim test
	at 8 420 david done test --evidence https://videos.example.com/1.6.0
	export RELCTL_NOW=2024-04-08T17:00:00Z
}

@test "verify passes on a ledger written only by relctl" {
	decision_ready
	events=$(for v in 1.1.0 1.2.0 1.3.0 1.4.0 1.5.0 1.6.0; do ledger "$v" | jq '.events | length'; done | jq -s add)
	run relctl verify
	[ "$status" -eq 0 ]
	has "ledger verified: $((events + 1)) commits, $events events in 6 releases"
	run --separate-stderr relctl verify --json
	[ "$status" -eq 0 ]
	expect "true 0 $events" "$(jq -r '"\(.ok) \(.problems | length) \(.events)"' <<<"$output")"
}

@test "verify: a dev's decision forged with plain git is refused with 65 naming the commit, the event and the rule" {
	decision_ready
	ledger "$V" | jq '.events += [{"id": "0123456789abcdef0123456789abcdef", "time": "2024-04-08T16:30:00Z",
		"actor": "jan", "op": "decide", "candidate": 1, "decision": "ship", "reason": "looks fine to me"}]' >"$TEST_TMP/forged.json"
	commit_by_hand "$TEST_TMP/forged.json" jan@example.com "michael decided ship (1.6.0 rc1)"
	run relctl verify
	[ "$status" -eq 65 ]
	has "commit ${FORGED:0:12}"
	has "0123456789abcdef0123456789abcdef"
	has "jan cannot decide: only a product-owner can"
	run --separate-stderr relctl verify --json
	[ "$status" -eq 65 ]
	expect "false 1" "$(jq -r '"\(.ok) \(.problems | length)"' <<<"$output")"
	expect "$FORGED 0123456789abcdef0123456789abcdef" "$(jq -r '.problems[0] | "\(.commit) \(.event)"' <<<"$output")"
	[[ "$(jq -r '.problems[0].problem' <<<"$output")" == *"jan cannot decide"* ]]
}

@test "verify: rewriting an old event in a new commit is refused as a change to earlier events" {
	decision_ready
	tip=$(git rev-parse relctl-ledger)
	done_plan=$(ledger "$V" | jq -r '.events[2] | select(.op == "done" and .step == "plan") | .id')
	[ -n "$done_plan" ]
	# shalom edits the note of his own finished plan.
	ledger "$V" | jq '.events[2].note = "plan was fine all along"' >"$TEST_TMP/note.json"
	commit_by_hand "$TEST_TMP/note.json" shalom@example.com "shalom finished plan"
	run relctl verify
	[ "$status" -eq 65 ]
	has "commit ${FORGED:0:12}, event $done_plan"
	has "an earlier event was changed or removed; the ledger is append-only"
	# jan puts his name on shalom's finished plan: that history no longer even
	# replays (shalom held the step), and it is still named a rewrite.
	git update-ref refs/heads/relctl-ledger "$tip"
	ledger "$V" | jq '.events[2].actor = "jan"' >"$TEST_TMP/actor.json"
	commit_by_hand "$TEST_TMP/actor.json" jan@example.com "jan finished plan"
	run --separate-stderr relctl verify --json
	[ "$status" -eq 65 ]
	expect "1 $FORGED" "$(jq -r '"\(.problems | length) \(.problems[0].commit)"' <<<"$output")"
	[[ "$(jq -r '.problems[0].problem' <<<"$output")" == *"an earlier event was changed or removed"* ]]
	# Put back, the ledger verifies again.
	git update-ref refs/heads/relctl-ledger "$tip"
	run relctl verify
	[ "$status" -eq 0 ]
}

@test "verify: a commit whose author is not its event's actor is refused with 65" {
	decision_ready
	tip=$(git rev-parse relctl-ledger)
	# michael's real decision, committed again by hand under maria's name.
	at 8 480 michael decide ship --reason "tests pass"
	real=$(git rev-parse relctl-ledger)
	event=$(ledger "$V" | jq -r '.events[-1].id')
	git update-ref refs/heads/relctl-ledger "$tip"
	FORGED=$(GIT_AUTHOR_NAME=Maria GIT_AUTHOR_EMAIL=maria@example.com git commit-tree "$real^{tree}" -p "$tip" -m "michael decided ship (1.6.0 rc1)")
	git update-ref refs/heads/relctl-ledger "$FORGED"
	run relctl verify
	[ "$status" -eq 65 ]
	has "commit ${FORGED:0:12}, event $event"
	has "the commit's author <maria@example.com> is not the event's actor michael <michael@example.com>"
	run --separate-stderr relctl verify --json
	[ "$status" -eq 65 ]
	expect "$FORGED $event" "$(jq -r '.problems[] | "\(.commit) \(.event)"' <<<"$output")"
	# The same tree under michael's own commit is fine.
	git update-ref refs/heads/relctl-ledger "$real"
	run relctl verify
	[ "$status" -eq 0 ]
}

# ---------- report ----------

@test "report --format md: GitHub tables (header, separator, equal columns), evidence links, both candidates' decisions" {
	use delayed
	run relctl report 2.0.0 --format md
	[ "$status" -eq 0 ]
	has "# Mini 2.0.0: release record"
	has "- rc1: **delay** by michael on 2024-04-10T15:40:00Z: static IP fix is small and safe; ship it in rc2"
	has "- rc2: **ship** by michael on 2024-04-10T21:00:00Z"
	has "| testing | build | done | jan | 2024-04-10T18:00:00Z |  | [1](https://ci.example.com/builds/2.0.0-rc2) |  |"
	has "| publishing | announce | done | lena | 2024-04-11T01:30:00Z |  | [1](https://blog.example.com/2.0.0) |  |"
	has "| major | Static IP: the browser shows an error after saving | test rc1 | maria | 2h | low |"
	# Every table: a header row, then a |---| separator with as many cells, then rows with as many.
	printf '%s\n' "$output" | awk '
		/^\|/ {
			n = gsub(/[^\\]\|/, "&")
			if (!rows) cols = n
			rows++
			if (rows == 2 && $0 !~ /^\|(---\|)+$/) { print "no separator row under the header: " $0; bad = 1 }
			if (n != cols) { print n " cells, not " cols ": " $0; bad = 1 }
			next
		}
		{ if (rows == 1 || rows == 2) { print "a table without rows"; bad = 1 } rows = 0 }
		END { exit bad }'
	# Steps of rc2, steps of rc1 (what the delay reopened, as it was), findings.
	# steps, findings, events and signatures
	[ "$(printf '%s\n' "$output" | grep -c '^|---|')" -eq 4 ]
	has "## Steps (rc2)"
	rc1=$(printf '%s\n' "$output" | sed -n '/^## Steps of rc1, before the delay/,/^## Findings/p')
	[[ "$rc1" == *"| testing | build | done | jan | "*"[1](https://ci.example.com/builds/2.0.0-rc1)"* ]] || { echo "$rc1"; false; }
	[[ "$rc1" != *"2.0.0-rc2"* ]]
}

@test "report --format md of an open release shows pending steps as pending, not ready" {
	use open
	run relctl report 1.6.0
	[ "$status" -eq 0 ]
	has "| testing | build | claimed | jan |"
	has "| testing | test | pending | - |"
	has "| publishing | publish | pending | - |"
}

@test "report --format json parses and has a timeline of both candidates" {
	use delayed
	run relctl report 2.0.0 --format json
	[ "$status" -eq 0 ]
	jq -e . <<<"$output" >/dev/null
	[ "$(jq '.timeline | length' <<<"$output")" -gt 0 ]
	expect "1 2024-04-10T09:30:00Z 2024-04-10T11:30:00Z
2 2024-04-10T16:00:00Z 2024-04-10T18:00:00Z" \
		"$(jq -r '.timeline[] | select(.step == "build") | "\(.candidate) \(.start) \(.end)"' <<<"$output")"
	expect "true true" "$(jq -r '.timeline[] | select(.step == "soak") | "\(.wait) \(.finished)"' <<<"$output")"
	expect "delay ship" "$(jq -r '[.decisions[].decision] | join(" ")' <<<"$output")"
	expect 23 "$(jq '.events | length' <<<"$output")"
}

@test "report --format html --output FILE: one self-contained file with inline CSS and an SVG timeline" {
	use delayed
	run relctl report 2.0.0 --format html --output "$TEST_TMP/report.html"
	[ "$status" -eq 0 ]
	has "wrote $TEST_TMP/report.html"
	html=$(cat "$TEST_TMP/report.html")
	[[ "$html" == "<!DOCTYPE html>"* ]]
	[[ "$html" == *"<style>"* ]]
	[[ "$html" == *"<svg "* ]]
	none -qi '<script' <<<"$html"
	none -qi '<link' <<<"$html"
	none -qiE '@import|@font-face|url\([^#]' <<<"$html"
	# No src= at all; every href= is a link to evidence in an <a>.
	none -qiE '\ssrc=' <<<"$html"
	expect 0 "$(grep -oiE '<[a-z]+[^>]*\shref=' <<<"$html" | grep -vc '^<a ')"
	has_link=$(grep -c '<a href="https://videos.example.com/2.0.0-rc2">' <<<"$html")
	[ "$has_link" -eq 1 ]
	# A bar per step per candidate: 9 (build, test twice), phase colours, the wait hatched.
	expect 9 "$(grep -c '<rect class="bar' <<<"$html")"
	grep -q '<rect class="bar" [^>]*fill="#3b82f6"><title>build (rc1) by jan' <<<"$html"
	grep -q '<rect class="bar" [^>]*fill="#10b981"><title>publish (rc2) by jan' <<<"$html"
	grep -q '<rect class="bar" [^>]*fill="url(#wait)"><title>soak (rc2) by david' <<<"$html"
	grep -q 'class="decision delay"/><text [^>]*>delay rc1</text>' <<<"$html"
}

@test "report html in headless Chromium: no console errors, the timeline is in the DOM, screenshot saved" {
	use delayed
	relctl report 2.0.0 --format html --output "$TEST_TMP/report.html" >/dev/null
	# The console check catches errors: a page with one fails it.
	printf '<!DOCTYPE html><p>x</p><script>console.error("boom"); nosuchfn();</script>\n' >"$TEST_TMP/bad.html"
	chromium_dom "$TEST_TMP/bad.html" /dev/null "$TEST_TMP/bad.log"
	grep -q 'CONSOLE.*Uncaught ReferenceError' "$TEST_TMP/bad.log"
	# The report: its DOM with the log of the page's console.
	chromium_dom "$TEST_TMP/report.html" "$TEST_TMP/dom.html" "$TEST_TMP/console.log"
	if grep -E 'CONSOLE|Uncaught' "$TEST_TMP/console.log"; then
		echo "console errors on the report page"
		return 1
	fi
	grep -q '<svg [^>]*class="timeline"' "$TEST_TMP/dom.html"
	[ "$(grep -c '<rect class="bar' "$TEST_TMP/dom.html")" -ge 1 ]
	grep -q 'class="decision delay"' "$TEST_TMP/dom.html"
	# The picture.
	chromium_screenshot "$TEST_TMP/report.html" "$TEST_TMP/report.png" 1200,1600
	cp "$TEST_TMP/report.png" /tmp/relctl-report-screenshot.png
}

# ---------- 20 releases ----------

# Copies each shipped release of history three times (versions 1.K.1..3,
# every time moved COPY x 5 weeks later, fresh event ids) in one commit,
# with bench/gen.py, so the ledger holds 20 releases.
twenty_releases() {
	ROOT="$ROOT" PYTHONDONTWRITEBYTECODE=1 python3 - <<'EOF'
import os, sys
sys.path.insert(0, os.path.join(os.environ["ROOT"], "bench"))
from gen import copy_releases

copy_releases(".", [(f"1.{k}.0", f"1.{k}.{copy}", 35 * copy) for k in range(1, 6) for copy in range(1, 4)],
              "15 more releases")
EOF
}

@test "20 releases: stats names jan on the critical path and the steps only he does" {
	use history
	twenty_releases
	schema_valid # 20 releases, a delayed one among the fixtures too
	run relctl releases --json
	[ "$status" -eq 0 ]
	expect 20 "$(jq 'if type == "array" then length else .releases | length end' <<<"$output")"
	run relctl stats
	[ "$status" -eq 0 ]
	has "Across 20 releases"
	path=$(section "Critical path")
	risks=$(section "Bus-factor risks")
	grep -Eq '^  build +3h +measured median +jan x20$' <<<"$path" || { echo "$path"; return 1; }
	grep -Eq '^  publish +1h20m +measured median +jan x20$' <<<"$path" || { echo "$path"; return 1; }
	grep -Eq '^  build +only jan \(20 times\)$' <<<"$risks" || { echo "$risks"; return 1; }
	grep -Eq '^  publish +only jan \(20 times\)$' <<<"$risks" || { echo "$risks"; return 1; }
	! grep -Eq '^  (plan|test|soak) ' <<<"$risks" || { echo "$risks"; return 1; }
	# The one line that says it.
	alone=$(section "Alone on the critical path")
	grep -Fxq "  jan is the only one who has done build, publish, on the critical path: pair someone with jan on the next release" <<<"$alone" ||
		{ echo "$alone"; return 1; }
	run relctl stats --json
	expect "build publish" "$(jq -r '[.critical_path.steps[] | select(.people == {"jan": 20}) | .id] | join(" ")' <<<"$output")"
	expect "build publish" "$(jq -r '[.bus_factor_risks[] | select(.person == "jan") | .step] | join(" ")' <<<"$output")"
	expect "20 0.4" "$(jq -r '.releases as $n | .people[] | select(.person == "jan") | "\($n) \(.share)"' <<<"$output")"
}
