#!/usr/bin/env bats
# No one can make a release unclosable, and no one can hide text from a
# teammate's terminal.  A dev fills a release with the largest findings
# relctl takes until the judge stops him at the reserve (the last MiB of
# the file); the release manager still skips and the product owner still
# aborts.  Invisible characters (directional marks, zero-width, tag
# characters) written into notes and titles reach the terminal escaped,
# and a newline in a file name pushed with plain git cannot add a line to
# relctl's one-line refusal.

bats_require_minimum_version 1.5.0

load helper
load sync

V=2.6.3

setup() {
	init_tinypilot
	"$RELCTL" start "$V" >/dev/null
}

teardown() {
	servers_stop
	cleanup_repo
}

@test "a dev who fills a release with maximal findings is stopped at the reserve; the manager still skips and the owner still aborts" {
	title=$(head -c 65536 /dev/zero | tr '\0' 'x')
	link="https://example.com/$(head -c 2020 /dev/zero | tr '\0' 'e')"
	evidence=()
	for i in $(seq 100); do evidence+=(--evidence "$link#$i"); done
	n=0
	while before=$(git rev-parse relctl-ledger) && as jan finding add "$title" --severity blocker "${evidence[@]}" >/dev/null 2>"$TEST_TMP/err"; do
		n=$((n + 1))
		[ "$n" -lt 80 ] || { echo "never stopped"; false; }
	done
	[ "$n" -gt 20 ] || { echo "stopped after $n: $(cat "$TEST_TMP/err")"; false; }
	run as jan finding add "$title" --severity blocker "${evidence[@]}"
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
	has "past 15 MiB or 99000 events a release takes only the events that finish it (decide, skip, done), and finding-add is not one"
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	size=$(git cat-file -s "relctl-ledger:releases/$V.json")
	[ "$size" -le $((15 * 1024 * 1024)) ]
	[ "$size" -gt $((14 * 1024 * 1024)) ]
	# The release manager skips, the product owner aborts.
	run as cristina skip build-rc --reason "prebuilt elsewhere"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	as michael brief >/dev/null
	run as michael decide abort --reason "the ledger was flooded"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(ledger "$V" | jq -r .status)" = aborted ]
	[ "$(git cat-file -s "relctl-ledger:releases/$V.json")" -le $((16 * 1024 * 1024)) ]
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

# Directional marks, zero-width characters, the word joiner and invisible operators, a tag character.
INVISIBLE=$(printf 'a\u200eb\u200fc\u061cd\u200be\u200df\ufeffg\u2060h\u2064i\U000E0041j')
INVISIBLE_SHOWN='a\u200eb\u200fc\u061cd\u200be\u200df\ufeffg\u2060h\u2064i\udb40\udc41j'

@test "invisible characters in notes and titles reach the terminal escaped, and --json gives them back exactly" {
	as jan claim build-rc >/dev/null
	as jan done build-rc --note "$INVISIBLE" >/dev/null
	as maria finding add "title $INVISIBLE" --severity minor >/dev/null
	relctl show build-rc >"$TEST_TMP/show"
	relctl log >"$TEST_TMP/log"
	relctl finding list >"$TEST_TMP/findings"
	as michael brief >"$TEST_TMP/brief"
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/raw-bytes.py" "$TEST_TMP/show" "$TEST_TMP/log" "$TEST_TMP/findings" "$TEST_TMP/brief"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	grep -qF "$INVISIBLE_SHOWN" "$TEST_TMP/show"
	grep -qF "title $INVISIBLE_SHOWN" "$TEST_TMP/findings"
	grep -qF "$INVISIBLE_SHOWN" "$TEST_TMP/log"
	[ "$(relctl log --json | jq -r '.[] | select(.op == "done") | .note')" = "$INVISIBLE" ]
	[ "$(relctl finding list --json | jq -r '.[0].title')" = "title $INVISIBLE" ]
}

@test "a newline in a file name pushed with plain git cannot add a line to sync's one-line refusal" {
	cleanup_repo
	setup_repo
	serve path team
	clone_into a "$URL"
	cd "$TEST_TMP/a"
	relctl init --playbook "$PLAYBOOK" >/dev/null
	relctl start "$V" >/dev/null
	rm -rf "$TEST_TMP/vandal"
	git clone -q "$REMOTE" "$TEST_TMP/vandal" 2>/dev/null
	v="$TEST_TMP/vandal"
	name=$(printf 'notes\nrelctl: ledger in sync with origin: 0 events received, 0 sent')
	b=$(echo hi | git -C "$v" hash-object -w --stdin)
	GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" read-tree origin/relctl-ledger
	GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" update-index --add --cacheinfo "100644,$b,$name"
	tree=$(GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" write-tree)
	bad=$(git -C "$v" -c user.name=Jan -c user.email=jan@example.com commit-tree "$tree" -p origin/relctl-ledger -m "notes")
	git -C "$v" push -q origin "$bad:refs/heads/relctl-ledger"
	before=$(git rev-parse relctl-ledger)
	run relctl sync
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
	has "commit ${bad:0:12} by Jan <jan@example.com> that relctl refuses: it writes notes\\nrelctl: ledger in sync with origin"
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
}
