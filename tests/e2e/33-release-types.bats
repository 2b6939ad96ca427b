#!/usr/bin/env bats
# Release types and conditions, as a project with alpha, beta, rc and final
# releases writes them: an enum var says the type, and each step's `when`
# is an expression over the vars and the version's own parts.  Lint points
# at the exact token of each mistake, in plain, single- and double-quoted
# and folded scalars; `start --set` is held to the enum; and releases of
# several types skip exactly the steps their conditions rule out.

bats_require_minimum_version 1.5.0

load helper

# The top of both playbooks: two roles, one person, the release type and a bool.
header() {
	cat <<'YAML'
relctl: 1
name: Snake
roles: [release-manager, dev]
people:
  - {id: cristina, email: cristina@example.com, roles: [release-manager, dev]}
vars:
  type: {type: enum, values: [alpha, beta, rc, final], default: beta}
  new_branch: {type: bool}
YAML
}

setup() {
	setup_repo
	{ header; cat <<'YAML'; } >"$TEST_TMP/snake.yaml"
phases:
  - id: prepare
    steps:
      - id: branch
        title: Make the maintenance branch
        owner: dev
        instructions: git switch -c 3.x
        when: new_branch or (type == final and release.patch == 0)
      - id: whatsnew
        title: Update What's New
        owner: dev
        instructions: Edit whatsnew.rst
        when: type in [alpha, beta]
      - {id: sbom, title: Publish the SBOM, owner: dev, instructions: Run sbom, when: type == final}
      - {id: tag-check, title: Check the prerelease tag, owner: dev, instructions: Look, when: "release.prerelease != ''"}
      - {id: old-style, title: Old style, owner: dev, instructions: Look, when: "!new_branch"}
      - {id: build, title: Build, owner: dev, instructions: make}
YAML
	"$RELCTL" init --playbook "$TEST_TMP/snake.yaml" >/dev/null
}

teardown() {
	cleanup_repo
}

skipped() { # VERSION: the steps skipped by condition, sorted, joined by commas
	ledger "$1" | jq -r '[.steps | to_entries[] | select(.value.state == "skipped") | .key] | sort | join(",")'
}

@test "lint points at the exact token of each bad condition, in plain, quoted and folded scalars" {
	{ header; cat <<'YAML'; } >"$TEST_TMP/bad.yaml"
  lang: {type: enum, values: [en, en], default: fr}
phases:
  - id: p
    steps:
      - id: a
        title: A
        owner: dev
        instructions: x
        when: new_branch or (type == finall and release.patch == 0)
      - {id: b, title: B, owner: dev, instructions: x, when: 'type == ''rc'' and new_brnch'}
      - {id: c, title: C, owner: dev, instructions: x, when: "type == \"rc\" \u0026\u0026 new_branch"}
      - id: d
        title: D
        owner: dev
        instructions: x
        when: new_branch and
          type = rc
      - {id: e, title: E, owner: dev, instructions: x, when: "(new_branch or type == rc"}
      - {id: f, title: F, owner: dev, instructions: x, when: new_branch == beta}
      - id: g
        title: G
        owner: dev
        instructions: x
        checklist:
          - {id: i, text: I, when: release.build == 1}
YAML
	run "$RELCTL" lint "$TEST_TMP/bad.yaml"
	[ "$status" -eq 65 ]
	f="$TEST_TMP/bad.yaml"
	same "$f:9:35: \"en\" is listed twice in \"values\"
$f:9:49: the default of enum var \"lang\" must be one of its values, not \"fr\"
$f:17:38: enum var \"type\" has no value \"finall\" (its values: alpha, beta, rc, final)
$f:18:82: \"when\" names the undeclared var \"new_brnch\"; declare it under \"vars\"
$f:19:78: unexpected '&': write \"and\"
$f:25:16: '=' is not a comparison: write '==' (or '!=')
$f:26:88: expected ')' to close the '(', not the end
$f:27:76: comparing bool var \"new_branch\" with the word \"beta\", which names no var
$f:33:36: unknown release part \"release.build\": use release.version, release.major, release.minor, release.patch or release.prerelease
relctl: $f has 9 errors; fix them and run 'relctl lint $f' again" "$output"
}

@test "the example playbook lints clean and shows the enum with its values" {
	run "$RELCTL" lint "$TEST_TMP/snake.yaml"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run bash -c '"$1" playbook show "$2" --json | jq -c ".vars.type"' _ "$RELCTL" "$TEST_TMP/snake.yaml"
	same '{"type":"enum","values":["alpha","beta","rc","final"],"default":"beta","description":null}' "$output"
}

@test "start --set checks an enum's value and names the values" {
	run -64 "$RELCTL" start 3.14.0 --set type=gold
	same "relctl: type is one of alpha, beta, rc or final, not \"gold\"" "$output"
	run ! git rev-parse -q --verify relctl-ledger:releases/3.14.0.json
	run -64 "$RELCTL" start 3.14.0 --set new_branch=maybe
	has "new_branch is a bool"
}

@test "releases of several types skip exactly the steps their conditions rule out" {
	"$RELCTL" start 3.14.0 --set type=final >/dev/null
	"$RELCTL" start 3.14.1 --set type=final >/dev/null
	"$RELCTL" start 3.15.0a1 --set type=alpha --set new_branch=true >/dev/null
	"$RELCTL" start 3.13.5 >/dev/null # the default type, beta
	same "tag-check,whatsnew" "$(skipped 3.14.0)"
	same "branch,tag-check,whatsnew" "$(skipped 3.14.1)"
	same "old-style,sbom" "$(skipped 3.15.0a1)"
	same "branch,sbom,tag-check" "$(skipped 3.13.5)"
	# The vars keep their JSON types: the enum is a string, the bool a bool.
	same '{"type":"alpha","new_branch":true}' "$(ledger 3.15.0a1 | jq -c .vars)"
	same '{"type":"beta","new_branch":false}' "$(ledger 3.13.5 | jq -c .vars)"
	# Why, in the record: the expression, or the bare var as before.
	same "skipped by condition: new_branch or (type == final and release.patch == 0) is false" \
		"$(ledger 3.14.1 | jq -r '.steps.branch.reason')"
	same "skipped by condition: type in [alpha, beta] is false" "$(ledger 3.14.0 | jq -r '.steps.whatsnew.reason')"
	same "skipped by condition: new_branch is true" "$(ledger 3.15.0a1 | jq -r '.steps["old-style"].reason')"
	run "$RELCTL" verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	schema_valid
}

@test "stats draws the lead-time trend of each release type on its own: betas up, finals down, not one mixed line" {
	cat >"$TEST_TMP/kinds.yaml" <<'YAML'
relctl: 1
name: Kinds
roles: [release-manager, dev]
people:
  - {id: cristina, email: cristina@example.com, roles: [release-manager, dev]}
vars:
  type: {type: enum, values: [beta, final], default: beta}
phases:
  - id: only
    steps:
      - {id: build, title: Build, owner: dev, instructions: make}
YAML
	cd "$TEST_TMP" && rm -rf kinds && git init -q kinds && cd kinds && git commit -q --allow-empty -m init
	export RELCTL_USER=cristina
	"$RELCTL" init --playbook "$TEST_TMP/kinds.yaml" >/dev/null
	# version type day hours: each release starts on its day at 08:00 and is done hours later.
	while read -r v t day hours; do
		RELCTL_NOW="2024-03-${day}T08:00:00Z" "$RELCTL" start "$v" --set type="$t" >/dev/null
		RELCTL_NOW="2024-03-${day}T08:00:00Z" "$RELCTL" claim build --release "$v" >/dev/null
		RELCTL_NOW="2024-03-${day}T$(printf %02d $((8 + hours))):00:00Z" "$RELCTL" done build --release "$v" >/dev/null
	done <<'LIST'
1.0b1 beta 01 1
1.0 final 02 10
1.1b1 beta 03 2
1.1 final 04 8
1.2b1 beta 05 3
LIST
	run "$RELCTL" stats --json
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r .lead_time.grouped_by <<<"$output")" = type ]
	[ "$(jq -r '[.lead_time.groups[] | "\(.group):\(.releases):\(.start_to_complete.trend)"] | join(" ")' <<<"$output")" = \
		"beta:3:up 1h per release final:2:down 2h per release" ]
	run "$RELCTL" stats
	has "type beta (3): to ship median -, no trend yet; to complete median 2h, up 1h per release"
	has "type final (2): to ship median -, no trend yet; to complete median 8h, down 2h per release"
}
