#!/usr/bin/env bats
# Hook templates and what a hook may read or show, against the real receiver
# (tests/e2e/receiver.py): any method token (a CDN's PURGE), {{file:}}
# confined to the regular files of the work tree (a committed symlink into
# .git/ or through a symlinked directory is refused before anything is sent
# or stored), a dry run that is the exact request but for the secrets, and
# lint refusing a template a url never expands, warning of a title YAML cut
# short at " #".

load helper
load hooks

setup() {
	TEST_TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/relctl-templates.XXXXXX")"
	export RELCTL_NOW="2024-03-19T10:00:00Z"
	unset RELCTL_USER NO_COLOR
	: >"$TEST_TMP/outputs"
	export LAB_TOKEN="tok-$(random_secret)"
	receiver cms
	export LAB_URL="http://127.0.0.1:$(port cms)"
	# A chat-style url whose path is its key: the path is the secret.
	export LAB_SECRET_URL="$LAB_URL/kubernetes/website"
}

teardown() {
	stop_servers
	cleanup_repo
}

# lab [start ARGS...]: release 1.0 (or as ARGS say) of a playbook whose hooks go to cms.
lab() {
	fresh_repo || return 1
	cat >"$TEST_TMP/lab.yaml" <<'YAML'
relctl: 1
name: Template lab
roles: [release-manager]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
vars:
  attachment: {type: string, default: notes/attachment.md}
hooks:
  attach:
    url: "${LAB_URL}/attach"
    body: "{{file:{{vars.attachment}}}}"
  purge:
    url: "${LAB_URL}/cdn/{{release.version}}"
    method: PURGE
  notes:
    url: "${LAB_URL}/notes"
    body: {notes: "{{file:notes/{{release.version}}.md}}"}
  pr:
    url: "${LAB_SECRET_URL}"
    headers: {Authorization: "Bearer ${LAB_TOKEN}", X-Api-Key: key-written-in-the-playbook, X-Team: web}
    body: {pr: "{{steps.pr.note}}", path: "/kubernetes/website", text: "Bearer and key-written stay"}
phases:
  - id: only
    steps:
      - {id: pr, title: Open the docs PR, owner: release-manager, instructions: Open it.}
      - {id: purge-cdn, title: Purge the CDN, kind: hook, hook: purge, owner: release-manager, instructions: Run it.}
      - {id: post-notes, title: Post the notes, kind: hook, hook: notes, owner: release-manager, instructions: Run it.}
      - {id: post-pr, title: Announce the PR, kind: hook, hook: pr, owner: release-manager, instructions: Run it.}
      - {id: attach, title: Send the attachment, kind: hook, hook: attach, owner: release-manager, instructions: Run it.}
YAML
	relctl init --playbook "$TEST_TMP/lab.yaml" >/dev/null || return 1
	relctl start "${@:-1.0}" >/dev/null
}

# The start of a playbook for lint: one release manager.
lint_lab_head() {
	printf '%s\n' 'relctl: 1' 'name: Lint lab' 'roles: [release-manager]' 'people:' \
		'  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}'
}

# The body of a request text: the lines between its first empty line and the next.
body_of() {
	awk 'body && /^$/ { exit } body { print } /^$/ { body = 1 }'
}

# A fake credential in the clone's configuration: if it leaves, the check finds it.
clone_credential() {
	CREDENTIAL="cred-$(random_secret)"
	git config remote.origin.url "https://cristina:$CREDENTIAL@git.example.com/lab.git"
}

# Nothing of the clone's configuration in the ledger or any output.
credential_nowhere() {
	! { git log -p relctl-ledger; cat "$TEST_TMP/outputs"; } | grep -aqF -e "$CREDENTIAL" -e "[remote" || false
}

@test "a hook's method may be any token: PURGE reaches the receiver as PURGE, its url's {{release.version}} expanded" {
	lab
	relrun cristina run purge-cdn
	expect 0
	[ "$(rx cms '.[0].method')" = PURGE ]
	[ "$(rx cms '.[0].path')" = /cdn/1.0 ]
	[ "$(ledger 1.0 | jq -r '.steps["purge-cdn"].hook.method')" = PURGE ]
	[ "$(ledger 1.0 | jq -r '.steps["purge-cdn"].state')" = done ]
}

@test "a committed symlink to .git/config is refused: one line, nothing sent, nothing stored" {
	lab
	clone_credential
	mkdir notes
	ln -s ../.git/config notes/1.0.md
	git add notes && git commit -qm "release notes"
	sum=$(ledger_sum 1.0)
	relrun cristina run post-notes
	expect 65
	same "relctl: {{file:notes/1.0.md}} is a symlink or passes through one; relctl reads only regular files of the work tree, nothing is sent" "$output"
	relrun cristina run post-notes --dry-run
	expect 65
	[ "$(deliveries cms)" -eq 0 ]
	[ "$(ledger_sum 1.0)" = "$sum" ]
	credential_nowhere
}

@test "a rehearsal refuses the same symlink: nothing is recorded as its dry run" {
	lab 1.0-rehearsal --rehearsal
	clone_credential
	mkdir notes
	ln -s ../.git/config notes/1.0-rehearsal.md
	sum=$(ledger_sum 1.0-rehearsal)
	relrun cristina run post-notes
	expect 65
	has "is a symlink or passes through one"
	[ "$(ledger_sum 1.0-rehearsal)" = "$sum" ]
	[ "$(ledger 1.0-rehearsal | jq '[.events[] | select(.op == "hook")] | length')" -eq 0 ]
	credential_nowhere
}

@test "a path through a symlinked directory is refused; a regular file is sent" {
	lab
	clone_credential
	mkdir drafts
	printf 'Fixed the "static IP" page\n' >drafts/1.0.md
	ln -s drafts notes
	relrun cristina run post-notes
	expect 65
	has "{{file:notes/1.0.md}} is a symlink or passes through one"
	[ "$(deliveries cms)" -eq 0 ]
	rm notes
	mkdir notes
	cp drafts/1.0.md notes/1.0.md
	relrun cristina run post-notes
	expect 0
	[ "$(rx cms '.[0].body | fromjson | .notes')" = 'Fixed the "static IP" page' ]
	credential_nowhere
}

@test "a rehearsal's stored request masks the header values a real run never records" {
	lab 1.0-rehearsal --rehearsal
	relrun cristina claim pr
	relrun cristina done pr --note "https://github.com/kubernetes/website/pull/47200"
	expect 0
	relrun cristina run post-pr
	expect 0
	[ "$(deliveries cms)" -eq 0 ]
	stored=$(ledger 1.0-rehearsal | jq -r '.steps["post-pr"].hook.request')
	[[ "$stored" == "POST $LAB_URL***"$'\n'* ]] || { echo "$stored"; false; }
	[[ "$stored" == *$'\nAuthorization: Bearer ***\n'* ]] || { echo "$stored"; false; }
	[[ "$stored" == *$'\nX-Api-Key: ***\n'* ]] || { echo "$stored"; false; }
	[[ "$stored" == *$'\nX-Team: web\n'* ]] || { echo "$stored"; false; }
	[ "$(printf '%s\n' "$stored" | body_of | jq -r .pr)" = "https://github.com/kubernetes/website/pull/47200" ]
	# The playbook's own key is in the playbook; the request shows neither it nor the token.
	[[ "$stored" != *key-written-in-the-playbook* ]] || { echo "$stored"; false; }
	[[ "$stored" == *'"text":"Bearer and key-written stay"'* ]] || { echo "$stored"; false; }
	secrets_absent "$LAB_TOKEN"
}

@test "the dry run's body is byte for byte what the receiver gets, though the url's secret path occurs in it" {
	lab
	relrun cristina claim pr
	relrun cristina done pr --note "https://github.com/kubernetes/website/pull/47200"
	expect 0
	relrun cristina run post-pr --dry-run
	expect 0
	printf '%s\n' "$output" | body_of >"$TEST_TMP/dry-body"
	[[ "$output" == *$'\nAuthorization: Bearer ***\n'* ]] || { echo "$output"; false; }
	[[ "$output" != *"$LAB_TOKEN"* && "$output" != *key-written-in-the-playbook* ]] || { echo "$output"; false; }
	relrun cristina run post-pr
	expect 0
	[ "$(rx cms '.[0].path')" = /kubernetes/website ]
	rx cms '.[0].body' >"$TEST_TMP/sent-body"
	cmp "$TEST_TMP/dry-body" "$TEST_TMP/sent-body" || { diff "$TEST_TMP/dry-body" "$TEST_TMP/sent-body"; false; }
	grep -qF '"pr":"https://github.com/kubernetes/website/pull/47200"' "$TEST_TMP/sent-body"
	[ "$(rx cms '.[0].headers.authorization')" = "Bearer $LAB_TOKEN" ]
}

@test "lint refuses {{steps.pr.note}} in a hook url at its FILE:LINE:COL, and a header's template" {
	setup_repo
	{ lint_lab_head; cat; } >pb.yaml <<'YAML'
hooks:
  comment:
    url: "https://api.github.com/{{steps.pr.note}}/comments"
    method: BAN
    headers: {X-Release: "{{release.version}}"}
phases:
  - id: only
    steps:
      - {id: pr, title: Open the PR, owner: release-manager, instructions: Open it.}
YAML
	run relctl lint pb.yaml
	[ "$status" -eq 65 ]
	has "pb.yaml:8:34: {{steps.pr.note}} cannot be used in a url"
	has "pb.yaml:10:27: {{release.version}} cannot be used in a header: headers take \${ENV} values, not templates"
	[[ "$output" != *method* ]] || { echo "$output"; false; }
	run relctl init --playbook pb.yaml
	[ "$status" -eq 65 ]
}

@test "lint warns of a title YAML cut short at ' #', at the '#', and accepts the playbook" {
	setup_repo
	{ lint_lab_head; cat; } >pb.yaml <<'YAML'
phases:
  - id: only
    steps:
      - id: tag
        title: Tag release #final step
        owner: release-manager
        instructions: Tag it.
      - {id: build, title: Check the C# build, owner: release-manager, instructions: Build it.}
      - {id: merge, title: "Merge PR #45", owner: release-manager, instructions: Merge it.}
YAML
	run relctl lint pb.yaml
	[ "$status" -eq 0 ]
	has 'pb.yaml:10:28: warning: the title was read as "Tag release": YAML takes the text from " #" on as a comment; quote the title to keep it'
	[ "$(printf '%s\n' "$output" | grep -c ': warning: ')" -eq 1 ]
	relctl init --playbook pb.yaml >/dev/null
	[ "$(relctl playbook show --json | jq -r '.steps | map(.title) | join("|")')" = "Tag release|Check the C# build|Merge PR #45" ]
}

@test "a path naming .git in another case is refused by its name, even where it is another directory" {
	lab 1.0 --set attachment=docs/.Git/config
	clone_credential
	mkdir -p docs/.Git
	cp .git/config docs/.Git/config
	relrun cristina run attach
	expect 65
	same "relctl: {{file:docs/.Git/config}} is under .git/, which holds the clone's configuration; relctl never reads it" "$output"
	[ "$(deliveries cms)" -eq 0 ]
	credential_nowhere
}
