#!/usr/bin/env bats
# Time is judged.  A team of clones of one bare remote, each with its own
# fixed clock (RELCTL_NOW), as laptops with their own clocks would be.  A
# dev whose clock is days off is refused by his own relctl, naming the skew;
# forged times pushed with plain git (a 48-hour soak claimed three days
# back and finished at once, a claim dated 1970, a done dated 9999, ten
# days of reminders sent ahead) are refused by everyone else's sync and by
# verify, and the release manager's restore drops them; clocks a couple of
# minutes apart are honest and pass; an offline event that no longer fits
# the times of what changed meanwhile is kept under refs/relctl/rejected/
# with its reason; stats and forecast never show absurd durations.

bats_require_minimum_version 1.5.0

load helper
load hooks
load sync
load judge

V=1.0

setup() {
	setup_repo
	export RELCTL_HOOK_BACKOFF_MS=20
	receiver chat --dedupe
	export LAB_URL="http://127.0.0.1:$(port chat)"
	cat >"$TEST_TMP/timed.yaml" <<'EOF'
relctl: 1
name: Timed
roles: [release-manager, product-owner, dev, support]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: michael, name: Michael, email: michael@example.com, roles: [product-owner]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: shalom, name: Shalom, email: shalom@example.com, roles: [dev]}
  - {id: maria, name: Maria, email: maria@example.com, roles: [support]}
notify: chat
hooks:
  chat:
    url: "${LAB_URL}/chat"
    body: {text: "{{ready.message}}", steps: "{{ready.steps}}"}
    retries: 0
phases:
  - id: testing
    steps:
      - {id: build, title: Build the candidate, owner: dev, due: 2h, estimate: 1h}
      - {id: notes, title: Write the notes, owner: dev, due: 1h, estimate: 1h}
      - {id: soak, title: Soak on the lab devices, kind: wait, min_duration: 48h, owner: dev, needs: [build]}
      - {id: test, title: Test on a device, owner: support, needs: [build], estimate: 2h}
      - {id: decide, title: Ship or delay, kind: decision, owner: product-owner, needs: [soak, test, notes]}
EOF
}

teardown() {
	stop_servers
	servers_stop
	cleanup_repo
}

# A bare remote and clone a (cristina's, where the others' honest commands
# also run) with release 1.0 started at 09:00.
release_started() {
	serve path team
	clone_into a "$URL"
	cd "$TEST_TMP/a"
	at 2026-12-07T09:00:00Z
	relctl init --playbook "$TEST_TMP/timed.yaml" >/dev/null
	relctl start "$V" >/dev/null
}

# Clone b, jan's laptop, synced.
jans_laptop() {
	clone_into b "$URL"
	git -C "$TEST_TMP/b" config user.email jan@example.com
	git -C "$TEST_TMP/b" config user.name Jan
	(cd "$TEST_TMP/b" && relctl sync >/dev/null)
}

# release_started, with jan's build claimed at 09:05 and done at 10:00 (soak and
# test ready since), and jans_laptop.
team() {
	release_started
	at 2026-12-07T09:05:00Z
	as jan claim build >/dev/null
	at 2026-12-07T10:00:00Z
	as jan done build >/dev/null
	jans_laptop
}

# tips_are TIP: the local and the remote ledger are both still at TIP.
tips_are() {
	same "$1" "$(git rev-parse relctl-ledger)"
	same "$1" "$(remote_tip)"
}

# forged FILE FROM TO...: FILE with each FROM time replaced by its TO, as an attacker's sed would.
forged() {
	local file=$1
	shift
	while [ $# -gt 0 ]; do
		sed -i "s/$1/$2/g" "$file"
		shift 2
	done
}

# refused_at TIME COMMIT TEXT: clone a's sync at TIME refuses COMMIT by
# Jan naming TEXT (65, one line), and its ledger stays where it was.
refused_at() {
	local before
	cd "$TEST_TMP/a"
	before=$(git rev-parse relctl-ledger)
	at "$1"
	run relctl sync
	expect 65
	refused_line "$2" "Jan <jan@example.com>" "$3"
	same "$before" "$(git rev-parse relctl-ledger)"
}

# scratch_file COMMIT PATH OUT: PATH as the scratch clone's COMMIT holds it.
scratch_file() {
	git -C "$TEST_TMP/scratch" show "$1:$2" >"$3"
}

@test "a clock three days back: jan's own relctl refuses his claim of the 48-hour soak naming the skew (65), nothing is written" {
	team
	cd "$TEST_TMP/b"
	before=$(git rev-parse relctl-ledger)
	at 2026-12-04T10:01:00Z
	run as jan claim soak
	expect 65
	[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
	same "relctl: your clock is 3 days behind the time soak became ready (2026-12-07T10:00:00Z): this claim of soak would be dated 2026-12-04T10:01:00Z; clocks may be 5 minutes apart at most: fix the clock" "$output"
	tips_are "$before"
	# The clock put right, the same claim goes through.
	at 2026-12-07T10:01:00Z
	run as jan claim soak
	expect 0
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r '.steps.soak | [.state, .holder, .claimed_at] | join(" ")')" = "claimed jan 2026-12-07T10:01:00Z" ]
}

@test "the soak claimed three days back and finished at once, pushed with plain git: sync and verify refuse it naming the skew, the restore drops both" {
	team
	# Honest commands offline at the remote's tip, then their times moved back with sed.
	at 2026-12-07T10:01:17Z
	scratch jan claim soak
	claim=$SCRATCH
	(cd "$TEST_TMP/scratch" && RELCTL_NOW=2026-12-09T10:02:17Z RELCTL_USER=jan "$RELCTL" done soak --offline >/dev/null)
	done_commit=$(git -C "$TEST_TMP/scratch" rev-parse relctl-ledger)
	scratch_file "$claim" "releases/$V.json" "$TEST_TMP/claim.json"
	forged "$TEST_TMP/claim.json" 2026-12-07T10:01:17Z 2026-12-04T10:01:17Z 2026-12-09T10:01:17Z 2026-12-06T10:01:17Z
	scratch_file "$done_commit" "releases/$V.json" "$TEST_TMP/done.json"
	forged "$TEST_TMP/done.json" 2026-12-07T10:01:17Z 2026-12-04T10:01:17Z 2026-12-09T10:02:17Z 2026-12-07T10:02:17Z
	[ "$(jq -r '.events[-1].time' "$TEST_TMP/done.json")" = 2026-12-07T10:02:17Z ]
	push_files Jan jan@example.com "jan claimed soak (1.0 rc1)" "100644:releases/$V.json=$TEST_TMP/claim.json"
	bad=$HAND_COMMIT
	push_files Jan jan@example.com "jan finished soak (1.0 rc1)" "100644:releases/$V.json=$TEST_TMP/done.json"

	refused_at 2026-12-07T10:05:00Z "$bad" "jan's claim of soak is dated 2026-12-04T10:01:17Z, 3 days before the time soak became ready (2026-12-07T10:00:00Z)"
	[ "$(ledger "$V" | jq -r .steps.soak.state)" = ready ]

	# verify on a clone that took the branch with plain git says the same, for good.
	clone_into d "$URL"
	cd "$TEST_TMP/d"
	git fetch -q origin relctl-ledger:relctl-ledger
	run relctl verify
	expect 65
	has "commit ${bad:0:12}"
	has "3 days before the time soak became ready"

	# The release manager's restore drops both forged events; soak is ready again for everyone.
	cd "$TEST_TMP/a"
	run relctl sync --restore
	expect 0
	has "0 events brought back, 2 dropped"
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r '.steps.soak.state')" = ready ]
	[ "$(remote_ledger "$REMOTE" "$V" | jq '[.events[] | select(.step == "soak")] | length')" -eq 0 ]
	same_as_remote
}

@test "a claim dated 1970 and a done dated 9999, pushed with plain git, are refused; after the restore stats and forecast show no absurd durations" {
	team
	at 2026-12-07T10:10:17Z
	scratch jan claim notes
	scratch_file "$SCRATCH" "releases/$V.json" "$TEST_TMP/claim.json"
	forged "$TEST_TMP/claim.json" 2026-12-07T10:10:17Z 1970-01-01T00:00:00Z
	push_files Jan jan@example.com "jan claimed notes (1.0 rc1)" "100644:releases/$V.json=$TEST_TMP/claim.json"
	refused_at 2026-12-07T10:15:00Z "$HAND_COMMIT" "jan's claim of notes is dated 1970-01-01T00:00:00Z, 57 years before release 1.0's start (2026-12-07T09:00:00Z)"
	run relctl sync --restore
	expect 0

	# An honest claim, then a done dated 9999.
	at 2026-12-07T10:20:17Z
	scratch jan claim notes
	claim=$SCRATCH
	(cd "$TEST_TMP/scratch" && RELCTL_NOW=2026-12-07T10:30:17Z RELCTL_USER=jan "$RELCTL" done notes --offline >/dev/null)
	scratch_file "$(git -C "$TEST_TMP/scratch" rev-parse relctl-ledger)" "releases/$V.json" "$TEST_TMP/done.json"
	forged "$TEST_TMP/done.json" 2026-12-07T10:30:17Z 9999-12-31T23:59:59Z
	scratch_file "$claim" "releases/$V.json" "$TEST_TMP/claim.json"
	push_files Jan jan@example.com "jan claimed notes (1.0 rc1)" "100644:releases/$V.json=$TEST_TMP/claim.json"
	push_files Jan jan@example.com "jan finished notes (1.0 rc1)" "100644:releases/$V.json=$TEST_TMP/done.json"
	bad=$HAND_COMMIT
	refused_at 2026-12-07T10:35:00Z "$bad" "jan's clock is 7978 years ahead of the judging clock (2026-12-07T10:35:00Z): this done of notes is dated 9999-12-31T23:59:59Z"
	run relctl sync --restore
	expect 0
	# The done is dropped; the honest claim before it was never refused, and is taken with its time.
	has "0 events brought back, 1 dropped"
	has "1 event received"
	[ "$(ledger "$V" | jq -r '.steps.notes | [.state, .claimed_at] | join(" ")')" = "claimed 2026-12-07T10:20:17Z" ]

	# Every duration stats and forecast give is within a week (the 48-hour soak is the longest step).
	at 2026-12-07T12:00:00Z
	as jan done notes >/dev/null
	run relctl stats --json
	expect 0
	[ "$(jq '[.. | numbers] | max' <<<"$output")" -lt 604800 ] || { echo "$output"; false; }
	run relctl forecast --json
	expect 0
	[ "$(jq '[.. | numbers] | max' <<<"$output")" -lt 604800 ] || { echo "$output"; false; }
	[ "$(jq -r '.finish' <<<"$output")" \< 2026-12-10 ] || { echo "$output"; false; }
}

@test "clocks two minutes apart are honest skew: a claim dated before its step became ready and an event ahead of the judge's clock are both taken, with their own times" {
	team
	# jan's laptop is two minutes slow: build was done at 10:00 by the team's clocks.
	cd "$TEST_TMP/b"
	at 2026-12-07T09:59:00Z
	run as jan claim soak
	expect 0
	# maria's is two minutes fast; jan, still at his slow clock, takes her claim.
	cd "$TEST_TMP/a"
	at 2026-12-07T10:03:30Z
	run as maria claim test
	expect 0
	cd "$TEST_TMP/b"
	at 2026-12-07T09:59:30Z
	run relctl sync
	expect 0
	[ "$(ledger "$V" | jq -r '[.steps.soak.claimed_at, .steps.test.claimed_at] | join(" ")')" = "2026-12-07T09:59:00Z 2026-12-07T10:03:30Z" ]
	same_as_remote
	run relctl verify
	expect 0
}

@test "a clock days ahead: the teammate's own clone cannot tell, everyone else's sync refuses naming the skew, and the restore drops the event" {
	team
	cd "$TEST_TMP/b"
	at 2026-12-10T10:05:00Z
	run as jan claim notes
	expect 0
	bad=$(remote_tip)
	refused_at 2026-12-07T10:05:00Z "$bad" "jan's clock is 3 days ahead of the judging clock (2026-12-07T10:05:00Z): this claim of notes is dated 2026-12-10T10:05:00Z"
	run relctl sync --restore
	expect 0
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r .steps.notes.state)" = ready ]
}

@test "an offline done older than a block and unblock made meanwhile is not applied: sync says so in one line, keeps it under refs/relctl/rejected/ with its reason, and goes on" {
	release_started
	jans_laptop
	cd "$TEST_TMP/b"
	at 2026-12-07T09:05:00Z
	as jan claim notes >/dev/null
	as jan claim build >/dev/null
	# On the train: build done offline at 09:30, notes at 09:31.
	at 2026-12-07T09:30:00Z
	as jan done build --offline >/dev/null
	id=$(ledger "$V" | jq -r '.events[-1].id')
	offline=$(git rev-parse relctl-ledger)
	at 2026-12-07T09:31:00Z
	as jan done notes --offline >/dev/null
	# Meanwhile cristina blocks build and unblocks it.
	cd "$TEST_TMP/a"
	relctl sync >/dev/null
	at 2026-12-07T09:40:00Z
	relctl block build --reason "the build farm is down" >/dev/null
	at 2026-12-07T09:50:00Z
	relctl unblock build >/dev/null

	cd "$TEST_TMP/b"
	at 2026-12-07T10:00:00Z
	run relctl sync
	expect 75
	has "relctl: your offline event was not applied: jan done build at 2026-12-07T09:30:00Z: jan's done of build is dated 2026-12-07T09:30:00Z, 20 minutes before the last change of build (claimed) (2026-12-07T09:50:00Z), which it follows; clocks may be 5 minutes apart at most (kept as refs/relctl/rejected/$id)"
	[ "$(printf '%s\n' "${lines[@]}" | grep -c 'your offline event was not applied')" -eq 1 ]
	# The other offline event went on, with its own time.
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r '.steps.notes | [.state, .done_at] | join(" ")')" = "done 2026-12-07T09:31:00Z" ]
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r .steps.build.state)" = claimed ]
	# Kept: a commit on the offline one holding the event and the reason.
	[ "$(git for-each-ref --format='%(refname)' refs/relctl/rejected/)" = "refs/relctl/rejected/$id" ]
	same "$offline" "$(git rev-parse "refs/relctl/rejected/$id^")"
	[ "$(git show "refs/relctl/rejected/$id:rejected.json" | jq -r '[.event.op, .event.step, .event.time, .commit] | join(" ")')" = "done build 2026-12-07T09:30:00Z $offline" ]
	git show "refs/relctl/rejected/$id:rejected.json" | jq -r .reason | grep -q "20 minutes before the last change of build"
	git log -1 --format=%B "refs/relctl/rejected/$id" | grep -q "20 minutes before the last change of build"
	# Done again now, it goes through.
	run as jan done build
	expect 0
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r '.steps.build | [.state, .done_at] | join(" ")')" = "done 2026-12-07T10:00:00Z" ]
}

@test "remind with the clock ten days ahead does not silence the real reminder of the next day" {
	team
	# Day 0, noon: notes (due 1h after 09:00), which jan holds, is overdue; cristina's cron reminds jan.
	cd "$TEST_TMP/a"
	at 2026-12-07T09:10:00Z
	as jan claim notes >/dev/null
	at 2026-12-07T12:00:00Z
	run as cristina remind
	expect 0
	has "cristina reminded jan of notes"
	# jan, holding it, runs remind with his clock on each of the next ten days.
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
	for d in 08 09 10 11 12 13 14 15 16 17; do
		RELCTL_NOW=2026-12-${d}T12:10:00Z as jan remind >/dev/null 2>&1 || true
	done
	[ "$(remote_ledger "$REMOTE" "$V" | jq '[.reminders[] | select(.at > "2026-12-08")] | length')" -ge 10 ]
	first=$(git --git-dir="$REMOTE" log --reverse --format=%H "$(git -C "$TEST_TMP/a" rev-parse relctl-ledger)..relctl-ledger" | head -1)
	# The team's clocks refuse them.
	refused_at 2026-12-07T12:10:00Z "$first" "jan's clock is 1 day ahead of the judging clock (2026-12-07T12:10:00Z)"
	run relctl sync --restore
	expect 0
	[ "$(remote_ledger "$REMOTE" "$V" | jq '[.reminders[] | select(.at > "2026-12-08")] | length')" -eq 0 ]
	# Day 1: the real reminder goes out and is recorded.
	at 2026-12-08T12:00:00Z
	run as cristina remind
	expect 0
	has "cristina reminded jan of notes"
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r '[.reminders[] | select(.kind == "reminder" and .person == "jan") | .at] | join(" ")')" = "2026-12-07T12:00:00Z 2026-12-08T12:00:00Z" ]
}
