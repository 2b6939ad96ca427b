#!/usr/bin/env bash
# make bench: relctl next and claim against ledgers of 10 and 500 releases
# (about 100 events each, a week apart), beside the git commands that do the
# least the same work could: cat-file of the release file, and a plumbing
# commit of one file; and relctl stats, which reads every release, with its
# trends as JSON and as the HTML page.  Then a claim through sync against a local bare remote, beside
# git fetch + git push; and relctl board's pages with 100 releases (bench_board).  Prints a markdown table of medians (hyperfine).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RELCTL="$ROOT/relctl"
RUNS=${BENCH_RUNS:-30}
command -v hyperfine >/dev/null || { echo "installing hyperfine"; apt-get install -y -qq hyperfine >/dev/null; }
WORK="$(mktemp -d /tmp/relctl-bench.XXXXXX)"
BOARD_PID=
trap '[ -z "$BOARD_PID" ] || kill "$BOARD_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
export RELCTL_NOW=2024-03-19T10:00:00Z
results="$WORK/results.md"
: >"$results"

as() { local who=$1; shift; RELCTL_USER=$who "$RELCTL" "$@" >/dev/null; }

# pass_all PERSON STEP VERSION: PERSON passes every item of STEP with no result.
pass_all() {
	local who=$1 step=$2 v=$3 item required
	"$RELCTL" check "$step" --release "$v" --json |
		jq -r '.checklist.items[] | select(.removed == null and .result == null) | "\(.id) \(.evidence_required)"' >"$WORK/items"
	while read -r item required; do
		if [ "$required" = true ]; then
			as "$who" check "$step" "$item" pass --evidence "https://example.com/v#$item" --release "$v"
		else
			as "$who" check "$step" "$item" pass --release "$v"
		fi
	done <"$WORK/items"
}

# approve_all PERSON STEP VERSION: PERSON approves every item of STEP that waits for review.
approve_all() {
	local who=$1 step=$2 v=$3 item
	for item in $("$RELCTL" check "$step" --release "$v" --json |
		jq -r '.checklist.items[] | select(.removed == null and .review != null and .review.verdict != "approve") | .id'); do
		as "$who" review "$step" approve --item "$item" --release "$v"
	done
}

# A template release of about 200 events: most of the testing phase, with
# the hand-offs, blocks and review rounds a real release has, and the
# checklists of two device tests; test-diy is left ready for the claim
# benchmark.
make_template() {
	local repo=$1
	git init -q "$repo"
	cd "$repo"
	git config user.email cristina@example.com
	"$RELCTL" init --playbook "$ROOT/playbooks/tinypilot.yaml" >/dev/null
	"$RELCTL" start T >/dev/null
	for round in $(seq 20); do
		as jan claim build-rc --release T; as jan unclaim build-rc --release T
	done
	for round in $(seq 8); do
		as jan claim draft-changelog --release T; as jan block draft-changelog --reason wait --release T
		as jan unblock draft-changelog --release T; as jan unclaim draft-changelog --release T
	done
	as jan claim build-rc --release T; as jan done build-rc --release T --note rc1
	as jan claim update-test-plan --release T; as jan done update-test-plan --release T
	as shalom claim draft-changelog --release T; as shalom done draft-changelog --release T
	as cristina review draft-changelog approve --release T
	as lena claim draft-announcement --release T; as lena done draft-announcement --release T
	as jan review draft-announcement approve --release T
	for s in test-voyager test-update; do
		as david claim $s --release T; pass_all david $s T; as david done $s --evidence https://example.com/v --release T
		item=$("$RELCTL" check $s --release T --json | jq -r '[.checklist.items[] | select(.review != null)][0].id')
		as jan review $s reject --item "$item" --note again --release T
		as david check $s "$item" pass --evidence https://example.com/v2 --release T
		as david done $s --evidence https://example.com/v2 --release T
		approve_all shalom $s T
	done
	as jan claim run-e2e-tests --release T; pass_all jan run-e2e-tests T
	as jan done run-e2e-tests --evidence https://ci.example.com/1 --release T
}

ledger_of() { # N [NAME] -> a new repo whose ledger holds N copies of the template
	local n=$1 repo="$WORK/${2:-ledger-$1}"
	cp -a "$WORK/template" "$repo"
	python3 "$ROOT/bench/gen.py" "$repo" T "$n" --every 7
	echo "$repo"
}

make_template "$WORK/template"
events=$(git -C "$WORK/template" show relctl-ledger:releases/T.json | jq '.events | length')
echo "template release: $events events"

# The clock after the last of N weekly copies started: a claim in one of them
# is judged against its release's start (docs/ledger.md, "Time").
after_copies() { # N
	date -u -d "2024-03-19 10:00:00 UTC + $(($1 * 7)) days" +%Y-%m-%dT%H:%M:%SZ
}

bench_at() {
	local n=$1 repo base
	local RELCTL_NOW
	RELCTL_NOW=$(after_copies "$n")
	export RELCTL_NOW
	repo=$(ledger_of "$n")
	cd "$repo"
	base=$(git rev-parse relctl-ledger)
	local v="1.0.$((n / 2))"
	cat >"$WORK/plumbing.sh" <<PLUMB
set -e
cd "$repo"
export GIT_INDEX_FILE="$WORK/plumbing-index"
blob=\$(git show relctl-ledger:releases/$v.json | git hash-object -w --stdin)
git read-tree relctl-ledger
printf '100644 blob %s\treleases/$v.json\n' "\$blob" | git update-index --index-info
tree=\$(git write-tree)
commit=\$(git commit-tree "\$tree" -p relctl-ledger -m plumbing)
git update-ref refs/heads/relctl-ledger "\$commit"
PLUMB
	hyperfine -N --runs "$RUNS" --warmup 3 --export-json "$WORK/h-$n.json" \
		-n "relctl next ($n releases)" "env RELCTL_USER=cristina $RELCTL next $v" \
		-n "relctl stats --json ($n releases)" "$RELCTL stats --json" \
		-n "relctl stats --format html ($n releases)" "$RELCTL stats --format html" \
		-n "git cat-file -p ($n releases)" "git cat-file -p relctl-ledger:releases/$v.json" \
		--prepare "git update-ref refs/heads/relctl-ledger $base" \
		-n "relctl claim ($n releases)" "env RELCTL_USER=maria $RELCTL claim test-diy --release $v --offline" \
		-n "git plumbing commit ($n releases)" "bash $WORK/plumbing.sh" >"$WORK/hyperfine.log" 2>&1 || { tail -20 "$WORK/hyperfine.log"; exit 1; }
	# hyperfine applies --prepare to every command; for next/cat-file it only resets the ref.
	rows "$WORK/h-$n.json"
}

bench_sync() {
	local repo="$WORK/sync-clone" remote="$WORK/remote.git" base
	local RELCTL_NOW
	RELCTL_NOW=$(after_copies 10)
	export RELCTL_NOW
	cp -a "$(ledger_of 10 sync-source)" "$repo"
	git init -q --bare "$remote"
	cd "$repo"
	git remote add origin "$remote"
	git push -q origin relctl-ledger
	git config relctl.remote origin
	base=$(git rev-parse relctl-ledger)
	hyperfine -N --runs "$RUNS" --warmup 2 --export-json "$WORK/h-sync.json" \
		--prepare "bash -c 'git update-ref refs/heads/relctl-ledger $base && git --git-dir=$remote update-ref refs/heads/relctl-ledger $base && git update-ref refs/remotes/origin/relctl-ledger $base && git update-ref refs/relctl/remotes/origin/relctl-ledger $base'" \
		-n "relctl claim through sync (path remote)" "env RELCTL_USER=maria $RELCTL claim test-diy --release 1.0.5" \
		-n "git fetch + git push (path remote)" "bash -c 'git fetch -q origin relctl-ledger && git commit-tree \$(git rev-parse relctl-ledger^{tree}) -p relctl-ledger -m x | xargs git update-ref refs/heads/relctl-ledger && git push -q origin relctl-ledger'" \
		>"$WORK/hyperfine.log" 2>&1 || { tail -20 "$WORK/hyperfine.log"; exit 1; }
	rows "$WORK/h-sync.json"
}

rows() { # hyperfine JSON -> markdown rows of medians
	jq -r '.results[] | "| \(.command) | \(.median * 1000 | . * 100 | round / 100) | \(.mean * 1000 | . * 100 | round / 100) | \(.min * 1000 | . * 100 | round / 100) | \(.max * 1000 | . * 100 | round / 100) |"' "$1" >>"$results"
}

# A ledger of RELEASES releases of EVENTS events each, one commit per
# event, written by relctl itself (offline): cristina skips and reopens
# draft-changelog (one actor, so one signing key).  Extra git config
# (signing) from $HISTORY_CONFIG.
history_of() { # DIR RELEASES EVENTS [PLAYBOOK]
	local dir=$1 releases=$2 events=$3 playbook=${4:-$ROOT/playbooks/tinypilot.yaml} r e
	git init -q "$dir"
	(
		cd "$dir"
		git config user.email cristina@example.com
		[ -z "${HISTORY_CONFIG:-}" ] || eval "$HISTORY_CONFIG"
		"$RELCTL" init --playbook "$playbook" >/dev/null
		for r in $(seq "$releases"); do
			"$RELCTL" start "h$r" --offline >/dev/null
			for e in $(seq 2 2 "$events"); do
				"$RELCTL" skip draft-changelog --reason later --release "h$r" --offline >/dev/null
				"$RELCTL" reopen draft-changelog --reason now --release "h$r" --offline >/dev/null
			done
			"$RELCTL" skip update-test-plan --reason done --release "h$r" --offline >/dev/null
		done
	)
}

# relctl sync taking 1,000 new commits beside git fetch of them, both into a
# copy of a clone that has the first 100; and relctl verify over 5,000
# commits beside git log -p of the branch.
bench_judge() {
	local label=${1:-unsigned}
	local src="$WORK/judge-src-$label" remote="$WORK/judge-$label.git" clone="$WORK/judge-clone-$label" old
	echo "writing 1,000 $label ledger commits with relctl ..." >&2
	history_of "$src" 10 100 "${2:-}"
	git init -q --bare "$remote"
	git -C "$src" push -q "$remote" relctl-ledger
	old=$(git -C "$src" rev-list relctl-ledger | sed -n 1000p)
	git clone -q --no-checkout "$remote" "$clone.0" 2>/dev/null
	(
		cd "$clone.0"
		git config user.email cristina@example.com
		git config relctl.remote origin
		git update-ref refs/heads/relctl-ledger "$old"
		git update-ref refs/remotes/origin/relctl-ledger "$old"
		git update-ref refs/relctl/remotes/origin/relctl-ledger "$old"
		git reflog expire --expire=now --all && git gc -q --prune=now
	)
	hyperfine -N --runs 10 --warmup 1 --export-json "$WORK/h-judge-$label.json" \
		--prepare "bash -c 'rm -rf $clone && cp -a $clone.0 $clone'" \
		-n "relctl sync, 1,000 new $label commits" "bash -c 'cd $clone && $RELCTL sync'" \
		-n "git fetch, the same 1,000 $label commits" "bash -c 'cd $clone && git fetch -q origin relctl-ledger'" \
		>"$WORK/hyperfine.log" 2>&1 || { tail -20 "$WORK/hyperfine.log"; exit 1; }
	rows "$WORK/h-judge-$label.json"
}

bench_verify() {
	local repo="$WORK/verify-5000"
	echo "writing 5,000 ledger commits with relctl ..." >&2
	history_of "$repo" 50 100
	cd "$repo"
	echo "verify: $(git rev-list --count relctl-ledger) commits" >&2
	hyperfine -N --runs 5 --warmup 1 --export-json "$WORK/h-verify.json" \
		-n "relctl verify, 5,000 commits" "$RELCTL verify" \
		-n "git log -p, the same 5,000 commits" "bash -c 'git log -p relctl-ledger >/dev/null'" \
		>"$WORK/hyperfine.log" 2>&1 || { tail -20 "$WORK/hyperfine.log"; exit 1; }
	rows "$WORK/h-verify.json"
}

# Signing: a signed claim beside an unsigned one, sync of 1,000 signed
# commits, and verify of them.
bench_signed() {
	local keys="$WORK/keys" pb="$WORK/signed.yaml" signed="$WORK/claim-signed" unsigned="$WORK/claim-unsigned" base
	mkdir -p "$keys"
	ssh-keygen -q -t ed25519 -N "" -C cristina -f "$keys/cristina"
	ssh-keygen -q -t ed25519 -N "" -C jan -f "$keys/jan"
	sed -e "s|{id: cristina, \\(.*\\)}|{id: cristina, \\1, keys: [\"$(cat "$keys/cristina.pub")\"]}|" \
		-e "s|{id: jan, \\(.*\\)}|{id: jan, \\1, keys: [\"$(cat "$keys/jan.pub")\"]}|" "$ROOT/playbooks/tinypilot.yaml" >"$pb"
	grep -q 'id: jan.*keys: \["ssh-ed25519' "$pb"
	HISTORY_CONFIG="git config gpg.format ssh; git config user.signingKey $keys/cristina" history_of "$signed" 1 2 "$pb"
	cp -a "$signed" "$unsigned"
	git -C "$signed" config user.signingKey "$keys/jan"
	git -C "$unsigned" config --unset user.signingKey
	base=$(git -C "$signed" rev-parse relctl-ledger)
	hyperfine -N --runs "$RUNS" --warmup 3 --export-json "$WORK/h-signed.json" \
		--prepare "bash -c 'git -C $signed update-ref refs/heads/relctl-ledger $base && git -C $unsigned update-ref refs/heads/relctl-ledger $base'" \
		-n "relctl claim, signed (ssh-keygen -Y sign)" "bash -c 'cd $signed && RELCTL_USER=jan $RELCTL claim build-rc --release h1 --offline'" \
		-n "relctl claim, unsigned" "bash -c 'cd $unsigned && RELCTL_USER=jan $RELCTL claim build-rc --release h1 --offline'" \
		>"$WORK/hyperfine.log" 2>&1 || { tail -20 "$WORK/hyperfine.log"; exit 1; }
	rows "$WORK/h-signed.json"
	HISTORY_CONFIG="git config gpg.format ssh; git config user.signingKey $keys/cristina" bench_judge signed "$pb"
	# verify of that signed history, its signature cache (.git/relctl/signatures) emptied before each run.
	hyperfine -N --runs 5 --warmup 1 --export-json "$WORK/h-verify-signed.json" \
		--prepare "rm -rf $WORK/judge-src-signed/.git/relctl/signatures" \
		-n "relctl verify, 1,000 signed commits (no signature cache)" "bash -c 'cd $WORK/judge-src-signed && $RELCTL verify'" \
		-n "git log -p, the same 1,000 signed commits" "bash -c 'cd $WORK/judge-src-signed && git log -p relctl-ledger >/dev/null'" \
		>"$WORK/hyperfine.log" 2>&1 || { tail -20 "$WORK/hyperfine.log"; exit 1; }
	rows "$WORK/h-verify-signed.json"
}

# A checklist of 200 items: relctl check and next on it, beside a claim and
# next in the template release of today's playbook.  The 200 items replace
# test-diy's; maria holds it with half of them checked.
bench_checklist() {
	local repo="$WORK/checklist-200" pb="$WORK/checklist-200.yaml" base tbase i
	python3 - "$ROOT/playbooks/tinypilot.yaml" "$pb" <<'PY'
import sys
lines, out, i = open(sys.argv[1]).read().split("\n"), [], 0
while i < len(lines):
    out.append(lines[i])
    if lines[i] == "      - id: test-diy":
        while lines[i + 1] != "        checklist:":
            i += 1
            out.append(lines[i])
        out.append(lines[i + 1])
        i += 2
        while lines[i].startswith("          - "):
            i += 1
        out += ["          - {id: item-%d, text: Check %d of the DIY test plan%s}" % (n, n, ", evidence: required" if n % 10 == 0 else "")
                for n in range(1, 201)]
        continue
    i += 1
open(sys.argv[2], "w").write("\n".join(out))
PY
	git init -q "$repo"
	(
		cd "$repo"
		git config user.email cristina@example.com
		"$RELCTL" init --playbook "$pb" >/dev/null
		"$RELCTL" start T >/dev/null
		as jan claim build-rc --release T; as jan done build-rc --release T
		as jan claim update-test-plan --release T; as jan done update-test-plan --release T
		as maria claim test-diy --release T
		for i in $(seq 1 100); do
			if [ $((i % 10)) -eq 0 ]; then
				as maria check test-diy "item-$i" pass --evidence "https://example.com/diy#$i" --release T
			else
				as maria check test-diy "item-$i" pass --release T
			fi
		done
	)
	echo "checklist release: $(git -C "$repo" show relctl-ledger:releases/T.json | jq '.steps["test-diy"].checklist | "\(.total) items, \(.total - .unchecked) checked"')" >&2
	base=$(git -C "$repo" rev-parse relctl-ledger)
	tbase=$(git -C "$WORK/template" rev-parse relctl-ledger)
	hyperfine -N --runs "$RUNS" --warmup 3 --export-json "$WORK/h-checklist.json" \
		--prepare "bash -c 'git -C $repo update-ref refs/heads/relctl-ledger $base && git -C $WORK/template update-ref refs/heads/relctl-ledger $tbase'" \
		-n "relctl claim (today's template release)" "bash -c 'cd $WORK/template && RELCTL_USER=maria $RELCTL claim test-diy --release T --offline'" \
		-n "relctl next (today's template release)" "bash -c 'cd $WORK/template && RELCTL_USER=maria $RELCTL next T'" \
		-n "relctl check, a step of 200 items" "bash -c 'cd $repo && RELCTL_USER=maria $RELCTL check test-diy item-151 pass --release T --offline'" \
		-n "relctl next, holding a step of 200 items" "bash -c 'cd $repo && RELCTL_USER=maria $RELCTL next T'" \
		-n "relctl check STEP --json, 200 items" "bash -c 'cd $repo && RELCTL_USER=maria $RELCTL check test-diy --release T --json'" \
		>"$WORK/hyperfine.log" 2>&1 || { tail -20 "$WORK/hyperfine.log"; exit 1; }
	rows "$WORK/h-checklist.json"
}

# log and show of the current release and of the first one, on a ledger
# whose history holds 50,000 commits: release h1's hundred, then 49,800
# written with git fast-import (other releases' events: the same tree, each
# with its Relctl-Event trailer), then release h2's hundred; beside git log
# of the commits each must read.
bench_history() {
	local repo="$WORK/history-50000" e
	echo "writing a ledger history of 50,000 commits ..." >&2
	history_of "$repo" 1 100
	cd "$repo"
	python3 - "$(git rev-parse relctl-ledger)" <<'PY' | git fast-import --quiet
import sys, uuid
for i in range(49800):
    msg = "relctl: an event of another release\n\nRelctl-Event: %s\n" % uuid.uuid4().hex
    sys.stdout.write("commit refs/heads/relctl-ledger\ncommitter Cristina <cristina@example.com> %d +0000\n" % (1710000000 + i))
    sys.stdout.write("data %d\n%s" % (len(msg), msg))
    if i == 0:
        sys.stdout.write("from %s\n" % sys.argv[1])
    sys.stdout.write("\n")
PY
	"$RELCTL" start h2 --offline >/dev/null
	for e in $(seq 2 2 100); do
		"$RELCTL" skip draft-changelog --reason later --release h2 --offline >/dev/null
		"$RELCTL" reopen draft-changelog --reason now --release h2 --offline >/dev/null
	done
	echo "history: $(git rev-list --count relctl-ledger) commits" >&2
	hyperfine -N --runs 10 --warmup 2 --export-json "$WORK/h-history.json" \
		-n "relctl log, the current release (50,000 commits)" "$RELCTL log --release h2" \
		-n "relctl show STEP, the current release (50,000 commits)" "$RELCTL show draft-changelog --release h2" \
		-n "git log -n 101, the current release's commits" "git log -n 101 --format=%B relctl-ledger" \
		-n "relctl log, the first release (50,000 commits back)" "$RELCTL log --release h1" \
		-n "git log, every commit's message (50,000 commits)" "git log --format=%B relctl-ledger" \
		>"$WORK/hyperfine.log" 2>&1 || { tail -20 "$WORK/hyperfine.log"; exit 1; }
	rows "$WORK/h-history.json"
}

# relctl board's five pages (You, Release, Step, Brief, Findings) with 100
# releases in the ledger, as the release manager sees them (the most forms):
# the server side of each request, as curl times it on the loopback from the
# connection made to the first byte back (time_starttransfer - time_connect:
# curl stamps pretransfer late when it is descheduled, which made some 0.04 ms),
# median of BENCH_BOARD_RUNS requests after 3 to warm up.  The issue's
# target is 50 ms a page.
bench_board() {
	local n=100 repo v log="$WORK/board.log" url base page name path i
	local RELCTL_NOW
	RELCTL_NOW=$(after_copies "$n")
	export RELCTL_NOW
	repo=$(ledger_of "$n" board-100)
	cd "$repo"
	v="1.0.$((n / 2))"
	RELCTL_USER=cristina "$RELCTL" board --no-open >"$log" 2>&1 &
	BOARD_PID=$!
	for i in $(seq 100); do
		grep -q '^relctl board: http' "$log" && break
		sleep 0.1
	done
	url=$(grep -o 'http://127.0.0.1:[0-9]*/?token=[0-9a-f]*' "$log") || { cat "$log"; exit 1; }
	base=${url%%/\?token=*}
	curl -s -c "$WORK/board.cookies" -o /dev/null "$url"
	for page in "You:/?release=$v" "Release:/release?release=$v" "Step:/step?release=$v&step=test-update" \
		"Brief:/brief?release=$v" "Findings:/findings?release=$v"; do
		name=${page%%:*} path=${page#*:}
		[ "$(curl -s -o /dev/null -w '%{http_code}' -b "$WORK/board.cookies" "$base$path")" = 200 ] ||
			{ echo "board: $path is not 200"; exit 1; }
		for i in $(seq $((${BENCH_BOARD_RUNS:-$RUNS} + 3))); do
			curl -s -o /dev/null -b "$WORK/board.cookies" -w '%{time_connect} %{time_starttransfer}\n' "$base$path"
		done | tail -n +4 | python3 -c '
import statistics, sys
ms = [(float(b) - float(a)) * 1000 for a, b in (line.split() for line in sys.stdin)]
r = lambda x: round(x, 2)
print("| relctl board, %s page (%s releases, server side) | %s | %s | %s | %s |" % (
    sys.argv[1], sys.argv[2], r(statistics.median(ms)), r(statistics.mean(ms)), r(min(ms)), r(max(ms))))
' "$name" "$n" >>"$results"
	done
	kill "$BOARD_PID"
	wait "$BOARD_PID" 2>/dev/null || true
	BOARD_PID=
}

# ---------- real history (BENCH_ONLY=real) ----------
# Ledgers played the way a team plays them, one relctl command per event,
# signed (bench/real-history.py, cached in build/bench-cache: the first run
# builds them, later runs reuse them).  At 10 and 100 finished releases (and
# 500 with BENCH_REAL_500=1; BENCH_REAL_COUNTS="1 2" for a quick try), with
# one more release open mid-testing:
# next for each role beside a program that only calls git_libgit2_init()
# with relctl's libraries; a signed claim beside git's signed plumbing
# commit of one file; stats and forecast; verify's time and peak memory
# beside git log -p; log and show of the oldest release beside git log of
# every commit's message.
REAL_CACHE=${BENCH_CACHE:-$ROOT/build/bench-cache}

real_floor() { # -> the path of a program that only initialises libgit2
	local src="$WORK/floor.c" bin="$WORK/floor"
	printf '#include <git2.h>\nint main(void) { git_libgit2_init(); git_libgit2_shutdown(); return 0; }\n' >"$src"
	# --no-as-needed: every library relctl links is loaded and relocated, as in relctl.
	# libcurl, libmicrohttpd and cmark are loaded on first use (library.h), not at start.
	cc -O2 -o "$bin" "$src" -Wl,--no-as-needed $(pkg-config --libs libgit2 libcjson yaml-0.1 openssl)
	echo "$bin"
}

# peak_kb CMD...: the maximum resident set of one run, in KB.
peak_kb() {
	/usr/bin/time -f %M -o "$WORK/peak" "$@" >/dev/null 2>&1
	cat "$WORK/peak"
}

# real_rows JSON: markdown rows of the median wall time and the mean CPU time
# (user + system: what the process itself spent, much less moved by a busy
# machine than the wall clock), into $WORK/real.md.
real_rows() {
	jq -r '.results[] | "| \(.command) | \(.median * 1000 | . * 10 | round / 10) | \((.user + .system) * 1000 | . * 10 | round / 10) | \(.min * 1000 | . * 10 | round / 10) | \(.max * 1000 | . * 10 | round / 10) |"' "$1" >>"$WORK/real.md"
}

as_person() { # PERSON -> the command line that runs relctl as PERSON, with PERSON's signing key
	echo "env HOME=$REAL_CACHE/home/$1 RELCTL_USER=$1 $RELCTL"
}

bench_real_at() {
	local n=$1 floor=$2 repo="$WORK/real-$n" v base old key
	cp -a "$REAL_CACHE/ledger-$n" "$repo"
	v=$(python3 "$ROOT/bench/real-history.py" "$RELCTL" "$REAL_CACHE" --open "$repo")
	cd "$repo"
	echo "real history: $n releases + $v open, $(git rev-list --count relctl-ledger) commits" >&2
	base=$(git rev-parse relctl-ledger)
	old=$(git show relctl-ledger:index.json | jq -r '.releases | keys_unsorted | .[0]')
	key="$REAL_CACHE/home/maria/key"
	cat >"$WORK/real-plumbing.sh" <<PLUMB
set -e
cd "$repo"
export GIT_INDEX_FILE="$WORK/real-plumbing-index"
blob=\$(git show relctl-ledger:releases/$v.json | git hash-object -w --stdin)
git read-tree relctl-ledger
printf '100644 blob %s\treleases/$v.json\n' "\$blob" | git update-index --index-info
tree=\$(git write-tree)
commit=\$(git -c gpg.format=ssh -c user.signingKey=$key commit-tree -S "\$tree" -p relctl-ledger -m plumbing)
git update-ref refs/heads/relctl-ledger "\$commit"
PLUMB
	hyperfine -N --runs "$RUNS" --warmup 3 --export-json "$WORK/h-real-$n.json" \
		-n "git_libgit2_init() only, relctl's libraries ($n releases)" "$floor" \
		-n "relctl next, release manager ($n releases)" "$(as_person cristina) next $v" \
		-n "relctl next, product owner ($n releases)" "$(as_person michael) next $v" \
		-n "relctl next, support ($n releases)" "$(as_person maria) next $v" \
		-n "relctl next, dev ($n releases)" "$(as_person jan) next $v" \
		-n "relctl stats --json ($n releases)" "$RELCTL stats --json" \
		-n "relctl forecast ($n releases)" "$RELCTL forecast $v" \
		-n "relctl log, the oldest release ($n releases)" "$RELCTL log $old" \
		-n "relctl show build-rc, the oldest release ($n releases)" "$RELCTL show build-rc --release $old" \
		-n "git log, every commit's message ($n releases)" "git log --format=%B relctl-ledger" \
		--prepare "git update-ref refs/heads/relctl-ledger $base" \
		-n "relctl claim, signed ($n releases)" "$(as_person maria) claim test-update --release $v --offline" \
		-n "git plumbing commit of one file, signed ($n releases)" "bash $WORK/real-plumbing.sh" \
		>"$WORK/hyperfine.log" 2>&1 || { tail -20 "$WORK/hyperfine.log"; exit 1; }
	git update-ref refs/heads/relctl-ledger "$base"
	real_rows "$WORK/h-real-$n.json"
	hyperfine -N --runs "${BENCH_VERIFY_RUNS:-3}" --warmup "$((${BENCH_VERIFY_RUNS:-3} > 1))" --export-json "$WORK/h-real-verify-$n.json" \
		-n "relctl verify ($n releases)" "$RELCTL verify" \
		-n "git log -p, every commit ($n releases)" "bash -c 'git log -p relctl-ledger >/dev/null'" \
		>"$WORK/hyperfine.log" 2>&1 || { tail -20 "$WORK/hyperfine.log"; exit 1; }
	real_rows "$WORK/h-real-verify-$n.json"
	echo "| relctl verify, peak memory ($n releases) | $(peak_kb "$RELCTL" verify) KB | | | |" >>"$WORK/real.md"
	echo "| git log -p, peak memory ($n releases) | $(peak_kb git log -p relctl-ledger) KB | | | |" >>"$WORK/real.md"
}

bench_real() {
	local counts=${BENCH_REAL_COUNTS:-10 100${BENCH_REAL_500:+ 500}} floor n start
	start=$(date +%s)
	python3 "$ROOT/bench/real-history.py" "$RELCTL" "$REAL_CACHE" $counts
	echo "real history: ledgers ready in $(($(date +%s) - start)) s ($REAL_CACHE)" >&2
	floor=$(real_floor)
	: >"$WORK/real.md"
	for n in $counts; do
		bench_real_at "$n" "$floor"
	done
	echo
	echo "Real history (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
	echo "| Command | Median [ms] | CPU, user + system [ms] | Min [ms] | Max [ms] |"
	echo "|:---|---:|---:|---:|---:|"
	cat "$WORK/real.md"
}
# ---------- end of real history ----------

# BENCH_ONLY="judge verify" runs some of them.
for b in ${BENCH_ONLY:-next sync judge signed verify checklist history board real}; do
	case $b in
	next) bench_at 10 && bench_at 500 ;;
	sync) bench_sync ;;
	judge) bench_judge unsigned ;;
	signed) bench_signed ;;
	verify) bench_verify ;;
	checklist) bench_checklist ;;
	history) bench_history ;;
	board) bench_board ;;
	real) bench_real ;;
	esac
done
echo
echo "| Command | Median [ms] | Mean [ms] | Min [ms] | Max [ms] |"
echo "|:---|---:|---:|---:|---:|"
cat "$results"
