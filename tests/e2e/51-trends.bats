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

ts() { # SECONDS since the epoch -> RFC 3339
	TZ=UTC printf '%(%Y-%m-%dT%H:%M:%SZ)T' "$1"
}

at() { # BASE MINUTES PERSON ARGS...: relctl as PERSON at BASE + MINUTES; must succeed
	local base=$1 min=$2 who=$3 out
	shift 3
	out=$(RELCTL_NOW=$(ts $((base + min * 60))) RELCTL_USER=$who "$RELCTL" "$@" 2>&1) ||
		{ echo "fixture: relctl $* (as $who, +${min}m) failed: $out" >&2; return 1; }
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
