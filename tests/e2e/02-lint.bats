#!/usr/bin/env bats
# relctl lint against everything a playbook file can be: the shipped
# examples (which must pass), and the malformed and hostile files of
# tests/lint/ plus huge ones generated here (which must be refused with 65,
# every problem reported as FILE:LINE:COL: message, and never a crash, a
# sanitizer report or a hang).  In the ASan pass of `make check` this is the
# test that runs the loader over hostile input.

bats_require_minimum_version 1.5.0

load helper

setup() {
	LINT_DIR="$ROOT/tests/lint"
	WORK="$BATS_TEST_TMPDIR"
}

# lint_refuses FILE [EXPECTED_TEXT]: relctl lint FILE exits 65 (not a crash,
# not a hang), prints nothing on stdout, only well-formed lines on stderr,
# and (when given) a line containing EXPECTED_TEXT.  Explains any failure.
lint_refuses() {
	local file=$1 expected=${2:-} rc line problems=""

	rc=0
	timeout 120 "$RELCTL" lint "$file" >"$WORK/out" 2>"$WORK/err" || rc=$?
	if [ "$rc" -eq 124 ]; then
		problems+="  timed out after 120s"$'\n'
	elif [ "$rc" -ge 128 ]; then
		problems+="  killed by signal $((rc - 128))"$'\n'
	elif [ "$rc" -ne 65 ]; then
		problems+="  exit status $rc, expected 65"$'\n'
	fi
	if grep -Eqa 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error' "$WORK/err" "$WORK/out"; then
		problems+="  sanitizer report"$'\n'
	fi
	if [ -s "$WORK/out" ]; then
		problems+="  unexpected stdout"$'\n'
	fi
	if [ ! -s "$WORK/err" ]; then
		problems+="  no diagnostic on stderr"$'\n'
	fi
	while IFS= read -r line; do
		case "$line" in
		"relctl: "?*) ;;
		"$file":*)
			[[ "${line#"$file":}" =~ ^[1-9][0-9]*:[1-9][0-9]*:\ [^\ ] ]] ||
				problems+="  malformed line: ${line:0:200}"$'\n'
			;;
		*) problems+="  malformed line: ${line:0:200}"$'\n' ;;
		esac
	done <"$WORK/err"
	if [ -n "$expected" ] && ! grep -qaF -- "$expected" "$WORK/err"; then
		problems+="  no line contains: $expected"$'\n'
	fi
	if [ -n "$problems" ]; then
		echo "relctl lint $file:"
		printf '%s' "$problems"
		echo "  stderr (head):"
		head -c 2000 "$WORK/err" | sed 's/^/    /'
		return 1
	fi
}

# ---------- the shipped playbooks ----------

@test "lint passes every shipped playbook" {
	run "$RELCTL" lint "$ROOT"/playbooks/*.yaml
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"tinypilot.yaml: ok: \"TinyPilot Pro\", 3 phases, 25 steps"* ]]
}

@test "playbook show --json lists tinypilot's 25 steps in 3 phases" {
	run bash -c '"$1" playbook show "$2" --json | jq "(.steps | length), (.phases | length)"' _ "$RELCTL" "$PLAYBOOK"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 25 ]
	[ "${lines[1]}" = 3 ]
}

@test "lint --json of a valid playbook is an array jq can read" {
	run bash -c '"$1" lint --json "$2" | jq -e "type == \"array\""' _ "$RELCTL" "$PLAYBOOK"
	[ "$status" -eq 0 ]
}

# ---------- every malformed and hostile file ----------

@test "every file of tests/lint is refused with 65 and well-formed diagnostics" {
	local f failed=0 count=0

	for f in "$LINT_DIR"/*.yaml; do
		count=$((count + 1))
		lint_refuses "$f" || failed=$((failed + 1))
	done
	echo "$count files, $failed failed"
	[ "$count" -ge 40 ]
	[ "$failed" -eq 0 ]
}

@test "an alias bomb is refused at its first alias" {
	lint_refuses "$LINT_DIR/alias-billion-laughs.yaml" \
		"alias-billion-laughs.yaml:3:8: YAML aliases (*a) are not supported in a playbook"
}

@test "deep nesting stops at 32 levels" {
	lint_refuses "$LINT_DIR/deep-nesting-flow-sequences.yaml" \
		"deep-nesting-flow-sequences.yaml:1:33: the playbook nests deeper than 32 levels"
}

@test "NUL bytes are refused with their line and column" {
	lint_refuses "$LINT_DIR/nul-bytes.yaml" "nul-bytes.yaml:2:8: the playbook contains NUL bytes"
}

@test "invalid UTF-8 is placed at its line and column" {
	lint_refuses "$LINT_DIR/invalid-utf8.yaml" \
		"invalid-utf8.yaml:2:7: YAML error: invalid leading UTF-8 octet (at byte 16)"
}

@test "an empty file and a file of only a comment are refused as empty" {
	lint_refuses "$LINT_DIR/empty.yaml" "empty.yaml:1:1: the playbook is empty"
	lint_refuses "$LINT_DIR/only-a-comment.yaml" "only-a-comment.yaml:1:1: the playbook is empty"
}

@test "a list at the top level is refused" {
	lint_refuses "$LINT_DIR/list-at-top-level.yaml" \
		"list-at-top-level.yaml:1:1: a playbook must be a mapping that starts with \"relctl: 1\", not a list"
}

@test "tabs for indentation are a YAML error at the tab" {
	lint_refuses "$LINT_DIR/tabs-for-indentation.yaml" "tabs-for-indentation.yaml:3:1: YAML error: "
}

@test "a duplicate key names the line of the first" {
	lint_refuses "$LINT_DIR/duplicate-key.yaml" \
		"duplicate-key.yaml:6:1: duplicate key \"name\" in the playbook (first at line 2)"
}

@test "a second document is refused" {
	lint_refuses "$LINT_DIR/second-document.yaml" \
		"second-document.yaml:10:1: a playbook is one YAML document; remove this second one"
}

@test "control characters from the file are escaped, never sent to the terminal" {
	lint_refuses "$LINT_DIR/escape-sequence-in-key.yaml" 'unknown key "bad\x1b]0;pwned\x07\nkey"'
	run ! grep -qaP '\x1b' "$WORK/err"
}

@test "lint reports every error of a file, in line order" {
	lint_refuses "$LINT_DIR/every-error-at-once.yaml"
	run grep -c '^.*every-error-at-once.yaml:[0-9]*:[0-9]*: [^w]' "$WORK/err"
	[ "$output" -ge 15 ]
	# Sorted by line, then column.
	grep -o 'yaml:[0-9]*:[0-9]*:' "$WORK/err" | tr ':' ' ' | awk '{print $2, $3}' >"$WORK/marks"
	sort -n -k1,1 -k2,2 -s "$WORK/marks" | cmp - "$WORK/marks"
	grep -qF 'every-error-at-once.yaml:1:9: unsupported playbook schema version "2"' "$WORK/err"
	grep -qF 'every-error-at-once.yaml:2:1: unknown key "nmae" in the playbook; did you mean "name"?' "$WORK/err"
	grep -qF 'dependency cycle: ' "$WORK/err"
	grep -qF "relctl: $LINT_DIR/every-error-at-once.yaml has " "$WORK/err"
}

# ---------- huge inputs, generated ----------

@test "a huge scalar is refused as too long" {
	{
		printf 'relctl: 1\nname: '
		head -c 300000 /dev/zero | tr '\0' x
		printf '\n'
	} >"$WORK/huge-scalar.yaml"
	lint_refuses "$WORK/huge-scalar.yaml" "huge-scalar.yaml:2:7: this value is too long (300000 bytes, at most 262144)"
}

@test "a file just under the 4 MB limit of one scalar is refused as too long" {
	{
		printf 'relctl: 1\ndescription: "'
		head -c $((4 * 1024 * 1024 - 100)) /dev/zero | tr '\0' y
		printf '"\n'
	} >"$WORK/big.yaml"
	lint_refuses "$WORK/big.yaml" "big.yaml:2:14: this value is too long"
}

@test "a file over 4 MB is refused before it is parsed" {
	head -c $((4 * 1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$WORK/over.yaml"
	lint_refuses "$WORK/over.yaml" "is too large (more than 4194304 bytes)"
}

@test "a million nested brackets stop at 32 levels" {
	head -c 1000000 /dev/zero | tr '\0' '[' >"$WORK/brackets.yaml"
	lint_refuses "$WORK/brackets.yaml" "brackets.yaml:1:33: the playbook nests deeper than 32 levels"
}

@test "a hundred thousand roles are refused as too many, at the list" {
	awk 'BEGIN { printf "relctl: 1\nname: x\nroles: ["; for (i = 0; i < 100000; i++) printf "r%d, ", i; print "r]" }' \
		>"$WORK/nodes.yaml"
	lint_refuses "$WORK/nodes.yaml" "nodes.yaml:3:8: the playbook lists 100001 roles; at most 1000"
}

@test "two million list items are refused as too many nodes" {
	awk 'BEGIN { printf "relctl: 1\nname: x\nvars: {v: {type: string, default: ["; for (i = 0; i < 1100000; i++) printf "a,"; print "a]}}" }' \
		>"$WORK/million.yaml"
	lint_refuses "$WORK/million.yaml" "the playbook has too many YAML nodes (more than 1000000)"
}

@test "a valid playbook of 20000 steps chained by needs: lint, show and start take it, in well under 1 GiB" {
	awk 'BEGIN { print "relctl: 1\nname: Big\nroles: [release-manager, dev]\npeople:\n  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager, dev]}\nphases:\n  - id: all\n    steps:";
		for (i = 0; i < 20000; i++) printf "      - {id: s%d, title: Step %d, owner: dev, estimate: 1h, instructions: do it%s}\n", i, i, (i ? ", needs: [s" (i - 1) "]" : "") }' \
		>"$WORK/big.yaml"
	run /usr/bin/time -f "%M" -o "$WORK/rss" "$RELCTL" lint "$WORK/big.yaml"
	[ "$status" -eq 0 ] || { echo "$output" | head; false; }
	[[ "$output" == *"ok: \"Big\", 1 phases, 20000 steps"* ]]
	[ "$(tail -1 "$WORK/rss")" -lt 1048576 ]
	run "$RELCTL" playbook show "$WORK/big.yaml" --json
	[ "$status" -eq 0 ]
	[ "$(jq '.steps | length' <<<"$output")" -eq 20000 ]
	cd "$WORK" && git init -q big && cd big && git config user.email cristina@example.com
	"$RELCTL" init --playbook "$WORK/big.yaml" >/dev/null
	run /usr/bin/time -f "%M" -o "$WORK/rss" "$RELCTL" start 1.0
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(tail -1 "$WORK/rss")" -lt 1048576 ]
	[ "$(git show relctl-ledger:releases/1.0.json | jq -r '.steps.s0.state, .steps.s1.state')" = "$(printf 'ready\npending')" ]
}

@test "a thousand anchors each aliased are refused at the first alias" {
	awk 'BEGIN { print "relctl: 1"; for (i = 0; i < 1000; i++) printf "a%d: &a%d [%s]\n", i, i, (i ? "*a" (i - 1) ", *a" (i - 1) : "lol") }' \
		>"$WORK/anchors.yaml"
	lint_refuses "$WORK/anchors.yaml" "anchors.yaml:3:10: YAML aliases (*a0) are not supported"
}

@test "random bytes are refused" {
	head -c 1000000 /dev/urandom >"$WORK/random.yaml"
	lint_refuses "$WORK/random.yaml"
	# And the same without NUL bytes, so that the YAML reader sees them.
	head -c 1000000 /dev/urandom | tr -d '\0' >"$WORK/random-no-nul.yaml"
	lint_refuses "$WORK/random-no-nul.yaml"
}

@test "a million lines of nothing then garbage is placed on the last line" {
	{
		printf 'relctl: 1\n'
		head -c 1000000 /dev/zero | tr '\0' '\n'
		printf ']\n'
	} >"$WORK/lines.yaml"
	lint_refuses "$WORK/lines.yaml" "lines.yaml:1000002:1: YAML error: "
}

@test "thousands of schema errors near the node limit are reported quickly" {
	# Long ids that need "did you mean" work, duplicates, unknown roles: the
	# checks that compare every item with the others must stay fast.
	awk 'BEGIN {
		print "relctl: 1\nname: x\nroles: [release-manager, dev]"
		print "people: [{id: a, email: a@example.com, roles: [release-manager, dev]}]"
		print "phases:\n  - id: p\n    steps:"
		id = "a-step-with-a-rather-long-name-to-make-edit-distances-cost"
		for (i = 0; i < 1500; i++)
			printf "      - {id: %s-%d, title: T, owner: role%d, doc: d, needs: [%s-%dx]}\n", id, i, i, id, i
	}' >"$WORK/errors.yaml"
	SECONDS=0
	lint_refuses "$WORK/errors.yaml" 'needs the unknown step'
	echo "took ${SECONDS}s"
	[ "$SECONDS" -lt 30 ]
	[ "$(grep -c 'names the unknown role' "$WORK/err")" -eq 1500 ]
}

# ---------- the command line ----------

@test "lint --json of a bad playbook is an array of diagnostics jq can read" {
	run bash -c '"$1" lint --json "$2" 2>/dev/null' _ "$RELCTL" "$LINT_DIR/every-error-at-once.yaml"
	[ "$status" -eq 65 ]
	echo "$output" | jq -e 'type == "array" and length >= 15'
	echo "$output" | jq -e 'all(.[]; (.file | endswith("every-error-at-once.yaml")) and (.line >= 1)
		and (.column >= 1) and (.severity == "error" or .severity == "warning") and (.message | length > 0))'
	echo "$output" | jq -e 'any(.[]; .line == 2 and .column == 1 and
		.message == "unknown key \"nmae\" in the playbook; did you mean \"name\"?")'
}

@test "a review whose only reviewer may do the step too is a warning at the review, and lint still passes" {
	cat >"$WORK/lone.yaml" <<'EOF'
relctl: 1
name: Lone reviewer
roles: [release-manager, dev]
people:
  - {id: alex, name: Alex, email: alex@example.com, roles: [release-manager, dev]}
  - {id: kim, name: Kim, email: kim@example.com, roles: [dev]}
phases:
  - id: testing
    steps:
      - {id: test, title: Test, owner: dev, instructions: Test it., review: release-manager}
EOF
	run --separate-stderr "$RELCTL" lint "$WORK/lone.yaml"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[[ "$output" == "$WORK/lone.yaml: ok: \"Lone reviewer\", "*", 1 warning" ]] || { echo "$output"; false; }
	same "$WORK/lone.yaml:10:77: warning: step \"test\" is reviewed by a release-manager, and alex, the only one, may do it too: then nobody can review it; give the role \"release-manager\" to a second person, or have another role review it" "$stderr"
	# Reviewed by another dev instead: no warning.
	sed -i 's/review: release-manager/review: dev/' "$WORK/lone.yaml"
	run --separate-stderr "$RELCTL" lint "$WORK/lone.yaml"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ] || { echo "$stderr"; false; }
}

@test "lint --quiet prints errors only" {
	run "$RELCTL" lint --quiet "$PLAYBOOK"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "lint of several files fails when one of them is bad" {
	run "$RELCTL" lint "$PLAYBOOK" "$LINT_DIR/empty.yaml" "$LINT_DIR/duplicate-key.yaml"
	[ "$status" -eq 65 ]
	[[ "$output" == *"tinypilot.yaml: ok:"* ]]
	[[ "$output" == *"empty.yaml:1:1: the playbook is empty"* ]]
	[[ "$output" == *"relctl: 2 playbooks have 2 errors in all"* ]]
}

@test "lint of a missing file exits 66" {
	run "$RELCTL" lint "$WORK/no-such-playbook.yaml"
	[ "$status" -eq 66 ]
	[ "$output" = "relctl: cannot read $WORK/no-such-playbook.yaml: No such file or directory" ]
}

@test "lint of a directory exits 66" {
	run "$RELCTL" lint "$LINT_DIR"
	[ "$status" -eq 66 ]
	[[ "$output" == "relctl: "*"is a directory"* ]]
}

@test "lint without a file is a usage error" {
	run "$RELCTL" lint
	[ "$status" -eq 64 ]
	[[ "$output" == "relctl: "*"usage: relctl lint FILE..."* ]]
}

@test "an unknown option of lint exits 64 with a suggestion" {
	run "$RELCTL" lint --jsn "$PLAYBOOK"
	[ "$status" -eq 64 ]
	[[ "$output" == "relctl: "*"--jsn"*"did you mean --json?"* ]]
}

@test "an unknown command exits 64 with a suggestion" {
	run "$RELCTL" lnt "$PLAYBOOK"
	[ "$status" -eq 64 ]
	[[ "$output" == "relctl: unknown command 'lnt'; did you mean 'lint'?"* ]]
}

@test "relctl --help lists lint" {
	run "$RELCTL" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"lint "*"check a playbook"* ]]
}

@test "help lint and lint --help print the same usage" {
	run "$RELCTL" help lint
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: relctl lint FILE..."* ]]
	help_output=$output
	run "$RELCTL" lint --help
	[ "$status" -eq 0 ]
	[ "$output" = "$help_output" ]
}
