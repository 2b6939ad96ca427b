#!/usr/bin/env bats
# The hint checker (tests/e2e/hint-check), which run.sh's plain pass puts
# behind every relctl and as of the suites, can fail: a refusal whose
# suggested command is refused in turn is recorded as FAIL, and run.sh's
# report of it fails the pass.  A true hint is ok, one addressed to another
# person ("ask lee to 'relctl ...'") is run as that person, and one with a
# placeholder is a template that is not run.  The clone and its local
# remote are copies: nothing the checker runs reaches the test's own.

bats_require_minimum_version 1.5.0
load helper

setup() {
	setup_repo
	cat >"$TEST_TMP/p.yaml" <<EOF
relctl: 1
name: Hint lab
roles: [release-manager, dev]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: lee, name: Lee, email: lee@example.com, roles: [dev]}
phases:
  - id: only
    steps:
      - {id: build, title: Build, owner: dev, instructions: Build it.}
EOF
	git init -q --bare "$TEST_TMP/remote.git"
	git remote add origin "$TEST_TMP/remote.git"
	"$RELCTL" init --playbook "$TEST_TMP/p.yaml" >/dev/null
	"$RELCTL" start 1.0 >/dev/null
	# A relctl that refuses 'claim' with the hints given in HINTS, and is itself otherwise.
	cat >"$TEST_TMP/fake-relctl" <<EOF
#!/bin/sh
if [ "\$1" = claim ] && [ -n "\$HINTS" ] && [ "\$RELCTL_USER" = cristina ]; then echo "relctl: no; \$HINTS" >&2; exit 75; fi
exec "$RELCTL" "\$@"
EOF
	chmod +x "$TEST_TMP/fake-relctl"
	export RELCTL_HINT_CHECK="$TEST_TMP/hints.log"
}

teardown() {
	cleanup_repo
}

check() { # HINTS: cristina's 'relctl claim build', refused with HINTS, checked
	HINTS="$1" RELCTL_HINT_REAL="$TEST_TMP/fake-relctl" RELCTL_USER=cristina \
		"$ROOT/tests/e2e/hint-check" 75 claim build
}

@test "a hint that is refused in turn is a FAIL, and run.sh's report of it fails" {
	tip=$(git rev-parse relctl-ledger)
	check "'relctl unblock build' first"
	same "FAIL	cristina	relctl claim build	relctl unblock build	exit 65: relctl: build is ready, not blocked	relctl: no; 'relctl unblock build' first" \
		"$(cat "$RELCTL_HINT_CHECK")"
	run "$ROOT/tests/e2e/hint-check" --report "$RELCTL_HINT_CHECK" plain "$TEST_TMP/results"
	[ "$status" -eq 1 ]
	has "[plain] hint FAIL: cristina was refused 'relctl claim build' and told 'relctl unblock build', which exit 65: relctl: build is ready, not blocked; it said: relctl: no; 'relctl unblock build' first"
	same "plain hints 0 1" "$(cat "$TEST_TMP/results")"
	# The checker worked on copies.
	[ "$(git rev-parse relctl-ledger)" = "$tip" ]
}

@test "a true hint is ok, one offered to a named person runs as them, a placeholder is a template" {
	check "ask lee to 'relctl claim build', or 'relctl assign build PERSON'; 'relctl status' shows it"
	said="relctl: no; ask lee to 'relctl claim build', or 'relctl assign build PERSON'; 'relctl status' shows it"
	same "ok	cristina	relctl claim build	relctl claim build	exit 0 as lee	$said
template	cristina	relctl claim build	relctl assign build PERSON	a placeholder, alternatives or a redirection	$said
ok	cristina	relctl claim build	relctl status	exit 0	$said" "$(cat "$RELCTL_HINT_CHECK")"
	run "$ROOT/tests/e2e/hint-check" --report "$RELCTL_HINT_CHECK" plain "$TEST_TMP/results"
	[ "$status" -eq 0 ]
	same "plain hints 2 0" "$(cat "$TEST_TMP/results")"
	[ "$(ledger 1.0 | jq -r .steps.build.state)" = ready ]
}
