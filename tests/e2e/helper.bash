# Shared set-up for the end-to-end tests: each test gets a fresh temporary
# folder with its own repositories, a fixed clock, and the real binary.
#
#   setup_repo            a new git repository at $REPO (cwd), user cristina
#   init_tinypilot        setup_repo + relctl init with playbooks/tinypilot.yaml
#   relctl ARGS...        run relctl (a refusal's hints checked with RELCTL_HINT_CHECK)
#   as PERSON ARGS...     run relctl as PERSON (RELCTL_USER)
#   at TIME               the clock (RELCTL_NOW) of the commands that follow
#   ledger VERSION        the release file from the ledger branch, for jq
#   put_on_ledger PATH FILE  commit FILE as PATH on the ledger branch by hand
#   free_port             a TCP port free on 127.0.0.1 right now
#   schema_valid [DIR]    every document of DIR's ledger branch passes docs/*.schema.json
#   has TEXT              the last run's $output contains TEXT
#   same EXPECTED ACTUAL  equal, or both shown
#   make_ca DIR           a throwaway CA (ca.pem) and a server certificate for
#                         127.0.0.1 it signed (server.pem, server.key)
#   pass_items PERSON STEP [URL]
#                         PERSON records pass for every item of STEP's checklist
#                         that has no result (URL#ITEM as footage where required)
#   approve_items PERSON STEP
#                         PERSON approves every item of STEP that waits for review

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
RELCTL="${RELCTL:-$ROOT/relctl}"
PLAYBOOK="$ROOT/playbooks/tinypilot.yaml"

setup_repo() {
	TEST_TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/relctl-e2e.XXXXXX")"
	REPO="$TEST_TMP/repo"
	git init -q "$REPO"
	cd "$REPO" || return 1
	git config user.email cristina@example.com
	git config user.name Cristina
	export RELCTL_NOW="2024-03-19T10:00:00Z"
	unset RELCTL_USER NO_COLOR
}

init_tinypilot() {
	setup_repo
	"$RELCTL" init --playbook "$PLAYBOOK" >/dev/null
}

cleanup_repo() {
	cd / || true
	[ -n "${TEST_TMP:-}" ] && rm -rf "$TEST_TMP"
}

has() { # TEXT: $output contains it
	[[ "$output" == *"$1"* ]] || { echo "wanted \"$1\" in: $output"; return 1; }
}

same() { # EXPECTED ACTUAL
	[ "$1" = "$2" ] || { printf 'expected:\n%s\nactual:\n%s\n' "$1" "$2"; return 1; }
}

# relctl and as run the binary; with RELCTL_HINT_CHECK (a log file; run.sh's
# plain pass sets it), a refusal's suggested commands are then tried in a
# copy of the clone (tests/e2e/hint-check), leaving the output and status alone.
relctl() {
	local rc=0
	"$RELCTL" "$@" || rc=$?
	case "$rc:${RELCTL_HINT_CHECK:-}" in
	64:?* | 65:?* | 66:?* | 75:?* | 77:?*) "$ROOT/tests/e2e/hint-check" "$rc" "$@" </dev/null >/dev/null 2>&1 || true ;;
	esac
	return "$rc"
}

at() { # TIME: the clock of the commands that follow
	export RELCTL_NOW="$1"
}

as() {
	local who=$1
	shift
	RELCTL_USER="$who" relctl "$@"
}

ledger() {
	git show "relctl-ledger:releases/$1.json"
}

# put_on_ledger PATH FILE: commits FILE as PATH onto the ledger branch by
# hand, with git plumbing (as a newer relctl or a careless editor might),
# authored by the repository's git identity or GIT_AUTHOR_NAME/EMAIL.
put_on_ledger() {
	local path=$1 file=$2 parent blob tree commit
	local index="$TEST_TMP/ledger.index"
	parent=$(git rev-parse relctl-ledger)
	blob=$(git hash-object -w "$file")
	GIT_INDEX_FILE="$index" git read-tree relctl-ledger
	GIT_INDEX_FILE="$index" git update-index --add --cacheinfo "100644,$blob,$path"
	tree=$(GIT_INDEX_FILE="$index" git write-tree)
	commit=$(git commit-tree "$tree" -p "$parent" -m "edit $path by hand")
	git update-ref refs/heads/relctl-ledger "$commit" "$parent"
	rm -f "$index"
}

ledger_commits() {
	git rev-list --count relctl-ledger
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

schema_valid() {
	local out
	out=$(python3 "$ROOT/tests/e2e/validate-ledger.py" "${1:-.}") || { echo "$out"; return 1; }
}

# A throwaway CA and a certificate for 127.0.0.1 signed by it.
make_ca() { # DIR
	"$ROOT/scripts/make-ca.sh" "$1"
}

pass_items() { # PERSON STEP [URL]
	local who=$1 step=$2 url=${3:-https://videos.example.com/$2} item required list
	list=$("$RELCTL" check "$step" --json |
		jq -r '.checklist.items[] | select(.removed == null and .result == null) | "\(.id) \(.evidence_required)"') || return 1
	while read -r item required; do
		[ -n "$item" ] || continue
		if [ "$required" = true ]; then
			as "$who" check "$step" "$item" pass --evidence "$url#$item" >/dev/null || return 1
		else
			as "$who" check "$step" "$item" pass >/dev/null || return 1
		fi
	done <<<"$list"
}

approve_items() { # PERSON STEP
	local who=$1 step=$2 item list
	list=$("$RELCTL" check "$step" --json |
		jq -r '.checklist.items[] | select(.removed == null and .review != null and .review.verdict != "approve") | .id') ||
		return 1
	while read -r item; do
		[ -n "$item" ] || continue
		as "$who" review "$step" approve --item "$item" >/dev/null || return 1
	done <<<"$list"
}
