#!/usr/bin/env bats
# Trends across releases (issue 16): is the founder off the critical path
# yet, how long releases take, what the steps cost a year, and how many
# steps only one person has done, release after release.
#
# 22 releases of a small playbook ("Pilot": build, test and the decision in
# phase testing; publish, a wait step soak and announce in phase publishing)
# are played with the real binary, RELCTL_NOW set for every command, so each
# number below can be worked out by hand from the RELEASES table.
#
# The story: michael, the founder, does nearly everything at first (5 of 6
# steps: maria always soaks), hands testing to support from 1.6.0, builds,
# publishing and announcing to the devs and lena from 1.11.0, and from 1.16.0
# even the decision, to olga, the new product owner: from most steps to none.
# 1.12.0 is delayed once (rc1's test finds a bug): build and test run twice.
#
# Times.  Release j (0-based, the row) starts at T0 + j x 36.525 days, so
# 22 releases over 21 x 36.525 days are exactly 10 releases a year (a year
# is 365.25 days).  Minutes after the start, with B, T, P, A of the row:
#   build 10 -> 10+B; test 15+B -> 15+B+T; decide ship at S = 30+B+T;
#   soak S+5 -> S+155 (the last step done: complete at S+155);
#   publish S+10 -> S+10+P; announce S+15+P -> S+15+P+A.
# B and T were chosen so that S = 600 - 10j + e (minutes), e repeating
# +20 -20 -20 +20 for j = 0..19 and 0 for j = 20, 21 (so e adds nothing to
# the sums below nor to the slope), plus the delay's 300 minutes in 1.12.0.

load helper
load insight
bats_require_minimum_version 1.5.0

T0=1672650000    # 2023-01-02T09:00:00Z
EVERY=3155760    # 36.525 days in seconds

#   version starter  builder B   tester  T    publisher P  announcer A  decider
RELEASES=(
	"1.1.0  michael  michael 120 michael 470  michael  60  michael  60  michael"
	"1.2.0  michael  michael 120 michael 420  michael  60  michael  60  michael"
	"1.3.0  michael  michael 120 michael 410  michael  60  michael  60  michael"
	"1.4.0  michael  michael 120 michael 440  michael  60  michael  60  michael"
	"1.5.0  michael  michael 120 michael 430  michael  60  michael  60  michael"
	"1.6.0  michael  michael 120 david   380  michael  60  michael  60  michael"
	"1.7.0  michael  michael 120 maria   370  michael  60  michael  60  michael"
	"1.8.0  michael  michael 120 david   400  michael  60  michael  60  michael"
	"1.9.0  michael  michael 120 maria   390  michael  60  michael  60  michael"
	"1.10.0 michael  michael 120 david   340  michael  60  michael  60  michael"
	"1.11.0 cristina jan     90  david   360  jan      45  lena     30  michael"
	"1.12.0 delayed" # see play_delayed
	"1.13.0 cristina jan     90  david   380  jan      45  lena     30  michael"
	"1.14.0 cristina shalom  90  maria   330  jan      45  lena     30  michael"
	"1.15.0 cristina shalom  90  david   320  jan      45  lena     30  michael"
	"1.16.0 cristina jan     90  maria   350  shalom   45  lena     30  olga"
	"1.17.0 cristina shalom  90  david   340  jan      45  lena     30  olga"
	"1.18.0 cristina jan     90  maria   290  shalom   45  lena     30  olga"
	"1.19.0 cristina shalom  90  david   280  jan      45  lena     30  olga"
	"1.20.0 cristina jan     90  maria   310  shalom   45  lena     30  olga"
	"1.21.0 cristina shalom  90  david   280  jan      45  lena     30  olga"
	"1.22.0 cristina jan     90  maria   270  shalom   45  lena     30  olga"
)

write_playbook() {
	cat >"$1" <<'EOF'
relctl: 1
name: "Pilot <Pro> & 'Co'"
roles: [release-manager, product-owner, dev, support, marketing]
people:
  - {id: michael, name: Michael, email: michael@example.com, roles: [product-owner, release-manager, dev, support, marketing]}
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: olga, name: Olga, email: olga@example.com, roles: [product-owner]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: shalom, name: Shalom, email: shalom@example.com, roles: [dev]}
  - {id: david, name: David, email: david@example.com, roles: [support]}
  - {id: maria, name: Maria, email: maria@example.com, roles: [support]}
  - {id: lena, name: Lena, email: lena@example.com, roles: [marketing]}
phases:
  - id: testing
    steps:
      - {id: build, title: Build the release candidate, instructions: "make rc", owner: dev, estimate: 2h}
      - {id: test, title: Test the candidate, instructions: "Run the plan.", owner: support, needs: [build], estimate: 6h}
      - {id: decide, title: Ship or delay, instructions: "Read the brief.", kind: decision, owner: product-owner, needs: [test], on_delay: [build, test]}
  - id: publishing
    steps:
      - {id: publish, title: Publish the release, instructions: "make publish", owner: dev, estimate: 1h}
      - {id: soak, title: Watch the bug reports, instructions: "Watch the tracker.", kind: wait, min_duration: 2h, owner: support}
      - {id: announce, title: Announce the release, instructions: "Write the post.", owner: marketing, needs: [publish], estimate: 1h}
EOF
}

at() { # BASE MINUTES PERSON ARGS...: relctl as PERSON at BASE + MINUTES; must succeed
	local base=$1 min=$2 who=$3
	shift 3
	relctl_at $((base + min * 60)) "$who" "$@"
}

publishing() { # BASE S PUBLISHER P ANNOUNCER A: the publishing phase after a ship at minute S
	local base=$1 s=$2 pub=$3 p=$4 ann=$5 a=$6
	at "$base" $((s + 5)) maria claim soak &&
		at "$base" $((s + 10)) "$pub" claim publish &&
		at "$base" $((s + 10 + p)) "$pub" done publish --evidence "https://example.com/releases/$base" &&
		at "$base" $((s + 15 + p)) "$ann" claim announce &&
		at "$base" $((s + 15 + p + a)) "$ann" done announce --evidence "https://blog.example.com/$base" &&
		at "$base" $((s + 155)) maria done soak
}

play() { # ROW-INDEX
	local j=$1 base=$((T0 + $1 * EVERY)) v st bu b te t pu p an a de s
	read -r v st bu b te t pu p an a de <<<"${RELEASES[$1]}"
	[ "$st" = delayed ] && { play_delayed "$v" "$base"; return; }
	s=$((30 + b + t))
	at "$base" 0 "$st" start "$v" &&
		at "$base" 10 "$bu" claim build &&
		at "$base" $((10 + b)) "$bu" done build --note "rc1" &&
		at "$base" $((15 + b)) "$te" claim test &&
		at "$base" $((15 + b + t)) "$te" done test --note "plan passed" &&
		at "$base" "$s" "$de" decide ship --reason "tests pass" &&
		publishing "$base" "$s" "$pu" "$p" "$an" "$a"
}

# 1.12.0: maria's rc1 test (105 -> 285) finds a bug, michael delays at 300;
# jan builds rc2 (310 -> 400), david tests it (405 -> 795), ship at 810.
play_delayed() { # VERSION BASE
	local v=$1 base=$2 f
	at "$base" 0 cristina start "$v" &&
		at "$base" 10 jan claim build && at "$base" 100 jan done build --note rc1 &&
		at "$base" 105 maria claim test &&
		at "$base" 200 maria finding add "Static IP: an error page before the new address loads" --severity major --step test &&
		at "$base" 285 maria done test --note "static IP broken" || return 1
	f=$(git show "relctl-ledger:releases/$v.json" | jq -r '.findings[0].id')
	at "$base" 290 jan finding update "$f" --estimate 2h --risk low &&
		at "$base" 300 michael decide delay --reason "fix the error page in rc2" &&
		at "$base" 310 jan claim build && at "$base" 400 jan done build --note rc2 &&
		at "$base" 405 david claim test && at "$base" 795 david done test --note "static IP works" &&
		at "$base" 800 maria finding update "$f" --close --note "fixed in rc2" &&
		at "$base" 810 michael decide ship --reason "rc2 fixes the error page" &&
		publishing "$base" 810 jan 45 lena 30
}

# Fixtures: pilot (the 22 releases), open (pilot + 1.23.0, started on time
# with jan's build claimed and nothing done).
setup_file() {
	export FIX="$BATS_FILE_TMPDIR/fixtures"
	mkdir -p "$FIX"
	write_playbook "$FIX/pilot.yaml"
	git init -q "$FIX/pilot" && cd "$FIX/pilot" || return 1
	git config user.email cristina@example.com
	git config user.name Cristina
	RELCTL_NOW=2023-01-01T00:00:00Z "$RELCTL" init --playbook "$FIX/pilot.yaml" >/dev/null || return 1
	for j in "${!RELEASES[@]}"; do
		play "$j" || return 1
	done
	cp -a "$FIX/pilot" "$FIX/open"
	cd "$FIX/open" || return 1
	at $((T0 + 22 * EVERY)) 0 cristina start 1.23.0 && at $((T0 + 22 * EVERY)) 10 jan claim build
}

setup() {
	TEST_TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/relctl-e2e.XXXXXX")"
	unset RELCTL_USER NO_COLOR
	export RELCTL_NOW=2025-03-01T09:00:00Z
}

teardown() {
	cleanup_repo
}

stats_json() { # ARGS...: relctl stats --json ARGS into $output, which must succeed
	run --separate-stderr relctl stats --json "$@"
	[ "$status" -eq 0 ] || { echo "exit $status: $stderr"; return 1; }
}

# ---------- who does the release ----------

@test "trends: the founder's share of the steps goes from most to none, release by release" {
	use pilot
	stats_json
	expect 22 "$(jq '.by_release | length' <<<"$output")"
	# Oldest first, each release's own order.
	expect "1.1.0 1.2.0 1.3.0 1.4.0 1.5.0 1.6.0 1.7.0 1.8.0 1.9.0 1.10.0 1.11.0 1.12.0 1.13.0 1.14.0 1.15.0 1.16.0 1.17.0 1.18.0 1.19.0 1.20.0 1.21.0 1.22.0" \
		"$(jq -r '[.by_release[].version] | join(" ")' <<<"$output")"
	# 6 steps done in every release (the decision counts: it is a step).  michael:
	# 5 of 6 (0.833) to 1.5.0, 4 of 6 (0.667) to 1.10.0, only the decision
	# (1 of 6, 0.167) to 1.15.0, then nothing.
	expect "0.833 0.833 0.833 0.833 0.833 0.667 0.667 0.667 0.667 0.667 0.167 0.167 0.167 0.167 0.167 0 0 0 0 0 0 0" \
		"$(jq -r '[.by_release[] | ([.people[] | select(.person == "michael") | .share] | first // 0)] | map(tostring) | join(" ")' <<<"$output")"
	expect "6" "$(jq -r '[.by_release[].steps_done] | unique | map(tostring) | join(" ")' <<<"$output")"
	# Every release's people, most steps first, then by id: person:steps:share.
	expect "1.1.0 michael:5:0.833 maria:1:0.167
1.2.0 michael:5:0.833 maria:1:0.167
1.3.0 michael:5:0.833 maria:1:0.167
1.4.0 michael:5:0.833 maria:1:0.167
1.5.0 michael:5:0.833 maria:1:0.167
1.6.0 michael:4:0.667 david:1:0.167 maria:1:0.167
1.7.0 michael:4:0.667 maria:2:0.333
1.8.0 michael:4:0.667 david:1:0.167 maria:1:0.167
1.9.0 michael:4:0.667 maria:2:0.333
1.10.0 michael:4:0.667 david:1:0.167 maria:1:0.167
1.11.0 jan:2:0.333 david:1:0.167 lena:1:0.167 maria:1:0.167 michael:1:0.167
1.12.0 jan:2:0.333 david:1:0.167 lena:1:0.167 maria:1:0.167 michael:1:0.167
1.13.0 jan:2:0.333 david:1:0.167 lena:1:0.167 maria:1:0.167 michael:1:0.167
1.14.0 maria:2:0.333 jan:1:0.167 lena:1:0.167 michael:1:0.167 shalom:1:0.167
1.15.0 david:1:0.167 jan:1:0.167 lena:1:0.167 maria:1:0.167 michael:1:0.167 shalom:1:0.167
1.16.0 maria:2:0.333 jan:1:0.167 lena:1:0.167 olga:1:0.167 shalom:1:0.167
1.17.0 david:1:0.167 jan:1:0.167 lena:1:0.167 maria:1:0.167 olga:1:0.167 shalom:1:0.167
1.18.0 maria:2:0.333 jan:1:0.167 lena:1:0.167 olga:1:0.167 shalom:1:0.167
1.19.0 david:1:0.167 jan:1:0.167 lena:1:0.167 maria:1:0.167 olga:1:0.167 shalom:1:0.167
1.20.0 maria:2:0.333 jan:1:0.167 lena:1:0.167 olga:1:0.167 shalom:1:0.167
1.21.0 david:1:0.167 jan:1:0.167 lena:1:0.167 maria:1:0.167 olga:1:0.167 shalom:1:0.167
1.22.0 maria:2:0.333 jan:1:0.167 lena:1:0.167 olga:1:0.167 shalom:1:0.167" \
		"$(jq -r '.by_release[] | "\(.version) \([.people[] | "\(.person):\(.steps):\(.share)"] | join(" "))"' <<<"$output")"
	# Over the range (the existing people key, with the new fields): michael did
	# 5x5 + 4x5 + 1x5 = 50 of the 132 steps (0.379), the last in 1.15.0; the
	# product owners and release managers are named as such.
	# maria: soak 22 times and the final test of 1.7.0, 1.9.0, 1.14.0 and the four
	# even releases from 1.16.0; david: 3 + 4 + 3 tests; jan: 7 builds and 8
	# publishes; shalom 5 and 4; lena 12 announcements; olga 7 decisions.
	expect "david 10 0.076 David false false 1.21.0
jan 15 0.114 Jan false false 1.22.0
lena 12 0.091 Lena false false 1.22.0
maria 29 0.22 Maria false false 1.22.0
michael 50 0.379 Michael true true 1.15.0
olga 7 0.053 Olga true false 1.22.0
shalom 9 0.068 Shalom false false 1.22.0" \
		"$(jq -r '.people | sort_by(.person)[] | "\(.person) \(.steps_done) \(.share) \(.name) \(.product_owner) \(.release_manager) \(.last_release)"' <<<"$output")"
}

@test "trends: a person with no step in the last N finished releases is off the critical path since the next one" {
	use pilot
	stats_json
	# michael's last step was the decision of 1.15.0: 1.16.0 .. 1.22.0 are 7 without.
	expect 3 "$(jq .off_after <<<"$output")"
	expect '[{"last_release":"1.15.0","person":"michael","releases_without":7,"since":"1.16.0"}]' \
		"$(jq -cS .off_critical_path <<<"$output")"
	# Everyone else did a step in 1.20.0 .. 1.22.0; david's last is 1.21.0, so
	# with N = 1 he is off too (in the order people first did a step).
	stats_json --off-after 1
	expect "michael 1.16.0 7
david 1.22.0 1" "$(jq -r '.off_critical_path[] | "\(.person) \(.since) \(.releases_without)"' <<<"$output")"
	stats_json --off-after 7
	expect "michael" "$(jq -r '[.off_critical_path[].person] | join(" ")' <<<"$output")"
	stats_json --off-after 8
	expect "[]" "$(jq -c .off_critical_path <<<"$output")"
	run relctl stats --off-after 0
	[ "$status" -eq 64 ]
	has "--off-after needs a positive number"
}

@test "trends: an open release does not count towards N, and is listed with what it has so far" {
	use open
	# 1.23.0 is open: jan has claimed its build, nothing is done.  It is not one of
	# the N finished releases, so david is still off after 1.22.0 alone.
	stats_json --off-after 1
	expect 23 "$(jq '.by_release | length' <<<"$output")"
	expect "michael 1.16.0 8
david 1.22.0 2" "$(jq -r '.off_critical_path[] | "\(.person) \(.since) \(.releases_without)"' <<<"$output")"
	stats_json --off-after 8
	expect "[]" "$(jq -c .off_critical_path <<<"$output")"
	expect "1.23.0 open 1 null null null null [] 0 [] 1" \
		"$(jq -r '.by_release[-1] | "\(.version) \(.status) \(.candidate) \(.shipped) \(.completed) \(.start_to_ship_seconds) \(.start_to_complete_seconds) \(.delays | tojson) \(.steps_done) \(.people | tojson) \(.single_person_steps)"' <<<"$output")"
}

# ---------- lead time ----------

@test "trends: lead time per release from start to ship and to complete, the delay marked" {
	use pilot
	stats_json
	# In minutes: ship at S = 30 + B + T, complete at S + 155 (soak done), then
	# the delays (candidate @ minutes): 1.12.0 shipped at 810 (rc2), delayed at
	# 300 by michael's rc1 decision.
	expect "1.1.0 620 775 -
1.2.0 570 725 -
1.3.0 560 715 -
1.4.0 590 745 -
1.5.0 580 735 -
1.6.0 530 685 -
1.7.0 520 675 -
1.8.0 550 705 -
1.9.0 540 695 -
1.10.0 490 645 -
1.11.0 480 635 -
1.12.0 810 965 rc1@300
1.13.0 500 655 -
1.14.0 450 605 -
1.15.0 440 595 -
1.16.0 470 625 -
1.17.0 460 615 -
1.18.0 410 565 -
1.19.0 400 555 -
1.20.0 430 585 -
1.21.0 400 555 -
1.22.0 390 545 -" \
		"$(jq -r '.by_release[] | "\(.version) \(.start_to_ship_seconds / 60) \(.start_to_complete_seconds / 60) \([.delays[] | "rc\(.candidate)@\(.after_seconds / 60)"] | join(",") | if . == "" then "-" else . end)"' <<<"$output")"
	expect "complete 1 complete 2 complete 1" \
		"$(jq -r '.by_release[10, 11, 12] | "\(.status) \(.candidate)"' <<<"$output" | paste -sd' ')"
	# Release j starts at T0 + j x 36.525 days; shipped and completed are those
	# times plus the seconds above.
	expect 0 "$(jq --argjson t0 1672650000 --argjson every 3155760 '[.by_release | to_entries[] | .value as $r
		| select(($r.started | fromdate) != $t0 + .key * $every
			or ($r.shipped | fromdate) - ($r.started | fromdate) != $r.start_to_ship_seconds
			or ($r.completed | fromdate) - ($r.started | fromdate) != $r.start_to_complete_seconds)] | length' <<<"$output")"
	expect "2024-02-08T03:36:00Z 2024-02-08T17:06:00Z 2024-02-08T19:41:00Z" \
		"$(jq -r '.by_release[11] | "\(.started) \(.shipped) \(.completed)"' <<<"$output")"
	# Medians (nearest rank: the 11th of 22, sorted 390 400 400 410 430 440 450 460
	# 470 480 [490] ...): 490 minutes to ship, 645 to complete.
	# Trend: least squares over x = 0..21 (mean 10.5, sum of squares 885.5); the
	# line 600 - 10x and e contribute -10 minutes a release, the delay 300 minutes
	# at x = 11: + 0.5 x 300 / 885.5 minutes.  -600 + 9000 / 885.5 = -589.84 s.
	# At x = 0: the mean 11190 / 22 minutes (30518.18 s) + 589.84 x 10.5 = 36711.46 s;
	# to complete, 155 minutes (9300 s) more.
	expect "22 29400 8h10m -590 36711 down 10m per release
22 38700 10h45m -590 46011 down 10m per release" \
		"$(jq -r '.lead_time[] | "\(.count) \(.median_seconds) \(.median) \(.trend_seconds_per_release) \(.trend_at_first_seconds) \(.trend)"' <<<"$output")"
}

# ---------- step cost per year ----------

@test "trends: step cost per year is the work per finished release times 10 releases a year, ranked" {
	use pilot
	stats_json --automation publish=10h --automation test=2d
	expect '{"days":767.03,"first":"1.1.0","from":"2023-01-02T09:00:00Z","last":"1.22.0","releases_per_year":10,"to":"2025-02-07T09:36:00Z"}' \
		"$(jq -cS .range <<<"$output")"
	expect "10 22" "$(jq -r '.step_cost | "\(.releases_per_year) \(.releases_measured)"' <<<"$output")"
	# Work in minutes over the 22 releases, every round:
	#   test: the T column, 7560 without 1.12.0, plus its 180 (rc1) and 390 (rc2) = 8130 in 23 rounds
	#   build: 10 x 120 + 11 x 90 + 1.12.0's 2 x 90 = 2370 in 23 rounds
	#   publish: 10 x 60 + 12 x 45 = 1140; announce: 10 x 60 + 12 x 30 = 960
	# per release = minutes x 60 / 22; per year x 10; hours a year = minutes / 132.
	# Automation: publish 10h = 36000 / 31090.9 = 1.16 years; test 2d = 172800 / 221727.3 = 0.78.
	expect "test support 23 487800 22173 221727 61.59 172800 0.78
build dev 23 142200 6464 64636 17.95 null null
publish dev 22 68400 3109 31091 8.64 36000 1.16
announce marketing 22 57600 2618 26182 7.27 null null" \
		"$(jq -r '.step_cost.steps[] | "\(.step) \(.owner) \(.rounds) \(.work_seconds) \(.per_release_seconds) \(.per_year_seconds) \(.hours_per_year) \(.automation_seconds) \(.payback_years)"' <<<"$output")"
	# The wait step apart: 150 minutes in each release, 25 hours a year of waiting; the decision is not work.
	expect "soak support 22 198000 9000 90000 25 null null" \
		"$(jq -r '.step_cost.waits[] | "\(.step) \(.owner) \(.rounds) \(.work_seconds) \(.per_release_seconds) \(.per_year_seconds) \(.hours_per_year) \(.automation_seconds) \(.payback_years)"' <<<"$output")"
	expect 0 "$(jq '[.step_cost[] | arrays | .[] | select(.step == "decide")] | length' <<<"$output")"
}

@test "trends: --automation is refused for a wait step, the decision, an unknown step or a bad duration" {
	use pilot
	run relctl stats --automation soak=1h
	[ "$status" -eq 64 ]
	has "soak is a wait step, its time is not work"
	run relctl stats --automation decide=1h
	[ "$status" -eq 64 ]
	has "decide is a decision step"
	run relctl stats --automation nosuch=1h
	[ "$status" -eq 64 ]
	has "--automation needs STEP=DURATION with a step of the playbook, like build=10h"
	run relctl stats --automation publish=soon
	[ "$status" -eq 64 ]
	run relctl stats --automation publish
	[ "$status" -eq 64 ]
}

@test "trends: an open release is not measured for cost, but its start counts for the pace" {
	use open
	stats_json
	# 23 starts over 22 x 36.525 days: still 10 a year; the costs are those of the 22 finished.
	expect "10 22" "$(jq -r '.step_cost | "\(.releases_per_year) \(.releases_measured)"' <<<"$output")"
	expect "test 487800 22173
build 142200 6464" "$(jq -r '.step_cost.steps[0, 1] | "\(.step) \(.work_seconds) \(.per_release_seconds)"' <<<"$output")"
	# No ship nor completion yet: the lead times are those of the 22.
	expect "22 22" "$(jq -r '"\(.lead_time.start_to_ship.count) \(.lead_time.start_to_complete.count)"' <<<"$output")"
}

# ---------- bus factor over time ----------

@test "trends: the bus factor after each release, the steps only one person has done so far" {
	use pilot
	stats_json
	# To 1.5.0 michael did all but soak (maria's); david's test in 1.6.0 makes two
	# who can test; jan's build and publish and lena's announcement in 1.11.0 leave
	# michael alone on the decision until olga's in 1.16.0; maria soaks alone throughout.
	all="build:michael test:michael decide:michael publish:michael soak:maria announce:michael"
	b="build:michael decide:michael publish:michael soak:maria announce:michael"
	c="decide:michael soak:maria"
	expect "1.1.0 6 0 $all
1.2.0 6 0 $all
1.3.0 6 0 $all
1.4.0 6 0 $all
1.5.0 6 0 $all
1.6.0 5 0 $b
1.7.0 5 0 $b
1.8.0 5 0 $b
1.9.0 5 0 $b
1.10.0 5 0 $b
1.11.0 2 0 $c
1.12.0 2 0 $c
1.13.0 2 0 $c
1.14.0 2 0 $c
1.15.0 2 0 $c
1.16.0 1 0 soak:maria
1.17.0 1 0 soak:maria
1.18.0 1 0 soak:maria
1.19.0 1 0 soak:maria
1.20.0 1 0 soak:maria
1.21.0 1 0 soak:maria
1.22.0 1 0 soak:maria" \
		"$(jq -r '.by_release[] | "\(.version) \(.single_person_steps) \(.never_done) \([.alone[] | "\(.step):\(.person)"] | join(" "))"' <<<"$output")"
	# After the last release, the same as the bus-factor risks over the whole range.
	expect '[{"person":"maria","step":"soak","times":22}]' "$(jq -cS .bus_factor_risks <<<"$output")"
	expect "$(jq -c '[.bus_factor_risks[] | {step, person}]' <<<"$output")" "$(jq -c '.by_release[-1].alone' <<<"$output")"
}

@test "trends: before a step is ever done it counts as never done, not as alone" {
	use open
	# 1.23.0 adds nothing: its build is only claimed.
	stats_json --last 1
	expect "1.23.0 0 6 []" "$(jq -r '.by_release[0] | "\(.version) \(.single_person_steps) \(.never_done) \(.alone | tojson)"' <<<"$output")"
}

# ---------- the range ----------

@test "trends: --since VERSION and --last N limit every figure to the releases they name" {
	use pilot
	stats_json --since 1.16.0
	expect "7 1.16.0 1.22.0 10" "$(jq -r '"\(.releases) \(.range.first) \(.range.last) \(.range.releases_per_year)"' <<<"$output")"
	expect "1.16.0 1.17.0 1.18.0 1.19.0 1.20.0 1.21.0 1.22.0" "$(jq -r '[.by_release[].version] | join(" ")' <<<"$output")"
	# michael did nothing in these, so he is not even in them; "ever" is within the
	# range: from 1.17.0 on, only olga decided, only lena announced, only maria soaked.
	expect "[]" "$(jq -c '[.by_release[].people[] | select(.person == "michael")]' <<<"$output")"
	expect "[]" "$(jq -c .off_critical_path <<<"$output")"
	expect "6 3 3 3 3 3 3" "$(jq -r '[.by_release[].single_person_steps] | map(tostring) | join(" ")' <<<"$output")"
	expect "decide:olga soak:maria announce:lena" "$(jq -r '[.by_release[-1].alone[] | "\(.step):\(.person)"] | join(" ")' <<<"$output")"
	# S = 470 460 410 400 430 400 390 minutes: median the 4th of 7 (410); slope over
	# x = 0..6 (mean 3, sum of squares 28): (-3x470 - 2x460 - 410 + 430 + 2x400 + 3x390) / 28
	# = -340 / 28 minutes = -728.57 s.
	expect "7 24600 -729 down 12m per release" \
		"$(jq -r '.lead_time.start_to_ship | "\(.count) \(.median_seconds) \(.trend_seconds_per_release) \(.trend)"' <<<"$output")"
	# test: 350 + 340 + 290 + 280 + 310 + 280 + 270 = 2120 minutes over 7 = 18171.43 s; 2120 / 42 = 50.48 hours a year.
	expect "test 18171 50.48" "$(jq -r '.step_cost.steps[0] | "\(.step) \(.per_release_seconds) \(.hours_per_year)"' <<<"$output")"
	stats_json --last 3 --off-after 1
	expect "1.20.0 1.21.0 1.22.0" "$(jq -r '[.by_release[].version] | join(" ")' <<<"$output")"
	expect "david 1.22.0" "$(jq -r '.off_critical_path[] | "\(.person) \(.since)"' <<<"$output")"
	stats_json --since 1.16.0 --last 3
	expect "1.20.0 1.22.0" "$(jq -r '"\(.range.first) \(.range.last)"' <<<"$output")"
	stats_json --since 1.20.0 --last 5
	expect "1.20.0 1.22.0 3" "$(jq -r '"\(.range.first) \(.range.last) \(.releases)"' <<<"$output")"
	run relctl stats --since 9.9.9
	[ "$status" -eq 66 ]
	has "there is no release 9.9.9; 'relctl releases' lists them"
}

@test "trends: a single release has no pace, no yearly cost and no trend" {
	use pilot
	stats_json --last 1
	expect "null null null null null" \
		"$(jq -r '"\(.range.releases_per_year) \(.step_cost.releases_per_year) \(.step_cost.steps[0].hours_per_year) \(.lead_time.start_to_ship.trend_seconds_per_release) \(.lead_time.start_to_ship.trend)"' <<<"$output")"
	# 1.22.0 alone: shipped after 390 minutes.
	expect "1 23400 6h30m" "$(jq -r '"\(.lead_time.start_to_ship.count) \(.lead_time.start_to_ship.median_seconds) \(.lead_time.start_to_ship.median)"' <<<"$output")"
}

# ---------- what stays ----------

@test "trends: the keys stats had before keep their meaning" {
	use pilot
	stats_json
	expect "22 true true true true true" \
		"$(jq -r '"\(.releases) \(has("steps")) \(has("phases")) \(has("bus_factor_risks")) \(has("people")) \(has("critical_path"))"' <<<"$output")"
	# claim-to-done medians of the final records: build 90 minutes (12 of 22 are 90),
	# test the 11th of the T column with 1.12.0's rc2 (390): 360 minutes.
	expect "build 22 5400 test 22 21600" \
		"$(jq -r '[.steps[0, 1] | .id, .claim_to_done.count, .claim_to_done.median_seconds] | map(tostring) | join(" ")' <<<"$output")"
}

@test "trends: stats reads each finished release from its summary cached by blob id; a warm, garbled, older or another release's cache file gives the same figures" {
	use open
	cache=.git/relctl/summaries
	rm -rf "$cache"
	stats_json
	cold=$output
	run --separate-stderr relctl stats --format html
	[ "$status" -eq 0 ]
	page=$output
	# The 22 finished releases, each under its file's blob id, what next and forecast read
	# apart from the figures stats reads; the open 1.23.0 changes with every event.
	[ "$(find "$cache" -name '*.figures.json' | wc -l)" -eq 22 ]
	[ "$(find "$cache" -name '*.json' | wc -l)" -eq 44 ]
	blob=$(git rev-parse relctl-ledger:releases/1.12.0.json) other=$(git rev-parse relctl-ledger:releases/1.1.0.json)
	[ ! -e "$cache/$(git rev-parse relctl-ledger:releases/1.23.0.json).json" ]
	figures=$cache/$blob.figures.json
	# 1.12.0 was delayed once: build and test ran twice.
	jq -e '.version == "1.12.0" and .candidate == 2 and .delays[0].label == "rc1" and
		(.steps[] | select(.id == "build") | .rounds == 2 and .work == 10800 and .performer == "jan")' "$figures"
	stats_json
	[ "$output" = "$cold" ]
	run --separate-stderr relctl stats --format html
	[ "$output" = "$page" ]

	# Not a summary, with a terminal escape in it: made again, and the figures stay.
	for file in "$cache/$blob.json" "$figures"; do
		printf 'not json \033[2J' >"$file"
		stats_json
		[ "$output" = "$cold" ]
		jq -e '.version == "1.12.0"' "$file"
	done

	# Figures of the format before: made again.
	jq -c '.summary = 1' "$figures" >"$TEST_TMP/older.json"
	cp "$TEST_TMP/older.json" "$figures"
	stats_json
	[ "$output" = "$cold" ]
	jq -e '.summary == 2' "$figures"

	# Another release's summary or figures under 1.12.0's id (no delay, one round) are not 1.12.0's.
	for file in json figures.json; do
		cp "$cache/$other.$file" "$cache/$blob.$file"
		stats_json
		[ "$output" = "$cold" ]
		jq -e '.version == "1.12.0"' "$cache/$blob.$file"
	done

	# A field out of its range (a negative round count): refused, made again.
	jq -c '.steps[0].rounds = -1' "$figures" >"$TEST_TMP/negative.json"
	cp "$TEST_TMP/negative.json" "$figures"
	stats_json --since 1.12.0
	since=$output
	jq -e '.steps[0].rounds >= 0' "$figures"
	rm -rf "$cache"
	stats_json --since 1.12.0
	[ "$output" = "$since" ]
}

# ---------- text ----------

section() { # TITLE: the lines of $output from the one starting with TITLE to the next blank line
	printf '%s\n' "$output" | sed -n "/^$1/,/^\$/p"
}

@test "trends text: short tables of the last 10 releases, who is off, and the costliest steps" {
	use pilot
	run relctl stats --automation publish=10h
	[ "$status" -eq 0 ]
	rel=$(section "Releases")
	[[ "$rel" == "Releases (the last 10 of 22; --format html shows them all)"* ]] || { echo "$rel"; false; }
	expect 13 "$(wc -l <<<"$rel")" # title, header, 10 releases, the lead time line (and the blank)
	grep -Eq '^  1\.13\.0 +8h20m +10h55m +0 +2 +jan 33%, david 17%, lena 17%, \+2$' <<<"$rel" || { echo "$rel"; false; }
	grep -Eq '^  1\.22\.0 +6h30m +9h5m +0 +1 +maria 33%, jan 17%, lena 17%, \+2$' <<<"$rel" || { echo "$rel"; false; }
	grep -Fxq "  lead time to ship: median 8h10m, down 10m per release; to complete: median 10h45m, down 10m per release" <<<"$rel" ||
		{ echo "$rel"; false; }
	grep -Fxq "  michael since 1.16.0 (7 releases without a step; the last in 1.15.0)" <<<"$(section "Off the critical path")"
	cost=$(section "Step cost per year")
	[[ "$cost" == "Step cost per year: work claimed-to-done per finished release (22) x 10 releases a year"* ]] || { echo "$cost"; false; }
	grep -Eq '^  test +6h9m +61\.59 +- +-$' <<<"$cost" || { echo "$cost"; false; }
	grep -Eq '^  publish +51m +8\.64 +10h +1\.16 years$' <<<"$cost" || { echo "$cost"; false; }
	grep -Fxq "  waits (elapsed, not work): soak 2h30m per release" <<<"$cost" || { echo "$cost"; false; }
	# The point of it all stays last.
	expect "  maria is the only one who has done soak, on the critical path: pair someone with maria on the next release" \
		"$(printf '%s\n' "$output" | tail -1)"
}

@test "trends text --output FILE: the same text, without colour, in the file" {
	use pilot
	run relctl stats --output "$TEST_TMP/stats.txt"
	[ "$status" -eq 0 ]
	expect "wrote $TEST_TMP/stats.txt" "$output"
	expect "$(relctl stats)" "$(cat "$TEST_TMP/stats.txt")"
	run relctl stats --format json --output "$TEST_TMP/stats.json"
	[ "$status" -eq 0 ]
	expect "$(relctl stats --json)" "$(cat "$TEST_TMP/stats.json")"
	run relctl stats --output /nonexistent/dir/stats.txt
	[ "$status" -eq 74 ]
	has "cannot write /nonexistent/dir/stats.txt"
}

@test "trends: --format is text, json or html, and --json cannot say otherwise" {
	use pilot
	expect "$(relctl stats --json)" "$(relctl stats --format json)"
	expect "$(relctl stats --json)" "$(relctl stats --format json --json)"
	expect "$(relctl stats)" "$(relctl stats --format text)"
	run relctl stats --format xml
	[ "$status" -eq 64 ]
	has "--format is text, json or html"
	run relctl stats --json --format html
	[ "$status" -eq 64 ]
	has "--json is --format json; give one of them"
}

# ---------- the page ----------

@test "trends html: one self-contained page, every ledger text escaped, each chart drawn from the JSON" {
	use pilot
	run relctl stats --format html --output "$TEST_TMP/trends.html"
	[ "$status" -eq 0 ]
	has "wrote $TEST_TMP/trends.html"
	html=$(cat "$TEST_TMP/trends.html")
	[[ "$html" == "<!DOCTYPE html>"* ]]
	[[ "$html" == *"<style>"* ]]
	# Nothing fetched, nothing run, nowhere to go: no scripts, links, sources or external urls.
	none -qi '<script' <<<"$html"
	none -qi '<link' <<<"$html"
	none -qiE '\s(src|href)=' <<<"$html"
	none -qiE '@import|@font-face|url\([^#]' <<<"$html"
	# The playbook's name, from the ledger, is escaped.
	grep -Fq "<title>Pilot &lt;Pro&gt; &amp; &#39;Co&#39;: release trends</title>" <<<"$html"
	none -qF "<Pro>" <<<"$html"
	# The answer, first.
	grep -Fq "After 1.22.0, 1 step only one person has ever done: <b>maria</b> (soak)." <<<"$html"
	grep -Fq "michael since 1.16.0 (no step in the last 7 releases)" <<<"$html"
	grep -Fq "<b>What costs us the most:</b> test 61.59 hours a year, build 17.95 hours a year, publish 8.64 hours a year." <<<"$html"
	# Who does the release: one segment per person per release (the people of
	# every release above: 10 + 9 + 4 + 15 + 5 + 6 + 4 x 5 + 3 x 6 = 87), the
	# product owners' outlined: michael's 15, olga's 7.
	expect 87 "$(grep -c '<rect class="seg' <<<"$html")"
	expect 15 "$(grep -c '<rect class="seg po"[^>]*><title>[^<]*michael did' <<<"$html")"
	expect 7 "$(grep -c '<rect class="seg po"[^>]*><title>[^<]*olga did' <<<"$html")"
	grep -Fq '<title>1.1.0: michael did 5 of 6 steps (83%)</title>' <<<"$html"
	grep -q 'class="off"[^>]*/><text class="offlabel"[^>]*>michael off the critical path since 1.16.0</text>' <<<"$html"
	# Lead time: 22 columns each way, the one delay, the median and both trends.
	expect "22 22 1" "$(grep -c '<rect class="ship"' <<<"$html") $(grep -c '<rect class="complete"' <<<"$html") $(grep -c '<circle class="delay"' <<<"$html")"
	grep -Fq '<title>1.12.0: rc1 delayed after 5h</title>' <<<"$html"
	grep -Fq '<title>median to ship 8h10m</title>' <<<"$html"
	expect 2 "$(grep -c '<line class="trend' <<<"$html")"
	# Step cost: a bar for each step with work, costliest first.
	expect "test build publish announce" "$(grep -o '<text class="label" x="192" y="[0-9]*">[a-z]*</text><rect class="costbar"' <<<"$html" | sed 's/.*>\([a-z]*\)<\/text>.*/\1/' | paste -sd' ')"
	grep -Fq '61.59 hours a year (6h9m &#215; 10)' <<<"$html"
	# Bus factor: a column per release.
	expect 22 "$(grep -c '<rect class="single"' <<<"$html")"
	grep -Fq '<title>1.5.0: 6 steps only one person has done</title>' <<<"$html"
	grep -Fq '<title>1.22.0: 1 step only one person has done</title>' <<<"$html"
}

@test "trends html in headless Chromium: no console errors, the four charts in the DOM, screenshot saved" {
	use pilot
	relctl stats --format html --automation publish=10h --output "$TEST_TMP/trends.html" >/dev/null
	chromium_dom "$TEST_TMP/trends.html" "$TEST_TMP/dom.html" "$TEST_TMP/console.log"
	if grep -E 'CONSOLE|Uncaught' "$TEST_TMP/console.log"; then
		echo "console errors on the trends page"
		return 1
	fi
	for chart in shares lead cost bus; do
		grep -q "<svg [^>]*class=\"$chart\"" "$TEST_TMP/dom.html" || { echo "no $chart chart in the DOM"; return 1; }
	done
	[ "$(grep -c '<rect class="seg' "$TEST_TMP/dom.html")" -eq 87 ]
	chromium_screenshot "$TEST_TMP/trends.html" "$TEST_TMP/trends.png" 1100,2300
	cp "$TEST_TMP/trends.png" /tmp/relctl-trends-screenshot.png
}

@test "trends of a ledger with no release yet: empty, said so in text and on the page" {
	git init -q "$TEST_TMP/empty" && cd "$TEST_TMP/empty"
	git config user.email cristina@example.com
	relctl init --playbook "$FIX/pilot.yaml" >/dev/null
	stats_json
	expect '0 [] [] null 0 null' \
		"$(jq -c '[.releases, .by_release, .off_critical_path, .range.releases_per_year, .step_cost.releases_measured, .lead_time.start_to_ship.median_seconds] | map(tojson) | join(" ")' -r <<<"$output")"
	run relctl stats
	[ "$status" -eq 0 ]
	has "Step cost per year: no finished release to measure yet"
	relctl stats --format html --output "$TEST_TMP/empty.html" >/dev/null
	grep -Fq "<b>Is anyone still alone?</b> No release yet." "$TEST_TMP/empty.html"
	grep -Fq "<p>No finished release to measure yet.</p>" "$TEST_TMP/empty.html"
}
