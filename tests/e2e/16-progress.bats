#!/usr/bin/env bats
# Progress on long work: verify and sync say how far they are on stderr,
# one line rewritten in place, when stderr is a terminal (here a real
# pseudo-terminal from script(1)) and the work takes longer than a moment
# (RELCTL_PROGRESS_DELAY_MS, a second by default); never when stderr is
# piped, with --json, or with RELCTL_PROGRESS=0.

bats_require_minimum_version 1.5.0

load helper
load sync

setup() {
	init_tinypilot
	relctl start 2.6.3 >/dev/null
	for i in 1 2 3; do
		as jan claim build-rc >/dev/null
		as jan unclaim build-rc >/dev/null
	done
}

teardown() {
	cleanup_repo
}

# on_tty COMMAND: runs COMMAND with stdout and stderr on a pseudo-terminal; $TTY_OUT is what it showed.
on_tty() {
	TTY_OUT="$TEST_TMP/tty.out"
	SHELL=/bin/bash script -qec "$1" /dev/null >"$TTY_OUT"
}

@test "verify on a terminal: 'N of M commits checked', rewritten in place, cleared before the result" {
	on_tty "RELCTL_PROGRESS_DELAY_MS=0 $RELCTL verify"
	grep -qa $'\rrelctl: 1 of 8 commits checked\e\[K' "$TTY_OUT" || { od -c "$TTY_OUT" | head; false; }
	# the line is cleared, and the result starts on a clean line
	grep -qa $'\r\e\[Kledger verified: 8 commits' "$TTY_OUT" || { od -c "$TTY_OUT" | head; false; }
}

@test "no progress when stderr is not a terminal, with --json, with RELCTL_PROGRESS=0, or when it is quick" {
	RELCTL_PROGRESS_DELAY_MS=0 "$RELCTL" verify 2>"$TEST_TMP/err" >/dev/null
	[ ! -s "$TEST_TMP/err" ]
	on_tty "RELCTL_PROGRESS_DELAY_MS=0 $RELCTL verify --json"
	run ! grep -qa "commits checked" "$TTY_OUT"
	jq -e .ok <(tr -d '\r' <"$TTY_OUT") >/dev/null
	on_tty "RELCTL_PROGRESS=0 RELCTL_PROGRESS_DELAY_MS=0 $RELCTL verify"
	run ! grep -qa "commits checked" "$TTY_OUT"
	# The default waits a second: 8 commits are checked long before.
	on_tty "$RELCTL verify"
	run ! grep -qa "commits checked" "$TTY_OUT"
	grep -qa "ledger verified" "$TTY_OUT"
}

@test "sync on a terminal counts the fetched commits it checks" {
	git init -q --bare "$TEST_TMP/remote.git"
	git push -q "$TEST_TMP/remote.git" relctl-ledger
	git clone -q "$TEST_TMP/remote.git" "$TEST_TMP/b" 2>/dev/null
	cd "$TEST_TMP/b"
	git config user.email maria@example.com
	on_tty "RELCTL_PROGRESS_DELAY_MS=0 $RELCTL sync"
	grep -qa $'\rrelctl: 1 of 8 fetched commits checked\e\[K' "$TTY_OUT" || { od -c "$TTY_OUT" | head; false; }
	grep -qa "ledger in sync with origin" "$TTY_OUT"
}
