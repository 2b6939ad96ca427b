# Shared set-up for the tests of a signed ledger (25-signed-ledger.bats,
# 28-marks-roots.bats): keys for cristina (release manager), michael (product
# owner, and a second key for a rotation), jan (dev, his key only in a real
# ssh-agent) and maria (support); a playbook listing them; a clone per person
# that signs as they do; and the helpers that forge commits with plain git,
# as a teammate with push access would.
#
#   signed_setup / signed_teardown   the keys, the agent, $TEST_TMP/signed.yaml
#   signed_playbook PUB SIGNING [LINE]  that playbook, michael's key PUB
#   person_clone NAME EMAIL KEY      a clone of the remote signing with KEY
#   as_person NAME CMD...            CMD in NAME's clone (jan's with his agent)
#   team                             four clones, the release started
#   to_the_decision                  jan builds, maria tests
#   audit GIT-ARGS...                plain git with relctl's allowed signers
#   refused_sync COMMIT TEXT         cristina's sync refuses COMMIT, nothing moves
#   push_commit COMMIT               a hand-made commit pushed as the ledger
#   forge_decision KEY AUTHOR        michael's decision re-committed by hand

V=${V:-2.6.3}

signed_setup() {
	setup_repo
	KEYS="$TEST_TMP/keys"
	mkdir -p "$KEYS"
	ssh-keygen -q -t ed25519 -N "" -C cristina@laptop -f "$KEYS/cristina"
	ssh-keygen -q -t ed25519 -N "" -C michael@laptop -f "$KEYS/michael"
	ssh-keygen -q -t ed25519 -N "" -C michael@new-laptop -f "$KEYS/michael2"
	ssh-keygen -q -t ecdsa -b 256 -N "" -C jan@desktop -f "$KEYS/jan"
	ssh-keygen -q -t ed25519 -N "" -C maria@laptop -f "$KEYS/maria"
	# jan's private key lives only in his agent.
	eval "$(ssh-agent -s)" >/dev/null
	AGENT_PID=$SSH_AGENT_PID
	ssh-add -q "$KEYS/jan" 2>/dev/null
	rm "$KEYS/jan"
	JAN_SOCK=$SSH_AUTH_SOCK
	unset SSH_AUTH_SOCK SSH_AGENT_PID
	signed_playbook "$KEYS/michael.pub" required >"$TEST_TMP/signed.yaml"
}

signed_teardown() {
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null
	servers_stop
	cleanup_repo
}

# signed_playbook MICHAEL_PUB SIGNING [EXTRA_PERSON_LINE]
signed_playbook() {
	cat <<EOF
relctl: 1
name: Signed
roles: [release-manager, product-owner, dev, support]
signing: $2
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager], keys: ["$(cat "$KEYS/cristina.pub")"]}
  - {id: michael, name: Michael, email: michael@example.com, roles: [product-owner], keys: ["$(cat "$1")"]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev], keys: ["$(cat "$KEYS/jan.pub")"]}
  - {id: maria, name: Maria, email: maria@example.com, roles: [support], keys: ["$(cat "$KEYS/maria.pub")"]}
${3:-}
phases:
  - id: testing
    steps:
      - {id: build, title: Build the release candidate, owner: dev}
      - {id: test, title: Test the candidate, owner: support, needs: [build]}
      - {id: decide, title: Ship or delay, kind: decision, owner: product-owner, needs: [test], on_delay: [build, test]}
  - id: publishing
    steps:
      - {id: publish, title: Publish the release, owner: dev}
EOF
}

# person_clone NAME EMAIL SIGNING-KEY: a clone of the remote set up as that person signs.
person_clone() {
	clone_into "$1" "$URL"
	git -C "$TEST_TMP/$1" config user.email "$2"
	git -C "$TEST_TMP/$1" config user.name "$1"
	git -C "$TEST_TMP/$1" config gpg.format ssh
	git -C "$TEST_TMP/$1" config user.signingKey "$3"
}

# as_person NAME CMD...: run CMD in NAME's clone (jan's with his agent).
as_person() {
	local who=$1
	shift
	if [ "$who" = jan ]; then
		(cd "$TEST_TMP/$who" && SSH_AUTH_SOCK=$JAN_SOCK "$@")
	else
		(cd "$TEST_TMP/$who" && "$@")
	fi
}

# Three clones of one remote: cristina's (a), jan's (agent, key:: literal), michael's.
team() {
	serve path team
	person_clone cristina cristina@example.com "$KEYS/cristina"
	person_clone jan jan@example.com "key::$(cat "$KEYS/jan.pub")"
	person_clone michael michael@example.com "$KEYS/michael"
	person_clone maria maria@example.com "$KEYS/maria"
	as_person cristina "$RELCTL" init --playbook "$TEST_TMP/signed.yaml" >/dev/null
	as_person cristina "$RELCTL" start "$V" >/dev/null
	for who in jan michael maria; do as_person "$who" "$RELCTL" sync >/dev/null; done
	cd "$TEST_TMP/cristina"
}

# The release played to the decision: jan builds, maria tests, each from their own clone.
to_the_decision() {
	as_person jan "$RELCTL" claim build >/dev/null
	as_person jan "$RELCTL" done build --note "rc1" >/dev/null
	as_person maria "$RELCTL" claim test >/dev/null
	as_person maria "$RELCTL" done test >/dev/null
	as_person michael "$RELCTL" sync >/dev/null
}

# Plain git with relctl's allowed signers.
audit() {
	"$RELCTL" keys allowed-signers >"$TEST_TMP/signers"
	git -c gpg.ssh.allowedSignersFile="$TEST_TMP/signers" "$@"
}

# refused_sync COMMIT TEXT: relctl sync in cristina's clone refuses COMMIT, one line, nothing moves.
refused_sync() {
	cd "$TEST_TMP/cristina"
	local_before=$(git rev-parse relctl-ledger)
	accepted_before=$(git rev-parse refs/relctl/remotes/origin/relctl-ledger)
	remote_before=$(remote_tip)
	run "$RELCTL" sync
	refused_unchanged
	[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"commit ${1:0:12} by "*"that relctl refuses: "*"$2"* ]] || { echo "$output"; false; }
	# verify in a clone that took it with plain git reports it too.
	rm -rf "$TEST_TMP/auditor"
	git clone -q --no-checkout "$REMOTE" "$TEST_TMP/auditor" 2>/dev/null
	git -C "$TEST_TMP/auditor" branch -q -f relctl-ledger origin/relctl-ledger
	run bash -c "cd '$TEST_TMP/auditor' && '$RELCTL' verify"
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	[[ "$output" == *"${1:0:12}"*"$2"* ]] || { echo "$output"; false; }
}

# push_commit COMMIT: pushes a hand-made commit object to the remote's ledger.
push_commit() {
	git -C "$TEST_TMP/vandal" push -q origin "$1:refs/heads/relctl-ledger"
}

# forge_decision KEY AUTHOR: michael's decision to ship, as relctl writes it,
# committed by hand by AUTHOR and signed with KEY ("" for unsigned).
forge_decision() {
	rm -rf "$TEST_TMP/scratch" "$TEST_TMP/vandal"
	person_clone scratch michael@example.com "$KEYS/michael"
	as_person scratch "$RELCTL" sync >/dev/null
	as_person scratch "$RELCTL" decide ship --reason "tests pass" --offline >/dev/null
	git clone -q "$REMOTE" "$TEST_TMP/vandal" 2>/dev/null
	git -C "$TEST_TMP/vandal" fetch -q "$TEST_TMP/scratch" relctl-ledger
	tree=$(git -C "$TEST_TMP/vandal" rev-parse FETCH_HEAD^{tree})
	msg=$(git -C "$TEST_TMP/vandal" log -1 --format=%B FETCH_HEAD)
	if [ -n "$1" ]; then
		FORGED=$(SSH_AUTH_SOCK=$JAN_SOCK git -C "$TEST_TMP/vandal" -c gpg.format=ssh -c user.signingKey="$1" -c user.name=Michael \
			-c user.email="$2" commit-tree -S "$tree" -p origin/relctl-ledger -m "$msg")
	else
		FORGED=$(git -C "$TEST_TMP/vandal" -c user.name=Michael -c user.email="$2" commit-tree "$tree" \
			-p origin/relctl-ledger -m "$msg")
	fi
	[ -n "${NO_PUSH:-}" ] || push_commit "$FORGED"
}

