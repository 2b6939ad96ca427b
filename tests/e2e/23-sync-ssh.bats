#!/usr/bin/env bats
# The ledger shared through an ssh:// remote: a real sshd on 127.0.0.1
# (publickey only) in front of the bare repository.  relctl authenticates
# with libgit2's credential callback: the ssh-agent when SSH_AUTH_SOCK is
# set, then the key of 'git config relctl.sshKey' (~/ expanded), else the
# first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa.  HOME is the test's own
# folder, so relctl never reads the real ~/.ssh; the plain git commands use
# GIT_SSH_COMMAND with their own key and no known_hosts.  In the ASan pass,
# ssh.bash adds lsan-ssh.supp (leaks of libgit2's ssh transport and of
# libssh2); the runs wrapped in 'leakcheck' make sure relctl's own
# credentials callback, which one of those suppressions also covers, leaks
# nothing.

bats_require_minimum_version 1.5.0
load helper
load sync
load ssh

setup() {
	setup_repo
	export HOME="$TEST_TMP/home"
	mkdir -p "$HOME/.ssh"
	chmod 700 "$HOME/.ssh"
	unset SSH_AUTH_SOCK SSH_AGENT_PID
}

teardown() {
	servers_stop # sshd and the agent too
	cleanup_repo
}

# team [HOOK]: a bare remote behind sshd, trusted in $HOME/.ssh/known_hosts;
# clones a and b (made by plain git with its own key), HOOK run, then a
# (cristina) set up with 'relctl init --playbook' and release 2.6.3 started.
# The test has set up relctl's credentials first.
team() {
	sshd_up
	ssh_trust_host
	[[ "$URL" == "ssh://$(id -un)@127.0.0.1:$SSH_PORT/"*"/srv/team.git" ]]
	clone_into a "$URL"
	clone_into b "$URL"
	[ "$(git -C "$TEST_TMP/b" config remote.origin.url)" = "$URL" ]
	[ $# -eq 0 ] || "$@"
	cd "$TEST_TMP/a"
	run relctl init --playbook "$PLAYBOOK"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"shared through origin"* ]]
	relctl start 2.6.3 >/dev/null
	[ "$(git rev-parse relctl-ledger)" = "$(remote_tip)" ]
}

# key NAME: a new key pair sshd accepts; prints the private key's path.
key() {
	local k
	k=$(ssh_key "$1")
	ssh_authorize "$k"
	echo "$k"
}

# sshd_up: the remote team.git behind sshd, once per test (keys are
# authorized on the running server, before team()).
sshd_up() {
	[ -n "${SSHD_PID:-}" ] || ssh_serve team
}

# default_key: sshd up, and a key it accepts as the default ~/.ssh/id_ecdsa.
default_key() {
	local k
	sshd_up
	k=$(key default)
	mv "$k" "$HOME/.ssh/id_ecdsa"
	mv "$k.pub" "$HOME/.ssh/id_ecdsa.pub"
}

# fingerprint KEY: of KEY.pub, as sshd logs it.
fingerprint() {
	ssh-keygen -l -f "$1.pub" | cut -d' ' -f2
}

# accepted KEY|FINGERPRINT: sshd's log shows that key let the test's user in.
accepted() {
	local fp=$1
	[[ $fp == SHA256:* ]] || fp=$(fingerprint "$1")
	grep -qF "$fp" <(grep "^Accepted publickey for $(id -un) from 127.0.0.1 " "$TEST_TMP/srv-ssh/sshd.log")
}

# keys_offered: how many keys sshd was offered so far, accepted or not.
keys_offered() {
	grep -c "publickey for " "$TEST_TMP/srv-ssh/sshd.log"
}

@test "ssh:// through ssh-agent: a fresh clone picks up the ledger with 'relctl sync', each clone's claims reach the other; an agent without the key falls back to relctl.sshKey" {
	sshd_up
	k=$(key agent-only)
	agent_start
	ssh-add -q "$k" 2>/dev/null
	[ "$(ssh-add -l | wc -l)" -eq 1 ]
	fp=$(fingerprint "$k")
	rm -f "$k" "$k.pub" # only the agent has it now
	[ -z "$(ls -A "$HOME/.ssh")" ]
	run git config relctl.sshKey
	[ "$status" -eq 1 ]
	team
	accepted "$fp"
	shares_between_clones

	# The agent now holds only a key sshd does not accept: relctl goes on to relctl.sshKey.
	ssh-add -q -D 2>/dev/null
	stranger=$(ssh_key stranger)
	ssh-add -q "$stranger" 2>/dev/null
	file_key=$(key file)
	git config --global relctl.sshKey "$file_key"
	cd "$TEST_TMP/b"
	run leakcheck as jan claim update-test-plan
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(remote_events | tail -1)" = "jan claim update-test-plan" ]
	same_as_remote
	accepted "$file_key"
	run ! accepted "$stranger"
	grep -q "Failed publickey for $(id -un) from 127.0.0.1 .* $(fingerprint "$stranger")" "$TEST_TMP/srv-ssh/sshd.log"
}

@test "ssh:// without an agent, with the key of git config relctl.sshKey (~/ path): a fresh clone picks up the ledger, and each clone's claims reach the other" {
	sshd_up
	mkdir -p "$HOME/keys"
	mv "$(key cristina)" "$HOME/keys/cristina" # no .pub beside it: libssh2 derives it
	k=$(key jan)
	mv "$k" "$HOME/keys/jan"
	mv "$k.pub" "$HOME/keys/jan.pub"
	# A key sshd does not accept where the default would be: relctl.sshKey comes first.
	ssh_key stranger >/dev/null
	cp "$TEST_TMP/keys/stranger" "$HOME/.ssh/id_ecdsa"
	cp "$TEST_TMP/keys/stranger.pub" "$HOME/.ssh/id_ecdsa.pub"
	# Clone a names its key in its own config, b gets it from the global one.
	# shellcheck disable=SC2088 # relctl expands the ~/, not the shell
	git config --global relctl.sshKey '~/keys/jan'
	# shellcheck disable=SC2088
	team git -C "$TEST_TMP/a" config relctl.sshKey '~/keys/cristina'
	accepted "$TEST_TMP/keys/cristina"
	run ! accepted "$HOME/keys/jan"
	shares_between_clones
	accepted "$HOME/keys/jan"
	run ! accepted "$TEST_TMP/keys/stranger"
}

@test "ssh:// without an agent or relctl.sshKey: the default ~/.ssh/id_ecdsa is used" {
	default_key
	team
	accepted "$HOME/.ssh/id_ecdsa"
	cd "$TEST_TMP/b"
	run leakcheck relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"1 event received, 0 sent"* ]]
	run leakcheck as jan claim build-rc
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(remote_events)" = "$(printf 'cristina start -\njan claim build-rc')" ]
	same_as_remote
}

@test "ssh:// as ssh would: a stale SSH_AUTH_SOCK falls through to the key files, each default key is tried, and a url without a user logs in as the local user" {
	default_key
	# Tried first and refused: ssh goes on to the next default key, so does relctl.
	ssh_key stranger >/dev/null
	cp "$TEST_TMP/keys/stranger" "$HOME/.ssh/id_ed25519"
	team
	cd "$TEST_TMP/b"
	git remote set-url origin "${URL/$(id -un)@/}"
	[[ "$(git config remote.origin.url)" == "ssh://127.0.0.1:$SSH_PORT/"* ]]
	SSH_AUTH_SOCK="$TEST_TMP/no-agent.sock" run leakcheck relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	SSH_AUTH_SOCK= run leakcheck as jan claim build-rc
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(remote_events)" = "$(printf 'cristina start -\njan claim build-rc')" ]
	same_as_remote
	grep -q "Failed publickey for $(id -un) from 127.0.0.1 .* $(fingerprint "$TEST_TMP/keys/stranger")" "$TEST_TMP/srv-ssh/sshd.log"
	accepted "$HOME/.ssh/id_ecdsa"
	! grep -q "Invalid user" "$TEST_TMP/srv-ssh/sshd.log" || false
}

@test "ssh:// with no agent and no key file: 77 saying there is no key to offer and how to name one; nothing written" {
	default_key
	team
	before=$(git rev-parse relctl-ledger)
	mv "$HOME/.ssh/id_ecdsa" "$HOME/id_ecdsa.away"
	run as jan claim build-rc
	[ "$status" -eq 77 ] || { echo "$status $output"; false; }
	[ "$output" = 'relctl: no ssh key to offer remote "origin": add one to ssh-agent (SSH_AUTH_SOCK), or name its file with git config relctl.sshKey FILE' ]
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ "$(remote_tip)" = "$before" ]
}

@test "ssh:// remote: two teammates claim one step at once: one wins, the other exits 75 naming the holder and ends equal to the remote" {
	default_key
	team
	one_claim_of_two_wins
}

@test "ssh:// with a key sshd does not accept (no agent): the mutation fails with 77 in one line, adds no commit, and never shows the key" {
	sshd_up
	k=$(key cristina)
	git config --global relctl.sshKey "$k"
	team
	before=$(git rev-parse relctl-ledger)
	ssh_key stranger >/dev/null
	stranger="$TEST_TMP/keys/stranger"
	for how in default sshKey; do
		if [ $how = default ]; then
			git config --global --unset relctl.sshKey
			cp "$stranger" "$HOME/.ssh/id_ecdsa"
			cp "$stranger.pub" "$HOME/.ssh/id_ecdsa.pub"
			secret_path="$HOME/.ssh/id_ecdsa"
		else
			rm "$HOME/.ssh/id_ecdsa" "$HOME/.ssh/id_ecdsa.pub"
			git config --global relctl.sshKey "$stranger"
			secret_path=$stranger
		fi
		run leakcheck as jan claim build-rc
		[ "$status" -eq 77 ] || { echo "$how: $status $output"; false; }
		[ "${#lines[@]}" -eq 1 ] || { echo "$how: $output"; false; }
		[[ "$output" == 'relctl: remote "origin" refused your ssh key; check the keys in ssh-agent or git config relctl.sshKey'* ]] ||
			{ echo "$how: $output"; false; }
		# Neither the key's path nor a line of it (private or public).
		[[ "$output" != *"$secret_path"* && "$output" != *stranger* && "$output" != *"$TEST_TMP/keys"* ]]
		[[ "$output" != *"PRIVATE KEY"* ]]
		while read -r line; do
			[ ${#line} -lt 20 ] || [[ "$output" != *"$line"* ]] || { echo "$how: key text in: $output"; false; }
		done < <(grep -v -- '-----' "$stranger"; cut -d' ' -f2 "$stranger.pub")
		[ "$(git rev-parse relctl-ledger)" = "$before" ]
		[ -z "$(git for-each-ref refs/relctl/outgoing)" ]
		[ "$(remote_tip)" = "$before" ]
	done
	grep -q "Failed publickey for $(id -un) from 127.0.0.1 .* $(fingerprint "$stranger")" "$TEST_TMP/srv-ssh/sshd.log"
}

@test "ssh:// host key not in known_hosts, or changed: relctl refuses the server (69) and adds no commit" {
	default_key
	team
	before=$(git rev-parse relctl-ledger)
	offered=$(keys_offered)
	mv "$HOME/.ssh/known_hosts" "$HOME/known_hosts.good"
	run as jan claim build-rc
	[ "$status" -eq 69 ] || { echo "$status $output"; false; }
	[[ "$output" == *'remote "origin"'* ]]
	[[ "$output" =~ host\ ?key ]] || { echo "$output"; false; }
	[[ "$output" == *"add its key to ~/.ssh/known_hosts"* && "$output" != *--offline* ]] || { echo "$output"; false; }
	[ ! -e "$HOME/.ssh/known_hosts" ] # nothing trusted on first use
	# Another server's key under this address: a man in the middle.
	ssh-keygen -q -t ecdsa -b 256 -N '' -f "$TEST_TMP/impostor" </dev/null
	echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$TEST_TMP/impostor.pub")" >"$HOME/.ssh/known_hosts"
	run as jan claim build-rc
	[ "$status" -eq 69 ] || { echo "$status $output"; false; }
	[[ "$output" =~ host\ ?key ]] || { echo "$output"; false; }
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ "$(remote_tip)" = "$before" ]
	# It stopped before offering any key.
	[ "$(keys_offered)" -eq "$offered" ] || { grep publickey "$TEST_TMP/srv-ssh/sshd.log"; false; }
	mv "$HOME/known_hosts.good" "$HOME/.ssh/known_hosts"
	run as jan claim build-rc
	[ "$status" -eq 0 ]
}

@test "ssh:// sshd stopped: a mutation fails with 69 and adds no commit" {
	default_key
	team
	before=$(git rev-parse relctl-ledger)
	sshd_stop
	run as jan claim build-rc
	[ "$status" -eq 69 ] || { echo "$status $output"; false; }
	[[ "$output" == *'cannot fetch from remote "origin"'*"--offline"* ]]
	[ "$(git rev-parse relctl-ledger)" = "$before" ]
	[ -z "$(git for-each-ref refs/relctl/outgoing)" ]
	[ "$(remote_tip)" = "$before" ]
}
