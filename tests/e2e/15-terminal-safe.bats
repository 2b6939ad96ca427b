#!/usr/bin/env bats
# Terminal-safe output.  Everything in the ledger came from someone else's
# machine: the TinyPilot team plays release 2.6.3 through a delay, and every
# note, reason, finding title and impact, input, decision reason and
# evidence link carries escape sequences (an OSC that retitles the window,
# a CSI that clears the screen, a CSI through C1 0x9b, a bidi override, a
# carriage return, DEL) and a second line that pretends to be relctl
# ("relctl: build-rc approved by michael").  Then everyone reads: show,
# status, log, next, brief, finding list, releases, report (md and html),
# verify, and the error messages of bad arguments and of hand-pushed events.
# No raw control byte reaches stdout or stderr (tests/e2e/raw-bytes.py reads
# the bytes), the escaped forms are visible, one-line layouts stay one line,
# under a terminal relctl's colours are the only escape sequences, --json
# gives jq back the exact bytes, and the HTML report links only http(s).

bats_require_minimum_version 1.5.0

load helper

V=2.6.3
SCAN=/usr/bin/python3
SCANNER="$BATS_TEST_DIRNAME/raw-bytes.py"

# What a teammate's text carries: OSC title, clear screen, CSI via C1, RLO, DEL.
ESCAPES=$(printf '\033]0;pwned\007\033[2J\302\23331m\342\200\256\177')
# ...and how relctl shows it.
SHOWN='\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e\u007f'
# In markdown (the brief, report --format md) brackets are escaped too: no link can start there.
SHOWN_MD='\x1b\]0;pwned\x07\x1b\[2J\u009b31m\u202e\u007f'
SPOOF='relctl: build-rc approved by michael'
# Free text (notes, reasons, titles, impacts, inputs): the escapes, a CR, a second line.
EVIL=$(printf 'pre %s cr\r\n%s' "$ESCAPES" "$SPOOF")
# One-line text (evidence links): the escapes only.
LINK="https://ci.example.com/runs/1?q=$ESCAPES"

# The release, played once for the whole file: rc1 tested with findings,
# inputs and a delay; rc2 half-way, with a rejected review, a block and a skip.
play() {
	relctl init --playbook "$PLAYBOOK"
	relctl start "$V"
	as shalom claim update-test-plan
	as shalom done update-test-plan --note "$EVIL"
	as shalom claim draft-changelog
	as shalom done draft-changelog
	as cristina review draft-changelog approve --note "$EVIL"
	as lena claim draft-announcement
	as lena done draft-announcement --evidence https://docs.example.com/whats-new
	as jan review draft-announcement approve
	as jan claim build-rc
	as jan done build-rc --note "$EVIL" --evidence "$LINK" --evidence "javascript:alert(document.cookie)" \
		--evidence http://ci.example.com/plain
	as david claim test-voyager
	as maria finding add "$EVIL" --severity blocker --step test-voyager \
		--evidence "data:text/html,<script>alert(1)</script>" --evidence https://videos.example.com/static-ip
	F=$(ledger "$V" | jq -r '.findings[0].id')
	pass_items david test-voyager
	as david check test-voyager boot pass --note "$EVIL"
	as david done test-voyager --evidence "https://videos.example.com/voyager?$ESCAPES" --note "$EVIL"
	# The device tests' reviews are per item now: the static-IP items' footage.
	as jan review test-voyager reject --item static-ip-reach --note "$EVIL"
	as david check test-voyager static-ip-reach pass --evidence https://videos.example.com/voyager-2
	as david done test-voyager --evidence https://videos.example.com/voyager-2
	as jan review test-voyager approve --item static-ip-reach --note "$EVIL"
	approve_items jan test-voyager
	as maria claim test-update
	pass_items maria test-update
	as maria done test-update --evidence https://videos.example.com/update
	approve_items shalom test-update
	as david claim test-diy
	pass_items david test-diy
	as david done test-diy --evidence https://videos.example.com/diy
	approve_items jan test-diy
	as jan claim run-e2e-tests
	pass_items jan run-e2e-tests
	as jan done run-e2e-tests --evidence https://ci.example.com/runs/2
	as cristina claim review-test-results
	as cristina done review-test-results --note "$EVIL"
	as jan finding update "$F" --estimate 4h --risk high --note "$EVIL"
	as david finding update "$F" --impact "$EVIL"
	as jan input --note "$EVIL"
	as david input --note "$EVIL"
	as michael decide delay --reason "$EVIL"
	export RELCTL_NOW=2024-03-20T10:00:00Z
	as jan claim build-rc
	as jan done build-rc --note "$EVIL"
	as david claim test-voyager
	pass_items david test-voyager
	as david done test-voyager --evidence https://videos.example.com/voyager-3 --note "$EVIL"
	as jan review test-voyager reject --item static-ip-save --note "$EVIL"
	as maria claim test-update
	as maria block test-update --reason "$EVIL"
	as cristina skip test-diy --reason "$EVIL"
	as shalom claim run-e2e-tests
	as david input --note "$EVIL"
}

setup_file() {
	local played="$BATS_FILE_TMPDIR/played"
	git init -q "$played"
	cd "$played" || return 1
	git config user.email cristina@example.com
	git config user.name Cristina
	unset RELCTL_USER NO_COLOR
	export RELCTL_NOW=2024-03-19T10:00:00Z
	play >"$BATS_FILE_TMPDIR/play.log" 2>&1 || { cat "$BATS_FILE_TMPDIR/play.log"; return 1; }
}

setup() {
	TEST_TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/relctl-e2e.XXXXXX")"
	REPO="$TEST_TMP/repo"
	cp -a "$BATS_FILE_TMPDIR/played" "$REPO"
	cd "$REPO" || return 1
	mkdir "$TEST_TMP/out"
	export RELCTL_NOW=2024-03-20T12:00:00Z
	unset RELCTL_USER NO_COLOR
	F=$(ledger "$V" | jq -r '.findings[0].id')
}

teardown() {
	cleanup_repo
}

# capture NAME CODE PERSON ARGS...: relctl as PERSON exits CODE; its stdout
# and stderr are kept apart in out/NAME.out and out/NAME.err.
capture() {
	local name=$1 code=$2 who=$3 rc=0
	shift 3
	RELCTL_USER="$who" "$RELCTL" "$@" >"$TEST_TMP/out/$name.out" 2>"$TEST_TMP/out/$name.err" || rc=$?
	[ "$rc" -eq "$code" ] || {
		echo "relctl $* (as $who): wanted exit $code, got $rc"
		cat "$TEST_TMP/out/$name.out" "$TEST_TMP/out/$name.err"
		return 1
	}
}

# clean [--tty] [--sgr] FILE...: no raw control byte in any FILE.
clean() {
	"$SCAN" "$SCANNER" "$@"
}

# shows NAME TEXT...: out/NAME.out contains each TEXT as written (no pattern).
shows() {
	local name=$1 text
	shift
	for text in "$@"; do
		grep -qF -- "$text" "$TEST_TMP/out/$name.out" || {
			echo "wanted \"$text\" in $name:"
			cat "$TEST_TMP/out/$name.out"
			return 1
		}
	done
}

# one_line NAME...: no line of out/NAME.out starts with the spoofed "relctl:".
one_line() {
	local name
	for name in "$@"; do
		if grep -n '^relctl:' "$TEST_TMP/out/$name.out"; then
			echo "a note started a line of its own in $name"
			return 1
		fi
	done
}

# on_tty NAME CMD...: CMD run with a pseudo-terminal as stdout (script(1)),
# its output in out/NAME.out (with the terminal's CR LF line ends).
# script(1) runs CMD with $SHELL, which CI may leave as /bin/sh: bash's %q
# quoting ($'...') needs bash to read it back.
on_tty() {
	local name=$1 cmd=""
	shift
	printf -v cmd '%q ' "$@"
	SHELL=/bin/bash script -qec "$cmd" /dev/null </dev/null >"$TEST_TMP/out/$name.out"
}

# push_event JSON: appends one event to the release file by hand.
push_event() {
	ledger "$V" | jq --argjson ev "$1" '.events += [$ev]' >"$TEST_TMP/hand.json"
	put_on_ledger "releases/$V.json" "$TEST_TMP/hand.json"
}

@test "every read shows the team's escape sequences escaped, as several people, with no raw control byte" {
	capture show-build-rc 0 jan show build-rc
	capture show-voyager 0 david show test-voyager
	capture show-update 0 maria show test-update
	capture show-diy 0 cristina show test-diy
	capture show-changelog 0 shalom show draft-changelog
	capture status 0 jan status
	capture status-v 0 lena status "$V"
	capture log 0 jan log
	capture next-jan 0 jan next
	capture next-david 0 david next
	capture next-maria 0 maria next
	capture next-cristina 0 cristina next
	capture next-michael 0 michael next
	capture next-all 0 lena next --all
	capture brief 0 michael brief
	capture findings 0 maria finding list
	capture releases 0 jan releases
	capture report-md 0 jan report "$V" --format md
	capture report-html 0 jan report "$V" --format html
	capture stats 0 jan stats
	capture verify 0 jan verify
	clean "$TEST_TMP"/out/*
	# Each one still shows what the teammate wrote, escaped.
	shows show-build-rc "note: pre $SHOWN cr\\x0d"
	shows show-voyager "$SHOWN"
	shows show-update "$SHOWN"
	shows show-diy "$SHOWN"
	shows status "test-update              blocked    maria" "pre $SHOWN cr\\r\\n$SPOOF"
	shows log "\"pre $SHOWN cr\\r\\n$SPOOF\"" "https://ci.example.com/runs/1?q=$SHOWN"
	shows next-david "sent back by jan: pre $SHOWN"
	shows next-maria "blocked: pre $SHOWN"
	shows next-cristina "test-update              blocked    pre $SHOWN"
	shows brief "$SHOWN_MD"
	shows findings "open   pre $SHOWN" "impact: pre $SHOWN"
	shows report-md "$SHOWN_MD"
	shows report-html "$SHOWN"
	shows releases "$V"
}

@test "a multi-line note stays on its line in status, next, log, show's history and the brief" {
	capture status 0 jan status
	capture next-david 0 david next
	capture next-maria 0 maria next
	capture next-all 0 cristina next --all
	capture log 0 jan log
	capture brief 0 michael brief
	capture findings 0 maria finding list
	one_line status next-david next-maria next-all log brief findings
	# show: the note block may keep its lines; every other line of show stays one.
	for step in build-rc test-voyager test-update test-diy draft-changelog review-test-results; do
		capture "show-$step" 0 jan show "$step"
		awk -v name="$step" '/^relctl:/ && prev !~ /^note: / { print name ": " NR ": " $0; bad = 1 } { prev = $0 } END { exit bad }' \
			"$TEST_TMP/out/show-$step.out"
		sed -n '/^History$/,$p' "$TEST_TMP/out/show-$step.out" >"$TEST_TMP/out/history-$step.out"
		[ -s "$TEST_TMP/out/history-$step.out" ]
		one_line "history-$step"
	done
	shows show-build-rc "note: pre $SHOWN cr\\x0d"
	grep -qx "$SPOOF" "$TEST_TMP/out/show-build-rc.out"
	# What a command says it did is one line too.
	capture finding-add 0 maria finding add "$EVIL" --severity minor
	one_line finding-add
	shows finding-add "maria reported minor finding"
}

@test "error messages escape the arguments they quote, and invalid UTF-8 is refused" {
	tip=$(git rev-parse relctl-ledger)
	capture claim-csi 64 jan claim "$(printf 'build\033[2J')"
	capture start-osc 64 cristina start "$(printf '2.7\033]0;pwned\007')"
	capture show-c1 64 jan show "$(printf 'x\302\233y')"
	capture show-bidi 64 jan show "$(printf 'x\342\200\256y')"
	capture command 64 jan "$(printf 'sh\033[2Jow')"
	capture option 64 jan status "$(printf -- '--\033[2J')"
	capture version 64 jan next "$(printf '2.6\0333')"
	capture finding 64 jan finding update "$(printf 'F-\033[2J')" --risk low
	capture note-not-utf8 64 shalom done run-e2e-tests --note "$(printf 'bad \377\376 byte\033[2J')"
	capture step-not-utf8 64 shalom unclaim "$(printf 'run-e2e\377r')"
	[ "$(git rev-parse relctl-ledger)" = "$tip" ]
	clean "$TEST_TMP"/out/*
	for name in claim-csi start-osc show-c1 show-bidi command option version finding note-not-utf8 step-not-utf8; do
		[ ! -s "$TEST_TMP/out/$name.out" ] || { echo "$name wrote to stdout"; return 1; }
		[ "$(wc -l <"$TEST_TMP/out/$name.err")" -eq 1 ] || { echo "$name: not one line"; cat "$TEST_TMP/out/$name.err"; return 1; }
		grep -q '^relctl: ' "$TEST_TMP/out/$name.err"
	done
	grep -qF 'no step "build\x1b[2J"' "$TEST_TMP/out/claim-csi.err"
	grep -qF '"2.7\x1b]0;pwned\x07" is not a release version' "$TEST_TMP/out/start-osc.err"
	grep -qF 'no step "x\u009by"' "$TEST_TMP/out/show-c1.err"
	grep -qF 'no step "x\u202ey"' "$TEST_TMP/out/show-bidi.err"
	grep -qF "unknown command 'sh\\x1b[2Jow'" "$TEST_TMP/out/command.err"
	grep -qF 'unknown option --\x1b[2J' "$TEST_TMP/out/option.err"
	grep -qF '"2.6\x1b3" is not a release version' "$TEST_TMP/out/version.err"
	grep -qF 'no finding "F-\x1b[2J"' "$TEST_TMP/out/finding.err"
	grep -qFx 'relctl: --note is not valid UTF-8' "$TEST_TMP/out/note-not-utf8.err"
	grep -qFx 'relctl: the step is not valid UTF-8' "$TEST_TMP/out/step-not-utf8.err"
}

@test "a hand-pushed event with escapes is shown escaped, and verify names its commit escaped" {
	# shalom holds run-e2e-tests; his 'block' is pushed by hand, under an author name with escapes.
	push_event "$(jq -nc --arg reason "$EVIL" \
		'{id: "ba5eba11000000000000000000000001", time: "2024-03-20T11:00:00Z", actor: "shalom", op: "block", step: "run-e2e-tests", candidate: 2, reason: $reason}')"
	export GIT_AUTHOR_NAME="$(printf 'Shalom \033]0;pwned\007 Jr')" GIT_AUTHOR_EMAIL=shalom@example.com
	push_event "$(jq -nc --arg reason "$EVIL" \
		'{id: "ba5eba11000000000000000000000002", time: "2024-03-20T11:05:00Z", actor: "shalom", op: "unblock", step: "run-e2e-tests", candidate: 2, reason: $reason}')"
	unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
	capture status 0 jan status
	capture show 0 jan show run-e2e-tests
	capture log 0 jan log
	capture next 0 cristina next
	capture verify 65 jan verify
	clean "$TEST_TMP"/out/*
	one_line status log next
	shows log "block    run-e2e-tests  \"pre $SHOWN cr\\r\\n$SPOOF\""
	shows show "shalom     block: pre $SHOWN cr\\r\\n$SPOOF" "shalom     unblock: pre $SHOWN"
	grep -qF 'by Shalom \x1b]0;pwned\x07 Jr <shalom@example.com>' "$TEST_TMP/out/verify.out" "$TEST_TMP/out/verify.err"
	grep -qF 'the commit'"'"'s author <cristina@example.com> is not the event'"'"'s actor shalom' "$TEST_TMP/out/verify.err"

	# An event naming a step that is escapes: every read refuses it, escaped.
	push_event "$(jq -nc --arg step "$(printf 'x\033[2J\302\233')" \
		'{id: "ba5eba11000000000000000000000003", time: "2024-03-20T11:10:00Z", actor: "jan", op: "claim", step: $step, candidate: 2}')"
	capture refused-status 65 jan status
	capture refused-show 65 jan show build-rc
	capture refused-claim 65 jan claim build-rc
	clean "$TEST_TMP"/out/refused-*
	grep -qF 'x\x1b[2J\u009b' "$TEST_TMP/out/refused-status.err"
	[ "$(wc -l <"$TEST_TMP/out/refused-status.err")" -eq 1 ]
}

@test "under a terminal relctl's colours are the only escape sequences, and NO_COLOR leaves none" {
	# A doc file in the work tree and a file name with bytes that are not UTF-8:
	# 0xff starts relctl's own colour marks inside, and must not become a colour
	# (and e3 9b, a character cut short: 0x9b must not pass as CSI to an 8-bit terminal).
	mkdir -p docs/steps
	printf 'Build it.\n\377r RED \3771 BOLD \3770 \033]0;doc\007 \343\2332J\n' >docs/steps/build-rc.md
	cp "$PLAYBOOK" "$TEST_TMP/$(printf 'play\377rbook').yaml"
	export RELCTL_USER=david
	on_tty status "$RELCTL" status
	on_tty show "$RELCTL" show build-rc
	on_tty show-voyager "$RELCTL" show test-voyager
	on_tty next "$RELCTL" next
	on_tty next-all "$RELCTL" next --all
	on_tty log "$RELCTL" log
	on_tty brief "$RELCTL" brief
	on_tty findings "$RELCTL" finding list
	on_tty releases "$RELCTL" releases
	on_tty lint "$RELCTL" lint "$TEST_TMP/$(printf 'play\377rbook').yaml"
	run on_tty error "$RELCTL" claim "$(printf 'x\033[2J')"
	[ "$status" -eq 64 ]
	clean --tty --sgr "$TEST_TMP"/out/*
	# Colour is on: bold headings and coloured states are real SGR sequences.
	grep -qaF "$(printf '\033[1mHistory\033[0m')" "$TEST_TMP/out/show.out"
	grep -qaF "$(printf '\033[33mclaimed  ')" "$TEST_TMP/out/status.out"
	grep -qaF "$(printf '\033[2mrc2\033[0m')" "$TEST_TMP/out/log.out"
	# ...and the doc's and the file name's bytes are text, not colours.
	shows show 'Build it.' '\xffr RED \xff1 BOLD \xff0 \x1b]0;doc\x07 \xe3\x9b2J' "pre $SHOWN"
	shows lint 'play\xffrbook.yaml: ok'
	shows error 'no step "x\x1b[2J"'
	[ "$(grep -ac "$(printf '\033')" "$TEST_TMP/out/lint.out")" -eq 0 ]
	# 8 of the step's own, and each of its 4 history lines' signature mark in dim.
	[ "$(grep -aoF "$(printf '\033[')" "$TEST_TMP/out/show.out" | wc -l)" -eq 16 ]
	[ "$(grep -acF "$(printf '\033[2m[unsigned]\033[0m')" "$TEST_TMP/out/show.out")" -eq 4 ]

	export NO_COLOR=1
	on_tty nc-status "$RELCTL" status
	on_tty nc-show "$RELCTL" show build-rc
	on_tty nc-next "$RELCTL" next --all
	on_tty nc-log "$RELCTL" log
	clean --tty "$TEST_TMP"/out/nc-*
	shows nc-show "pre $SHOWN" 'History'
	shows nc-status 'test-update              blocked'
}

@test "--json gives jq back the exact bytes that were recorded, on a pipe and on a terminal" {
	printf '%s' "$EVIL" >"$TEST_TMP/evil"
	printf '%s' "$LINK" >"$TEST_TMP/link"
	exact() { # EXPECTED-FILE JQ-FILTER ARGS...
		local expected=$1 filter=$2
		shift 2
		as jan "$@" --json >"$TEST_TMP/json" || return 1
		jq -j "$filter" "$TEST_TMP/json" >"$TEST_TMP/got" || { echo "relctl $* --json is not JSON"; return 1; }
		cmp "$expected" "$TEST_TMP/got" || { echo "relctl $* --json: $filter differs"; od -c "$TEST_TMP/got" | head; return 1; }
	}
	exact "$TEST_TMP/evil" '.record.note' show build-rc
	exact "$TEST_TMP/evil" '[.history[] | select(.op == "done")][0].note' show update-test-plan
	exact "$TEST_TMP/link" '[.[] | select(.op == "done" and .step == "build-rc")][0].evidence[0]' log "$V"
	exact "$TEST_TMP/evil" '[.[] | select(.op == "done" and .step == "build-rc")][0].note' log
	exact "$TEST_TMP/evil" '.phases[0].steps[] | select(.id == "test-update") | .reason' status
	exact "$TEST_TMP/evil" '.[0].title' finding list
	exact "$TEST_TMP/evil" '.[0].impact' finding list
	exact "$TEST_TMP/evil" '.inputs[0].note' brief
	exact "$TEST_TMP/evil" '.decisions[0].reason' brief
	exact "$TEST_TMP/evil" '.manager.blocked[0].reason' next --all
	as jan report "$V" --format json | jq -j '.decisions[0].reason' | cmp "$TEST_TMP/evil" -
	# A doc file that is no UTF-8 still gives valid JSON.
	mkdir -p docs/steps
	printf 'Build it \377r \033[2J\n' >docs/steps/build-rc.md
	as jan show build-rc --json | jq -e '.instructions | startswith("Build it ")'
	# Through a terminal the same bytes come back (the pty's CR LF is whitespace to jq).
	RELCTL_USER=jan on_tty json-tty "$RELCTL" show build-rc --json
	tr -d '\r' <"$TEST_TMP/out/json-tty.out" | jq -j '.record.note' | cmp "$TEST_TMP/evil" -
	run ! grep -qa "$(printf '\033')" "$TEST_TMP/out/json-tty.out"
}

@test "the HTML report escapes every field and links only http(s) evidence; markdown rendered by cmark does too" {
	# A checklist item's footage that is no web link, and a failed item's note with HTML and a link in it.
	as david check test-voyager boot pass --evidence "javascript:alert(2)"
	as david check test-voyager hdmi-hotplug fail --note "$EVIL <img src=x onerror=alert(3)> [x](javascript:alert(4))" \
		--evidence "data:text/html,<script>alert(5)</script>" --evidence https://videos.example.com/failed-item
	capture html 0 jan report "$V" --format html
	capture md 0 jan report "$V" --format md
	capture brief 0 michael brief
	clean "$TEST_TMP/out/html.out" "$TEST_TMP/out/md.out"
	# The page as a browser parses it: only known tags, no on* attribute, only http(s) links.
	cat >"$TEST_TMP/check.py" <<'EOF'
import html.parser, sys
ALLOWED = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "b", "span", "i", "svg", "defs",
           "pattern", "rect", "line", "text", "ul", "li", "table", "tr", "th", "td", "a", "code", "strong", "em"}
class Check(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad, self.hrefs, self.text = [], [], []
    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            self.bad.append("tag <%s>" % tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append("attribute %s on <%s>" % (name, tag))
            if name == "href":
                self.hrefs.append(value)
                if not (value.startswith("http://") or value.startswith("https://")):
                    self.bad.append("href %r" % value)
    def handle_data(self, data):
        self.text.append(data)
c = Check()
c.feed(open(sys.argv[1], encoding="utf-8").read())
text = "".join(c.text)
for want in sys.argv[2:]:
    if want.startswith("text:"):
        if want[5:] not in text:
            c.bad.append("%r is not shown as text" % want[5:])
    elif not any(h.startswith(want) for h in c.hrefs):
        c.bad.append("no link to %s" % want)
print("\n".join(c.bad))
sys.exit(1 if c.bad else 0)
EOF
	"$SCAN" "$TEST_TMP/check.py" "$TEST_TMP/out/html.out" http://ci.example.com/plain https://videos.example.com/voyager-3 \
		https://docs.example.com/whats-new https://videos.example.com/failed-item \
		"text:javascript:alert(document.cookie)" "text:https://ci.example.com/runs/1?q=" \
		"text:relctl: build-rc approved by michael" "text:javascript:alert(2)" \
		"text:data:text/html,<script>alert(5)</script>" "text:<img src=x onerror=alert(3)> [x](javascript:alert(4))"
	run ! grep -qiF '<script' "$TEST_TMP/out/html.out"
	run ! grep -qF 'href="javascript:' "$TEST_TMP/out/html.out"
	# Markdown: the same rule, so a viewer never makes a javascript: or data: link nor shows raw HTML
	# (cmark --unsafe renders raw HTML, as a careless viewer would).
	run ! grep -qE '[^\\]\]\((javascript|data):' "$TEST_TMP/out/md.out" "$TEST_TMP/out/brief.out"
	cmark --unsafe "$TEST_TMP/out/md.out" >"$TEST_TMP/md.html"
	"$SCAN" "$TEST_TMP/check.py" "$TEST_TMP/md.html" http://ci.example.com/plain https://videos.example.com/voyager-3 \
		https://docs.example.com/whats-new https://videos.example.com/failed-item \
		"text:javascript:alert(document.cookie)" "text:javascript:alert(2)" \
		"text:data:text/html,<script>alert(5)</script>" "text:<img src=x onerror=alert(3)> [x](javascript:alert(4))"
	cmark --unsafe "$TEST_TMP/out/brief.out" >"$TEST_TMP/brief.html"
	"$SCAN" "$TEST_TMP/check.py" "$TEST_TMP/brief.html" https://videos.example.com/static-ip \
		https://videos.example.com/failed-item "text:data:text/html,<script>alert(1)</script>" \
		"text:data:text/html,<script>alert(5)</script>" "text:<img src=x onerror=alert(3)> [x](javascript:alert(4))"
	shows md '[3](http://ci.example.com/plain)' 'javascript:alert(document.cookie)' \
		"https://ci.example.com/runs/1?q=$SHOWN_MD"
	shows brief '[link 2](https://videos.example.com/static-ip)' 'data:text/html,&lt;script>alert(1)&lt;/script>'
	# Written to a file, the report is the same bytes as on stdout.
	capture html-file 0 jan report "$V" --format html --output "$TEST_TMP/report.html"
	cmp "$TEST_TMP/out/html.out" "$TEST_TMP/report.html"
	capture md-file 0 jan report "$V" --format md --output "$TEST_TMP/report.md"
	cmp "$TEST_TMP/out/md.out" "$TEST_TMP/report.md"
}

@test "hand-pushed finding ids and hook results cannot write HTML into the report" {
	cat >"$TEST_TMP/mini.yaml" <<'EOF'
relctl: 1
name: Mini
roles: [release-manager, dev]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
hooks:
  notes: {url: "http://127.0.0.1:9/notes", body: "{{release.version}}"}
phases:
  - id: only
    steps:
      - {id: post, title: Post the notes, kind: hook, hook: notes, owner: dev, instructions: Post.}
EOF
	rm -rf "$REPO"
	git init -q "$REPO"
	cd "$REPO"
	git config user.email cristina@example.com
	git config user.name Cristina
	export RELCTL_NOW=2024-03-19T10:00:00Z
	relctl init --playbook "$TEST_TMP/mini.yaml" >/dev/null
	relctl start 1.0.0 >/dev/null
	as jan claim post >/dev/null
	V=1.0.0
	push_event "$(jq -nc '{id: "ba5eba11000000000000000000000004", time: "2024-03-19T10:01:00Z", actor: "jan", op: "finding-add", candidate: 1,
		finding: "<img src=x onerror=alert(1)>", title: "<b>t</b>", severity: "minor"}')"
	push_event "$(jq -nc '{id: "ba5eba11000000000000000000000005", time: "2024-03-19T10:02:00Z", actor: "jan", op: "hook", step: "post", candidate: 1,
		result: {hook: "<script>alert(2)</script>", outcome: "<img src=y onerror=alert(3)>", status: 500,
		webhook_id: "<i>id</i>", attempts: []}}')"
	capture html 0 jan report 1.0.0 --format html
	capture md 0 jan report 1.0.0 --format md
	clean "$TEST_TMP"/out/*
	run ! grep -qiE '<(script|img|b>t)' "$TEST_TMP/out/html.out"
	run ! grep -qF '<i>id' "$TEST_TMP/out/html.out"
	shows html '&lt;img src=x onerror=alert(1)&gt;' '&lt;script&gt;alert(2)&lt;/script&gt;' \
		'&lt;img src=y onerror=alert(3)&gt;' '&lt;i&gt;id&lt;/i&gt;' '&lt;b&gt;t&lt;/b&gt;'
}
