#!/usr/bin/env bash
# Runs every suite against one build: the cmocka unit tests, then the bats
# end-to-end tests of the real binary.  Appends "MODE SUITE PASSED FAILED"
# lines to the results file for tests/summary.sh.
#   tests/run.sh MODE BUILD_DIR RESULTS_FILE
set -u
mode=$1 build=$2 results=$3
cd "$(dirname "$0")/.."
mkdir -p "$(dirname "$results")"
status=0

count() { # TAP text on stdin -> "passed failed"
	awk '/^ok /{p++} /^not ok /{f++} END{printf "%d %d\n", p, f}'
}

for bin in "$build"/tests/test_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1)
	rc=$?
	read -r passed failed <<<"$(printf '%s\n' "$out" | count)"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		failed=1 # crashed or a sanitizer stopped it before it could report
	fi
	if [ "$failed" -ne 0 ]; then
		printf '%s\n' "$out" | grep -v '^ok ' | tail -40
		status=1
	fi
	echo "$mode $name $passed $failed" >>"$results"
	echo "[$mode] $name: $passed passed, $failed failed"
done

if [ -n "$(ls tests/e2e/*.bats 2>/dev/null)" ]; then
	out=$(RELCTL="$PWD/$build/relctl" RELCTL_BUILD="$PWD/$build" bats --tap tests/e2e 2>&1)
	rc=$?
	read -r passed failed <<<"$(printf '%s\n' "$out" | count)"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		failed=1
	fi
	if [ "$failed" -ne 0 ]; then
		printf '%s\n' "$out" | awk '/^not ok /{show=1} /^ok /{show=0} show' | head -150
		status=1
	fi
	echo "$mode e2e $passed $failed" >>"$results"
	echo "[$mode] e2e (bats): $passed passed, $failed failed"
fi
exit $status
