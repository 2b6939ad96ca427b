#!/usr/bin/env bats
# A ledger relctl cannot read -- written by a newer relctl, or edited by hand
# into something that is not a release -- is refused with 65 naming the file
# and the problem, and relctl writes nothing over it.

load helper

V=2.6.3
FILE=releases/2.6.3.json

setup() {
	init_tinypilot
	relctl start "$V" >/dev/null
	as jan claim build-rc >/dev/null
}

teardown() {
	cleanup_repo
}

# refused_65 TEXT ARGS...: relctl (as jan) exits 65 saying TEXT, and the
# ledger branch and the release file stay exactly as they were.
refused_65() {
	local text=$1 tip blob
	shift
	tip=$(git rev-parse relctl-ledger)
	blob=$(git rev-parse "relctl-ledger:$FILE")
	run as jan "$@"
	[ "$status" -eq 65 ] || { echo "relctl $*: wanted 65, got $status: $output"; return 1; }
	[[ "$output" == *"$text"* ]] || { echo "relctl $*: wanted \"$text\" in: $output"; return 1; }
	[ "$(git rev-parse relctl-ledger)" = "$tip" ]
	[ "$(git rev-parse "relctl-ledger:$FILE")" = "$blob" ]
}

@test "a release file written by a newer ledger format is refused with 65 naming the file" {
	ledger "$V" | jq '.format = 99' >"$TEST_TMP/newer.json"
	put_on_ledger "$FILE" "$TEST_TMP/newer.json"
	refused_65 "relctl-ledger:releases/2.6.3.json has ledger format 99, and this relctl reads format 1; upgrade relctl" \
		claim update-test-plan
	refused_65 "ledger format 99" done build-rc
	refused_65 "ledger format 99" claim update-test-plan --release "$V"
	# Reading it is refused the same way.
	refused_65 "relctl-ledger:releases/2.6.3.json has ledger format 99" status
	refused_65 "relctl-ledger:releases/2.6.3.json has ledger format 99" next
	refused_65 "relctl-ledger:releases/2.6.3.json has ledger format 99" show build-rc
	refused_65 "relctl-ledger:releases/2.6.3.json has ledger format 99" log "$V"
	[ "$(ledger "$V" | jq .format)" -eq 99 ]
}

@test "a release file that is not JSON is refused with 65 naming the file" {
	printf '{"format": 1, "version": "2.6.3", "events": [ -- cut short by a bad merge\n' >"$TEST_TMP/broken.json"
	put_on_ledger "$FILE" "$TEST_TMP/broken.json"
	refused_65 "relctl-ledger:releases/2.6.3.json is not valid JSON; 'git log relctl-ledger -- releases/2.6.3.json' shows who changed it" \
		claim update-test-plan
	refused_65 "is not valid JSON" done build-rc
	refused_65 "relctl-ledger:releases/2.6.3.json is not valid JSON" status "$V"
	refused_65 "relctl-ledger:releases/2.6.3.json is not valid JSON" show build-rc
	[ "$(git show "relctl-ledger:$FILE" | sha256sum)" = "$(sha256sum <"$TEST_TMP/broken.json")" ]
}

@test "a release file that is JSON but not a release is refused with 65 saying what it lacks" {
	ledger "$V" | jq 'del(.events)' >"$TEST_TMP/no-events.json"
	put_on_ledger "$FILE" "$TEST_TMP/no-events.json"
	refused_65 "relctl-ledger:releases/2.6.3.json is not a relctl release (it needs format, version and events)" \
		claim update-test-plan
}

@test "a hand-edited event that the rules refuse is named, and nothing is written over it" {
	# david (support) never could have claimed build-rc, a dev step.
	ledger "$V" | jq '.events[1].actor = "david"' >"$TEST_TMP/forged.json"
	put_on_ledger "$FILE" "$TEST_TMP/forged.json"
	id=$(ledger "$V" | jq -r '.events[1].id')
	refused_65 "relctl-ledger:releases/2.6.3.json: event $id does not replay: david cannot claim build-rc: it needs the role dev" \
		claim update-test-plan
}

@test "an index of a newer format is refused with 65 naming index.json" {
	git show relctl-ledger:index.json | jq '.format = 99' >"$TEST_TMP/index.json"
	put_on_ledger index.json "$TEST_TMP/index.json"
	tip=$(git rev-parse relctl-ledger)
	run as jan claim update-test-plan
	[ "$status" -eq 65 ]
	[[ "$output" == *"relctl-ledger:index.json has format 99, and this relctl reads format 1; upgrade relctl"* ]]
	[ "$(git rev-parse relctl-ledger)" = "$tip" ]
}

@test "a broken release file does not stop work on another release" {
	printf 'not json at all\n' >"$TEST_TMP/broken.json"
	put_on_ledger "$FILE" "$TEST_TMP/broken.json"
	blob=$(git rev-parse "relctl-ledger:$FILE")
	relctl start 2.6.4 >/dev/null
	as jan claim build-rc --release 2.6.4 >/dev/null
	[ "$(ledger 2.6.4 | jq -r '.steps["build-rc"].holder')" = jan ]
	[ "$(git rev-parse "relctl-ledger:$FILE")" = "$blob" ]
}

@test "the JSON Schemas in docs/ accept the ledger relctl writes and reject one broken by hand" {
	as jan done build-rc --note "rc1 build" >/dev/null
	as david finding add "Static IP screen" --severity major --step build-rc >/dev/null
	schema_valid
	ledger "$V" | jq '.events[1].op = "finish" | .steps["build-rc"].state = "finished"' >"$TEST_TMP/bad.json"
	run python3 "$ROOT/tests/e2e/validate-ledger.py" --file ledger "$TEST_TMP/bad.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"events/1/op: 'finish' is not one of"* ]]
	[[ "$output" == *"steps/build-rc/state: 'finished' is not one of"* ]]
	git show relctl-ledger:index.json | jq '.format = "one"' >"$TEST_TMP/bad-index.json"
	run python3 "$ROOT/tests/e2e/validate-ledger.py" --file index "$TEST_TMP/bad-index.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"format: 1 was expected"* ]]
}
