#!/usr/bin/env bats
# Mail hooks against a real mail server: tests/e2e/smtp-server.py (aiosmtpd)
# on 127.0.0.1, with STARTTLS on a throwaway CA's certificate and AUTH PLAIN
# and LOGIN, records every transaction (what it was told, the message as it
# arrived) and refuses as each test scripts it (451, 550, 554...).  The
# messages are read back with Python's email parser.
#
# TinyPilot's release 2.6.3 is played once per file to its announcing
# phase (the changelog and blog posts skipped: they are HTTP, 40-hooks.bats),
# so that send-mailing-list is ready, and copied into every test.  The mail
# account's password is random; every test ends by checking it is nowhere in
# an output, the ledger or git.

load helper
load hooks

SMTP_SERVER="$BATS_TEST_DIRNAME/smtp-server.py"
LIST=tinypilot-announce@lists.tinypilotkvm.com

setup_file() {
	export SMTP_PASSWORD="pw-$(random_secret)"
	export RELCTL_HOOK_BACKOFF_MS=20
	export RELCTL_NOW="2024-03-19T10:00:00Z"
	export FIXTURES="$BATS_FILE_TMPDIR"
	make_ca "$FIXTURES/ca"
	[ -f "$FIXTURES/ca/server.pem" ]
	unset RELCTL_USER SSL_CERT_FILE
	play_to_publishing "$FIXTURES/publishing"
	play_to_announcing "$FIXTURES/publishing"
}

# From the publishing phase to send-mailing-list ready, in DIR.
play_to_announcing() { # DIR
	cd "$1" || return 1
	{
		as cristina skip publish-changelog --reason "posted by hand (40-hooks.bats sends it)"
		as jan claim publish-release && as jan done publish-release --evidence https://updates.example.com/2.6.3
		as david claim verify-update && as david done verify-update --evidence https://videos.example.com/u
		as cristina claim announce-team && as cristina done announce-team
		as jan claim add-image-hashes && as jan done add-image-hashes
		as david claim monitor-bugs
		RELCTL_NOW=2024-03-21T10:05:00Z as david done monitor-bugs
		RELCTL_NOW=2024-03-21T10:05:00Z as cristina skip publish-blog --reason "posted by hand"
	} >>"$1.log" 2>&1 || return 1
	[ "$(ledger "$V" | jq -r '.steps["send-mailing-list"].state')" = ready ] || return 1
	# A line that is not ASCII: the mail goes out quoted-printable.
	printf '%s\n' '' 'Grüße from the team ✓' >>"announcements/$V.md"
}

setup() {
	TEST_TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/relctl-smtp.XXXXXX")"
	export RELCTL_NOW="2024-03-21T11:00:00Z"
	export SSL_CERT_FILE="$FIXTURES/ca/ca.pem"
	export SMTP_SERVER_PASSWORD="$SMTP_PASSWORD"
	unset RELCTL_USER NO_COLOR
	: >"$TEST_TMP/outputs"
}

teardown() {
	stop_servers
	cleanup_repo
}

# ---------- the mail server ----------

# mailserver ARGS...: smtp-server.py on a free port (stopped by teardown); sets SMTP_PORT.
mailserver() {
	local dir="$TEST_TMP/mx" i
	mkdir -p "$dir"
	rm -f "$dir/port" "$dir/log"
	/usr/bin/python3 "$SMTP_SERVER" --port-file "$dir/port" --log "$dir/log" "$@" \
		>"$dir/stdout" 2>"$dir/stderr" 3>&- &
	started $!
	for i in $(seq 100); do
		if [ -s "$dir/port" ]; then
			SMTP_PORT=$(cat "$dir/port")
			return 0
		fi
		sleep 0.05
	done
	echo "the mail server did not start: $(cat "$dir/stderr")"
	return 1
}

# The list's provider: STARTTLS required, then AUTH as announce; MAILER_SMTP_URL points at it.
provider() { # [ARGS...] (--script ANSWERS, --auth-mechanism M)
	mailserver --tls "$FIXTURES/ca/server.pem" "$FIXTURES/ca/server.key" \
		--user announce --password-env SMTP_SERVER_PASSWORD "$@" || return 1
	export MAILER_SMTP_URL="smtp://announce:$SMTP_PASSWORD@127.0.0.1:$SMTP_PORT"
}

# mx FILTER: jq over the server's transactions as one array.
mx() {
	jq -s -r "$1" "$TEST_TMP/mx/log"
}

# The number of transactions that reached the server, and of messages it received.
attempts() { mx length; }
received() { mx '[.[] | select(.data != null)] | length'; }

# mail N WHAT: the Nth (from 0) message received, read with Python's email
# parser: a header (decoded), "body" (decoded, the wire's CRLFs as newlines, as
# a mail client shows it), "type" (content type and charset), "date-fresh"
# (its Date within 5 minutes of this machine's clock) or "defects" (what the
# parser objected to).
mail() {
	/usr/bin/python3 - "$TEST_TMP/mx/log" "$1" "$2" <<'PY'
import email, email.policy, email.utils, json, sys, time
entries = [json.loads(line) for line in open(sys.argv[1])]
data = [e["data"] for e in entries if e["data"] is not None][int(sys.argv[2])]
msg = email.message_from_bytes(data.encode("utf-8"), policy=email.policy.default)
what = sys.argv[3]
if what == "body":
    sys.stdout.write(msg.get_content().replace("\r\n", "\n"))
elif what == "type":
    print("%s; charset=%s" % (msg.get_content_type(), msg.get_content_charset()))
elif what == "date-fresh":
    print(abs(time.time() - email.utils.parsedate_to_datetime(msg["Date"]).timestamp()) < 300)
elif what == "defects":
    print(sum(len(part.defects) for part in msg.walk()))
else:
    print(msg[what] if msg[what] is not None else "(none)")
PY
}

# The message ids of every message received, one per line.
message_ids() {
	local i
	for i in $(seq 0 $(($(received) - 1))); do
		mail "$i" Message-ID
	done
}

no_password_anywhere() {
	secrets_absent "$SMTP_PASSWORD" ${EXTRA_SECRETS:-}
}

# ---------- the TinyPilot mailing list ----------

@test "send-mailing-list emails the announcement over STARTTLS and AUTH: headers, recipients, body and Message-ID as Python's parser reads them; done in the ledger" {
	publishing # (its copy is at the announcing phase)
	provider
	relrun lena run send-mailing-list
	expect 0
	[[ "$output" == *"sending mail to 1 recipient through smtp://***@127.0.0.1:$SMTP_PORT (Message-ID <msg_"* ]]
	[ "$(attempts)" -eq 1 ]
	[ "$(received)" -eq 1 ]
	# The envelope: over TLS, logged in, from the sender to the list.
	[ "$(mx '.[0].tls')" = true ]
	[ "$(mx '.[0].auth')" = announce ]
	[ "$(mx '.[0].mail_from')" = releases@tinypilotkvm.com ]
	[ "$(mx '.[0].rcpt_tos | join(",")')" = "$LIST" ]
	# The message.
	[ "$(mail 0 defects)" -eq 0 ]
	[ "$(mail 0 From)" = "TinyPilot <releases@tinypilotkvm.com>" ]
	[ "$(mail 0 To)" = "$LIST" ]
	[ "$(mail 0 Reply-To)" = support@tinypilotkvm.com ]
	[ "$(mail 0 Subject)" = "What's new in TinyPilot Pro $V" ]
	[ "$(mail 0 MIME-Version)" = 1.0 ]
	[ "$(mail 0 type)" = "text/plain; charset=utf-8" ]
	[ "$(mail 0 Content-Transfer-Encoding)" = quoted-printable ]
	# Dated by the wall clock, not RELCTL_NOW's 2024.
	[ "$(mail 0 date-fresh)" = True ]
	mail 0 body >"$TEST_TMP/body"
	cmp "$TEST_TMP/body" "announcements/$V.md"
	# The Message-ID is the webhook-id at the sender's domain.
	id=$(step send-mailing-list hook.webhook_id)
	[[ "$id" =~ ^msg_[0-9a-f]{32}$ ]]
	[ "$(mail 0 Message-ID)" = "<$id@tinypilotkvm.com>" ]
	# The ledger: done by lena, what was sent, the server's answer, no password.
	[ "$(step send-mailing-list state)" = done ]
	[ "$(step send-mailing-list done_by)" = lena ]
	[ "$(step send-mailing-list hook.method)" = SMTP ]
	[ "$(step send-mailing-list hook.url)" = "smtp://***@127.0.0.1:$SMTP_PORT" ]
	[ "$(step send-mailing-list hook.message_id)" = "<$id@tinypilotkvm.com>" ]
	[ "$(step send-mailing-list hook.outcome)" = delivered ]
	[ "$(step send-mailing-list hook.status)" -eq 250 ]
	[ "$(step send-mailing-list hook.response)" = "250 2.0.0 OK" ]
	[ "$(step send-mailing-list 'hook.attempts | map(.status) | join(",")')" = 250 ]
	[ "$(ledger "$V" | jq -r '.events[-1].time')" = "$RELCTL_NOW" ]
	schema_valid
	no_password_anywhere
}

@test "AUTH PLAIN and AUTH LOGIN each log in, over TLS only" {
	local mechanism
	for mechanism in PLAIN LOGIN; do
		publishing
		provider --auth-mechanism "$mechanism"
		relrun lena run send-mailing-list
		expect 0
		[ "$(mx '.[0].auth_mechanism')" = "$mechanism" ]
		[ "$(mx '.[0].tls')" = true ]
		[ "$(received)" -eq 1 ]
		no_password_anywhere
		stop_servers
		: >"$TEST_TMP/pids"
		cd / && rm -rf "$REPO"
	done
}

@test "--dry-run prints the envelope and the whole message with the password masked, and sends nothing" {
	publishing
	provider
	sum=$(ledger_sum)
	relrun lena run send-mailing-list --dry-run
	expect 0
	[[ "${lines[0]}" == "SMTP smtp://***@127.0.0.1:$SMTP_PORT (STARTTLS required)" ]]
	[ "${lines[1]}" = "MAIL FROM:<releases@tinypilotkvm.com>" ]
	[ "${lines[2]}" = "RCPT TO:<$LIST>" ]
	[[ "$output" == *$'\nDate: '*$'\nFrom: TinyPilot <releases@tinypilotkvm.com>\nTo: '"$LIST"$'\nReply-To: support@tinypilotkvm.com\nSubject: What\'s new in TinyPilot Pro 2.6.3\nMessage-ID: <msg_'* ]]
	[[ "$output" == *$'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n# What\'s new in TinyPilot Pro 2.6.3\n'* ]]
	[[ "$output" == *"Gr=C3=BC=C3=9Fe from the team =E2=9C=93"* ]]
	[[ "$output" == *"(dry run: nothing was sent and the ledger is unchanged)" ]]
	[[ "$output" != *$'\r'* ]]
	[ "$(attempts)" -eq 0 ]
	[ "$(ledger_sum)" = "$sum" ]
	# The password is really in the url given: the mask had something to hide.
	[[ "$MAILER_SMTP_URL" == *"$SMTP_PASSWORD"* ]]
	no_password_anywhere
}

# ---------- refusals ----------

@test "a transient 451 is retried with the same Message-ID and then delivered: two transactions at the server, both attempts in the ledger" {
	publishing
	provider --script data=451
	relrun lena run send-mailing-list
	expect 0
	[ "$(attempts)" -eq 2 ]
	[ "$(received)" -eq 2 ]
	[ "$(mx '[.[].answer] | map(tostring) | join(",")')" = 451,250 ]
	[ "$(message_ids | sort -u | wc -l)" -eq 1 ]
	[ "$(message_ids | head -1)" = "$(step send-mailing-list hook.message_id)" ]
	[ "$(step send-mailing-list 'hook.attempts | map(.status | tostring) | join(",")')" = 451,250 ]
	[ "$(step send-mailing-list state)" = done ]
	no_password_anywhere
}

@test "4xx on every attempt gives up after retries+1 transactions: exit 69, recorded failed, the step stays claimed; the re-run carries the same Message-ID" {
	publishing
	provider --script mail=421,rcpt=450,data=452
	relrun lena run send-mailing-list
	expect 69
	[[ "$output" == *"send-mailing-list: the mail server answered SMTP 452 after 3 attempts: 452 4.3.1 Insufficient system storage"* ]]
	[ "$(attempts)" -eq 3 ]
	[ "$(mx '[.[] | "\(.stage)=\(.answer)"] | join(",")')" = mail=421,rcpt=450,data=452 ]
	[ "$(step send-mailing-list state)" = claimed ]
	[ "$(step send-mailing-list hook.outcome)" = failed ]
	[ "$(step send-mailing-list hook.status)" -eq 452 ]
	first=$(mail 0 Message-ID)
	# Later the server takes it: the re-run is the same message.
	relrun lena run send-mailing-list
	expect 0
	[ "$(received)" -eq 2 ]
	[ "$(mail 1 Message-ID)" = "$first" ]
	[ "$(step send-mailing-list state)" = done ]
	schema_valid
	no_password_anywhere
}

@test "a 554 refusal of the message is not retried: one transaction, exit 69; the re-run and a --force resend carry the same Message-ID" {
	publishing
	provider --script data=554
	relrun lena run send-mailing-list
	expect 69
	[[ "$output" == *"the mail server answered SMTP 554 after 1 attempt: 554 5.7.1"* ]]
	[ "$(attempts)" -eq 1 ]
	[ "$(step send-mailing-list state)" = claimed ]
	[ "$(step send-mailing-list 'hook.attempts | length')" -eq 1 ]
	relrun lena run send-mailing-list
	expect 0
	relrun lena run send-mailing-list --force
	expect 0
	[ "$(received)" -eq 3 ]
	[ "$(message_ids | sort -u | wc -l)" -eq 1 ]
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "hook") | .result.message_id] | unique | length')" -eq 1 ]
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "hook") | .result.status] | map(tostring) | join(",")')" = 554,250,250 ]
	no_password_anywhere
}

@test "a refused recipient (550) is not retried and no message is sent" {
	publishing
	provider --script rcpt=550
	relrun lena run send-mailing-list
	expect 69
	[[ "$output" == *"SMTP 550 after 1 attempt: 550 5.1.1 Mailbox unavailable"* ]]
	[ "$(attempts)" -eq 1 ]
	[ "$(received)" -eq 0 ]
	[ "$(step send-mailing-list hook.outcome)" = failed ]
	no_password_anywhere
}

@test "a wrong password is refused with 535 once, not retried, and shown nowhere" {
	publishing
	export SMTP_SERVER_PASSWORD="the-server-wants-this-one"
	provider
	relrun lena run send-mailing-list
	expect 69
	[[ "$output" == *"SMTP 535 after 1 attempt: 535 5.7.8 Authentication credentials invalid"* ]]
	[ "$(mx '[.[].stage] | join(",")')" = auth ]
	[ "$(received)" -eq 0 ]
	[ "$(step send-mailing-list hook.status)" -eq 535 ]
	EXTRA_SECRETS="$SMTP_SERVER_PASSWORD" no_password_anywhere
}

# ---------- TLS ----------

@test "a server that does not offer STARTTLS gets nothing: no login, no message, a clear error; the password stays home" {
	publishing
	mailserver
	export MAILER_SMTP_URL="smtp://announce:$SMTP_PASSWORD@127.0.0.1:$SMTP_PORT"
	relrun lena run send-mailing-list
	expect 69
	[[ "$output" == *"does not offer STARTTLS"* ]]
	[[ "$output" == *'"tls: none" allows a local relay'* ]]
	[ "$(attempts)" -eq 0 ]
	[ "$(step send-mailing-list hook.outcome)" = failed ]
	[ "$(step send-mailing-list hook.response)" = "" ]
	no_password_anywhere
}

# The lab: release 1.0 of a playbook with a relay (tls: none), an smtps
# server and a slow one, each from ${ENV}.
lab() {
	fresh_repo || return 1
	cat >"$TEST_TMP/lab.yaml" <<'EOF'
relctl: 1
name: Mail lab
roles: [release-manager]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
hooks:
  relay:
    url: "${LAB_RELAY_URL}"
    tls: none
    mail: {from: releases@lab.example, to: [list@lab.example], cc: [Cristina <cristina@example.com>], subject: "{{release.version}}"}
    body: "Release {{release.version}}"
    retries: 0
  implicit:
    url: "${LAB_SMTPS_URL}"
    mail: {from: releases@lab.example, to: list@lab.example, subject: "{{release.version}}"}
    body: "Release {{release.version}}"
    retries: 1
  slow:
    url: "${LAB_SMTPS_URL}"
    mail: {from: releases@lab.example, to: list@lab.example, subject: slow}
    body: "Release {{release.version}}"
    timeout: 1s
    retries: 0
phases:
  - id: only
    steps:
      - {id: relay, title: Mail the relay, kind: hook, hook: relay, owner: release-manager, instructions: Run it.}
      - {id: implicit, title: Mail over smtps, kind: hook, hook: implicit, owner: release-manager, instructions: Run it.}
      - {id: slow, title: Mail a slow server, kind: hook, hook: slow, owner: release-manager, instructions: Run it.}
EOF
	relctl init --playbook "$TEST_TMP/lab.yaml" >/dev/null
	relctl start 1.0 >/dev/null
}

lab_step() { # ID FIELD
	ledger 1.0 | jq -r ".steps[\"$1\"].$2"
}

@test "tls: none sends to a local relay in the clear, To and Cc as recipients" {
	lab
	mailserver
	export LAB_RELAY_URL="smtp://127.0.0.1:$SMTP_PORT"
	relrun cristina run relay
	expect 0
	[ "$(mx '.[0].tls')" = false ]
	[ "$(mx '.[0].rcpt_tos | join(",")')" = list@lab.example,cristina@example.com ]
	[ "$(mail 0 Cc)" = "Cristina <cristina@example.com>" ]
	[ "$(mail 0 body)" = "Release 1.0" ]
	[ "$(lab_step relay hook.outcome)" = delivered ]
}

@test "smtps:// speaks TLS from the start, verified with SSL_CERT_FILE; without the CA the certificate is refused once, nothing sent" {
	lab
	mailserver --smtps --tls "$FIXTURES/ca/server.pem" "$FIXTURES/ca/server.key" --user announce --password-env SMTP_SERVER_PASSWORD
	export LAB_SMTPS_URL="smtps://announce:$SMTP_PASSWORD@127.0.0.1:$SMTP_PORT"
	unset SSL_CERT_FILE
	relrun cristina run implicit
	expect 69
	[[ "$output" == *"not delivered after 1 attempt"* ]]
	[ "$(attempts)" -eq 0 ]
	export SSL_CERT_FILE="$FIXTURES/ca/ca.pem"
	relrun cristina run implicit
	expect 0
	[ "$(mx '.[0].tls')" = true ]
	[ "$(mx '.[0].auth')" = announce ]
	[ "$(lab_step implicit hook.status)" -eq 250 ]
	no_password_anywhere
}

@test "a server slower than the timeout: outcome unknown, the step stays claimed; the re-run carries the same Message-ID" {
	lab
	mailserver --smtps --tls "$FIXTURES/ca/server.pem" "$FIXTURES/ca/server.key" --script slow=2.5
	export LAB_SMTPS_URL="smtps://127.0.0.1:$SMTP_PORT"
	relrun cristina run slow
	expect 69
	[[ "$output" == *"may have arrived"* ]]
	[ "$(lab_step slow hook.outcome)" = unknown ]
	[ "$(lab_step slow state)" = claimed ]
	relrun cristina run slow
	[ "$(received)" -eq 2 ]
	[ "$(message_ids | sort -u | wc -l)" -eq 1 ]
}
