# Shared by the hook suites (load after helper): the TinyPilot release 2.6.3
# played to its publishing phase, the drafts its hooks read, and running
# relctl with every output kept for the secrets checks.
#
#   random_secret            a random token-like value (finding one is proof)
#   write_drafts             changelog/2.6.3.md and announcements/2.6.3.md
#   play_to_device_tests     2.6.3 started here and played up to its device tests
#   play_to_publishing DIR   2.6.3 in a new repository DIR, testing done, shipped
#   publishing               a copy of $FIXTURES/publishing as $REPO (cwd)
#   fresh_repo               an empty repository $REPO of cristina's (cwd)
#   relrun PERSON ARGS...    `run` relctl as PERSON, output kept in $TEST_TMP/outputs
#   expect CODE              the last relrun exited with CODE
#   step ID FIELD            a field of the step in 2.6.3's view
#   ledger_sum [VERSION]     the ledger tip and VERSION's file, to show nothing changed
#   secrets_absent VALUE...  none of the values in git (every object, the history
#                            as patches, reflogs, config) or any kept output
#   started PID              a server to stop in teardown (stop_servers)
#   receiver NAME ARGS...    tests/e2e/receiver.py on a free port of 127.0.0.1 (stopped by stop_servers)
#   port NAME                its port
#   script NAME [PATH=]SEQ   what it answers next
#   rx NAME FILTER           jq over its log as one array
#   deliveries NAME [PATH]   how many requests it got (to PATH)

V=2.6.3

# A random token-like value; secrets are random so that finding one is proof.
random_secret() {
	head -c 24 /dev/urandom | base64 | tr '+/' 'xy'
}

# The changelog and announcement the hook bodies read from the work tree:
# quotes, backslashes, tabs, non-ASCII, and a {{...}} that is text, not a template.
write_drafts() {
	mkdir -p changelog announcements
	printf '%s\n' '# TinyPilot Pro 2.6.3' '' \
		'- Fixed the "static IP" page (it said "saved" but did not save)' \
		'- Windows paths like C:\TinyPilot\logs and a literal \n stay as written' \
		'- {{release.version}} written in a changelog is text, not a template' \
		$'\t- tabbed line, ünïcödé ✓' >"changelog/$V.md"
	printf '%s\n' "# What's new in TinyPilot Pro $V" '' 'Static IPs "just work" now \o/' >"announcements/$V.md"
}

# Release 2.6.3 started in the current repository (relctl init done) and
# played to its device tests: the build, the drafts reviewed, the test plan.
play_to_device_tests() {
	as cristina start "$V" &&
		as jan claim build-rc && as jan done build-rc --evidence https://ci.example.com/b/1 &&
		as shalom claim draft-changelog && as shalom done draft-changelog &&
		as cristina review draft-changelog approve &&
		as lena claim draft-announcement && as lena done draft-announcement &&
		as jan review draft-announcement approve &&
		as jan claim update-test-plan && as jan done update-test-plan
}

# Release 2.6.3 of tinypilot.yaml played to its publishing phase, in DIR.
play_to_publishing() { # DIR
	git init -q "$1"
	cd "$1" || return 1
	git config user.email cristina@example.com
	git config user.name Cristina
	{
		relctl init --playbook "$PLAYBOOK"
		play_to_device_tests
		for s in test-voyager test-update test-diy; do
			as david claim "$s" && pass_items david "$s" && as david done "$s" --evidence "https://videos.example.com/$s"
			approve_items shalom "$s"
		done
		as jan claim run-e2e-tests && pass_items jan run-e2e-tests
		as jan done run-e2e-tests --evidence https://ci.example.com/runs/4411
		as cristina claim review-test-results && as cristina done review-test-results
		as jan input --note "no open blockers; the static IP fix is small"
		as maria input --note "two customers wait for the static IP fix"
		as michael decide ship --reason "all devices green"
	} >"$1.log" 2>&1 || return 1
	[ "$(ledger "$V" | jq -r '.steps["publish-changelog"].state')" = ready ] || return 1
	write_drafts
}

# The release copied at its publishing phase, in $REPO.
publishing() {
	REPO="$TEST_TMP/repo"
	cp -a "$FIXTURES/publishing" "$REPO"
	cd "$REPO" || return 1
}

# relrun PERSON ARGS...: `run` relctl as PERSON, keeping the output for the secrets check.
relrun() {
	local who=$1
	shift
	run as "$who" "$@"
	printf '%s\n' "$output" >>"$TEST_TMP/outputs"
}

# expect CODE: the last relrun exited with CODE.
expect() {
	if [ "$status" -ne "$1" ]; then
		echo "wanted exit $1, got $status: $output"
		return 1
	fi
}

step() { # ID FIELD
	ledger "$V" | jq -r ".steps[\"$1\"].$2"
}

# fresh_repo: an empty repository $REPO of cristina's, the current directory.
fresh_repo() {
	REPO="$TEST_TMP/repo"
	git init -q "$REPO"
	cd "$REPO" || return 1
	git config user.email cristina@example.com
	git config user.name Cristina
}

started() { # PID
	echo "$1" >>"$TEST_TMP/pids"
}

# Stops every server started with started (or listed in $TEST_TMP/pids).
stop_servers() {
	local pid
	if [ -f "$TEST_TMP/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		done <"$TEST_TMP/pids"
	fi
}

ledger_sum() {
	echo "$(git rev-parse relctl-ledger) $(ledger "${1:-$V}" | sha256sum)"
}

secrets_absent() { # VALUE...
	local all="$TEST_TMP/everything" s
	{
		git log -p --all || true
		git cat-file --batch-all-objects --batch || true
		cat .git/config .git/logs/refs/heads/* || true
		cat "$TEST_TMP/outputs"
	} >"$all" 2>&1
	[ -s "$all" ] || { echo "nothing to search"; return 1; }
	for s in "$@"; do
		if grep -aqF -- "$s" "$all"; then
			echo "a secret leaked: $(grep -aF -- "$s" "$all" | head -3)"
			return 1
		fi
	done
}

# ---------- receivers ----------

RECEIVER="$BATS_TEST_DIRNAME/receiver.py"

# receiver NAME ARGS...: starts receiver.py on a free port (killed by teardown).
receiver() {
	local name=$1 dir="$TEST_TMP/rx/$1" i
	shift
	mkdir -p "$dir"
	python3 "$RECEIVER" --port 0 --port-file "$dir/port" --log "$dir/log" "$@" \
		>"$dir/stdout" 2>"$dir/stderr" 3>&- &
	started $!
	for i in $(seq 100); do
		[ -s "$dir/port" ] && return 0
		sleep 0.05
	done
	echo "receiver $name did not start: $(cat "$dir/stderr")"
	return 1
}

port() { # NAME
	cat "$TEST_TMP/rx/$1/port"
}

# script NAME [PATH=]ANSWERS: what the receiver answers next.
script() {
	python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode())).read()' \
		"http://127.0.0.1:$(port "$1")/_script" "$2"
}

# rx NAME FILTER: jq over the receiver's log as one array.
rx() {
	jq -s -r "$2" "$TEST_TMP/rx/$1/log"
}

deliveries() { # NAME [PATH]
	if [ -n "${2:-}" ]; then
		rx "$1" "[.[] | select(.path == \"$2\")] | length"
	else
		rx "$1" length
	fi
}
