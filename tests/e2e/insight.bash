# What the insight suites (50-insight, 51-trends) share (load after helper):
# fixtures built once per file and copied for each test, checks on $output,
# and headless Chromium.
#
#   relctl_at EPOCH PERSON ARGS...  relctl as PERSON at that moment (RELCTL_NOW), for
#                          fixtures: it must succeed, or the failure is told
#   use FIXTURE            a private copy of $FIX/FIXTURE becomes the current repository
#   expect EXPECTED ACTUAL equal, or both shown
#   none GREP-ARGS...      grep finds nothing
#   has TEXT               $output contains TEXT
#   chromium_dom PAGE DOM LOG     the DOM of the file PAGE after loading, its console log
#   chromium_screenshot PAGE PNG SIZE   a screenshot (SIZE like 1200,1600); checks it is a real PNG

CHROMIUM=/usr/bin/chromium
CHROMIUM_FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
	--disable-component-update --disable-sync --hide-scrollbars)

rfc3339() { # EPOCH-SECONDS
	TZ=UTC printf '%(%Y-%m-%dT%H:%M:%SZ)T' "$1"
}

relctl_at() {
	local when=$1 who=$2 out
	shift 2
	out=$(RELCTL_NOW=$(rfc3339 "$when") RELCTL_USER=$who "$RELCTL" "$@" 2>&1) ||
		{ echo "fixture: relctl $* (as $who at $(rfc3339 "$when")) failed: $out" >&2; return 1; }
}

use() {
	REPO="$TEST_TMP/repo"
	cp -a "$FIX/$1" "$REPO"
	cd "$REPO" || return 1
}

expect() {
	[ "$1" = "$2" ] || { printf 'expected:\n%s\nactual:\n%s\n' "$1" "$2"; return 1; }
}

none() {
	! grep "$@"
}

has() {
	[[ "$output" == *"$1"* ]] || { echo "wanted \"$1\" in: $output"; return 1; }
}

chromium_dom() {
	[ -x "$CHROMIUM" ] || { echo "no $CHROMIUM: install Debian's chromium package (make deps)"; return 1; }
	"$CHROMIUM" "${CHROMIUM_FLAGS[@]}" --user-data-dir="$(mktemp -d "$TEST_TMP/chromium.XXXXXX")" --enable-logging=stderr \
		--v=0 --dump-dom "file://$1" >"$2" 2>"$3"
}

chromium_screenshot() {
	[ -x "$CHROMIUM" ] || { echo "no $CHROMIUM: install Debian's chromium package (make deps)"; return 1; }
	"$CHROMIUM" "${CHROMIUM_FLAGS[@]}" --user-data-dir="$(mktemp -d "$TEST_TMP/chromium.XXXXXX")" \
		--screenshot="$2" --window-size="$3" "file://$1" 2>/dev/null
	[ -f "$2" ] || { echo "no screenshot $2"; return 1; }
	[ "$(head -c 8 "$2" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "$2 is not a PNG"; return 1; }
	[ "$(stat -c %s "$2")" -gt 20000 ] || { echo "$2 is too small to show anything"; return 1; }
}
