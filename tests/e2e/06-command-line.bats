#!/usr/bin/env bats
# The command line itself, whatever the command: help for the groups of
# two-word commands, and every way a command line can be wrong -- a
# misspelt subcommand, a version given two ways, an option given twice,
# --json where the command has --format, an argument that is not UTF-8 or
# too long for the ledger, a file that cannot be written.  Each is refused
# with exactly one "relctl: " line saying what to do, its sysexits code,
# nothing on stdout and no commit.

bats_require_minimum_version 1.5.0

load helper

setup() {
	init_tinypilot
	relctl start 2.6.3 >/dev/null
	as jan claim build-rc >/dev/null
}

teardown() {
	cleanup_repo
}

# refused CODE TEXT ARGS...: relctl ARGS exits CODE with one line on stderr,
# "relctl: " and TEXT in it, nothing on stdout, and the ledger unmoved.
refused() {
	local code=$1 text=$2 tip rc=0
	shift 2
	tip=$(git rev-parse relctl-ledger)
	"$RELCTL" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
	[ "$rc" -eq "$code" ] || { echo "relctl $*: wanted exit $code, got $rc: $(cat "$TEST_TMP/err")"; return 1; }
	[ ! -s "$TEST_TMP/out" ] || { echo "relctl $* wrote to stdout: $(cat "$TEST_TMP/out")"; return 1; }
	[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || { echo "relctl $*: not one line:"; cat "$TEST_TMP/err"; return 1; }
	[[ "$(cat "$TEST_TMP/err")" == "relctl: "*"$text"* ]] || { echo "relctl $*: wanted \"$text\" in: $(cat "$TEST_TMP/err")"; return 1; }
	[ "$(git rev-parse relctl-ledger)" = "$tip" ] || { echo "relctl $* moved the ledger"; return 1; }
}

@test "GROUP --help is the group's help on stdout, as 'relctl help GROUP'" {
	for group in finding checklist playbook keys; do
		run --separate-stderr relctl help "$group"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "usage: relctl $group SUBCOMMAND" ]
		help_output=$output
		for flag in --help -h; do
			run --separate-stderr relctl "$group" "$flag"
			[ "$status" -eq 0 ] || { echo "$group $flag exited $status: $stderr"; return 1; }
			[ -z "$stderr" ]
			same "$help_output" "$output"
		done
	done
	run relctl finding --help
	has "finding add"
	has "record something testing found"
	has "finding update"
	has "finding list"
	# Each subcommand's line has room for the longest name.
	run relctl checklist --help
	[[ "$output" == *"  checklist remove  remove an item"* ]] || { echo "$output"; false; }
}

@test "a misspelt or missing subcommand is one line with a suggestion (64)" {
	refused 64 "unknown command 'finding ad'; did you mean 'finding add'?" finding ad x
	refused 64 "unknown command 'playbook shwo'; did you mean 'playbook show'?" playbook shwo
	refused 64 "unknown command 'checklist rm'; the checklist subcommands are add, remove (see 'relctl help checklist')" \
		checklist rm build-rc x --reason r
	refused 64 "'finding' needs a subcommand (add, update, list); see 'relctl help finding'" finding
	refused 64 "unknown command 'finding ad'; did you mean 'finding add'?" help finding ad
	refused 64 "unknown command 'clam'; did you mean 'claim'?" clam
}

@test "a VERSION and a --release that differ are a usage error naming both (64); equal ones are fine" {
	relctl start 2.7.0 >/dev/null
	for cmd in status next log brief forecast; do
		refused 64 "VERSION 2.6.3 and --release 2.7.0 name two releases; give one of them" "$cmd" 2.6.3 --release 2.7.0
	done
	run relctl status 2.6.3 --release 2.6.3
	[ "$status" -eq 0 ]
	has "2.6.3"
}

@test "an option of one value given twice with different values is refused (64); a repeatable one repeats" {
	refused 64 "--note is given twice; give it once" done build-rc --note first --note second
	refused 64 "--note is given twice; give it once" done build-rc --note=first --note second
	refused 64 "--release is given twice; give it once" status --release 2.6.3 --release 2.7.0
	run as jan done build-rc --note same --note same --evidence https://ci.example.com/1 --evidence https://ci.example.com/2
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(ledger 2.6.3 | jq -c '.events[-1] | [.note, .evidence]')" = '["same",["https://ci.example.com/1","https://ci.example.com/2"]]' ]
}

@test "--json where a command has --format points to --format json; --json and another --format are refused alike" {
	refused 64 "report has no --json; use --format json" report 2.6.3 --json
	refused 64 "--json is --format json; give one of them" brief --format md --json
	refused 64 "--json is --format json; give one of them" stats --format text --json
	refused 64 "--format is text, md or json" brief --format html
	refused 64 "--format is md, html or json" report 2.6.3 --format text
	run --separate-stderr relctl brief --format json --json
	[ "$status" -eq 0 ]
	jq -e .hash <<<"$output" >/dev/null
}

@test "an argument that is not UTF-8 or over the ledger's limits is a usage error naming it (64), not an event's data error" {
	big=$(head -c 70000 /dev/zero | tr '\0' a)
	refused 64 "the title is not valid UTF-8" finding add "$(printf 'bad \377')" --severity minor
	refused 64 "--note is 69 KiB; a text is at most 64 KiB" done build-rc --note "$big"
	refused 64 "--note is not valid UTF-8" done build-rc --note "$(printf 'bad \377\376 byte')"
	refused 64 "--evidence has a line break; a link is one line" done build-rc --evidence "$(printf 'https://a\nb')"
	refused 64 "--evidence is 3 KiB; a link is at most 2 KiB" done build-rc --evidence "https://a/$(head -c 3000 /dev/zero | tr '\0' a)"
	refused 64 "the step is not valid UTF-8" unclaim "$(printf 'build\377')"
	refused 64 "--reason is not valid UTF-8" block build-rc --reason "$(printf '\377')"
	refused 64 "--impact is not valid UTF-8" finding update F-000000 --impact "$(printf '\377')"
	refused 64 "the text is 69 KiB; a text is at most 64 KiB" checklist add test-voyager "$big"
	refused 64 "--until is not valid UTF-8" away --until "$(printf '\377')"
	refused 64 "--target is not valid UTF-8" start 2.8.0 --target "$(printf '\377')"
	# Just under the limit is taken.
	run as jan done build-rc --note "$(head -c 65536 /dev/zero | tr '\0' a)"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "a file that cannot be written says why (74)" {
	refused 74 "cannot write $TEST_TMP/no-such-dir/r.md: No such file or directory; check the path, or give another --output" \
		report 2.6.3 --output "$TEST_TMP/no-such-dir/r.md"
	refused 74 "cannot write /dev/full: No space left on device" report 2.6.3 --output /dev/full
	refused 74 "cannot write $TEST_TMP/no-such-dir/s.html: No such file or directory" \
		stats --format html --output "$TEST_TMP/no-such-dir/s.html"
}

@test "a ref another process has locked: one line that ends with what to do (75), not libgit2's half sentence" {
	git init -q --bare "$TEST_TMP/remote.git"
	git clone -q "$TEST_TMP/remote.git" "$TEST_TMP/clone" 2>/dev/null
	cd "$TEST_TMP/clone"
	git config user.email cristina@example.com
	relctl init --playbook "$PLAYBOOK" >/dev/null
	relctl start 2.6.3 >/dev/null
	as jan claim build-rc >/dev/null
	# relctl's record of the remote tip it accepted, locked as a crashed or running git would leave it.
	lock=$(cd "$(git rev-parse --git-common-dir)" && pwd)/refs/relctl/remotes/origin/relctl-ledger.lock
	[ -f "${lock%.lock}" ]
	# relctl takes a lock older than a second for a dead process's; this one is
	# a minute younger than the clock, so it stays live however slowly a busy
	# machine (or bats --jobs) gets to the command below.
	touch -d "@$(($(date +%s) + 60))" "$lock"
	RELCTL_USER=jan refused 75 "cannot update refs/relctl/remotes/origin/relctl-ledger: another git or relctl process holds $lock; run the command again (if none is running, remove that stale lock file)" \
		done build-rc
	[ "$(ledger 2.6.3 | jq -r '.steps["build-rc"].state')" = claimed ]
	rm "$lock"
	run as jan done build-rc
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}
