# An ssh:// remote for the sync tests (load after helper and sync):
#
#   ssh_key NAME             a new ECDSA key pair $TEST_TMP/keys/NAME(.pub); prints its path
#   sshd_start               sshd serving on 127.0.0.1:$SSH_PORT as the test's user, who may log
#                            in with $SSH_KEY; its PID goes in SRV_PIDS (servers_stop stops it)
#   sshd_stop                stops it (idempotent)
#   ssh_authorize KEY        lets KEY (a private key path; KEY.pub is added) log in too
#   ssh_trust_host           records sshd's host key in $HOME/.ssh/known_hosts, for relctl:
#                            libgit2 1.5.1 checks it there and refuses an unknown host
#   ssh_git_env              GIT_SSH_COMMAND for the test's plain git commands (never prompts,
#                            never reads or writes ~/.ssh); called by sshd_start
#   ssh_serve NAME           make_remote + sshd_start; sets REMOTE and URL (ssh://USER@127.0.0.1:PORT/...)
#   agent_start              an ssh-agent on $TEST_TMP/agent.sock, exported in SSH_AUTH_SOCK;
#                            its PID goes in SRV_PIDS too
#   agent_stop               stops it and unsets SSH_AUTH_SOCK (idempotent)
#   leakcheck CMD...         CMD, and under an ASan build of relctl, fails (99) when one of its
#                            leaks has relctl code inside libgit2's connect (the credentials
#                            callback), which lsan-ssh.supp cannot tell apart; see there
#
# Keys are ECDSA P-256, host and user: libssh2 1.10 (libgit2's ssh) has no
# rsa-sha2 signatures, and OpenSSH 9.2 refuses ssh-rsa (SHA-1).  Everything
# of the server lives under $TEST_TMP/srv-ssh: its config, host key, pid
# file, log and authorized_keys; it listens on 127.0.0.1 only and is
# stopped in teardown.  Run as root it needs /run/sshd (privilege
# separation); as another user it lets in only that user, which is the one
# the URLs name.  Server-side git reads only $TEST_TMP/server.gitconfig.

SSH_USER="$(id -un)"

# LeakSanitizer (the ASan pass): libgit2 1.5 and libssh2 1.10 leak a little
# on each ssh connection (lsan-ssh.supp).  LeakSanitizer reads a single
# suppressions file, so every one named in LSAN_OPTIONS so far is joined
# with lsan-ssh.supp; malloc stacks are unwound in full (12 frames reach
# every function lsan-ssh.supp names) so that the libraries' exported
# functions show: their own frames have no frame pointers.  Those names need
# the symbolizer, which make check-asan turns off (symbolize=0) for speed.
ssh_lsan_setup() {
	local dir="${BATS_FILE_TMPDIR:-${BATS_TMPDIR:-/tmp}}" opt files=()
	SSH_LSAN_SUPP="$dir/lsan-ssh-joined.supp"
	local IFS=:
	for opt in ${LSAN_OPTIONS:-}; do
		case $opt in suppressions=*) files+=("${opt#suppressions=}") ;; esac
	done
	unset IFS
	files+=("$ROOT/tests/e2e/lsan-ssh.supp")
	awk -v self="$SSH_LSAN_SUPP" 'FILENAME != self && !seen[$0]++' "${files[@]}" >"$SSH_LSAN_SUPP.$$" &&
		mv "$SSH_LSAN_SUPP.$$" "$SSH_LSAN_SUPP"
	grep -vx 'leak:git_remote_connect_ext' "$SSH_LSAN_SUPP" >"$SSH_LSAN_SUPP.$$" && mv "$SSH_LSAN_SUPP.$$" "$SSH_LSAN_SUPP.guard"
	export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$SSH_LSAN_SUPP:fast_unwind_on_malloc=0:malloc_context_size=12:symbolize=1"
}
ssh_lsan_setup

leakcheck() {
	local log rc f
	if ! grep -qa __asan_init "$RELCTL"; then
		"$@"
		return
	fi
	log="$TEST_TMP/lsan-guard.$RANDOM"
	# exitcode=0: the leaks are judged below; any other sanitizer error fails too.
	LSAN_OPTIONS="suppressions=$SSH_LSAN_SUPP.guard:fast_unwind_on_malloc=0:malloc_context_size=12:symbolize=1:exitcode=0:print_suppressions=0" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$log" "$@"
	rc=$?
	for f in "$log".*; do
		[ -e "$f" ] || continue
		awk '
			function done() { if (!connect || above) bad = 1; inleak = 0 }
			/ERROR: / && !/LeakSanitizer: detected memory leaks/ { bad = 1 }
			/ leak of / { if (inleak) done(); inleak = 1; connect = 0; above = 0; next }
			inleak && /^ *#[0-9]+ / {
				if ($0 ~ / in git_remote_connect_ext /) connect = 1
				else if (!connect && $0 ~ / src\/[^ ]+\.c:[0-9]+/) above = 1
			}
			inleak && /^$/ { done() }
			END { if (inleak) done(); exit bad }' "$f" || { cat "$f" >&2; return 99; }
	done
	return $rc
}

ssh_key() {
	local key="$TEST_TMP/keys/$1"
	mkdir -p "$TEST_TMP/keys"
	chmod 700 "$TEST_TMP/keys"
	ssh-keygen -q -t ecdsa -b 256 -N '' -C "$1@relctl-e2e" -f "$key" </dev/null >/dev/null
	echo "$key"
}

ssh_git_env() {
	export GIT_SSH_COMMAND="ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR -o KexAlgorithms=curve25519-sha256 -o IdentitiesOnly=yes -o IdentityAgent=none -i $SSH_KEY -p $SSH_PORT"
	export GIT_SSH_VARIANT=ssh
}

sshd_start() {
	local dir="$TEST_TMP/srv-ssh" tries
	mkdir -p "$dir" "$TEST_TMP/srv"
	if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
		mkdir -p /run/sshd
		chmod 755 /run/sshd
	fi
	[ -f "$dir/host_key" ] || ssh-keygen -q -t ecdsa -b 256 -N '' -C relctl-e2e-host -f "$dir/host_key" </dev/null >/dev/null
	[ -n "${SSH_KEY:-}" ] || SSH_KEY=$(ssh_key user)
	cp "$SSH_KEY.pub" "$dir/authorized_keys"
	chmod 600 "$dir/authorized_keys"
	for tries in 1 2 3; do
		SSH_PORT=$(free_port)
		cat >"$dir/sshd_config" <<-EOF
			ListenAddress 127.0.0.1:$SSH_PORT
			HostKey $dir/host_key
			PidFile $dir/sshd.pid
			AuthorizedKeysFile $dir/authorized_keys
			AuthorizedPrincipalsFile none
			AllowUsers $SSH_USER
			StrictModes no
			UsePAM no
			PubkeyAuthentication yes
			AuthenticationMethods publickey
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			HostbasedAuthentication no
			GSSAPIAuthentication no
			PermitRootLogin prohibit-password
			PermitUserEnvironment no
			PermitUserRC no
			PermitTTY no
			AllowTcpForwarding no
			AllowAgentForwarding no
			X11Forwarding no
			PrintMotd no
			PrintLastLog no
			UseDNS no
			MaxStartups 64:30:128
			LoginGraceTime 30
			# SHLVL=1: bash (the login shell that runs git-upload-pack) then skips
			# ~/.bashrc, which it would source for sshd and which is not ours.
			SetEnv GIT_CONFIG_GLOBAL=$(server_gitconfig) GIT_CONFIG_NOSYSTEM=1 SHLVL=1
			LogLevel VERBOSE
		EOF
		/usr/sbin/sshd -D -f "$dir/sshd_config" -E "$dir/sshd.log" </dev/null >>"$dir/sshd.out" 2>&1 3>&- 4>&- 5>&- &
		SSHD_PID=$!
		SRV_PIDS+=("$SSHD_PID")
		if wait_listening "$SSHD_PID" "$SSH_PORT" 2>/dev/null; then
			ssh_git_env
			return 0
		fi
		sshd_stop # the port was taken meanwhile: another one
	done
	cat "$dir/sshd.out" "$dir/sshd.log" >&2
	return 1
}

ssh_authorize() {
	cat "$1.pub" >>"$TEST_TMP/srv-ssh/authorized_keys"
}

ssh_trust_host() {
	mkdir -p "$HOME/.ssh"
	chmod 700 "$HOME/.ssh"
	echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$TEST_TMP/srv-ssh/host_key.pub")" >>"$HOME/.ssh/known_hosts"
}

sshd_stop() {
	stop_pid "${SSHD_PID:-}"
	SSHD_PID=
}

ssh_url() {
	echo "ssh://$SSH_USER@127.0.0.1:$SSH_PORT$TEST_TMP/srv/$1.git"
}

ssh_serve() {
	REMOTE=$(make_remote "$1")
	sshd_start
	URL=$(ssh_url "$1")
}

agent_start() {
	local sock="$TEST_TMP/agent.sock" i
	rm -f "$sock"
	ssh-agent -D -a "$sock" </dev/null >>"$TEST_TMP/agent.log" 2>&1 3>&- 4>&- 5>&- &
	AGENT_PID=$!
	SRV_PIDS+=("$AGENT_PID")
	for i in $(seq 1 100); do
		[ -S "$sock" ] && break
		sleep 0.05
	done
	[ -S "$sock" ] || { cat "$TEST_TMP/agent.log" >&2; return 1; }
	export SSH_AUTH_SOCK="$sock"
}

agent_stop() {
	stop_pid "${AGENT_PID:-}"
	AGENT_PID=
	unset SSH_AUTH_SOCK
}
