# Real git remotes for the sync tests (load after helper):
#
#   make_remote NAME         a bare repository $TEST_TMP/srv/NAME.git; prints its path
#   clone_into DIR URL       a clone at $TEST_TMP/DIR with user cristina
#   daemon_start             git daemon serving $TEST_TMP/srv on 127.0.0.1:$DAEMON_PORT
#   daemon_stop              stops it (idempotent)
#   http_start               git http-backend behind nginx + fcgiwrap on 127.0.0.1:$HTTP_PORT
#   http_stop                stops them (idempotent)
#   http_start tls           the same over https (a throwaway CA) with basic auth:
#                            alice / $HTTPS_PASSWORD, kept in $CREDENTIALS for
#                            git's credential helper; sets CLONE_OPTS
#   remote_url KIND NAME     the url of $TEST_TMP/srv/NAME.git for path|file|git|http
#   serve KIND NAME          make_remote + its server; sets REMOTE and URL
#   servers_stop             stops whatever is running: call it from teardown
#   remote_ledger DIR VER    the release file on the remote's ledger branch
#   remote_tip, remote_events, same_as_remote
#                            $REMOTE's ledger tip, its 2.6.3 events as "actor op
#                            step" lines, and whether the current clone equals it
#   shares_between_clones    after a team of clones a (2.6.3 started) and b: b
#                            picks the ledger up, each one's claim reaches the other
#   one_claim_of_two_wins    a and b claim build-rc at once: exactly one winner
#   gate_close; gated NAME DIR CMD...; gate_open
#                            start commands that all wait at a gate, then release
#                            them at once and wait for them (only them: the
#                            servers are background jobs too); exit status in
#                            $TEST_TMP/rc.NAME, output in $TEST_TMP/out.NAME
#
# Servers listen on 127.0.0.1 only, on ports found free at run time, run as
# the test's user with their own config, pid, log and temp paths under
# $TEST_TMP/srv-*, and never outlive the test (teardown stops them even
# when it failed).  Server-side git reads only $TEST_TMP/server.gitconfig.

SRV_PIDS=()
# git clone options for the current remote (https: its CA and credential helper).
CLONE_OPTS=()

# Every remote lookup in libgit2 1.5 leaks PCRE2 match data (see the file).
export LSAN_OPTIONS="suppressions=$ROOT/tests/e2e/lsan-libgit2.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

make_remote() {
	local dir="$TEST_TMP/srv/$1.git"
	mkdir -p "$TEST_TMP/srv"
	git init -q --bare "$dir"
	git -C "$dir" config http.receivepack true
	echo "$dir"
}

clone_into() {
	# -c before clone applies to the clone itself, after it is kept in its config.
	git "${CLONE_OPTS[@]}" clone -q "${CLONE_OPTS[@]}" "$2" "$TEST_TMP/$1" 2>/dev/null
	git -C "$TEST_TMP/$1" config user.email cristina@example.com
	git -C "$TEST_TMP/$1" config user.name Cristina
}

# serve KIND NAME: a bare remote NAME served over KIND (path|file|git|http);
# sets REMOTE (its path) and URL.
serve() {
	REMOTE=$(make_remote "$2")
	case $1 in
	git) daemon_start ;;
	http) http_start ;;
	https) http_start tls ;;
	esac
	URL=$(remote_url "$1" "$2")
}

remote_url() {
	case $1 in
	path) echo "$TEST_TMP/srv/$2.git" ;;
	file) echo "file://$TEST_TMP/srv/$2.git" ;;
	git) echo "git://127.0.0.1:$DAEMON_PORT/$2.git" ;;
	http) echo "http://127.0.0.1:$HTTP_PORT/$2.git" ;;
	https) echo "https://127.0.0.1:$HTTP_PORT/$2.git" ;;
	*) return 1 ;;
	esac
}

remote_ledger() {
	git --git-dir="$1" show "relctl-ledger:releases/$2.json"
}

remote_tip() {
	git --git-dir="$REMOTE" rev-parse relctl-ledger
}

remote_events() {
	remote_ledger "$REMOTE" 2.6.3 | jq -r '.events[] | "\(.actor) \(.op) \(.step // "-")"'
}

same_as_remote() { # the clone in the current directory
	[ "$(git rev-parse relctl-ledger)" = "$(remote_tip)" ]
}

# A fresh clone (b) syncs and claims, and the other clone's (a) next mutation
# sees it; every event once, each commit by its actor.
shares_between_clones() {
	cd "$TEST_TMP/b"
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"1 event received, 0 sent"* ]]
	[ "$(relctl status --json | jq -r '.version + " " + .started_by')" = "2.6.3 cristina" ]
	RELCTL_NOW=2024-03-19T10:05:00Z as jan claim build-rc >/dev/null
	[ "$(remote_events)" = "$(printf 'cristina start -\njan claim build-rc')" ]

	cd "$TEST_TMP/a"
	run as shalom claim build-rc
	[ "$status" -eq 75 ]
	[[ "$output" == *"build-rc is already claimed by jan since 2024-03-19T10:05:00Z"* ]]
	same_as_remote
	as shalom claim draft-changelog >/dev/null
	[ "$(ledger 2.6.3 | jq -r '.steps["build-rc"].holder')" = jan ]
	[ "$(remote_events)" = "$(printf 'cristina start -\njan claim build-rc\nshalom claim draft-changelog')" ]
	same_as_remote

	cd "$TEST_TMP/b"
	run relctl sync
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"1 event received, 0 sent"* ]]
	[ "$(relctl status --json | jq -r '.phases[0].steps[] | select(.id == "draft-changelog") | .holder')" = shalom ]
	same_as_remote
	[ "$(remote_ledger "$REMOTE" 2.6.3 | jq '[.events[].id] | unique | length')" -eq 3 ]
	[ "$(git --git-dir="$REMOTE" log -3 --format=%ae relctl-ledger | tr '\n' ' ')" = \
		"shalom@example.com jan@example.com cristina@example.com " ]
}

# Clones a and b claim build-rc at the same instant: one wins, the other
# exits 75 naming the holder and ends equal to the remote.
one_claim_of_two_wins() {
	(cd "$TEST_TMP/b" && relctl sync >/dev/null)
	gate_close
	gated jan "$TEST_TMP/a" as jan claim build-rc
	gated shalom "$TEST_TMP/b" as shalom claim build-rc
	gate_open
	winner=$(remote_ledger "$REMOTE" 2.6.3 | jq -r '.steps["build-rc"].holder')
	case $winner in
	jan) loser=shalom dir=b ;;
	shalom) loser=jan dir=a ;;
	*) echo "no winner: $winner; $(cat "$TEST_TMP"/out.*)"; false ;;
	esac
	[ "$(cat "$TEST_TMP/rc.$winner")" -eq 0 ] || { cat "$TEST_TMP/out.$winner"; false; }
	[ "$(cat "$TEST_TMP/rc.$loser")" -eq 75 ] || { cat "$TEST_TMP/out.$loser"; false; }
	grep -q "build-rc is already claimed by $winner since 2024-03-19T10:00:00Z" "$TEST_TMP/out.$loser"
	[ "$(remote_events | grep -c ' claim build-rc$')" -eq 1 ]
	cd "$TEST_TMP/$dir"
	same_as_remote
}

server_gitconfig() {
	local cfg="$TEST_TMP/server.gitconfig"
	if [ ! -f "$cfg" ]; then
		printf '[safe]\n\tdirectory = *\n[receive]\n\tdenyNonFastForwards = false\n' >"$cfg"
	fi
	echo "$cfg"
}

# wait_listening PID PORT: until PID itself holds a socket listening on
# 127.0.0.1:PORT (5 s at most; fails at once when PID has exited).  That
# something accepts there is not enough: under bats --jobs, another test's
# server may have taken the port between free_port and this one's bind.
wait_listening() {
	local pid=$1 address inode i
	address=$(printf '0100007F:%04X' "$2")
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		for inode in $(awk -v a="$address" '$2 == a && $4 == "0A" {print $10}' /proc/net/tcp); do
			if ls -l "/proc/$pid/fd" 2>/dev/null | grep -qF "socket:[$inode]"; then
				return 0
			fi
		done
		sleep 0.05
	done
	echo "process $pid does not listen on 127.0.0.1:$2" >&2
	return 1
}

# stop_pid PID: TERM, then KILL if it lingers; waits until it is gone.
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.02
	done
	kill -KILL "$pid" 2>/dev/null || true
}

daemon_start() {
	local log="$TEST_TMP/srv-daemon.log" tries
	mkdir -p "$TEST_TMP/srv"
	for tries in 1 2 3; do
		DAEMON_PORT=$(free_port)
		GIT_CONFIG_GLOBAL=$(server_gitconfig) GIT_CONFIG_NOSYSTEM=1 \
			"$(git --exec-path)/git-daemon" --listen=127.0.0.1 --port="$DAEMON_PORT" --reuseaddr \
			--base-path="$TEST_TMP/srv" --export-all --enable=receive-pack \
			--informative-errors "$TEST_TMP/srv" </dev/null >>"$log" 2>&1 3>&- 4>&- 5>&- &
		DAEMON_PID=$!
		SRV_PIDS+=("$DAEMON_PID")
		if wait_listening "$DAEMON_PID" "$DAEMON_PORT" 2>/dev/null; then
			return 0
		fi
		daemon_stop # the port was taken meanwhile: another one
	done
	cat "$log" >&2
	return 1
}

daemon_stop() {
	stop_pid "${DAEMON_PID:-}"
	DAEMON_PID=
}

http_start() {
	local dir="$TEST_TMP/srv-http" tries listen="" tls=""
	mkdir -p "$dir/tmp" "$TEST_TMP/srv"
	if [ "${1:-}" = tls ]; then
		# https with a certificate of a throwaway CA, and basic auth: alice and
		# $HTTPS_PASSWORD.  Clones get the CA and a credential helper through
		# CLONE_OPTS (git clone -c keeps them in the clone's config).
		make_ca "$dir/ca"
		HTTPS_PASSWORD="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
		printf 'alice:%s\n' "$(openssl passwd -apr1 "$HTTPS_PASSWORD")" >"$dir/htpasswd"
		listen=" ssl"
		tls="ssl_certificate $dir/ca/server.pem; ssl_certificate_key $dir/ca/server.key;
			        auth_basic relctl; auth_basic_user_file $dir/htpasswd;"
		CREDENTIALS="$TEST_TMP/git-credentials"
		# git and relctl read these before http.sslCAInfo: the test's config must count.
		unset GIT_SSL_CAINFO GIT_SSL_CAPATH
		CLONE_OPTS=(-c "http.sslCAInfo=$dir/ca/ca.pem" -c "credential.helper=store --file=$CREDENTIALS")
	fi
	rm -f "$dir/fcgi.sock"
	GIT_CONFIG_GLOBAL=$(server_gitconfig) GIT_CONFIG_NOSYSTEM=1 \
		fcgiwrap -s "unix:$dir/fcgi.sock" </dev/null >>"$dir/fcgiwrap.log" 2>&1 3>&- 4>&- 5>&- &
	FCGI_PID=$!
	SRV_PIDS+=("$FCGI_PID")
	for tries in $(seq 1 100); do
		[ -S "$dir/fcgi.sock" ] && break
		sleep 0.05
	done
	for tries in 1 2 3; do
		HTTP_PORT=$(free_port)
		cat >"$dir/nginx.conf" <<-EOF
			daemon off;
			master_process on;
			worker_processes 1;
			user root root;
			pid $dir/nginx.pid;
			error_log $dir/error.log warn;
			events { worker_connections 128; }
			http {
			    access_log $dir/access.log;
			    client_body_temp_path $dir/tmp/body;
			    fastcgi_temp_path $dir/tmp/fastcgi;
			    proxy_temp_path $dir/tmp/proxy;
			    uwsgi_temp_path $dir/tmp/uwsgi;
			    scgi_temp_path $dir/tmp/scgi;
			    client_max_body_size 0;
			    server {
			        listen 127.0.0.1:$HTTP_PORT$listen;
			        $tls
			        location / {
			            fastcgi_pass unix:$dir/fcgi.sock;
			            fastcgi_request_buffering on;
			            fastcgi_buffering off;
			            fastcgi_read_timeout 60s;
			            fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
			            fastcgi_param GIT_PROJECT_ROOT $TEST_TMP/srv;
			            fastcgi_param GIT_HTTP_EXPORT_ALL 1;
			            fastcgi_param GIT_CONFIG_GLOBAL $(server_gitconfig);
			            fastcgi_param GIT_CONFIG_NOSYSTEM 1;
			            fastcgi_param PATH_INFO \$uri;
			            fastcgi_param QUERY_STRING \$args;
			            fastcgi_param REQUEST_METHOD \$request_method;
			            fastcgi_param CONTENT_TYPE \$content_type;
			            fastcgi_param CONTENT_LENGTH \$content_length;
			            fastcgi_param REMOTE_ADDR \$remote_addr;
			            fastcgi_param REMOTE_USER \$remote_user;
			            fastcgi_param SERVER_PROTOCOL \$server_protocol;
			            fastcgi_param HTTP_GIT_PROTOCOL \$http_git_protocol;
			        }
			    }
			}
		EOF
		nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" </dev/null >>"$dir/nginx.log" 2>&1 3>&- 4>&- 5>&- &
		NGINX_PID=$!
		SRV_PIDS+=("$NGINX_PID")
		if wait_listening "$NGINX_PID" "$HTTP_PORT" 2>/dev/null; then
			[ -z "$tls" ] || printf 'https://alice:%s@127.0.0.1:%s\n' "$HTTPS_PASSWORD" "$HTTP_PORT" >"$CREDENTIALS"
			return 0
		fi
		stop_pid "$NGINX_PID"
	done
	cat "$dir/error.log" "$dir/nginx.log" >&2
	return 1
}

http_stop() {
	# nginx's master stops its workers on TERM (fast shutdown).
	stop_pid "${NGINX_PID:-}"
	stop_pid "${FCGI_PID:-}"
	NGINX_PID= FCGI_PID=
}

servers_stop() {
	local pid
	for pid in "${SRV_PIDS[@]}"; do
		stop_pid "$pid"
	done
	SRV_PIDS=()
	DAEMON_PID= NGINX_PID= FCGI_PID=
}

GATED_PIDS=()

gate_close() {
	exec 8>"$TEST_TMP/gate"
	flock -x 8
	GATED_PIDS=()
}

gated() {
	local name=$1 dir=$2
	shift 2
	(
		set +e
		exec 8>&- 3>&- 9<"$TEST_TMP/gate"
		flock -s 9
		cd "$dir" || exit 1
		"$@" >"$TEST_TMP/out.$name" 2>&1
		echo $? >"$TEST_TMP/rc.$name"
	) &
	GATED_PIDS+=("$!")
}

gate_open() {
	sleep 0.2 # all of them are waiting at the gate
	flock -u 8
	exec 8>&-
	wait "${GATED_PIDS[@]}"
	GATED_PIDS=()
}

# hand_push FILE PATH MESSAGE [NAME EMAIL]: commits FILE as PATH on top of
# the remote's ledger with git plumbing in a plain clone, authored by NAME
# <EMAIL> (default V <v@example.com>), and pushes it with git itself.
# HAND_COMMIT is the commit.
hand_push() {
	local v="$TEST_TMP/vandal" blob tree
	[ -d "$v" ] || git clone -q "$REMOTE" "$v"
	git -C "$v" fetch -q origin
	blob=$(git -C "$v" hash-object -w "$1")
	GIT_INDEX_FILE="$TEST_TMP/vandal.index" git -C "$v" read-tree origin/relctl-ledger
	GIT_INDEX_FILE="$TEST_TMP/vandal.index" git -C "$v" update-index --add --cacheinfo "100644,$blob,$2"
	tree=$(GIT_INDEX_FILE="$TEST_TMP/vandal.index" git -C "$v" write-tree)
	HAND_COMMIT=$(git -C "$v" -c user.name="${4:-V}" -c user.email="${5:-v@example.com}" commit-tree "$tree" -p origin/relctl-ledger -m "$3")
	git -C "$v" push -q origin "$HAND_COMMIT:refs/heads/relctl-ledger"
}

# refused_unchanged: the last 'run' exited 65 and neither the local ledger,
# the remote tip relctl last accepted, nor the remote moved.
refused_unchanged() {
	[ "$status" -eq 65 ] || { echo "exit $status: $output"; false; }
	[ "$(git rev-parse relctl-ledger)" = "$local_before" ]
	[ "$(git rev-parse refs/relctl/remotes/origin/relctl-ledger)" = "$accepted_before" ]
	[ "$(remote_tip)" = "$remote_before" ]
}

snapshot() {
	local_before=$(git rev-parse relctl-ledger)
	accepted_before=$(git rev-parse refs/relctl/remotes/origin/relctl-ledger)
	remote_before=$(remote_tip)
}
