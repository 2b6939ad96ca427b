#!/usr/bin/env bash
# Runs every suite against one build: the cmocka unit binaries, all at once
# (a few seconds; not beside bats, as test_judge times its linear-time
# checks), then the end-to-end tests of the real binary with bats --jobs (GNU parallel: tests of one file and different files run side
# by side; each test has its own temporary folder and free ports).  Prints
# each suite's counts and time, every failure in full (in test order, never
# interleaved), the slowest tests, and appends "MODE SUITE PASSED FAILED"
# lines to the results file for tests/summary.sh.
#   tests/run.sh MODE BUILD_DIR RESULTS_FILE [BATS_FILE...]
# (the bats files default to every one of tests/e2e).
# TEST_JOBS sets how many tests run at once (default: twice the cores, as
# many tests wait on servers, timeouts and child processes).
set -u
mode=$1 build=$2 results=$3
shift 3
cd "$(dirname "$0")/.."
out="$build/test-output"
# Longest files first, so that the last to finish is a short one: by the
# seconds each took in this build's previous run ($build/e2e-times), else
# (a fresh clone) these, measured under ASan, before the rest.
LONGEST="31-checklists 30-delayed-release 80-board 20-sync-remotes 21-sync-race 40-hooks 24-sync-judge
29-reserve-escapes 39-runtime-playbook 10-release-lifecycle 04-completion 05-packaging 25-signed-ledger 22-sync-faults"
if [ $# -eq 0 ]; then
	set -- tests/e2e/*.bats
fi
ordered=$(
	for f in "$@"; do
		name=$(basename "$f" .bats) seconds=
		[ -f "$build/e2e-times" ] && seconds=$(awk -v n="$name" '$2 == n {print $1}' "$build/e2e-times")
		if [ -z "$seconds" ]; then
			rank=$(echo $LONGEST | tr ' ' '\n' | grep -nx "$name" | cut -d: -f1)
			seconds=$((rank ? 100000 - rank : 0))
		fi
		printf '%s %s\n' "$seconds" "$f"
	done | sort -s -k1,1nr | cut -d' ' -f2-
)
mapfile -t files <<<"$ordered"
set -- "${files[@]}"
mkdir -p "$(dirname "$results")"
rm -rf "$out"
mkdir -p "$out/units" "$out/e2e"
jobs=${TEST_JOBS:-$(($(nproc 2>/dev/null || echo 1) * 2))}
if ! command -v parallel >/dev/null; then
	echo "[$mode] no GNU parallel (make deps installs it): the e2e tests run one at a time"
	jobs=1
fi
status=0

# The tests start python3 a few hundred times (free ports, schema checks,
# receivers).  Where python3 is a version manager's shim (pyenv's costs
# about half a second of CPU per start), give the tests the interpreter it
# picks, started directly: the same python, with the same modules.
python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -n "$python" ] && [ "$(command -v python3)" != "$python" ]; then
	mkdir -p "$out/bin"
	printf '#!/bin/sh\nexec %q "$@"\n' "$python" >"$out/bin/python3"
	chmod +x "$out/bin/python3"
	export PATH="$PWD/$out/bin:$PATH"
fi

# Sanitizer reports name frames as (MODULE+OFFSET) when symbolize=0 (make
# check-asan, for speed): name their functions and lines here, where a
# failure is shown, with addr2line.  Other lines pass through unchanged.
symbolize() {
	local line module offset where
	while IFS= read -r line; do
		if [[ "$line" =~ ^(.*\ #[0-9]+\ 0x[0-9a-f]+)\ +\(([^+\ ]+)\+(0x[0-9a-f]+)\)$ ]] &&
			[ -f "${BASH_REMATCH[2]}" ] && command -v addr2line >/dev/null; then
			module=${BASH_REMATCH[2]} offset=${BASH_REMATCH[3]}
			where=$(addr2line -f -C -p -e "$module" "$offset" 2>/dev/null | head -1)
			case $where in
			'' | '?? ??:0') printf '%s\n' "$line" ;;
			*) printf '%s in %s (%s+%s)\n' "${BASH_REMATCH[1]}" "$where" "$module" "$offset" ;;
			esac
		else
			printf '%s\n' "$line"
		fi
	done
}

count() { # TAP text on stdin -> "passed failed"
	awk '/^ok /{p++} /^not ok /{f++} END{printf "%d %d\n", p, f}'
}

# unit BIN: runs one cmocka binary, its TAP in $out/units/NAME.tap, its exit
# status and wall time in NAME.rc.
unit() {
	local name start rc
	name=$(basename "$1")
	start=$EPOCHREALTIME
	CMOCKA_MESSAGE_OUTPUT=TAP "$1" >"$out/units/$name.tap" 2>&1
	rc=$?
	echo "$rc $(awk "BEGIN{print $EPOCHREALTIME - $start}")" >"$out/units/$name.rc"
}

unit_pids=()
units_start=$EPOCHREALTIME
for bin in "$build"/tests/test_*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	unit "$bin" &
	unit_pids+=($!)
done
wait "${unit_pids[@]}"
units_seconds=$(awk "BEGIN{printf \"%.0f\", $EPOCHREALTIME - $units_start}")

e2e_start=$(date +%s)
if [ "$mode" = plain ]; then
	# The plain pass also tries every command a refusal suggests (tests/e2e/hint-check).
	export RELCTL_HINT_CHECK="$PWD/$out/hints.log"
	: >"$RELCTL_HINT_CHECK"
fi
if [ -e "$1" ]; then
	planned=$(bats --count "$@")
	RELCTL="$PWD/$build/relctl" RELCTL_BUILD="$PWD/$build" \
		bats --tap --timing --jobs "$jobs" --report-formatter junit --output "$out/e2e" "$@" \
		>"$out/e2e.tap" 2>&1 </dev/null
	rc=$?
fi
e2e_seconds=$(($(date +%s) - e2e_start))

for tap in "$out"/units/*.tap; do
	[ -e "$tap" ] || continue
	name=$(basename "$tap" .tap)
	read -r urc seconds <"$out/units/$name.rc"
	read -r passed failed <<<"$(count <"$tap")"
	if [ "$urc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		failed=1 # crashed or a sanitizer stopped it before it could report
	fi
	if [ "$failed" -ne 0 ]; then
		grep -v '^ok ' "$tap" | tail -40 | symbolize
		status=1
	fi
	echo "$mode $name $passed $failed" >>"$results"
	printf '[%s] %s: %d passed, %d failed (%.1f s)\n' "$mode" "$name" "$passed" "$failed" "$seconds"
done
echo "[$mode] unit binaries, side by side: ${units_seconds} s"

if [ -e "$out/e2e.tap" ]; then
	read -r passed failed <<<"$(count <"$out/e2e.tap")"
	# A test bats never reported (a crash of bats itself, a killed file) fails too.
	missing=$((planned - passed - failed))
	[ "$missing" -le 0 ] || failed=$((failed + missing))
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		failed=1
	fi
	if [ "$failed" -ne 0 ]; then
		awk '/^not ok /{show=1} /^ok /{show=0} show' "$out/e2e.tap" | head -300 | symbolize
		if [ "$missing" -gt 0 ]; then
			echo "[$mode] $missing of $planned e2e tests never reported; bats said:"
			tail -20 "$out/e2e.tap"
		fi
		status=1
	fi
	# Per file: tests, failures and the time its tests took (they overlap under --jobs).
	python3 - "$mode" "$out/e2e" <<-'PY'
		import glob, sys, xml.etree.ElementTree as ET
		for path in glob.glob(sys.argv[2] + "/*.xml"):
		    try:
		        root = ET.parse(path).getroot()
		    except ET.ParseError as e:
		        # The per-file table is a summary: the TAP above has every result.
		        print("[%s]   no per-file times: %s is not complete (%s)" % (sys.argv[1], path, e))
		        continue
		    for suite in root.iter("testsuite"):
		        print("[%s]   %-28s %3s tests, %s failed, %6.1f s of test time" % (
		            sys.argv[1], suite.get("name"), suite.get("tests"), int(suite.get("failures") or 0) + int(suite.get("errors") or 0),
		            float(suite.get("time") or 0)))
	PY
	# Each file's summed test time, for the next run's order (files not run keep theirs).
	python3 - "$out/e2e" "$build/e2e-times" <<-'PY'
		import glob, os, sys, xml.etree.ElementTree as ET
		times = {}
		try:
		    for line in open(sys.argv[2]):
		        seconds, name = line.split()
		        times[name] = float(seconds)
		except (OSError, ValueError):
		    pass
		for path in glob.glob(sys.argv[1] + "/*.xml"):
		    try:
		        root = ET.parse(path).getroot()
		    except ET.ParseError:
		        continue
		    for suite in root.iter("testsuite"):
		        times[os.path.basename(suite.get("name") or "").removesuffix(".bats")] = float(suite.get("time") or 0)
		with open(sys.argv[2], "w") as f:
		    for name, seconds in sorted(times.items()):
		        if name:
		            f.write("%.0f %s\n" % (seconds, name))
	PY
	echo "[$mode] slowest e2e tests:"
	sed -En 's/^ok [0-9]+ (.*[^ #]) (# )?in ([0-9]+) ?ms$/\3 \1/p' "$out/e2e.tap" | sort -rn | head -8 |
		awk '{ms=$1; $1=""; printf "[%s]   %6.1f s %s\n", mode, ms / 1000, $0}' mode="$mode"
	echo "$mode e2e $passed $failed" >>"$results"
	echo "[$mode] e2e (bats, $jobs jobs): $passed passed, $failed failed in ${e2e_seconds} s"
	if [ -n "${RELCTL_HINT_CHECK:-}" ]; then
		tests/e2e/hint-check --report "$RELCTL_HINT_CHECK" "$mode" "$results" || status=1
	fi
fi
exit $status
