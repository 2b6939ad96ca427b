#!/usr/bin/env bats
# relctl keys allowed-signers: the keys of the playbook's people as the
# allowed-signers file that git verify-commit reads, so that plain git
# checks a commit signed with one of those keys and names its person; and
# lint placing every key line that is not a key.

load helper

setup() {
	setup_repo
	KEYS="$TEST_TMP/keys"
	mkdir -p "$KEYS"
	ssh-keygen -q -t ed25519 -N "" -C cristina@laptop -f "$KEYS/cristina"
	ssh-keygen -q -t ecdsa -b 256 -N "" -C jan@desktop -f "$KEYS/jan"
	ssh-keygen -q -t ed25519 -N "" -C mallory@elsewhere -f "$KEYS/mallory"
	CRISTINA_KEY=$(cut -d' ' -f1,2 "$KEYS/cristina.pub")
	JAN_KEY=$(cut -d' ' -f1,2 "$KEYS/jan.pub")
	cat >"$TEST_TMP/signed.yaml" <<-YAML
		relctl: 1
		name: Signed
		roles: [release-manager, product-owner, dev]
		people:
		  - {id: cristina, email: cristina@example.com, roles: [release-manager, product-owner], keys: ["$(cat "$KEYS/cristina.pub")"]}
		  - {id: jan, email: jan@example.com, roles: [dev], keys: ["$JAN_KEY"]}
		  - {id: lena, email: lena@example.com, roles: [dev]}
		signing: required
		phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]
	YAML
	# signing: required: the first commit too is signed, with cristina's key.
	git config gpg.format ssh
	git config user.signingKey "$KEYS/cristina"
	relctl init --playbook "$TEST_TMP/signed.yaml" >/dev/null
}

teardown() {
	cleanup_repo
}

# sign_commit KEY [AUTHOR_EMAIL]: an empty commit on HEAD signed by plain git with KEY.
sign_commit() {
	git -c gpg.format=ssh -c user.signingKey="$1" -c user.email="${2:-cristina@example.com}" \
		commit -q --allow-empty -S -m "signed with $(basename "$1")"
}

# git with the allowed signers relctl printed.
audit() {
	git -c gpg.ssh.allowedSignersFile="$TEST_TMP/signers" "$@"
}

@test "allowed-signers lists each person's keys under their email" {
	run relctl keys allowed-signers
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "# Allowed signers of the relctl ledger (ssh-keygen(1) ALLOWED SIGNERS): the keys of each" ]
	[ "${lines[2]}" = "# cristina" ]
	[ "${lines[3]}" = "cristina@example.com namespaces=\"git\" $CRISTINA_KEY" ]
	[ "${lines[4]}" = "# jan" ]
	[ "${lines[5]}" = "jan@example.com namespaces=\"git\" $JAN_KEY" ]
	[ "${#lines[@]}" -eq 6 ] # lena has no keys
}

@test "git verify-commit accepts a commit signed with a listed key and names the person" {
	relctl keys allowed-signers >"$TEST_TMP/signers"
	sign_commit "$KEYS/cristina"
	run audit verify-commit HEAD
	[ "$status" -eq 0 ]
	[[ "$output" == *"Good \"git\" signature for cristina@example.com with ED25519 key"* ]]
	run audit log -1 --format='%G? %GS %GF' HEAD
	[ "$output" = "G cristina@example.com $(ssh-keygen -lf "$KEYS/cristina.pub" | cut -d' ' -f2)" ]

	sign_commit "$KEYS/jan" jan@example.com
	run audit log --show-signature -1 HEAD
	[ "$status" -eq 0 ]
	[[ "$output" == *"Good \"git\" signature for jan@example.com with ECDSA key"* ]]
}

@test "git verify-commit refuses a key the playbook does not list" {
	relctl keys allowed-signers >"$TEST_TMP/signers"
	sign_commit "$KEYS/mallory"
	run audit verify-commit HEAD
	[ "$status" -ne 0 ]
	[[ "$output" == *"No principal matched"* ]]
}

@test "a good signature names its key's person, whoever the author says they are" {
	relctl keys allowed-signers >"$TEST_TMP/signers"
	sign_commit "$KEYS/jan" cristina@example.com
	run audit log -1 --format='%ae %G? %GS' HEAD
	[ "$output" = "cristina@example.com G jan@example.com" ]
}

@test "--json gives each key with its person and the fingerprint ssh-keygen prints" {
	run bash -c '"$1" keys allowed-signers --json | jq -r ".[] | [.person, .principal, .type, .fingerprint] | @tsv"' _ "$RELCTL"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf 'cristina\tcristina@example.com\tssh-ed25519\t%s' "$(ssh-keygen -lf "$KEYS/cristina.pub" | cut -d' ' -f2)")" ]
	[ "${lines[1]}" = "$(printf 'jan\tjan@example.com\tecdsa-sha2-nistp256\t%s' "$(ssh-keygen -lf "$KEYS/jan.pub" | cut -d' ' -f2)")" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "a playbook without keys gives a file of comments only" {
	cleanup_repo
	init_tinypilot
	run relctl keys allowed-signers
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "# "* && "${lines[1]}" == "# "* ]]
}

@test "outside a ledger it says how to make one" {
	cleanup_repo
	setup_repo
	run relctl keys allowed-signers
	[ "$status" -eq 78 ]
	[[ "$output" == "relctl: "*"relctl init"* ]]
}

@test "lint places every key line that is not a key" {
	local f="$ROOT/tests/lint/key-lines-that-are-not-keys.yaml"
	run relctl lint "$f"
	[ "$status" -eq 65 ]
	[[ "$output" == *"$f:9:9: a key of person \"rita\": \"ssh-dss\" is not a key type"* ]]
	[[ "$output" == *"$f:10:9: a key of person \"rita\": the base64 part is not a whole ssh-ed25519 key"* ]]
	[[ "$output" == *"$f:11:9: a key of person \"rita\": this is a private key"* ]]
	[[ "$output" == *"$f:13:60: this key is already sam's (line 12)"* ]]
	[[ "$output" == *"$f:14:10: \"signing\" must be required or optional, not \"always\""* ]]
}
