#!/usr/bin/env bats
# Proof of who did what.  With signing: required every ledger commit is
# signed with the acting person's own key, as 'git commit -S' signs
# (gpg.format=ssh, user.signingKey): cristina and michael from key files,
# jan through a real ssh-agent.  Plain 'git verify-commit' agrees with
# relctl on every commit, and sync refuses each forgery: an unsigned
# decision, the owner's decision signed with a dev's key, a payload
# changed after signing, a dev's playbook change (a new product owner, or
# signing switched off), a ledger with another first commit than the one
# relctl.root pins.  Keys rotate: old events keep verifying under the keys
# of their time.

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

@test "a signed release across clones: every commit signed by its actor, relctl verify and plain git verify-commit agree and name each person" {
	team
	to_the_decision
	as_person michael "$RELCTL" decide ship --reason "tests pass" >/dev/null
	as_person jan "$RELCTL" claim publish >/dev/null
	as_person jan "$RELCTL" done publish >/dev/null
	as_person cristina "$RELCTL" sync >/dev/null
	run relctl verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# Every commit of the ledger, checked by git itself.
	n=0
	for c in $(git rev-list relctl-ledger); do
		audit verify-commit "$c" 2>/dev/null || { audit verify-commit "$c"; false; }
		n=$((n + 1))
	done
	[ "$n" -eq "$(git rev-list --count relctl-ledger)" ] && [ "$n" -ge 9 ]
	audit log --format='%G? %GS %an' relctl-ledger >"$TEST_TMP/sigs"
	run ! grep -v '^G ' "$TEST_TMP/sigs"
	# The signer git names is the author relctl recorded, for every commit.
	while read -r _ signer name; do
		[ "$signer" = "$(echo "$name" | tr 'A-Z' 'a-z')@example.com" ] || { echo "$signer $name"; false; }
	done <"$TEST_TMP/sigs"
	audit log --show-signature -1 --format=%s relctl-ledger | grep -q 'Good "git" signature for jan@example.com'
	audit log --show-signature --format=%s relctl-ledger | grep -q 'Good "git" signature for michael@example.com'
	# jan's key never left his agent.
	[ ! -e "$KEYS/jan" ]
}

@test "log of an old release reads which commit recorded each event from a map of earlier walks; a forged, broken or stale map is walked past" {
	team
	to_the_decision
	as_person cristina "$RELCTL" sync >/dev/null
	run relctl log "$V"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	expected=$output
	[[ "$expected" == *"[signed]"* ]]
	map=.git/relctl/event-commits
	# 600 commits of other events on top, as years of other releases would be (the same tree).
	many() { # N
		python3 - "$(git rev-parse relctl-ledger)" "$1" <<-'PY' | git fast-import --quiet
			import sys, uuid
			for i in range(int(sys.argv[2])):
			    msg = "relctl: an event of another release\n\nRelctl-Event: %s\n" % uuid.uuid4().hex
			    sys.stdout.write("commit refs/heads/relctl-ledger\ncommitter Cristina <cristina@example.com> %d +0000\n" % (1710000000 + i))
			    sys.stdout.write("data %d\n%s" % (len(msg), msg))
			    if i == 0:
			        sys.stdout.write("from %s\n" % sys.argv[1])
			    sys.stdout.write("\n")
		PY
	}
	many 600
	[ ! -e "$map" ]
	run relctl log "$V"
	[ "$output" = "$expected" ] || { diff <(echo "$expected") <(echo "$output"); false; }
	# The walk went on to the root once: the map names the tip and every event of the release.
	[ "$(head -1 "$map")" = "relctl-event-commits 1 $(git rev-parse relctl-ledger)" ]
	for id in $(git show "relctl-ledger:releases/$V.json" | jq -r '.events[].id'); do
		commit=$(awk -v id="$id" '$1 == id {print $2}' "$map")
		git log -1 --format=%B "$commit" | grep -qx "Relctl-Event: $id" || { echo "$id -> $commit"; false; }
	done
	# One commit more: the map moves to the new tip.
	many 1
	run relctl log "$V"
	[ "$output" = "$expected" ]
	[ "$(head -1 "$map")" = "relctl-event-commits 1 $(git rev-parse relctl-ledger)" ]
	# A map whose commits do not name their events is not believed: the walk goes on, and writes it again.
	first=$(git show "relctl-ledger:releases/$V.json" | jq -r '.events[0].id')
	other=$(git rev-parse relctl-ledger~3)
	awk -v id="$first" -v c="$other" '$1 == id {$2 = c} {print}' "$map" >"$TEST_TMP/forged"
	cp "$TEST_TMP/forged" "$map"
	run relctl log "$V"
	[ "$output" = "$expected" ] || { diff <(echo "$expected") <(echo "$output"); false; }
	run ! grep -q "^$first $other$" "$map"
	# Nor a broken one, or one of a history this branch does not have.
	printf 'relctl-event-commits 1 \033[2J\n' >"$map"
	run relctl log "$V"
	[ "$output" = "$expected" ]
	head -1 "$map" | grep -Eq '^relctl-event-commits 1 [0-9a-f]{40}$'
	sed -i "1s/.*/relctl-event-commits 1 $(printf 'f%.0s' {1..40})/" "$map"
	run relctl log "$V"
	[ "$output" = "$expected" ]
	[ "$(head -1 "$map")" = "relctl-event-commits 1 $(git rev-parse relctl-ledger)" ]
}

@test "signing: required with no key configured: refused with 77 before anything is written, naming the git config lines" {
	team
	before=$(remote_tip)
	git -C "$TEST_TMP/jan" config --unset user.signingKey
	run as_person jan "$RELCTL" claim build
	[ "$status" -eq 77 ] || { echo "$output"; false; }
	[[ "$output" == *"signing: required"*"git config"*"gpg.format ssh"*"user.signingKey"* ]]
	[ "$(remote_tip)" = "$before" ]
	[ "$(git -C "$TEST_TMP/jan" rev-parse relctl-ledger)" = "$before" ]
}

@test "forgeries of the owner's decision are refused at sync and reported by verify: unsigned, signed with the dev's own key, changed after signing" {
	team
	to_the_decision
	cd "$TEST_TMP/cristina"
	"$RELCTL" sync >/dev/null
	forge_decision "" michael@example.com
	refused_sync "$FORGED" "it is not signed, and the playbook says signing: required"
	git -C "$TEST_TMP/vandal" push -q -f origin "$(git rev-parse relctl-ledger):refs/heads/relctl-ledger"
	# jan signs michael's decision with his own (valid, listed) key.
	forge_decision "key::$(cat "$KEYS/jan.pub")" michael@example.com
	refused_sync "$FORGED" "it is signed with the key of <jan@example.com>, not of its author <michael@example.com>"
	git -C "$TEST_TMP/vandal" push -q -f origin "$(git rev-parse relctl-ledger):refs/heads/relctl-ledger"
	# michael's own signed decision, its payload changed afterwards (delay -> ship kept, reason rewritten).
	NO_PUSH=1 forge_decision "$KEYS/michael" michael@example.com
	git -C "$TEST_TMP/vandal" cat-file commit "$FORGED" | sed 's/^michael decided to ship/michael decided to delay/' >"$TEST_TMP/altered"
	altered=$(git -C "$TEST_TMP/vandal" hash-object -t commit -w "$TEST_TMP/altered")
	[ "$altered" != "$FORGED" ]
	push_commit "$altered"
	refused_sync "$altered" "its signature does not verify"
	# Plain git agrees with relctl on both.
	run audit -C "$TEST_TMP/vandal" verify-commit "$altered"
	[ "$status" -ne 0 ]
	audit -C "$TEST_TMP/vandal" verify-commit "$FORGED"
}

@test "an unsigned decision in the owner's name is not laundered by the release manager's restore: dropped as its commit cannot vouch for it, and verify agrees" {
	team
	to_the_decision
	cd "$TEST_TMP/cristina"
	"$RELCTL" sync >/dev/null
	forge_decision "" michael@example.com
	refused_sync "$FORGED" "it is not signed, and the playbook says signing: required"
	cd "$TEST_TMP/cristina"
	run "$RELCTL" sync --restore
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"after 1 refused commit: 0 events brought back, 1 dropped"* ]] || { echo "$output"; false; }
	[[ "$output" == *"dropped: michael decide (from commit ${FORGED:0:12}): its commit cannot vouch for it: it is not signed, and the playbook says signing: required"* ]] ||
		{ echo "$output"; false; }
	[ "$(remote_ledger "$REMOTE" "$V" | jq -c '[.decisions, .steps.decide.state]')" = '[[],"ready"]' ]
	run "$RELCTL" verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"${FORGED:0:12}"*"restored by Cristina"* ]] || { echo "$output"; false; }
	# michael decides himself, signed.
	as_person michael "$RELCTL" sync >/dev/null
	as_person michael "$RELCTL" decide ship --reason "tests pass" >/dev/null
	[ "$(remote_ledger "$REMOTE" "$V" | jq -r '.decisions[0].by')" = michael ]
}

@test "a dev's signed playbook change is refused: a new product owner, or signing switched to optional; the release manager's own change is accepted" {
	team
	cd "$TEST_TMP/jan"
	signed_playbook "$KEYS/michael.pub" required "  - {id: eve, name: Eve, email: eve@example.com, roles: [product-owner]}" >"$TEST_TMP/eve.yaml"
	signed_playbook "$KEYS/michael.pub" optional >"$TEST_TMP/optional.yaml"
	for pb in eve optional; do
		# jan signs it himself; relctl would refuse, so plain git writes it.
		rm -rf "$TEST_TMP/vandal"
		git clone -q "$REMOTE" "$TEST_TMP/vandal" 2>/dev/null
		v="$TEST_TMP/vandal"
		b=$(git -C "$v" hash-object -w "$TEST_TMP/$pb.yaml")
		GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" read-tree origin/relctl-ledger
		GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" update-index --add --cacheinfo "100644,$b,playbook.yaml" --cacheinfo "100644,$b,playbooks/$b.yaml"
		tree=$(GIT_INDEX_FILE="$TEST_TMP/i" git -C "$v" write-tree)
		rm -f "$TEST_TMP/i"
		FORGED=$(SSH_AUTH_SOCK=$JAN_SOCK git -C "$v" -c gpg.format=ssh -c user.signingKey="key::$(cat "$KEYS/jan.pub")" \
			-c user.name=Jan -c user.email=jan@example.com commit-tree -S "$tree" -p origin/relctl-ledger -m "jan updated the playbook")
		push_commit "$FORGED"
		refused_sync "$FORGED" "who is not a release manager of the playbook before it"
		git -C "$v" push -q -f origin "$(git -C "$TEST_TMP/cristina" rev-parse relctl-ledger):refs/heads/relctl-ledger"
	done
	# Through relctl, jan is refused before anything is written.
	run as_person jan "$RELCTL" playbook update "$TEST_TMP/optional.yaml"
	[ "$status" -eq 77 ]
	# cristina may.
	run as_person cristina "$RELCTL" playbook update "$TEST_TMP/optional.yaml"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	as_person michael "$RELCTL" sync >/dev/null
}

@test "key rotation: the release manager's signed update replaces michael's key; his old events still verify, new ones need the new key" {
	team
	to_the_decision
	old_events=$(as_person michael git rev-list --count relctl-ledger)
	signed_playbook "$KEYS/michael2.pub" required >"$TEST_TMP/rotated.yaml"
	as_person cristina "$RELCTL" playbook update "$TEST_TMP/rotated.yaml" >/dev/null
	# With his old key michael cannot write any more.
	run as_person michael "$RELCTL" decide ship --reason "tests pass"
	[ "$status" -ne 0 ]
	[[ "$output" == *"lists for nobody"* || "$output" == *"not of its author"* || "$output" == *"signed"* ]] || { echo "$output"; false; }
	git -C "$TEST_TMP/michael" config user.signingKey "$KEYS/michael2"
	run as_person michael "$RELCTL" decide ship --reason "tests pass"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# Every commit still verifies for relctl, the early ones under the old key.
	run as_person cristina "$RELCTL" sync
	run as_person cristina "$RELCTL" verify
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$old_events" -gt 3 ]
}

@test "relctl.root pins the first commit: a ledger with another root is refused by sync and verify" {
	team
	root=$(git rev-list --max-parents=0 relctl-ledger)
	run relctl verify
	[[ "$output" == *"root commit: $root"* ]]
	# Someone replaces the whole ledger with one of their own (a new first commit).
	rm -rf "$TEST_TMP/fresh"
	git init -q "$TEST_TMP/fresh"
	git -C "$TEST_TMP/fresh" config user.email cristina@example.com
	git -C "$TEST_TMP/fresh" config gpg.format ssh
	git -C "$TEST_TMP/fresh" config user.signingKey "$KEYS/cristina"
	# (a day later: the same playbook, author and key at the same time would be the same commit)
	(cd "$TEST_TMP/fresh" && RELCTL_NOW=2024-03-20T10:00:00Z "$RELCTL" init --playbook "$TEST_TMP/signed.yaml" >/dev/null)
	[ "$(git -C "$TEST_TMP/fresh" rev-parse relctl-ledger)" != "$root" ]
	other_root=$(git -C "$TEST_TMP/fresh" rev-parse relctl-ledger)
	git -C "$TEST_TMP/fresh" push -q -f "$REMOTE" relctl-ledger:relctl-ledger
	# michael's clone never synced it; a new clone that pins the team's root refuses it.
	rm -rf "$TEST_TMP/newcomer"
	person_clone newcomer maria@example.com "$KEYS/maria"
	git -C "$TEST_TMP/newcomer" config relctl.root "$root"
	run as_person newcomer "$RELCTL" sync
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[[ "$output" == *"${other_root:0:12}"*"relctl.root pins ${root:0:12}"* ]] || { echo "$output"; false; }
	run ! git -C "$TEST_TMP/newcomer" rev-parse -q --verify relctl-ledger
}

@test "log, show and report mark each event signed, unsigned or bad; log --json carries the signer's key fingerprint" {
	team
	to_the_decision
	cd "$TEST_TMP/cristina"
	"$RELCTL" sync >/dev/null
	run "$RELCTL" log
	[ "$status" -eq 0 ]
	[ "$(grep -c '\[signed\]$' <<<"$output")" -eq 5 ] || { echo "$output"; false; }
	run "$RELCTL" log --json
	jan_fp=$(ssh-keygen -lf "$KEYS/jan.pub" | cut -d' ' -f2)
	same "jan@example.com $jan_fp good" \
		"$(jq -r '.[] | select(.actor == "jan" and .op == "done") | "\(.signature.signer) \(.signature.fingerprint) \(.signature.signature)"' <<<"$output")"
	run "$RELCTL" show build
	[[ "$output" == *"jan        done: rc1  [signed]"* ]] || { echo "$output"; false; }
	run "$RELCTL" report "$V" --format md
	[[ "$output" == *"| jan | done build | signed $jan_fp |"* ]] || { echo "$output"; false; }
	# A clone that took michael's altered decision with plain git marks it.
	NO_PUSH=1 forge_decision "$KEYS/michael" michael@example.com
	git -C "$TEST_TMP/vandal" cat-file commit "$FORGED" | sed 's/^michael decided to ship/michael decided, honestly, to ship/' >"$TEST_TMP/altered"
	altered=$(git -C "$TEST_TMP/vandal" hash-object -t commit -w "$TEST_TMP/altered")
	push_commit "$altered"
	rm -rf "$TEST_TMP/auditor"
	git clone -q --no-checkout "$REMOTE" "$TEST_TMP/auditor" 2>/dev/null
	git -C "$TEST_TMP/auditor" branch -q -f relctl-ledger origin/relctl-ledger
	run bash -c "cd '$TEST_TMP/auditor' && '$RELCTL' log"
	[[ "$output" == *"michael    decide"*"[bad signature]" ]] || { echo "$output"; false; }
	# A later release's commits come between: the earlier one's events keep their marks.
	cd "$TEST_TMP/cristina"
	"$RELCTL" start 2.6.4 --offline >/dev/null
	"$RELCTL" skip build --reason "not this time" --release 2.6.4 --offline >/dev/null
	"$RELCTL" start 2.6.5 --offline >/dev/null
	"$RELCTL" reopen build --reason "after all" --release 2.6.4 --offline >/dev/null
	run "$RELCTL" log --release 2.6.4
	[ "$(grep -c '\[signed\]$' <<<"$output")" -eq 3 ] || { echo "$output"; false; }
	run "$RELCTL" log --release "$V"
	[ "$(grep -c '\[signed\]$' <<<"$output")" -eq 5 ] || { echo "$output"; false; }
}
