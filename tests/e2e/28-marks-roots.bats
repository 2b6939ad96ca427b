#!/usr/bin/env bats
# Marks and roots that cannot be faked.  Which commit added an event, and so
# its [signed] mark in log, show and report, comes from what the judge
# accepted, never from a message line: a teammate who puts another event's
# id in his own signed commit's Relctl-Event line is refused, and the
# refused commit a restore leaves in the history neither lends its
# signature to a forged event nor takes it from a genuine one.  The trust
# roots: a change of keys, or to signing: required, is signed by a release
# manager's key in the playbook it makes (the first keys by the key they
# introduce), and relctl.root must be a full commit id.

bats_require_minimum_version 1.5.0

load helper
load sync
load signed

V=2.6.3

setup() {
	signed_setup
}

teardown() {
	signed_teardown
}

# vandal_clone: a plain git clone of the remote, for commits made by hand.
vandal_clone() {
	rm -rf "$TEST_TMP/vandal"
	git clone -q "$REMOTE" "$TEST_TMP/vandal" 2>/dev/null
}

# resign COMMIT MESSAGE-FILE KEY EMAIL NAME: COMMIT's tree and parent under another message, signed by hand.
resign() {
	local tree parent
	tree=$(git -C "$TEST_TMP/vandal" rev-parse "$1^{tree}")
	parent=$(git -C "$TEST_TMP/vandal" rev-parse "$1^")
	SSH_AUTH_SOCK=$JAN_SOCK git -C "$TEST_TMP/vandal" -c gpg.format=ssh -c user.signingKey="$3" -c user.email="$4" \
		-c user.name="$5" commit-tree -S "$tree" -p "$parent" -F "$2"
}

# mark_of ID: the signature status log --json gives event ID in the current directory's clone.
mark_of() {
	"$RELCTL" log --json | jq -r --arg id "$1" '.[] | select(.id == $id) | .signature.signature // "none"'
}

@test "a signed commit whose Relctl-Event line names a forged event is refused, and after the restore the forged event stays [unsigned]" {
	signed_playbook "$KEYS/michael.pub" optional >"$TEST_TMP/signed.yaml"
	team
	# jan skips the build in cristina's name, unsigned (optional allows it), from a clone set up as her.
	rm -rf "$TEST_TMP/scratch"
	clone_into scratch "$URL"
	as_person scratch "$RELCTL" sync >/dev/null
	as_person scratch "$RELCTL" skip build --reason "prebuilt" --offline >/dev/null 2>&1
	forged=$(git -C "$TEST_TMP/scratch" show relctl-ledger:releases/$V.json | jq -r '.events[-1].id')
	vandal_clone
	git -C "$TEST_TMP/vandal" fetch -q "$TEST_TMP/scratch" relctl-ledger
	push_commit FETCH_HEAD
	as_person cristina "$RELCTL" sync >/dev/null
	[ "$(git -C "$TEST_TMP/cristina" rev-parse relctl-ledger)" = "$(remote_tip)" ]
	# Then his own signed finding, its message naming the forged skip too.
	as_person jan "$RELCTL" sync >/dev/null
	as_person jan "$RELCTL" finding add "the build log is noisy" --severity minor --offline >/dev/null
	git -C "$TEST_TMP/vandal" fetch -q "$TEST_TMP/jan" relctl-ledger
	git -C "$TEST_TMP/vandal" log -1 --format=%B FETCH_HEAD >"$TEST_TMP/msg"
	printf 'Relctl-Event: %s\n' "$forged" >>"$TEST_TMP/msg"
	own=$(resign FETCH_HEAD "$TEST_TMP/msg" "key::$(cat "$KEYS/jan.pub")" jan@example.com Jan)
	git -C "$TEST_TMP/vandal" fetch -q origin
	push_commit "$own"
	refused_sync "$own" "its message's Relctl-Event: line names \"$forged\", but the commit adds event"
	# The release manager restores: jan's finding comes back, the forged skip keeps its mark.
	run as_person cristina "$RELCTL" sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cd "$TEST_TMP/cristina"
	[ "$(mark_of "$forged")" = unsigned ]
	finding=$(ledger "$V" | jq -r '.events[] | select(.op == "finding-add") | .id')
	[ -n "$finding" ]
	[ "$(mark_of "$finding")" = good ]
	run "$RELCTL" show build
	[[ "$output" == *"cristina   skip: prebuilt  [unsigned]"* ]] || { echo "$output"; false; }
	run "$RELCTL" report "$V" --format md
	[[ "$output" == *"| cristina | skip build | unsigned |"* ]] || { echo "$output"; false; }
	run "$RELCTL" verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "a refused commit naming the owner's signed decision in its message leaves the decision [signed] after the restore" {
	team
	to_the_decision
	as_person michael "$RELCTL" brief >/dev/null
	as_person michael "$RELCTL" decide ship --reason "tests pass" >/dev/null
	decision=$(git -C "$TEST_TMP/michael" show relctl-ledger:releases/$V.json | jq -r '.events[-1].id')
	as_person cristina "$RELCTL" sync >/dev/null
	# jan pushes an unsigned commit that changes nothing, its message naming the decision.
	vandal_clone
	printf 'jan touched nothing\n\nRelctl-Event: %s\n' "$decision" >"$TEST_TMP/msg"
	bad=$(git -C "$TEST_TMP/vandal" -c user.email=jan@example.com -c user.name=Jan commit-tree \
		"origin/relctl-ledger^{tree}" -p origin/relctl-ledger -F "$TEST_TMP/msg")
	push_commit "$bad"
	# Refused before anything is read: it changes no file (the screen comes before the signature).
	refused_sync "$bad" "the commit changes no release and not the playbook"
	run as_person cristina "$RELCTL" sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cd "$TEST_TMP/cristina"
	git merge-base --is-ancestor "$bad" relctl-ledger
	[ "$(mark_of "$decision")" = good ]
	run "$RELCTL" log
	[[ "$output" == *"michael    decide"*"[signed]"* ]] || { echo "$output"; false; }
	run "$RELCTL" report "$V" --format md
	line=$(grep -F '| michael | decide' <<<"$output")
	[[ "$line" == *"| signed SHA256:"* ]] || { echo "$output"; false; }
}

@test "keys come only with a release manager's signature by a key of the playbook they make: unsigned or by hand they are refused, cristina's signed bootstrap is taken" {
	# A team that starts with no keys and signing optional.
	sed -e '/^signing:/d' -e 's/, keys: \[[^]]*\]//' "$TEST_TMP/signed.yaml" >"$TEST_TMP/plain.yaml"
	cp "$TEST_TMP/signed.yaml" "$TEST_TMP/keyed.yaml"
	cp "$TEST_TMP/plain.yaml" "$TEST_TMP/signed.yaml"
	team
	# cristina, with no signing key, cannot introduce keys and signing: required.
	git -C "$TEST_TMP/cristina" config --unset user.signingKey
	before=$(remote_tip)
	run as_person cristina "$RELCTL" playbook update "$TEST_TMP/keyed.yaml"
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
	has "the playbook changes the signing keys and switches signing: required on, and the commit is not signed by a release manager's key in that playbook"
	[ "$(remote_tip)" = "$before" ]
	# Nor can jan, in her name, with plain git: sync refuses it and verify reports it.
	vandal_clone
	v="$TEST_TMP/vandal"
	b=$(git -C "$v" hash-object -w "$TEST_TMP/keyed.yaml")
	GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" read-tree origin/relctl-ledger
	GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" update-index --add --cacheinfo "100644,$b,playbook.yaml" --cacheinfo "100644,$b,playbooks/$b.yaml"
	tree=$(GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" write-tree)
	rm -f "$TEST_TMP/i"
	forged=$(git -C "$v" -c user.name=Cristina -c user.email=cristina@example.com commit-tree "$tree" -p origin/relctl-ledger -m "cristina updated the playbook")
	push_commit "$forged"
	refused_sync "$forged" "the playbook changes the signing keys"
	git -C "$v" push -q -f origin "$(git -C "$TEST_TMP/cristina" rev-parse relctl-ledger):refs/heads/relctl-ledger"
	# Signed by the key it gives her, cristina's update is taken, and from then on every commit is signed.
	git -C "$TEST_TMP/cristina" config user.signingKey "$KEYS/cristina"
	run as_person cristina "$RELCTL" playbook update "$TEST_TMP/keyed.yaml"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run as_person jan "$RELCTL" claim build
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run as_person cristina "$RELCTL" sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run as_person cristina "$RELCTL" verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "relctl.root takes the full commit id only: a short pin is a config error (78), the full one is honoured" {
	team
	root=$(git rev-list --max-parents=0 relctl-ledger)
	git config relctl.root "${root:0:12}"
	run relctl status
	[ "$status" -eq 78 ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 1 ]
	has "git config relctl.root is \"${root:0:12}\", not a full commit id: pin the root commit's 40 hex digits"
	run relctl sync
	[ "$status" -eq 78 ]
	git config relctl.root "$root"
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	has "root commit: $root"
}
