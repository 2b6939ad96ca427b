#!/usr/bin/env bash
# make demo: a release of TinyPilot Pro 2.6.3 played by its team on a
# throwaway repository - two laptops sharing the ledger through a bare git
# remote, the device tests' checklists item by item, the static-IP item that
# support passed and a dev's look at its footage failed in rc1, the finding
# it opened, the brief, a delay, rc2 passing, the ship decision, hooks sent
# to a local receiver, the announcement mailed to a local mail server
# (STARTTLS, AUTH), the 48-hour wait, and the audit trail at the end.  Along
# the way Shalom learns the build by shadowing it, Jan hands the rc2 build
# over to him, and a cron-style 'relctl remind' chases the overdue device
# tests in the team chat.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RELCTL="$ROOT/relctl"
WORK="$(mktemp -d /tmp/relctl-demo.XXXXXX)"
RECEIVER_PID=""
MAIL_PID=""
CHAT_PID=""
cleanup() {
	[ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null || true
	[ -n "$CHAT_PID" ] && kill "$CHAT_PID" 2>/dev/null || true
	[ -n "$MAIL_PID" ] && kill "$MAIL_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\033[1m' D=$'\033[2m' R=$'\033[0m'; else B= D= R=; fi
say() { printf '\n%s== %s ==%s\n' "$B" "$*" "$R"; }
at() { export RELCTL_NOW="$1"; printf '%s(%s)%s\n' "$D" "$1" "$R"; }
# run PERSON ARGS...: show and run a command as a teammate
run() {
	local who=$1
	shift
	printf '%s%s$ relctl %s%s\n' "$D" "$who" "$*" "$R" >&2
	RELCTL_USER="$who" "$RELCTL" "$@"
}
# pass_rest PERSON STEP URL: PERSON records pass for every item of STEP still
# without a result (footage URL#ITEM where required), one line for all of them.
pass_rest() {
	local who=$1 step=$2 url=$3 n=0 item required
	while read -r item required; do
		if [ "$required" = true ]; then
			RELCTL_USER="$who" "$RELCTL" check "$step" "$item" pass --evidence "$url#$item" >/dev/null
		else
			RELCTL_USER="$who" "$RELCTL" check "$step" "$item" pass >/dev/null
		fi
		n=$((n + 1))
	done < <("$RELCTL" check "$step" --json | jq -r '.checklist.items[] | select(.removed == null and .result == null) | "\(.id) \(.evidence_required)"')
	printf '%s%s$ relctl check %s ITEM pass ...   (%d more items)%s\n' "$D" "$who" "$step" "$n" "$R" >&2
}
# approve_rest PERSON STEP: PERSON approves every item of STEP that waits for review.
approve_rest() {
	local who=$1 step=$2 item
	for item in $("$RELCTL" check "$step" --json | jq -r '.checklist.items[] | select(.removed == null and .review != null and .review.verdict != "approve") | .id'); do
		run "$who" review "$step" approve --item "$item" --note "footage checked"
	done
}

# The team's repository, a bare remote, and two laptops.
git init -q --bare "$WORK/remote.git"
git clone -q "$WORK/remote.git" "$WORK/cristina" 2>/dev/null
git clone -q "$WORK/remote.git" "$WORK/david" 2>/dev/null
for who in cristina david; do
	git -C "$WORK/$who" config user.email "$who@example.com"
	git -C "$WORK/$who" config user.name "$who"
done
mkdir -p "$WORK/cristina/changelog" "$WORK/cristina/announcements"
cp -r "$ROOT/docs/steps" "$WORK/cristina/steps-docs"
printf '## TinyPilot Pro 2.6.3\n\n- Static IP support in the web interface\n- Faster boot\n' >"$WORK/cristina/changelog/2.6.3.md"
printf '# What'"'"'s new in TinyPilot Pro 2.6.3\n\nYou can now give your device a static IP.\n' >"$WORK/cristina/announcements/2.6.3.md"

# Local receivers standing in for the CMS and for the team chat (Slack, Matrix):
# each prints what arrives, the chat only its messages' text.
cat >"$WORK/receiver.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if sys.argv[1] == "chat":
            print(f"  chat: {json.loads(body or b'{}').get('text', '')}", flush=True)
        else:
            print(f"  receiver: {self.command} {self.path} webhook-id={self.headers.get('webhook-id')} "
                  f"signature={self.headers.get('webhook-signature', '')[:12]}... {len(body)} bytes", flush=True)
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers()
        self.wfile.write(b'{"ok": true}')
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 -u "$WORK/receiver.py" cms >"$WORK/receiver.out" &
RECEIVER_PID=$!
python3 -u "$WORK/receiver.py" chat >"$WORK/chat.out" &
CHAT_PID=$!
for _ in $(seq 50); do [ -s "$WORK/receiver.out" ] && [ -s "$WORK/chat.out" ] && break; sleep 0.1; done
PORT=$(head -1 "$WORK/receiver.out")
export TINYPILOT_CMS_URL="http://127.0.0.1:$PORT/cms" TINYPILOT_CMS_TOKEN="demo-token-not-shown"
export TINYPILOT_CMS_SIGNING_SECRET="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
export TEAM_CHAT_URL="http://127.0.0.1:$(head -1 "$WORK/chat.out")/messages"
# tinypilot.yaml, plus the team chat as its notify hook (ready steps, and relctl remind).
PLAYBOOK="$WORK/tinypilot.yaml"
python3 - "$ROOT/playbooks/tinypilot.yaml" "$PLAYBOOK" <<'PY'
import sys
text = open(sys.argv[1]).read()
chat = ('\nnotify: team-chat\nhooks:\n  team-chat:\n    url: "${TEAM_CHAT_URL}"\n'
        '    body: {text: "{{release.name}} {{release.version}}: {{ready.message}}"}\n    retries: 1\n\n')
open(sys.argv[2], "w").write(text.replace("\nhooks:\n", chat, 1))
PY

# A local mail server standing in for the list's provider: STARTTLS with a
# throwaway CA (relctl trusts it through SSL_CERT_FILE), then AUTH.
"$ROOT/scripts/make-ca.sh" "$WORK/ca"
python3 -u "$ROOT/scripts/demo-mail-server.py" "$WORK/ca/server.pem" "$WORK/ca/server.key" announce demo-mail-password \
	>"$WORK/mail.out" 2>"$WORK/mail.err" &
MAIL_PID=$!
for _ in $(seq 50); do [ -s "$WORK/mail.out" ] && break; sleep 0.1; done
export MAILER_SMTP_URL="smtp://announce:demo-mail-password@127.0.0.1:$(head -1 "$WORK/mail.out")"
export SSL_CERT_FILE="$WORK/ca/ca.pem"

cd "$WORK/cristina"
say "The playbook: 25 steps in three phases, each with an owner role"
"$RELCTL" lint "$PLAYBOOK"
"$RELCTL" playbook show "$PLAYBOOK" | head -18

say "Cristina, the release manager, sets up the ledger and starts 2.6.3"
at 2024-03-11T09:00:00Z
run cristina init --playbook "$PLAYBOOK"
run cristina start 2.6.3
run cristina next

say "Devs build the release candidate and update the test plan (the device tests' checklists); Shalom shadows the build to learn it"
at 2024-03-11T09:30:00Z
run jan claim build-rc
run shalom shadow build-rc
run jan claim update-test-plan
run jan checklist add test-voyager "Static IP: the old address redirects to the new one" --id static-ip-redirect \
	--evidence required --review dev
run jan checklist remove test-diy pi3-notice --reason "Pi 3 support ended in 2.6.0; its notice has an e2e test"
at 2024-03-11T10:40:00Z
run jan done build-rc --note "rc1: tinypilot-pro-2.6.3-rc1.img" --evidence https://ci.example.com/builds/2631
run jan done update-test-plan --note "added the static IP redirect; the static-IP items are reviewed by a dev"
run shalom claim draft-changelog
run shalom done draft-changelog --evidence https://github.com/example/tinypilot-pro/pull/1700
run cristina review draft-changelog approve --note "reads well"

say "David (support) works on his own laptop: relctl sync picks up the team's ledger"
cd "$WORK/david"
run david sync
run david next
at 2024-03-11T13:00:00Z
run david claim test-voyager
run david check test-voyager boot pass --note "62 s to the login page"
run david check test-voyager video-1080p pass --evidence https://videos.example.com/voyager-rc1.mp4#t=3m10s
run david done test-voyager --evidence https://videos.example.com/voyager-rc1.mp4 || true   # 23 items have no result yet
# Support sees the page load at the new address, as the seed's team did, and passes it.
run david check test-voyager static-ip-reach pass --evidence https://videos.example.com/voyager-rc1.mp4#t=40
run david check test-voyager wake-on-lan na --note "the bench target has no Wake on LAN"
pass_rest david test-voyager https://videos.example.com/voyager-rc1.mp4
run david check test-voyager | head -6
run david done test-voyager --note "all items pass; Wake on LAN n/a" --evidence https://videos.example.com/voyager-rc1.mp4
run maria claim test-update
run david claim test-update || true   # two people, one step: exactly one holds it
pass_rest maria test-update https://videos.example.com/update-rc1.mp4
run maria done test-update --evidence https://videos.example.com/update-rc1.mp4
run maria claim test-diy
pass_rest maria test-diy https://videos.example.com/diy-rc1.mp4
run maria done test-diy --evidence https://videos.example.com/diy-rc1.mp4

say "A dev watches the footage of the static-IP items: an error page for a few seconds"
cd "$WORK/cristina"
run jan sync
at 2024-03-11T15:00:00Z
run jan next | sed -n '/You can review/,/^$/p'
run jan review test-voyager approve --item static-ip-save --note "the settings page names the new address"
run jan review test-voyager reject --item static-ip-reach --note "at 0:42 the browser shows 'site can't be reached' before the new IP loads"

say "David records the fail: it opens a finding, linked to the item, with the footage"
cd "$WORK/david"
run david sync
run david check test-voyager static-ip-reach fail --note "Static IP change shows 'site can't be reached' for a few seconds" \
	--evidence https://videos.example.com/voyager-rc1.mp4#t=42
F=$(git show relctl-ledger:releases/2.6.3.json | jq -r '.findings[0].id')
run david finding list
run jan finding update "$F" --estimate 4h --risk low --note "redirect before the old address goes away"
run david finding update "$F" --impact "Users trying the new static IP feature see a scary error; likely support tickets"
run david done test-voyager --note "static IP error screen, finding $F" --evidence https://videos.example.com/voyager-rc1.mp4
approve_rest shalom test-voyager
approve_rest jan test-update
approve_rest jan test-diy
run shalom claim run-e2e-tests
pass_rest shalom run-e2e-tests https://ci.example.com/e2e/981
run shalom done run-e2e-tests --evidence https://ci.example.com/e2e/981
run lena claim draft-announcement
run lena done draft-announcement --evidence https://docs.example.com/whats-new-2.6.3
run jan review draft-announcement approve
run cristina claim review-test-results
run cristina done review-test-results --note "all passed except the static IP finding"

say "Every team gives its input; Michael, the product owner, reads the brief and decides"
run jan input --note "The fix is small (4h) and low risk; rc2 could be tested tomorrow"
run david input --note "Static IP is the headline feature of this release; an error page there would cost trust"
run michael next
run michael brief
run michael decide delay --reason "The error screen undermines the feature we announce; fix it in rc2"

say "rc2: the reopened steps run again; Jan is pulled away and hands the build to Shalom, who shadowed rc1's"
at 2024-03-12T09:00:00Z
run jan claim build-rc
run jan handover build-rc shalom --note "the redirect fix is merged on release-2.6.3; run 'make release-rc' and sign the image"
run shalom next | sed -n '1,4p'
at 2024-03-12T10:00:00Z
run shalom done build-rc --note "rc2 with the redirect fix" --evidence https://ci.example.com/builds/2640
run jan finding update "$F" --close --note "fixed in rc2"
for s in test-voyager test-update test-diy; do run maria claim $s; done

say "A day later the device tests are overdue: cron runs 'relctl remind' and the team chat hears of it"
at 2024-03-13T11:00:00Z
run cristina status | grep overdue
run cristina remind
grep -F "overdue by" "$WORK/chat.out"
run cristina remind   # every ten minutes from cron: each reminder once a day
for s in test-voyager test-update test-diy; do
	pass_rest maria $s "https://videos.example.com/$s-rc2.mp4"
	run maria done $s --evidence "https://videos.example.com/$s-rc2.mp4"
	approve_rest jan $s
done
run shalom claim run-e2e-tests
pass_rest shalom run-e2e-tests https://ci.example.com/e2e/990
run shalom done run-e2e-tests --evidence https://ci.example.com/e2e/990
run cristina claim review-test-results
run cristina done review-test-results --note "rc2 clean"
run jan input --note "Fix verified on all three devices"
run david input --note "Static IP now switches without an error page"
run michael decide ship --reason "rc2 fixes the static IP error screen; ship it"
run david show test-voyager | grep -E '^Checklist|static-ip-reach'

say "Publishing: hooks post the changelog to the CMS (a local receiver here)"
cd "$WORK/cristina"
run cristina sync
at 2024-03-13T14:00:00Z
run cristina run publish-changelog --dry-run
run cristina run publish-changelog
sed -n '2,$p' "$WORK/receiver.out"
run jan claim publish-release
run jan done publish-release --evidence https://github.com/example/tinypilot-pro/releases/tag/2.6.3
run david claim verify-update
run david done verify-update --evidence https://videos.example.com/update-2.6.3.mp4
run cristina claim announce-team
run cristina done announce-team
run jan claim add-image-hashes
run jan done add-image-hashes
run maria claim monitor-bugs
at 2024-03-14T14:00:00Z
run maria done monitor-bugs || true
at 2024-03-15T14:05:00Z
run maria done monitor-bugs --note "two tickets, neither about 2.6.3"

say "Announcing: the blog post goes out through a hook, the mailing list by email"
run jan claim publish-community
run jan done publish-community --evidence https://github.com/example/tinypilot/releases/tag/2.6.3
run lena run publish-blog
sed -n '3,$p' "$WORK/receiver.out"
run lena run send-mailing-list --dry-run
run lena run send-mailing-list
sed -n '2,$p' "$WORK/mail.out"
for s in share-eu-distributor update-playbook-links; do run david claim $s; run david done $s; done
run cristina claim share-manufacturer
run cristina done share-manufacturer --evidence https://mail.example.com/thread/42
run lena claim share-twitter
run lena done share-twitter --evidence https://twitter.example.com/tinypilot/status/1

say "The record: status, the audit trail in git, and verify"
run cristina status
run cristina log 2.6.3 --json | jq -r '.[-4:][] | "\(.time) \(.actor) \(.op) \(.step)"'
git --no-pager log -6 --format='%h %an: %s' relctl-ledger
git show relctl-ledger:releases/2.6.3.json | jq -c '{status, candidate, decisions: [.decisions[] | {candidate, decision, by}]}'
run cristina verify
run cristina stats | sed -n '/^Shadowing/,$p'
REPORT="${RELCTL_DEMO_REPORT:-/tmp/relctl-2.6.3-report.html}"
run cristina report 2.6.3 --format html --output "$REPORT"
printf '\n%sDemo done.%s The ledger lived in %s (removed now); the release report is %s.\n' "$B" "$R" "$WORK" "$REPORT"
