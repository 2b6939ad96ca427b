#!/usr/bin/env bats
# Hooks against a real server: tests/e2e/receiver.py on 127.0.0.1 records
# every request, checks its signature with its own HMAC code and answers as
# each test scripts it (500, 503 with Retry-After, 429, 401, 410, a redirect,
# a slow answer, a dropped connection).
#
# The TinyPilot release 2.6.3 is played once per file to its publishing
# phase (testing done, inputs given, michael decided ship) and copied into
# every test; hook edge cases the TinyPilot playbook cannot reach (a 1 s
# timeout, a private CA, a typo in a template, GitHub signing) use a small
# "lab" playbook.  Every relctl output is kept, and the tests end by checking
# that no token or signing secret reached an output, the ledger or git.

load helper
load hooks

setup_file() {
	export TINYPILOT_CMS_TOKEN="cms-$(random_secret)"
	export TINYPILOT_CMS_SIGNING_SECRET="whsec_$(head -c 24 /dev/urandom | base64)"
	export LAB_GITHUB_SECRET="gh-$(random_secret)"
	export RELCTL_HOOK_BACKOFF_MS=20
	export RELCTL_NOW="2024-03-19T10:00:00Z"
	export FIXTURES="$BATS_FILE_TMPDIR"
	make_ca "$FIXTURES/ca"
	[ -f "$FIXTURES/ca/server.pem" ]
	unset RELCTL_USER
	play_to_publishing "$FIXTURES/publishing"
}

setup() {
	TEST_TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/relctl-hooks.XXXXXX")"
	export RELCTL_NOW="2024-03-19T10:00:00Z"
	unset RELCTL_USER NO_COLOR
	: >"$TEST_TMP/outputs"
	receiver cms --secret-env TINYPILOT_CMS_SIGNING_SECRET --github-secret-env LAB_GITHUB_SECRET --dedupe
	export TINYPILOT_CMS_URL="http://127.0.0.1:$(port cms)"
}

teardown() {
	stop_servers
	cleanup_repo
}

# ---------- relctl ----------

# refused_unsent VERSION CODE TEXT PERSON ARGS...: relctl, run as PERSON,
# exits CODE saying TEXT, and nothing was sent (no new delivery to cms) or
# recorded (VERSION's ledger as it was).
refused_unsent() {
	local version=$1 code=$2 text=$3 sum sent
	shift 3
	sum=$(ledger_sum "$version")
	sent=$(deliveries cms)
	relrun "$@"
	expect "$code" || return 1
	[[ "$output" == *"$text"* ]] || { echo "wanted \"$text\" in: $output"; return 1; }
	[ "$(deliveries cms)" -eq "$sent" ] || { echo "something was sent"; return 1; }
	[ "$(ledger_sum "$version")" = "$sum" ] || { echo "the ledger changed"; return 1; }
}

# No token or signing secret of this suite in git or any output.
no_secret_anywhere() {
	secrets_absent "$TINYPILOT_CMS_TOKEN" "$LAB_GITHUB_SECRET" \
		"$TINYPILOT_CMS_SIGNING_SECRET" "${TINYPILOT_CMS_SIGNING_SECRET#whsec_}" ${EXTRA_SECRETS:-}
}

# The lab: a release 1.0 of a small playbook whose hooks go to the same
# receivers, each step held by a release manager.
lab() {
	fresh_repo || return 1
	cat >"$TEST_TMP/lab.yaml" <<EOF
relctl: 1
name: Hook lab
roles: [release-manager, dev]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: shalom, name: Shalom, email: shalom@example.com, roles: [dev]}
hooks:
  notes:
    url: "\${TINYPILOT_CMS_URL}/lab/notes"
    body: "Release {{release.version}}"
  slow:
    url: "\${TINYPILOT_CMS_URL}/lab/slow"
    body: {version: "{{release.version}}"}
    secret_env: TINYPILOT_CMS_SIGNING_SECRET
    timeout: 1s
    retries: 0
  typo:
    url: "\${TINYPILOT_CMS_URL}/lab/typo"
    headers: {Authorization: "Bearer \${TINYPILOT_CMS_TOKEN}"}
    body: {version: "{{release.verison}}"}
    secret_env: TINYPILOT_CMS_SIGNING_SECRET
  private-ca:
    url: "\${LAB_TLS_URL}/lab/tls"
    body: {version: "{{release.version}}"}
    secret_env: TINYPILOT_CMS_SIGNING_SECRET
    ca_file: "$FIXTURES/ca/ca.pem"
    retries: 1
  system-ca:
    url: "\${LAB_TLS_URL}/lab/tls"
    body: {version: "{{release.version}}"}
    secret_env: TINYPILOT_CMS_SIGNING_SECRET
    retries: 1
  elsewhere:
    url: "\${LAB_OTHER_URL}"
    body: {version: "{{release.version}}"}
  github:
    url: "\${TINYPILOT_CMS_URL}/lab/github"
    body: "{{release.name}} {{release.version}}"
    content_type: text/markdown
    secret_env: LAB_GITHUB_SECRET
    signing: github
phases:
  - id: only
    steps:
      - {id: post-slow, title: Post slowly, kind: hook, hook: slow, owner: release-manager, instructions: Run it.}
      - {id: post-typo, title: Post a typo, kind: hook, hook: typo, owner: release-manager, instructions: Run it.}
      - {id: post-private-ca, title: Post over TLS, kind: hook, hook: private-ca, owner: release-manager, instructions: Run it.}
      - {id: post-system-ca, title: Post over TLS, kind: hook, hook: system-ca, owner: release-manager, instructions: Run it.}
      - {id: post-elsewhere, title: Post elsewhere, kind: hook, hook: elsewhere, owner: release-manager, instructions: Run it.}
      - {id: post-github, title: Post to GitHub, kind: hook, hook: github, owner: release-manager, instructions: Run it.}
      - {id: post-notes, title: Post the notes, kind: hook, hook: notes, owner: dev, instructions: Run it.}
EOF
	relctl init --playbook "$TEST_TMP/lab.yaml" >/dev/null
	relctl start 1.0 >/dev/null
}

lab_step() { # ID FIELD
	ledger 1.0 | jq -r ".steps[\"$1\"].$2"
}

# ---------- notifications ----------

# A release 1.0 of a playbook whose notify hook posts to the receiver "chat".
notifying() {
	receiver chat
	export CHAT_URL="http://127.0.0.1:$(port chat)"
	fresh_repo || return 1
	cat >"$TEST_TMP/notify.yaml" <<EOF
relctl: 1
name: Notify lab
roles: [release-manager, dev, support]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: shalom, name: Shalom, email: shalom@example.com, roles: [dev]}
  - {id: lena, name: Lena, email: lena@example.com, roles: [support]}
notify: chat
hooks:
  chat:
    url: "\${CHAT_URL}/chat"
    body: {text: "{{release.version}}: {{ready.message}}", steps: "{{ready.steps}}"}
    retries: 0
  announce:
    url: "\${CHAT_URL}/announce"
    body: "{{release.version}} is out"
phases:
  - id: only
    steps:
      - {id: build, title: Build, owner: dev, instructions: Build it.}
      - {id: test, title: Test, owner: support, needs: [build], instructions: Test it.}
      - {id: announce, title: Announce, kind: hook, hook: announce, owner: release-manager, needs: [test], instructions: Run it.}
      - {id: wrap-up, title: Wrap up, owner: release-manager, needs: [announce], instructions: Close it.}
EOF
	relctl init --playbook "$TEST_TMP/notify.yaml" >/dev/null
}

chat() { # FILTER over the notifications (path /chat) only
	jq -s -r "[.[] | select(.path == \"/chat\")] | $1" "$TEST_TMP/rx/chat/log"
}

@test "notify: each change that makes steps ready posts who can take them, after the commit; a run that makes steps ready too" {
	notifying
	relrun cristina start 1.0
	expect 0
	[[ "$output" == *"notified chat"* ]]
	[ "$(chat length)" -eq 1 ]
	[ "$(chat '.[0].body | fromjson | .text')" = "1.0: build is ready for a dev (jan, shalom): relctl claim build" ]
	[ "$(chat '.[0].body | fromjson | .steps')" = build ]

	relrun jan claim build
	expect 0
	[ "$(chat length)" -eq 1 ] # nothing became ready
	relrun jan done build
	expect 0
	[ "$(chat length)" -eq 2 ]
	[ "$(chat '.[1].body | fromjson | .text')" = "1.0: test is ready for a support (lena): relctl claim test" ]
	as lena claim test >/dev/null
	as lena done test >/dev/null
	[ "$(chat '.[2].body | fromjson | .steps')" = announce ]

	# relctl run: the delivered hook makes wrap-up ready, and that is posted too.
	relrun cristina run announce
	expect 0
	[ "$(deliveries chat /announce)" -eq 1 ]
	[ "$(chat length)" -eq 4 ]
	[ "$(chat '.[3].body | fromjson | .text')" = "1.0: wrap-up is ready for a release-manager (cristina): relctl claim wrap-up" ]
	# Each notification has its own id; none of them is in the ledger.
	[ "$(chat '[.[].webhook_id] | unique | length')" -eq 4 ]
	[ "$(ledger 1.0 | jq '[.events[] | select(.op == "hook")] | length')" -eq 1 ]
}

@test "notify: a failed notification warns and never fails the change" {
	notifying
	script chat '/chat=500:echo'
	relrun cristina start 1.0
	expect 0
	[[ "$output" == *"warning: the chat notification was not delivered (HTTP 500)"* ]]
	[ "$(ledger 1.0 | jq -r '.steps.build.state')" = ready ]
	kill "$(tail -1 "$TEST_TMP/pids")" # the chat receiver
	wait "$(tail -1 "$TEST_TMP/pids")" 2>/dev/null || true
	relrun jan claim build
	expect 0
	relrun jan done build
	expect 0
	[[ "$output" == *"warning: the chat notification was not delivered: "*"onnect"* ]] || { echo "$output"; false; }
	[ "$(ledger 1.0 | jq -r '.steps.test.state')" = ready ]
	[ "$(git log --format=%s relctl-ledger | head -1)" = "jan finished build (1.0 rc1)" ]
}

# ---------- the receiver itself ----------

@test "the receiver's own HMAC code agrees with the Standard Webhooks and GitHub published vectors" {
	run python3 "$RECEIVER" --self-test
	[ "$status" -eq 0 ]
	[ "$output" = "receiver self-test: ok" ]
}

# ---------- the TinyPilot hooks ----------

# (The mailing-list step sends an email: tests/e2e/41-smtp.bats.)
@test "the changelog and blog steps of tinypilot.yaml are delivered once each, signed, and done in the ledger" {
	publishing

	relrun cristina run publish-changelog
	expect 0
	[[ "$output" == *"cristina claimed publish-changelog"* ]]
	[[ "$output" == *"delivered, HTTP 200"* ]]

	# The rest of the publishing phase and the 48-hour watch.
	as jan claim publish-release >/dev/null
	as jan done publish-release --evidence https://updates.example.com/2.6.3 >/dev/null
	as david claim verify-update >/dev/null
	as david done verify-update --evidence https://videos.example.com/update >/dev/null
	as cristina claim announce-team >/dev/null && as cristina done announce-team >/dev/null
	as jan claim add-image-hashes >/dev/null && as jan done add-image-hashes >/dev/null
	as david claim monitor-bugs >/dev/null
	export RELCTL_NOW="2024-03-21T10:05:00Z"
	as david done monitor-bugs >/dev/null
	[ "$(step publish-blog state)" = ready ]
	[ "$(step send-mailing-list state)" = pending ]

	relrun lena run publish-blog
	expect 0

	# One delivery per step, each verified with its own service's secret.
	[ "$(deliveries cms /api/changelog)" -eq 1 ]
	[ "$(deliveries cms /api/posts)" -eq 1 ]
	[ "$(deliveries cms)" -eq 2 ]
	[ "$(rx cms '[.[].verified] | all')" = true ]
	[ "$(rx cms '.[0].headers.authorization')" = "Bearer $TINYPILOT_CMS_TOKEN" ]

	# The ledger: done, by whom, with the webhook-id the receiver got.
	local s path rxname
	for s in publish-changelog:cms:/api/changelog publish-blog:cms:/api/posts; do
		IFS=: read -r s rxname path <<<"$s"
		[ "$(step "$s" state)" = done ]
		[ "$(step "$s" hook.outcome)" = delivered ]
		[ "$(step "$s" hook.status)" -eq 200 ]
		[ "$(step "$s" 'hook.attempts | length')" -eq 1 ]
		[ "$(step "$s" 'hook.attempts[0].status')" -eq 200 ]
		[ "$(step "$s" hook.method)" = POST ]
		[[ "$(step "$s" hook.url)" == *"$path" ]]
		[ "$(step "$s" hook.webhook_id)" = "$(rx "$rxname" ".[] | select(.path == \"$path\") | .webhook_id")" ]
		[ "$(rx "$rxname" ".[] | select(.path == \"$path\") | .headers[\"idempotency-key\"]")" = "$(step "$s" hook.webhook_id)" ]
		[ "$(rx "$rxname" ".[] | select(.path == \"$path\") | .headers[\"content-type\"]")" = application/json ]
	done
	[ "$(step publish-changelog done_by)" = cristina ]
	[ "$(step publish-blog done_by)" = lena ]
	# The blog post carries the announcement as written.
	jq -s -j '.[] | select(.path == "/api/posts") | .body | fromjson | .markdown' "$TEST_TMP/rx/cms/log" >"$TEST_TMP/post"
	cmp "$TEST_TMP/post" "announcements/$V.md"
	[ "$(rx cms '.[] | select(.path == "/api/posts") | .body | fromjson | .slug')" = "whats-new-$V" ]
	# Two steps, two distinct ids.
	[ "$(ledger "$V" | jq -r '[.steps[] | .hook.webhook_id? // empty] | unique | length')" -eq 2 ]
	# The hook events are by who ran them.
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "hook") | .actor] | join(",")')" = cristina,lena ]
	no_secret_anywhere
	schema_valid
}

@test "a hook body is JSON built by cJSON: the changelog's quotes, backslashes, newlines, tabs and {{...}} text arrive intact" {
	publishing
	relrun cristina run publish-changelog
	expect 0
	rx cms '.[0].body' | jq -e . >/dev/null
	[ "$(rx cms '.[0].body | fromjson | keys | join(",")')" = markdown,product,title,version ]
	[ "$(rx cms '.[0].body | fromjson | .version')" = "$V" ]
	[ "$(rx cms '.[0].body | fromjson | .title')" = "TinyPilot Pro $V" ]
	[ "$(rx cms '.[0].body | fromjson | .product')" = tinypilot-pro ]
	jq -s -j '.[0].body | fromjson | .markdown' "$TEST_TMP/rx/cms/log" >"$TEST_TMP/markdown"
	cmp "$TEST_TMP/markdown" "changelog/$V.md"
	grep -qF '{{release.version}} written in a changelog' "$TEST_TMP/markdown"
}

@test "500 then 503 with Retry-After are retried with the same webhook-id until the 200: three deliveries, three attempts recorded" {
	publishing
	script cms '/api/changelog=500,503:retry-after=1,200'
	relrun cristina run publish-changelog
	expect 0
	[ "$(deliveries cms /api/changelog)" -eq 3 ]
	[ "$(rx cms '[.[].answer] | map(tostring) | join(",")')" = 500,503,200 ]
	[ "$(rx cms '[.[].webhook_id] | unique | length')" -eq 1 ]
	[ "$(rx cms '[.[].verified] | all')" = true ]
	# The same message every time (one id, one body), each attempt stamped and
	# signed when it goes out, so receivers that refuse old timestamps accept retries.
	[ "$(rx cms '[.[].body] | unique | length')" -eq 1 ]
	[ "$(rx cms '[.[].headers["webhook-timestamp"] | tonumber] | (.[2] - .[0]) >= 1')" = true ]
	# Retry-After: 1 was honoured (the base backoff is 20 ms).
	[ "$(rx cms '(.[2].time - .[1].time) >= 0.95')" = true ]
	[ "$(step publish-changelog state)" = done ]
	[ "$(step publish-changelog hook.webhook_id)" = "$(rx cms '.[0].webhook_id')" ]
	[ "$(step publish-changelog 'hook.attempts | map(.status | tostring) | join(",")')" = 500,503,200 ]
	[ "$(step publish-changelog 'hook.attempts[1].retry_after')" -eq 1 ]
	no_secret_anywhere
}

@test "under RELCTL_NOW in 2024, webhook-timestamp is the wall clock of each attempt: the receiver's Standard Webhooks check (5 minutes) accepts it; the ledger keeps 2024" {
	publishing
	[ "$RELCTL_NOW" = 2024-03-19T10:00:00Z ]
	script cms '/api/changelog=500,200'
	before=$(date +%s)
	relrun cristina run publish-changelog
	expect 0
	after=$(date +%s)
	[ "$(deliveries cms /api/changelog)" -eq 2 ]
	# Both attempts: stamped between the run's start and end by this machine's clock.
	[ "$(rx cms "[.[].headers[\"webhook-timestamp\"] | tonumber | select(. >= $before and . <= $after)] | length")" -eq 2 ]
	# The receiver checks the signature and the 5-minute tolerance, on its own clock.
	[ "$(rx cms '[.[] | (.time - (.headers["webhook-timestamp"] | tonumber)) | fabs < 300] | all')" = true ]
	[ "$(rx cms '[.[].verified] | all')" = true ]
	# The ledger's clock is still the fixed one: the event and both attempts.
	[ "$(ledger "$V" | jq -r '.events[-1].time')" = 2024-03-19T10:00:00Z ]
	[ "$(step publish-changelog 'hook.attempts | map(.at) | unique | join(",")')" = 2024-03-19T10:00:00Z ]
}

@test "a delivered step is not sent again by a plain run; --force resends it with the same webhook-id and the receiver drops the duplicate" {
	publishing
	relrun cristina run publish-changelog
	expect 0
	id=$(step publish-changelog hook.webhook_id)
	sum=$(ledger_sum)

	relrun cristina run publish-changelog
	expect 0
	[[ "$output" == *"publish-changelog was already delivered (webhook-id $id); nothing sent"* ]]
	[ "$(deliveries cms)" -eq 1 ]
	[ "$(ledger_sum)" = "$sum" ]

	relrun cristina run publish-changelog --force
	expect 0
	[ "$(deliveries cms)" -eq 2 ]
	[ "$(rx cms '.[1].webhook_id')" = "$id" ]
	[ "$(rx cms '.[1].headers["idempotency-key"]')" = "$id" ]
	[ "$(rx cms '.[1].verified')" = true ]
	[ "$(rx cms '[.[].duplicate] | map(tostring) | join(",")')" = false,true ]
	[ "$(step publish-changelog state)" = done ]
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "hook")] | length')" -eq 2 ]
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "hook")][1].forced')" = true ]
	no_secret_anywhere
}

@test "a delivered step reopened (the changelog had a mistake) is sent again under a new webhook-id the receiver accepts; the old result leaves the view" {
	publishing
	relrun cristina run publish-changelog
	expect 0
	first=$(step publish-changelog hook.webhook_id)
	relrun cristina reopen publish-changelog --reason "the changelog named the wrong version"
	expect 0
	[ "$(step publish-changelog state)" = ready ]
	[ "$(step publish-changelog hook)" = null ]
	relrun cristina run publish-changelog
	expect 0
	second=$(step publish-changelog hook.webhook_id)
	[ "$second" != "$first" ]
	[ "$(deliveries cms)" -eq 2 ]
	[ "$(rx cms '.[1].webhook_id')" = "$second" ]
	[ "$(rx cms '[.[].duplicate] | map(tostring) | join(",")')" = false,false ]
	# The first round stays in the events.
	[ "$(ledger "$V" | jq -r '[.events[] | select(.op == "hook") | .result.webhook_id] | join(" ")')" = "$first $second" ]
	# Its re-run is as stable as any: --force sends the second id again.
	relrun cristina run publish-changelog --force
	expect 0
	[ "$(rx cms '.[2].webhook_id')" = "$second" ]
	[ "$(rx cms '.[2].duplicate')" = true ]
	# The report lists every send, the first round's too.
	run relctl report "$V" --format md
	[ "$(grep -c '^- `publish-changelog` (changelog hook, rc1, by cristina at .*): delivered, HTTP 200, 1 attempt, webhook-id `' <<<"$output")" -eq 3 ]
	[[ "$output" == *"webhook-id \`$first\`"* ]]
}

@test "401 is not retried: exit 69 with the status, the step stays claimed, the failure is recorded; a re-run sends the same id" {
	publishing
	# The receiver echoes the request's headers, Authorization included.
	script cms '/api/changelog=401:echo'
	relrun cristina run publish-changelog
	expect 69
	[[ "$output" == *"publish-changelog: the receiver answered HTTP 401 after 1 attempt"* ]]
	[ "$(deliveries cms)" -eq 1 ]
	[ "$(step publish-changelog state)" = claimed ]
	[ "$(step publish-changelog holder)" = cristina ]
	[ "$(step publish-changelog hook.outcome)" = failed ]
	[ "$(step publish-changelog hook.status)" -eq 401 ]
	[ "$(step publish-changelog 'hook.attempts | length')" -eq 1 ]
	# The response excerpt is kept, with the echoed token masked.
	[[ "$(step publish-changelog hook.response)" == *"Bearer ***"* ]]
	[ "$(step publish-changelog 'hook.response | length')" -le 1024 ]

	relrun cristina run publish-changelog
	expect 0
	[ "$(deliveries cms)" -eq 2 ]
	[ "$(rx cms '[.[].webhook_id] | unique | length')" -eq 1 ]
	[ "$(step publish-changelog state)" = done ]
	no_secret_anywhere
}

@test "410 Gone is not retried: one delivery, exit 69, outcome failed" {
	publishing
	script cms '/api/changelog=410'
	relrun cristina run publish-changelog
	expect 69
	[[ "$output" == *"HTTP 410 after 1 attempt"* ]]
	[ "$(deliveries cms)" -eq 1 ]
	[ "$(step publish-changelog hook.outcome)" = failed ]
	[ "$(step publish-changelog hook.status)" -eq 410 ]
	[ "$(step publish-changelog state)" = claimed ]
}

@test "429 is retried with the same webhook-id, a negative Retry-After is ignored, and then it is delivered" {
	publishing
	script cms '/api/changelog=429,503:retry-after=-5,200'
	relrun cristina run publish-changelog
	expect 0
	[ "$(deliveries cms)" -eq 3 ]
	[ "$(rx cms '[.[].webhook_id] | unique | length')" -eq 1 ]
	[ "$(step publish-changelog 'hook.attempts | map(.status | tostring) | join(",")')" = 429,503,200 ]
	[ "$(step publish-changelog 'hook.attempts[1].retry_after')" = null ]
	[ "$(rx cms '(.[2].time - .[0].time) < 5')" = true ]
	[ "$(step publish-changelog state)" = done ]
}

@test "a 5xx on every attempt gives up after retries+1 deliveries: exit 69, failure recorded, step still claimed" {
	publishing
	script cms '/api/changelog=500,502,503,504,500,200'
	relrun cristina run publish-changelog
	expect 69
	[[ "$output" == *"HTTP 500 after 5 attempts"* ]]
	# changelog has retries: 4
	[ "$(deliveries cms)" -eq 5 ]
	[ "$(rx cms '[.[].webhook_id] | unique | length')" -eq 1 ]
	[ "$(step publish-changelog 'hook.attempts | length')" -eq 5 ]
	[ "$(step publish-changelog hook.outcome)" = failed ]
	[ "$(step publish-changelog state)" = claimed ]
}

@test "a dropped connection is retried with the same webhook-id" {
	publishing
	script cms '/api/changelog=drop,200'
	relrun cristina run publish-changelog
	expect 0
	[ "$(deliveries cms)" -eq 2 ]
	[ "$(rx cms '[.[].answer] | map(tostring) | join(",")')" = drop,200 ]
	[ "$(rx cms '[.[].webhook_id] | unique | length')" -eq 1 ]
	[ "$(step publish-changelog 'hook.attempts[0].status')" -eq 0 ]
	[ "$(step publish-changelog 'hook.attempts[0].error')" != null ]
	[ "$(step publish-changelog 'hook.attempts[1].status')" -eq 200 ]
	[ "$(step publish-changelog hook.outcome)" = delivered ]
}

@test "relctl killed after the receiver got the request: the step stays claimed, the re-run carries the same webhook-id and the receiver drops it" {
	publishing
	script cms '/api/changelog=slow=2'
	RELCTL_USER=cristina "$RELCTL" run publish-changelog >"$TEST_TMP/crash.out" 2>&1 3>&- &
	pid=$!
	for i in $(seq 100); do
		[ "$(deliveries cms)" -eq 1 ] && break
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" || true
	cat "$TEST_TMP/crash.out" >>"$TEST_TMP/outputs"
	[ "$(deliveries cms)" -eq 1 ]
	[ "$(step publish-changelog state)" = claimed ]
	[ "$(step publish-changelog hook)" = null ]

	relrun cristina run publish-changelog
	expect 0
	[ "$(deliveries cms)" -eq 2 ]
	[ "$(rx cms '[.[].webhook_id] | unique | length')" -eq 1 ]
	[ "$(rx cms '[.[].duplicate] | map(tostring) | join(",")')" = false,true ]
	[ "$(step publish-changelog hook.webhook_id)" = "$(rx cms '.[0].webhook_id')" ]
	[ "$(step publish-changelog state)" = done ]
	no_secret_anywhere
}

@test "a 3xx redirect is a failure and is not followed: the redirect target gets nothing" {
	publishing
	receiver elsewhere
	script cms "/api/changelog=302:location=http://127.0.0.1:$(port elsewhere)/landing"
	relrun cristina run publish-changelog
	expect 69
	[[ "$output" == *"HTTP 302"* ]]
	[ "$(deliveries cms)" -eq 1 ]
	[ "$(deliveries elsewhere)" -eq 0 ]
	[ "$(step publish-changelog hook.outcome)" = failed ]
	[ "$(step publish-changelog hook.status)" -eq 302 ]
	[ "$(step publish-changelog state)" = claimed ]
}

@test "--dry-run prints the exact request with secrets masked as ***, sends nothing and leaves the ledger unchanged" {
	publishing
	sum=$(ledger_sum)
	relrun cristina run publish-changelog --dry-run
	expect 0
	dry=$output
	[ "$(deliveries cms)" -eq 0 ]
	[ "$(ledger_sum)" = "$sum" ]
	[ "$(step publish-changelog state)" = ready ]
	[[ "$dry" == *"POST "*"/api/changelog"* ]]
	[[ "$dry" == *"Authorization: Bearer ***"* ]]
	[[ "$dry" == *"(dry run: nothing was sent and the ledger is unchanged)"* ]]
	[[ "$dry" != *"$TINYPILOT_CMS_TOKEN"* ]]

	# The real run sends what the dry run showed.  webhook-timestamp is the wall clock at each
	# attempt (receivers refuse a stale one), so it, and the signature over it, match only when
	# both fell in the same second; otherwise the two are seconds apart.
	relrun cristina run publish-changelog
	expect 0
	local h sent shown
	for h in Content-Type Idempotency-Key webhook-id; do
		local lower
		lower=$(tr 'A-Z' 'a-z' <<<"$h")
		[[ "$dry" == *"$h: $(rx cms ".[0].headers[\"$lower\"]")"* ]] || { echo "dry run lacks $h"; return 1; }
	done
	sent=$(rx cms '.[0].headers["webhook-timestamp"]')
	shown=$(sed -n 's/^webhook-timestamp: //p' <<<"$dry" | tr -d '\r')
	[ -n "$shown" ] && [ $((sent - shown)) -ge 0 ] && [ $((sent - shown)) -le 30 ] ||
		{ echo "webhook-timestamp: shown $shown, sent $sent"; return 1; }
	if [ "$sent" = "$shown" ]; then
		[[ "$dry" == *"webhook-signature: $(rx cms '.[0].headers["webhook-signature"]')"* ]] || { echo "signature differs"; return 1; }
	fi
	body=$(printf '%s\n' "$dry" | awk 'seen && NF { print; exit } /^$/ { seen = 1 }')
	[ "$body" = "$(rx cms '.[0].body')" ]
	no_secret_anywhere
}

@test "an unset \${ENV} fails with 78 naming the variable, before anything is sent or recorded" {
	publishing
	sum=$(ledger_sum)
	local var
	for var in TINYPILOT_CMS_TOKEN TINYPILOT_CMS_URL TINYPILOT_CMS_SIGNING_SECRET; do
		run env -u "$var" RELCTL_USER=cristina "$RELCTL" run publish-changelog
		printf '%s\n' "$output" >>"$TEST_TMP/outputs"
		expect 78
		[[ "$output" == *"$var"* ]] || { echo "78 without naming $var: $output"; return 1; }
		[ "$(ledger_sum)" = "$sum" ]
	done
	[ "$(deliveries cms)" -eq 0 ]
	[ "$(step publish-changelog state)" = ready ]
	no_secret_anywhere
}

@test "a signing secret not in whsec_ form is refused with 78 without showing it" {
	publishing
	EXTRA_SECRETS="not-a-whsec-value-$(random_secret)"
	TINYPILOT_CMS_SIGNING_SECRET=$EXTRA_SECRETS refused_unsent "$V" 78 "whsec_" cristina run publish-changelog
	[ "$(deliveries cms)" -eq 0 ]
	no_secret_anywhere
}

@test "a missing changelog file fails before anything is sent, naming the file" {
	publishing
	rm "changelog/$V.md"
	refused_unsent "$V" 66 "changelog/$V.md" cristina run publish-changelog
	[ "$(deliveries cms)" -eq 0 ]
}

@test "only the step's owner role runs its hook (77), and nothing is sent" {
	publishing
	refused_unsent "$V" 77 "lena cannot claim publish-changelog: it needs the role release-manager" lena run publish-changelog
	refused_unsent "$V" 65 "build-rc is not a hook step" jan run build-rc
	[ "$(deliveries cms)" -eq 0 ]
}

@test "a hook step whose phase has not opened is refused before anything is sent" {
	publishing
	[ "$(step publish-blog state)" = pending ]
	refused_unsent "$V" 65 "publish-blog is pending; claim it before running its hook (nothing was sent)" lena run publish-blog
	[ "$(deliveries cms)" -eq 0 ]
}


@test "no token or signing secret reaches stdout, stderr, the ledger or git history, whatever happens" {
	publishing
	relrun cristina run publish-changelog --dry-run
	script cms '/api/changelog=500:echo,401:echo'
	relrun cristina run publish-changelog
	expect 69
	script cms '/api/changelog=200:echo'
	relrun cristina run publish-changelog
	expect 0
	relrun cristina run publish-changelog --force
	expect 0
	relrun cristina show publish-changelog
	relrun cristina log
	relrun cristina status
	# The receiver did get the token: the search below looks for something real.
	grep -qF "$TINYPILOT_CMS_TOKEN" "$TEST_TMP/rx/cms/log"
	[ "$(deliveries cms)" -eq 4 ]
	no_secret_anywhere
	# And the search does find a secret where there is one.
	printf 'oops %s\n' "${TINYPILOT_CMS_SIGNING_SECRET#whsec_}" >>"$TEST_TMP/outputs"
	run no_secret_anywhere
	[ "$status" -ne 0 ]
	[[ "$output" == *"a secret leaked"* ]]
}

# ---------- the lab playbook ----------

@test "an answer slower than the hook's timeout is recorded as outcome unknown; the re-run carries the same webhook-id and the receiver drops it" {
	lab
	script cms '/lab/slow=slow=2.5'
	relrun cristina run post-slow
	expect 69
	[[ "$output" == *"no answer after the request was sent"* ]]
	[[ "$output" == *"same webhook-id"* ]]
	[ "$(lab_step post-slow state)" = claimed ]
	[ "$(lab_step post-slow hook.outcome)" = unknown ]
	[ "$(lab_step post-slow hook.status)" -eq 0 ]
	[ "$(lab_step post-slow 'hook.attempts | length')" -eq 1 ]
	[ "$(lab_step post-slow 'hook.attempts[0].error')" != null ]
	[ "$(deliveries cms /lab/slow)" -eq 1 ]

	relrun cristina run post-slow
	expect 0
	[ "$(deliveries cms /lab/slow)" -eq 2 ]
	[ "$(rx cms '[.[].webhook_id] | unique | length')" -eq 1 ]
	[ "$(rx cms '.[0].webhook_id')" = "$(lab_step post-slow hook.webhook_id)" ]
	# The receiver accepted the first; the second is the duplicate it drops.
	[ "$(rx cms '[.[].duplicate] | map(tostring) | join(",")')" = false,true ]
	[ "$(lab_step post-slow state)" = done ]
	schema_valid # an unknown outcome, then a delivery
}

@test "an unknown {{template}} fails with 65 before anything is sent or recorded" {
	lab
	refused_unsent 1.0 65 "unknown template {{release.verison}}" cristina run post-typo
	[ "$(deliveries cms)" -eq 0 ]
	[ "$(lab_step post-typo state)" = ready ]
	relrun cristina run post-typo --dry-run
	expect 65
	no_secret_anywhere
}

@test "https to a private CA: refused without ca_file (not delivered, no retry), delivered with ca_file" {
	lab
	receiver tls --tls "$FIXTURES/ca/server.pem" "$FIXTURES/ca/server.key" --secret-env TINYPILOT_CMS_SIGNING_SECRET
	export LAB_TLS_URL="https://127.0.0.1:$(port tls)"

	relrun cristina run post-system-ca
	expect 69
	[ "$(deliveries tls)" -eq 0 ]
	[ "$(lab_step post-system-ca hook.outcome)" = failed ]
	[ "$(lab_step post-system-ca 'hook.attempts | length')" -eq 1 ]
	[[ "$(lab_step post-system-ca 'hook.attempts[0].error')" == *[Cc]ertificate* ]]
	[ "$(lab_step post-system-ca state)" = claimed ]

	relrun cristina run post-private-ca
	expect 0
	[ "$(deliveries tls /lab/tls)" -eq 1 ]
	[ "$(rx tls '.[0].verified')" = true ]
	[ "$(lab_step post-private-ca hook.outcome)" = delivered ]
	[ "$(lab_step post-private-ca state)" = done ]
}

@test "a url that is not http or https is refused (78) before anything is sent; the playbook refuses one written out" {
	lab
	local url
	for url in "ftp://127.0.0.1:$(port cms)/x" "file:///etc/passwd" "gopher://127.0.0.1:$(port cms)/x" "127.0.0.1:$(port cms)/x"; do
		LAB_OTHER_URL=$url refused_unsent 1.0 78 "must go to an http:// or https:// url" cristina run post-elsewhere
	done
	[ "$(deliveries cms)" -eq 0 ]

	sed 's|url: "${LAB_OTHER_URL}"|url: "ftp://127.0.0.1/x"|' "$TEST_TMP/lab.yaml" >"$TEST_TMP/ftp.yaml"
	run relctl lint "$TEST_TMP/ftp.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *"must use an http:// or https:// url"* ]]
}

@test "a url from the environment keeps its secret path out of output, --dry-run and the ledger; the receiver gets the real one" {
	lab
	local key path
	key="T0-$(random_secret)"
	path="/lab/services/$key"
	EXTRA_SECRETS=$key
	export LAB_OTHER_URL="http://127.0.0.1:$(port cms)$path"
	relrun cristina run post-elsewhere --dry-run
	expect 0
	[[ "$output" == *"POST http://127.0.0.1:$(port cms)***"* ]]
	relrun cristina run post-elsewhere
	expect 0
	[ "$(deliveries cms "$path")" -eq 1 ]
	[ "$(lab_step post-elsewhere hook.url)" = "http://127.0.0.1:$(port cms)***" ]
	[ "$(lab_step post-elsewhere state)" = done ]
	no_secret_anywhere
	# The check can fail: the key is in the receiver's log.
	grep -qF "$key" "$TEST_TMP/rx/cms/log"
}

@test "a hook step held by another dev is refused before anything is sent; its holder runs it" {
	lab
	as jan claim post-notes >/dev/null
	refused_unsent 1.0 77 "shalom cannot run post-notes: it is held by jan" shalom run post-notes
	[ "$(deliveries cms)" -eq 0 ]
	relrun jan run post-notes
	expect 0
	[ "$(deliveries cms /lab/notes)" -eq 1 ]
	[ "$(rx cms '.[0].body')" = "Release 1.0" ]
	[ "$(rx cms '.[0].headers["content-type"]')" = "text/plain; charset=utf-8" ]
	[ "$(lab_step post-notes done_by)" = jan ]
}

@test "signing: github sends X-Hub-Signature-256 that the receiver verifies, with a string body and its content type" {
	lab
	relrun cristina run post-github
	expect 0
	[ "$(rx cms '.[0].github_verified')" = true ]
	[ "$(rx cms '.[0].headers["x-hub-signature-256"]' | cut -c1-7)" = sha256= ]
	[ "$(rx cms '.[0].headers["webhook-signature"]')" = null ]
	[ "$(rx cms '.[0].body')" = "Hook lab 1.0" ]
	[ "$(rx cms '.[0].headers["content-type"]')" = text/markdown ]
	[ "$(lab_step post-github state)" = done ]
	no_secret_anywhere
}
