#!/usr/bin/env bats
# relctl board: teammates who never open a terminal do their part of the
# TinyPilot release in a browser.  The story runs in a real headless
# Chromium driven by clicks (tests/e2e/board-browser.py), each teammate on
# the board of their own clone; the ledger is then read with git and jq
# from another clone; one finding is added with the keyboard alone, and the
# step page is checked at a phone's width.  The release manager assigns,
# skips, reopens, changes a checklist and marks herself away by clicks too;
# her forms are offered only to whom the rules allow them.  curl pins the
# refusals: no token, a wrong Host, a form without its CSRF token, another
# site's form, a stale brief, a release manager's form posted by a dev.

load helper
load hooks
load sync
load signed

BROWSER="$BATS_TEST_DIRNAME/board-browser.py"

setup() {
	setup_repo
}

teardown() {
	local sanitized=0
	stop_servers
	servers_stop
	[ -z "${AGENT_PID:-}" ] || kill "$AGENT_PID" 2>/dev/null || true
	# A board reports leaks and memory errors (the ASan pass) on its way out, into its log.
	if grep -l 'Sanitizer' "$TEST_TMP"/board-*.log 2>/dev/null; then
		cat "$TEST_TMP"/board-*.log
		sanitized=1
	fi
	cleanup_repo
	return $sanitized
}

# board NAME PERSON DIR: relctl board as PERSON in DIR, syncing every second
# (stopped by teardown); its URL in $TEST_TMP/board-NAME.url.
board() {
	local name=$1 who=$2 dir=$3 log="$TEST_TMP/board-$1.log" i
	(cd "$dir" && RELCTL_USER=$who RELCTL_BOARD_SYNC_SECONDS=1 exec "$RELCTL" board --no-open >"$log" 2>&1) 3>&- &
	started $!
	for i in $(seq 200); do
		grep -q '^relctl board: http' "$log" 2>/dev/null && break
		sleep 0.05
	done
	grep -o 'http://127.0.0.1:[0-9]*/?token=[0-9a-f]*' "$log" >"$TEST_TMP/board-$name.url" || {
		echo "board $name did not start: $(cat "$log")"
		return 1
	}
}

url() { cat "$TEST_TMP/board-$1.url"; }
board_port() { url "$1" | sed 's|http://127.0.0.1:\([0-9]*\)/.*|\1|'; }
token() { url "$1" | sed 's|.*token=||'; }
base() { echo "http://127.0.0.1:$(board_port "$1")"; }
cookie() { echo "relctl_board_$(board_port "$1")=$(token "$1")"; }

# page NAME PATH [CURL ARGS]: the page's body, with the board's cookie; the status in $TEST_TMP/status.
page() {
	local name=$1 path=$2
	shift 2
	curl -s -o "$TEST_TMP/body" -w '%{http_code}' -b "$(cookie "$name")" "$@" "$(base "$name")$path" >"$TEST_TMP/status"
	cat "$TEST_TMP/body"
}
status_was() { # CODE
	[ "$(cat "$TEST_TMP/status")" = "$1" ] || { echo "wanted HTTP $1, got $(cat "$TEST_TMP/status")"; return 1; }
}
# csrf NAME: the CSRF token of the board's forms (the findings page always has one).
csrf() {
	page "$1" /findings | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | cut -d'"' -f4
}

# Release 2.6.3 in the current clone with everything of the testing phase
# done by the CLI except test-voyager, which the browser story does.
play_around_voyager() {
	play_to_device_tests || return 1
	for s in test-update test-diy; do
		as maria claim "$s" && pass_items maria "$s" && as maria done "$s" --evidence "https://videos.example.com/$s"
		approve_items jan "$s"
	done
	as jan claim run-e2e-tests && pass_items jan run-e2e-tests
	as jan done run-e2e-tests --evidence https://ci.example.com/runs/4411
}

# After test-voyager: the results reviewed and the teams' inputs given, so the decision is open.
play_to_decision_inputs() {
	as cristina claim review-test-results && as cristina done review-test-results
	as jan input --note "no open blockers; the static IP fix is small"
	as maria input --note "two customers wait for the static IP fix"
}

@test "relctl board --help names its options, and a bad --port is a usage error" {
	run relctl board --help
	[ "$status" -eq 0 ]
	has "--port N"
	has "--no-open"
	has "127.0.0.1"
	run relctl board --port 99999 --no-open
	[ "$status" -eq 64 ]
	has "--port is a number from 1 to 65535"
	# The completions offer the command and its options.
	run relctl completion candidates -- bo
	has "board"
	run relctl completion candidates -- board --
	has "--port"
	has "--no-open"
}

@test "in Chromium, by clicks: support checks the Voyager test with footage, a dev rejects then approves an item, the product owner adds a finding by keyboard alone and decides" {
	serve path team
	clone_into cristina "$URL"
	for who in david shalom michael check; do clone_into "$who" "$URL"; done
	cd "$TEST_TMP/cristina"
	relctl init --playbook "$PLAYBOOK" >/dev/null
	play_around_voyager >"$TEST_TMP/play.log" 2>&1 || { cat "$TEST_TMP/play.log"; false; }
	git -C "$TEST_TMP/david" config user.email david@example.com
	git -C "$TEST_TMP/shalom" config user.email shalom@example.com
	git -C "$TEST_TMP/michael" config user.email michael@example.com
	for who in david shalom michael; do (cd "$TEST_TMP/$who" && relctl sync >/dev/null); done
	board david david "$TEST_TMP/david"
	board shalom shalom "$TEST_TMP/shalom"
	board michael michael "$TEST_TMP/michael"

	run /usr/bin/python3 "$BROWSER" "$TEST_TMP/shots" support "$(url david)" dev-reject "$(url shalom)" \
		support-recheck "$(url david)" dev-approve "$(url shalom)"
	echo "$output"
	[ "$status" -eq 0 ]

	cd "$TEST_TMP/check"
	relctl sync >/dev/null
	local j=".steps[\"test-voyager\"]"
	[ "$(ledger "$V" | jq -r "$j.state")" = done ]
	[ "$(ledger "$V" | jq -r "$j.done_by")" = david ]
	# Every item recorded by david, the footage where required, through the board's forms.
	[ "$(ledger "$V" | jq "[$j.checklist.items[] | select(.removed == null and .result != \"pass\")] | length")" -eq 0 ]
	[ "$(ledger "$V" | jq -r "[$j.checklist.items[].by] | unique | join(\",\")")" = david ]
	[ "$(ledger "$V" | jq -r "$j.checklist.items[] | select(.id == \"video-1080p\") | .evidence[0]")" = \
		https://videos.example.com/2.6.3/voyager/video-1080p.mp4 ]
	# The dev's rejection and approval of the static IP footage, each by shalom.
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "review" and .step == "test-voyager" and .item == "static-ip-save") | "\(.actor) \(.verdict)"] | join(",")')" = \
		"shalom reject,shalom approve" ]
	[ "$(ledger "$V" | jq -r "$j.checklist.items[] | select(.id == \"static-ip-save\") | .evidence[0]")" = \
		https://videos.example.com/2.6.3/voyager/static-ip-save-take-2.mp4 ]
	# One commit per click, authored by the person whose board it was.
	[ "$(git log --format='%ae' --grep='rejected static-ip-save' relctl-ledger)" = shalom@example.com ]
	[ "$(git log --format='%ae' --grep='claimed test-voyager' relctl-ledger)" = david@example.com ]

	cd "$TEST_TMP/cristina"
	relctl sync >/dev/null
	play_to_decision_inputs >"$TEST_TMP/play2.log" 2>&1 || { cat "$TEST_TMP/play2.log"; false; }
	run /usr/bin/python3 "$BROWSER" "$TEST_TMP/shots" keyboard "$(url michael)" owner-decide "$(url michael)"
	echo "$output"
	[ "$status" -eq 0 ]
	cd "$TEST_TMP/check"
	relctl sync >/dev/null
	[ "$(ledger "$V" | jq -r '.events[-1] | "\(.actor) \(.op) \(.decision)"')" = "michael decide ship" ]
	# The finding added with the keyboard alone, by michael, before he decided on the brief that holds it.
	[ "$(ledger "$V" | jq -r '.events[-2] | "\(.actor) \(.op) \(.severity) \(.title)"')" = \
		"michael finding-add minor The status LED blinks twice on boot" ]
	[ "$(ledger "$V" | jq -r '.steps.decide.state')" = done ]
	[ "$(git log -1 --format=%ae relctl-ledger)" = michael@example.com ]
	relctl verify >/dev/null
	# The screenshots the story took.
	for s in support-claimed support-checked support-done support-phone dev-rejected support-rechecked dev-approved keyboard-finding owner-brief owner-decided; do
		[ -s "$TEST_TMP/shots/$s.png" ] || { echo "no screenshot $s"; false; }
	done
	if [ -n "${BOARD_SHOTS:-}" ]; then mkdir -p "$BOARD_SHOTS" && cp "$TEST_TMP"/shots/*.png "$BOARD_SHOTS/"; fi
	# The tokens are nowhere in git (nor in what relrun kept: nothing here).
	touch "$TEST_TMP/outputs"
	secrets_absent "$(token david)" "$(token shalom)" "$(token michael)"
}

@test "no token, a wrong Host, a POST without the CSRF token, another site's form and a stale brief are refused with nothing written" {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	play_around_voyager >"$TEST_TMP/play.log" 2>&1 || { cat "$TEST_TMP/play.log"; false; }
	as david claim test-voyager >/dev/null && pass_items david test-voyager && as david done test-voyager --evidence https://v.example.com/s
	approve_items shalom test-voyager
	play_to_decision_inputs >/dev/null
	board michael michael "$REPO"
	local before csrf hash b
	before=$(ledger_sum)
	b=$(base michael)
	csrf=$(csrf michael)
	[ -n "$csrf" ]

	# No token, a wrong token, a token in a link but no cookie for a change.
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$b/")" = 403 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -b "relctl_board_$(board_port michael)=$(printf '0%.0s' {1..64})" "$b/")" = 403 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' --data "csrf=$csrf&op=decide&release=$V&decision=abort&reason=x&brief_hash=x" \
		"$b/action?token=$(token michael)")" = 403 ]
	# DNS rebinding: the right cookie, but the Host is another name.
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example:80' -b "$(cookie michael)" "$b/")" = 403 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: relctl.example:$(board_port michael)" -b "$(cookie michael)" "$b/")" = 403 ]
	# The right Host works, and the token in the URL becomes an HttpOnly, SameSite=Strict cookie.
	run curl -s -D - -o /dev/null "$(url michael)"
	has "Set-Cookie: relctl_board_$(board_port michael)=$(token michael); HttpOnly; SameSite=Strict; Path=/"
	has "Content-Security-Policy: default-src 'none'; style-src 'self'; script-src 'self'"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: localhost:$(board_port michael)" -b "$(cookie michael)" "$b/")" = 200 ]

	# A POST without the CSRF token, with a wrong one, and another site's form carrying the cookie.
	page michael /action --data "op=decide&release=$V&decision=abort&reason=x&brief_hash=x" >/dev/null
	status_was 403
	page michael /action --data "csrf=$(printf "f%.0s" {1..64})&op=decide&release=$V&decision=abort&reason=x&brief_hash=x" >/dev/null
	status_was 403
	page michael /action -H 'Origin: http://evil.example' --data "csrf=$csrf&op=decide&release=$V&decision=abort&reason=x&brief_hash=x" >/dev/null
	status_was 403
	# Only POST changes anything: a GET of the action is not one.
	page michael "/action?csrf=$csrf&op=decide&release=$V&decision=abort&reason=x" >/dev/null
	status_was 404
	same "$before" "$(ledger_sum)"

	# A stale brief: the page's hash, then a teammate adds a finding; the decision on the old brief is refused.
	hash=$(page michael "/brief?release=$V" | grep -o 'name="brief_hash" value="[0-9a-f]*"' | cut -d'"' -f4)
	[ ${#hash} -eq 64 ]
	as maria finding add "the LED blinks twice on boot" --severity minor >/dev/null
	before=$(ledger_sum)
	run page michael /action --data "csrf=$csrf&op=decide&release=$V&gate=decide&decision=ship&reason=green&brief_hash=$hash"
	status_was 409
	has "brief"
	has 'id="refusal"'
	same "$before" "$(ledger_sum)"
	# The brief read again gives the new hash, and that decision goes through, by michael.
	hash=$(page michael "/brief?release=$V" | grep -o 'name="brief_hash" value="[0-9a-f]*"' | cut -d'"' -f4)
	page michael /action --data "csrf=$csrf&op=decide&release=$V&gate=decide&decision=ship&reason=green&brief_hash=$hash&back=/" >/dev/null
	status_was 303
	[ "$(ledger "$V" | jq -r '.events[-1] | "\(.actor) \(.op) \(.decision) \(.brief_hash)"')" = "michael decide ship $hash" ]
}

@test "ledger text with <script>, control bytes and a javascript: link is shown escaped; markdown is rendered without raw HTML" {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	as cristina start "$V" >/dev/null
	as jan finding add "$(printf '<script>alert(1)</script> \033[31mred\033[0m \xe2\x80\xae evil')" --severity minor \
		--evidence 'javascript:alert(2)' --evidence https://ok.example.com/v >/dev/null
	mkdir -p docs/steps
	printf '# Build it\n\n<script>alert(3)</script>\n\n[click](javascript:alert(4)) and **bold**\n' >docs/steps/build-rc.md
	board jan jan "$REPO"
	run page jan "/findings?release=$V"
	status_was 200
	[[ "$output" != *"<script>alert"* ]] || { echo "raw script in the page"; false; }
	has "&lt;script&gt;alert(1)&lt;/script&gt;"
	has '\x1b[31mred'
	has '\u202e'
	[[ "$output" != *$'\033'* ]] || { echo "a raw ESC in the page"; false; }
	[[ "$output" != *'href="javascript:'* ]] || { echo "a javascript: link"; false; }
	has 'javascript:alert(2)'
	has '<a href="https://ok.example.com/v">'
	run page jan "/step?release=$V&step=build-rc"
	status_was 200
	has "<h1>Build it</h1>"
	has "<strong>bold</strong>"
	[[ "$output" != *"<script>alert(3)"* ]] || { echo "raw HTML from the doc"; false; }
	[[ "$output" != *'href="javascript:'* ]] || { echo "a javascript: link from the doc"; false; }
}

@test "the board listens on 127.0.0.1 only, and refuses a page of a release it does not have" {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	as cristina start "$V" >/dev/null
	board cristina cristina "$REPO"
	local hex
	hex=$(printf '0100007F:%04X' "$(board_port cristina)")
	grep -q " $hex 00000000:0000 0A " /proc/net/tcp || { echo "not listening on 127.0.0.1"; cat /proc/net/tcp; false; }
	! grep -q " 00000000:$(printf '%04X' "$(board_port cristina)") 00000000:0000 0A " /proc/net/tcp || false
	run page cristina "/?release=9.9.9"
	status_was 404
	has 'id="refusal"'
}

# team_of_two: a bare remote, clone a (cristina: init, 2.6.3 started) and clone b synced; cwd b.
team_of_two() {
	serve path team
	clone_into a "$URL"
	clone_into b "$URL"
	cd "$TEST_TMP/a"
	relctl init --playbook "$PLAYBOOK" >/dev/null
	as cristina start "$V" >/dev/null
	cd "$TEST_TMP/b"
	relctl sync >/dev/null
}

# wait_page NAME PATH TEXT: until the page holds TEXT (the background sync runs every second).
wait_page() {
	local i
	for i in $(seq 50); do
		page "$1" "$2" | grep -qF -- "$3" && return 0
		sleep 0.2
	done
	echo "never saw \"$3\" on $2: $(page "$1" "$2")"
	return 1
}

@test "a teammate's hand-pushed commit the judge refuses: the page shows sync's one line and the board keeps the last good ledger" {
	team_of_two
	board jan jan "$TEST_TMP/b"
	cd "$TEST_TMP/a"
	jq '.steps["build-rc"].state = "done"' <(ledger "$V") >"$TEST_TMP/forged.json"
	put_on_ledger "releases/$V.json" "$TEST_TMP/forged.json"
	git push -q origin relctl-ledger
	cd "$TEST_TMP/b"
	wait_page jan / 'id="sync-problem"'
	run page jan /
	has 'id="sync-problem"'
	has "$(git -C "$TEST_TMP/a" rev-parse --short=12 relctl-ledger)"
	[ "$(ledger "$V" | jq -r '.steps["build-rc"].state')" = ready ]
	run page jan "/step?release=$V&step=build-rc"
	has '<span class="state state-ready">ready</span>'
}

@test "with the remote down the page says so, a click is recorded offline, and the background sync shares it when the remote is back" {
	team_of_two
	board jan jan "$TEST_TMP/b"
	mv "$REMOTE" "$REMOTE.away"
	wait_page jan / unreachable
	page jan /action --data "csrf=$(csrf jan)&op=claim&release=$V&step=build-rc&back=/" >/dev/null
	status_was 303
	[ "$(ledger "$V" | jq -r '.steps["build-rc"].holder')" = jan ]
	[ "$(git log -1 --format=%ae relctl-ledger)" = jan@example.com ]
	mv "$REMOTE.away" "$REMOTE"
	local i
	for i in $(seq 50); do
		[ "$(git --git-dir="$REMOTE" show "relctl-ledger:releases/$V.json" | jq -r '.steps["build-rc"].holder')" = jan ] && break
		sleep 0.2
	done
	[ "$(git --git-dir="$REMOTE" show "relctl-ledger:releases/$V.json" | jq -r '.steps["build-rc"].holder')" = jan ]
	run page jan /
	[[ "$output" != *unreachable* ]] || { echo "still says unreachable"; false; }
}

@test "a hook step is run from its page as 'relctl run' runs it: one signed request, recorded as the person who clicked" {
	export TINYPILOT_CMS_TOKEN="cms-$(random_secret)"
	export TINYPILOT_CMS_SIGNING_SECRET="whsec_$(head -c 24 /dev/urandom | base64)"
	export RELCTL_HOOK_BACKOFF_MS=20
	play_to_publishing "$TEST_TMP/pub" || { cat "$TEST_TMP/pub.log"; false; }
	receiver cms --secret-env TINYPILOT_CMS_SIGNING_SECRET
	export TINYPILOT_CMS_URL="http://127.0.0.1:$(port cms)"
	board cristina cristina "$TEST_TMP/pub"
	run page cristina "/step?release=$V&step=publish-changelog"
	has 'value="run"'
	[[ "$output" != *'id="done"'* ]] || { echo "a hook step offers a done form"; false; }
	page cristina /action --data "csrf=$(csrf cristina)&op=run&release=$V&step=publish-changelog&back=/" >/dev/null
	status_was 303
	[ "$(deliveries cms /api/changelog)" -eq 1 ]
	[ "$(rx cms '.[0].verified')" = true ]
	[ "$(step publish-changelog state)" = done ]
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "hook")][-1] | "\(.actor) \(.step)"')" = "cristina publish-changelog" ]
	# Again: as the CLI, already delivered, nothing sent and nothing written.
	local before
	before=$(ledger_sum)
	page cristina /action --data "csrf=$(csrf cristina)&op=run&release=$V&step=publish-changelog&back=/" >/dev/null
	status_was 303
	[ "$(deliveries cms /api/changelog)" -eq 1 ]
	same "$before" "$(ledger_sum)"
	# Someone the playbook does not let run it is refused with the CLI's line, nothing sent.
	board jan jan "$TEST_TMP/pub"
	run page jan /action --data "csrf=$(csrf jan)&op=run&release=$V&step=publish-release&back=/"
	has 'id="refusal"'
	[ "$(deliveries cms)" -eq 1 ]
	same "$before" "$(ledger_sum)"
	touch "$TEST_TMP/outputs"
	secrets_absent "$TINYPILOT_CMS_TOKEN" "$(token cristina)"
}

@test "outside his role, a support person who shadowed the build claims the next one from the board, as 'relctl claim' grants it" {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	as cristina start 2.6.3 >/dev/null
	as jan claim build-rc >/dev/null
	as david shadow build-rc >/dev/null
	as jan done build-rc --evidence https://ci.example.com/b/1 >/dev/null
	as cristina start 2.6.4 >/dev/null
	board david david "$REPO"
	run page david "/step?release=2.6.4&step=build-rc"
	has 'value="claim"'
	page david /action --data "csrf=$(csrf david)&op=claim&release=2.6.4&step=build-rc&back=/" >/dev/null
	status_was 303
	[ "$(ledger 2.6.4 | jq -r '.events[-1] | "\(.actor) \(.op) \(.shadowed_in)"')" = "david claim 2.6.3" ]
	# Maria, who never shadowed it, is refused with the CLI's line.
	as cristina start 2.6.5 >/dev/null
	board maria maria "$REPO"
	local before
	before=$(ledger_sum 2.6.5)
	run page maria /action --data "csrf=$(csrf maria)&op=claim&release=2.6.5&step=build-rc&back=/"
	has 'id="refusal"'
	has "maria cannot claim build-rc"
	same "$before" "$(ledger_sum 2.6.5)"
}

@test "with signing: required, a click is one commit signed with the person's key, here jan's in his ssh-agent, that plain git verifies" {
	cleanup_repo
	signed_setup
	team
	export SSH_AUTH_SOCK=$JAN_SOCK
	board jan jan "$TEST_TMP/jan"
	unset SSH_AUTH_SOCK
	page jan /action --data "csrf=$(csrf jan)&op=claim&release=$V&step=build&back=/" >/dev/null
	status_was 303
	cd "$TEST_TMP/cristina"
	relctl sync >/dev/null
	[ "$(ledger "$V" | jq -r '.events[-1] | "\(.actor) \(.op) \(.step)"')" = "jan claim build" ]
	run audit verify-commit relctl-ledger
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	has 'Good "git" signature for jan@example.com'
	relctl verify >/dev/null
}

@test "in Chromium, by clicks: the release manager assigns a step, adds and removes checklist items, skips and reopens a step and marks herself away; read from another clone" {
	serve path team
	clone_into cristina "$URL"
	clone_into check "$URL"
	cd "$TEST_TMP/cristina"
	relctl init --playbook "$PLAYBOOK" >/dev/null
	play_to_device_tests >"$TEST_TMP/play.log" 2>&1 || { cat "$TEST_TMP/play.log"; false; }
	board cristina cristina "$TEST_TMP/cristina"

	run /usr/bin/python3 "$BROWSER" "$TEST_TMP/shots" manager "$(url cristina)"
	echo "$output"
	[ "$status" -eq 0 ]

	cd "$TEST_TMP/check"
	relctl sync >/dev/null
	local u='.steps["test-update"]'
	# Assigned to maria, with the reason typed.
	[ "$(ledger "$V" | jq -r "$u.holder")" = maria ]
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "assign")][-1] | "\(.actor) \(.step) \(.person) \(.reason)"')" = \
		"cristina test-update maria maria has the update rig set up" ]
	# The item added, its id made of its text as 'relctl checklist add' makes it, evidence required, a dev's review.
	[ "$(ledger "$V" | jq -r "$u.checklist.items[] | select(.text == \"The LED blinks green after the update\") | \"\(.id) \(.evidence_required) \(.added_by) \(.review.role)\"")" = \
		"the-led-blinks-green true cristina dev" ]
	# power-loss removed, with its reason.
	[ "$(ledger "$V" | jq -r "$u.checklist.items[] | select(.id == \"power-loss\") | .removed | \"\(.by): \(.reason)\"")" = \
		"cristina: no spare device to pull the power of this time" ]
	# run-e2e-tests skipped then reopened, each with its reason, and ready again.
	[ "$(ledger "$V" | jq -r '[.events[] | select(.step == "run-e2e-tests" and (.op == "skip" or .op == "reopen")) | "\(.actor) \(.op) \(.reason)"] | join(",")')" = \
		"cristina skip CI ran them on the merge,cristina reopen a flaky run hid a failure" ]
	[ "$(ledger "$V" | jq -r '.steps["run-e2e-tests"].state')" = ready ]
	# Away until the time typed.
	[ "$(ledger "$V" | jq -r '.away.cristina.until')" = 2099-01-02T09:00:00Z ]
	# One commit per click, each by cristina's clone, and the ledger verifies.
	[ "$(git log --format=%s relctl-ledger | grep -c '^cristina \(assigned\|added\|removed\|skipped\|reopened\|is away\)')" -eq 6 ]
	relctl verify >/dev/null
	for s in manager-assigned manager-checklist manager-skipped manager-reopened manager-away; do
		[ -s "$TEST_TMP/shots/$s.png" ] || { echo "no screenshot $s"; false; }
	done
	if [ -n "${BOARD_SHOTS:-}" ]; then mkdir -p "$BOARD_SHOTS" && cp "$TEST_TMP"/shots/*.png "$BOARD_SHOTS/"; fi
}

@test "the release manager's forms are shown only to whom the rules allow them; a refused one shows the CLI's line with nothing written; hand-over and shadow from the board" {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	play_to_device_tests >"$TEST_TMP/play.log" 2>&1 || { cat "$TEST_TMP/play.log"; false; }
	as maria claim test-update >/dev/null
	board cristina cristina "$REPO"
	board jan jan "$REPO"
	board maria maria "$REPO"
	board david david "$REPO"
	local before

	# The release manager sees assign (to those of the step's role only), skip and the checklist's forms.
	run page cristina "/step?release=$V&step=test-diy"
	status_was 200
	has 'id="assign"'
	has '<option value="david">david</option><option value="maria">maria</option></select>'
	has 'id="skip"'
	has 'id="checklist-add"'
	has 'Remove the item'
	[[ "$output" != *'id="reopen"'* ]] || { echo "reopen offered for a ready step"; false; }
	[[ "$output" != *'id="handover"'* ]] || { echo "hand-over offered for a step nobody holds"; false; }
	# A dev sees none of them on a support step, and no away form but his own on his You page.
	run page jan "/step?release=$V&step=test-diy"
	for form in assign skip reopen handover checklist-add; do
		[[ "$output" != *"id=\"$form\""* ]] || { echo "jan is offered $form"; false; }
	done
	[[ "$output" != *'Remove the item'* ]] || { echo "jan is offered to remove an item"; false; }

	# A dev's assign, skip and checklist change posted by hand: the CLI's line, nothing written.
	before=$(ledger_sum)
	run page jan /action --data "csrf=$(csrf jan)&op=assign&release=$V&step=test-diy&person=david&back=/"
	status_was 403
	has 'id="refusal"'
	has "jan cannot assign steps: only a release manager can"
	run page jan /action --data "csrf=$(csrf jan)&op=skip&release=$V&step=test-diy&reason=x&back=/"
	status_was 403
	has "jan cannot skip test-diy: only a release manager can skip steps"
	run page jan /action --data "csrf=$(csrf jan)&op=checklist-remove&release=$V&step=test-diy&item=boot&reason=x&back=/"
	has 'id="refusal"'
	# The release manager's own slips: a skip without a reason, an assign to someone outside the role.
	run page cristina /action --data "csrf=$(csrf cristina)&op=skip&release=$V&step=test-diy&back=/"
	status_was 400
	has 'id="refusal"'
	run relctl skip test-diy
	[ "$status" -ne 0 ]
	local cli=${output#relctl: }
	run page cristina /action --data "csrf=$(csrf cristina)&op=skip&release=$V&step=test-diy&back=/"
	has "$(printf '%s' "$cli" | sed "s/'/\&#39;/g")"
	run page cristina /action --data "csrf=$(csrf cristina)&op=assign&release=$V&step=test-diy&person=jan&back=/"
	status_was 422
	has "cannot assign test-diy to jan: it needs the role support, which jan does not have"
	same "$before" "$(ledger_sum)"

	# Maria holds test-update: she may hand it over (to david only: her role), david may shadow it.
	run page maria "/step?release=$V&step=test-update"
	has 'id="handover"'
	has '<select name="person" required><option value="david">david</option></select>'
	run page david "/step?release=$V&step=test-update"
	has 'Shadow (learn it)'
	[[ "$output" != *'id="handover"'* ]] || { echo "david is offered to hand over maria's step"; false; }
	page david /action --data "csrf=$(csrf david)&op=shadow&release=$V&step=test-update&back=/" >/dev/null
	status_was 303
	[ "$(ledger "$V" | jq -r '.steps["test-update"].shadows | join(",")')" = david ]
	run page david "/step?release=$V&step=test-update"
	has 'Stop shadowing'
	page maria /action --data "csrf=$(csrf maria)&op=handover&release=$V&step=test-update&person=david&note=the+rig+is+on+the+left+bench&back=/" >/dev/null
	status_was 303
	[ "$(ledger "$V" | jq -r '.steps["test-update"].holder')" = david ]
	[ "$(ledger "$V" | jq -r '.events[-1] | "\(.actor) \(.op) \(.person) \(.note)"')" = "maria handover david the rig is on the left bench" ]
	# Away, and back, from the You page; the release manager's assign form marks who is away.
	page maria /action --data "csrf=$(csrf maria)&op=away&release=$V&until=2099-01-02T09:00:00Z&back=/" >/dev/null
	status_was 303
	run page cristina "/step?release=$V&step=test-diy"
	has '<option value="maria">maria (away)</option>'
	run page maria "/?release=$V"
	has 'I am back'
	page maria /action --data "csrf=$(csrf maria)&op=away&release=$V&away_back=1&back=/" >/dev/null
	status_was 303
	[ "$(ledger "$V" | jq -r '.events[-1] | "\(.actor) \(.op) \(.back)"')" = "maria away true" ]
	[ "$(ledger "$V" | jq -r '.away.maria // "none"')" = none ]
}

@test "a playbook with two gates: the Brief tab lists both, each gate's brief has its own decision form for its owner, and the decisions are recorded per gate; claim, check and decide with the keyboard alone" {
	cat >"$TEST_TMP/gates.yaml" <<'YAML'
relctl: 1
name: Gates
roles: [release-manager, product-owner, dev, support]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: michael, name: Michael, email: michael@example.com, roles: [product-owner]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: maria, name: Maria, email: maria@example.com, roles: [support]}
phases:
  - id: candidate
    steps:
      - {id: build, title: Build the candidate, owner: dev, estimate: 2h}
      - {id: go, title: Go or no-go on the build, kind: decision, owner: release-manager, inputs: [dev],
         needs: [build], on_delay: [build]}
      - id: test
        title: Test the candidate
        owner: support
        needs: [build]
        checklist:
          - {id: boots, text: The device boots}
          - {id: video, text: The video shows}
      - {id: ship, title: Ship or delay, kind: decision, owner: product-owner, inputs: [support],
         needs: [test], on_delay: [build, test]}
  - id: publishing
    steps:
      - {id: publish, title: Publish the release, owner: dev, estimate: 1h}
YAML
	relctl init --playbook "$TEST_TMP/gates.yaml" >/dev/null
	as cristina start "$V" >/dev/null
	as jan claim build >/dev/null
	as jan done build >/dev/null
	as jan input --step go --note "the build is reproducible" >/dev/null
	board maria maria "$REPO"
	board cristina cristina "$REPO"
	board michael michael "$REPO"
	# One gate open: the Brief tab shows its brief, and links both.
	run page michael "/brief?release=$V"
	status_was 200
	has 'id="gates"'
	has 'Gate <code>go</code>'

	run /usr/bin/python3 "$BROWSER" "$TEST_TMP/shots" keyboard-support "$(url maria)"
	echo "$output"
	[ "$status" -eq 0 ]
	# Both gates open and none named: the Brief tab lists them to choose from instead of refusing.
	run page michael "/brief?release=$V"
	status_was 200
	has 'id="choose-gate"'
	has "gate=go"
	has "gate=ship"
	[[ "$output" != *'id="refusal"'* ]] || { echo "the Brief tab refuses"; false; }
	as maria input --step ship --note "both items pass" >/dev/null
	# Each gate's form for its owner only: go is cristina's, ship michael's.
	run page cristina "/brief?release=$V&gate=go"
	has 'id="decide"'
	has 'name="gate" value="go"'
	run page cristina "/brief?release=$V&gate=ship"
	[[ "$output" != *'id="decide"'* ]] || { echo "the ship gate offers the release manager a decision"; false; }
	run /usr/bin/python3 "$BROWSER" "$TEST_TMP/shots" keyboard-decide "$(url cristina)" gates-owner "$(url michael)"
	echo "$output"
	[ "$status" -eq 0 ]

	# Recorded per gate: go by cristina, ship by michael, each bound to its own brief.
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "decide") | "\(.actor) \(.step) \(.decision) \(.reason)"] | join(",")')" = \
		"cristina go ship the build is good: go,michael ship ship tested on every device" ]
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "decide") | .brief_hash] | unique | length')" -eq 2 ]
	[ "$(ledger "$V" | jq -r '"\(.steps.go.state) \(.steps.ship.state)"')" = "done done" ]
	# The keyboard's claim, items and done, by maria.
	[ "$(ledger "$V" | jq -r '[.events[] | select(.step == "test") | "\(.actor) \(.op) \(.item // "")"] | join(",")')" = \
		"maria claim ,maria check boots,maria check video,maria done " ]
	relctl verify >/dev/null
	for s in keyboard-claimed keyboard-checked keyboard-done keyboard-decided gates-go-brief gates-ship-decided; do
		[ -s "$TEST_TMP/shots/$s.png" ] || { echo "no screenshot $s"; false; }
	done
}

@test "the board's colours pass WCAG AA contrast on every page (tests/e2e/board-contrast.py), and the checker fails a colour below it" {
	relctl init --playbook "$PLAYBOOK" >/dev/null
	play_to_device_tests >"$TEST_TMP/play.log" 2>&1 || { cat "$TEST_TMP/play.log"; false; }
	as maria claim test-update >/dev/null
	as maria check test-update progress fail --note "the dialog froze" --severity minor >/dev/null
	as jan finding add "the LED blinks twice on boot" --severity minor --evidence https://v.example.com/led >/dev/null
	board cristina cristina "$REPO"
	local pages="$TEST_TMP/pages" p
	mkdir -p "$pages"
	curl -s -b "$(cookie cristina)" "$(base cristina)/board.css" >"$pages/board.css"
	[ -s "$pages/board.css" ]
	# The pages with what they show: a flash after a change, a refusal, forms, a checklist with a fail, findings.
	page cristina /action --data "csrf=$(csrf cristina)&op=shadow&release=$V&step=test-update&back=/" >/dev/null
	page cristina "/?release=$V" >"$pages/you.html"
	grep -q 'id="flash"' "$pages/you.html"
	page cristina "/release?release=$V" >"$pages/release.html"
	page cristina "/step?release=$V&step=test-update" >"$pages/step.html"
	page cristina "/brief?release=$V" >"$pages/brief.html"
	page cristina "/findings?release=$V" >"$pages/findings.html"
	page cristina /action --data "csrf=$(csrf cristina)&op=skip&release=$V&step=decide&reason=x&back=/" >"$pages/refusal.html"
	grep -q 'id="refusal"' "$pages/refusal.html"
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/board-contrast.py" "$pages/board.css" "$pages"/*.html
	echo "$output"
	[ "$status" -eq 0 ]
	has "every pair passes WCAG AA"
	# What it checked: body text, the header's links, a button, a control's border, the focus ring, the refusal.
	has "on #ffffff: p"
	has "on #1b2430: a"
	has "ui "
	has "focus"
	has "p#refusal"
	# A colour below AA fails it: the muted grey made lighter, then the focus ring made pale.
	sed 's/--muted:#4a5565/--muted:#8f99a6/' "$pages/board.css" >"$TEST_TMP/light.css"
	! cmp -s "$pages/board.css" "$TEST_TMP/light.css" || { echo "the muted colour was not found to break"; false; }
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/board-contrast.py" "$TEST_TMP/light.css" "$pages"/*.html
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	has "FAIL  text"
	has "#8f99a6 on #ffffff"
	sed 's/--focus:#[0-9a-f]*/--focus:#f9ab00/' "$pages/board.css" >"$TEST_TMP/ring.css"
	! cmp -s "$pages/board.css" "$TEST_TMP/ring.css" || { echo "the focus colour was not found to break"; false; }
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/board-contrast.py" "$TEST_TMP/ring.css" "$pages"/*.html
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	has "FAIL  focus"
}
