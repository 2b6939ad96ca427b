#!/usr/bin/env bats
# playbooks/runtime.yaml, the shipped example of a project that is not
# TinyPilot, played end to end from two clones of one bare remote: the
# release lead (thea, of the "managers" role release-lead; there is no
# release-manager role) in clone a, the core developers and platform experts
# in clone b.  Every feature of the example is used for real: an enum release
# type and when-expressions, checklist items owned by the platform experts, a
# review by two core developers, two gates with their own inputs, the release
# script as command steps (real programs writing real files), the build farm
# and the docs server as check steps (a real HTTP server on 127.0.0.1), a
# PURGE hook, and "build" for the candidates.  Only the example's hosts are
# pointed at 127.0.0.1; everything else is the shipped file.  The result is
# checked with jq, git and relctl verify.

bats_require_minimum_version 1.5.0
load helper
load hooks
load sync

V=3.14.0b1

setup() {
	setup_repo
	: >"$TEST_TMP/outputs"
}

teardown() {
	stop_servers
	servers_stop
	cleanup_repo
}

ok() { # PERSON ARGS...: relctl as PERSON succeeds
	run as "$@"
	[ "$status" -eq 0 ] || { echo "relctl ${*:2} (as $1): $output"; false; }
}

# The build farm and the docs server: each GET gets the next answer.
farm() {
	local dir="$TEST_TMP/farm" i
	mkdir -p "$dir"
	python3 "$BATS_TEST_DIRNAME/farm.py" --port-file "$dir/port" --log "$dir/log" --answers "$1" \
		>"$dir/stdout" 2>"$dir/stderr" 3>&- &
	started $!
	for i in $(seq 100); do
		[ -s "$dir/port" ] && return 0
		sleep 0.05
	done
	echo "farm did not start: $(cat "$dir/stderr")"
	return 1
}

# The project's repository: the release script, the docs' Makefile, the announcement.
project_files() {
	mkdir -p Tools Doc Misc/announcements
	cat >Tools/release.py <<'PY'
import os, sys
op, version = sys.argv[1], sys.argv[2]
os.makedirs("dist", exist_ok=True)
if op == "--tag":
    open("dist/tag", "w").write("v" + version + "\n")
    print("tagged v" + version)
elif op == "--export":
    for ext in ("tgz", "tar.xz"):
        open("dist/Heron-%s.%s" % (version, ext), "w").write(version + "\n")
    print("exported Heron-" + version)
elif op == "--upload-docs":
    print("uploaded the docs of " + version)
PY
	printf 'dist:\n\tmkdir -p dist && echo $(VERSION) >dist/docs-$(VERSION).txt\n' >Doc/Makefile
	printf 'Heron %s is out: the first beta of 3.14.\n' "$V" >"Misc/announcements/$V.md"
	git add -A && git commit -qm "the release script, the docs, the announcement"
}

@test "the runtime example from two clones: release types, expert-owned items, two gates, command and check steps, PURGE, verified" {
	receiver web
	farm 'pending,"state": "success",Heron 3.14.0b1 documentation'
	local rx farm_url
	rx="http://127.0.0.1:$(port web)"
	farm_url="http://127.0.0.1:$(cat "$TEST_TMP/farm/port")"
	export CHAT_WEBHOOK_URL="$rx/chat" FASTLY_KEY=fastly-secret DISCOURSE_API_KEY=discourse-secret
	sed -e "s|https://buildbot.heron.example.org|$farm_url|" -e "s|https://docs.heron.example.org|$farm_url|" \
		-e "s|https://www.heron.example.org|$rx|" -e "s|https://discuss.heron.example.org|$rx|" \
		"$ROOT/playbooks/runtime.yaml" >"$TEST_TMP/runtime.yaml"
	# Only the hosts changed.
	[ "$(diff "$ROOT/playbooks/runtime.yaml" "$TEST_TMP/runtime.yaml" | grep -c '^<')" -eq 4 ]

	serve path heron
	project_files
	git remote add origin "$URL"
	git push -q origin HEAD:refs/heads/main
	git -C "$REMOTE" symbolic-ref HEAD refs/heads/main
	clone_into a "$URL"
	clone_into b "$URL"
	cd "$TEST_TMP/a"
	ok thea init --playbook "$TEST_TMP/runtime.yaml" --remote origin
	run -77 as hugo start "$V"
	same "relctl: hugo cannot start a release: only a release-lead can" "$output"
	run -64 as thea start "$V" --set type=gamma
	has "gamma"
	ok thea start "$V" --set type=beta --set new_branch=true
	[ "$(ledger "$V" | jq -r '[.steps[] | select(.state == "skipped")] | length')" -eq 0 ]

	# Prepare: the experts check their own items of the lead's list; the farm goes green.
	ok thea claim blockers
	ok thea check blockers tracker pass
	run -77 as thea check blockers windows pass
	has "it needs the role windows-expert; ask a windows-expert (steve)"
	cd "$TEST_TMP/b"
	ok steve sync
	ok steve next
	has "item windows of blockers waits for you"
	ok steve check blockers windows pass
	ok ned check blockers macos pass
	ok hugo claim whatsnew
	ok hugo done whatsnew
	run -77 as hugo review whatsnew approve
	ok ines review whatsnew approve
	ok ines next
	ok ned review whatsnew approve
	[ "$(ledger "$V" | jq -r .steps.whatsnew.state)" = done ]
	cd "$TEST_TMP/a"
	ok thea sync
	ok thea done blockers
	run -75 as thea run buildbots
	has "the check has not passed yet"
	[ "$(ledger "$V" | jq -r .steps.buildbots.state)" = claimed ]
	ok thea run buildbots
	[ "$(ledger "$V" | jq -r .steps.buildbots.state)" = done ]

	# A finding in the project's words: a core developer estimates it, the release lead weighs it.
	run -64 as hugo finding add "Crash in the REPL on exit" --severity blocker
	has "release-blocker, deferred-blocker or normal"
	ok hugo finding add "Crash in the REPL on exit" --severity deferred-blocker
	F=$(printf '%s\n' "$output" | sed -n 's/.* finding \(F-[0-9a-f]*\): .*/\1/p' | head -1)
	run -77 as steve finding update "$F" --estimate 2h
	has "core-dev"
	ok hugo finding update "$F" --estimate 2h --risk low
	cd "$TEST_TMP/a"
	ok thea sync
	ok thea finding update "$F" --impact "only on exit; no data lost"
	run as thea brief --step go-tag
	has "Fix estimate (core-dev)"
	has "Customer impact (release-lead)"
	has "| $F | deferred-blocker |"

	# The first gate: the platform experts' input, then the lead's green light.
	ok thea sync
	cd "$TEST_TMP/b"
	ok steve sync
	ok steve input --step go-tag --note "Windows builders are green"
	ok ned input --step go-tag --note "the macOS signing certificate is renewed"
	cd "$TEST_TMP/a"
	ok thea sync
	run as thea brief --step go-tag
	has "Heron $V, build 1"
	ok thea decide ship --step go-tag --reason "green light to tag"

	# The release script, as command steps: it runs in the lead's work tree.
	ok thea run tag
	[ "$(cat dist/tag)" = "v$V" ]
	ok thea run export
	[ -f "dist/Heron-$V.tgz" ] && [ -f "dist/Heron-$V.tar.xz" ]
	ok thea claim branch
	ok thea done branch --note "3.14 branched; main is 3.15"
	[ "$(ledger "$V" | jq -r '[.steps.tag.state, .steps.export.state] | join(" ")')" = "done done" ]

	# The installers and the docs, from clone b; the docs expert's command runs in her work tree.
	cd "$TEST_TMP/b"
	ok steve sync
	ok steve claim windows
	ok steve done windows --evidence "https://builds.example.org/heron/$V/win"
	ok ned claim macos
	ok ned done macos --evidence "https://builds.example.org/heron/$V/mac"
	ok ines run docs
	[ "$(cat "Doc/dist/docs-$V.txt")" = "$V" ]
	ok steve input --step go-publish --note "installers signed"
	ok ned input --step go-publish --note "notarized"
	ok ines input --step go-publish --note "docs built"

	# The second gate, then publishing: PURGE to the CDN, the docs server polled until it names the version.
	cd "$TEST_TMP/a"
	ok thea sync
	ok thea decide ship --step go-publish --reason "publish it"
	ok thea claim upload
	ok thea done upload
	ok thea run purge-cdn
	[ "$(rx web '[.[] | select(.method == "PURGE")] | length')" -eq 1 ]
	[ "$(rx web '[.[] | select(.method == "PURGE")][0].headers["fastly-key"]')" = fastly-secret ]
	cd "$TEST_TMP/b"
	ok ines sync
	ok ines run upload-docs
	run as ines run docs-live
	[ "$status" -eq 0 ] || { echo "$output"; cat "$TEST_TMP/farm/log"; cat "$TEST_TMP/farm/stdout"; false; }
	[ "$(ledger "$V" | jq -r .steps["\"docs-live\""].state)" = done ]
	cd "$TEST_TMP/a"
	ok thea sync
	ok thea run announce
	[ "$(rx web '[.[] | select(.path == "/posts.json")][0].body | fromjson | .title')" = "Heron $V is out" ]

	# Every step done, in two clones that agree, and the history judged whole.
	ok thea sync
	[ "$(ledger "$V" | jq -r .status)" = complete ]
	[ "$(ledger "$V" | jq -r '[.steps[] | .state] | unique | join(",")')" = done ]
	cd "$TEST_TMP/b"
	ok ines sync
	[ "$(git rev-parse relctl-ledger)" = "$(git -C "$TEST_TMP/a" rev-parse relctl-ledger)" ]
	ok ines verify
	[ "$(jq -s length "$TEST_TMP/farm/log")" -eq 3 ]
	# The farm's and the CDN's secrets never reach the ledger.
	run git log -p relctl-ledger
	[[ "$output" != *fastly-secret* && "$output" != *discourse-secret* ]] || false
}

@test "the runtime example's release types: a patch final skips What's New and the branch, an x.y.0 final keeps both" {
	ok thea init --playbook "$ROOT/playbooks/runtime.yaml"
	ok thea start 3.14.0 --set type=final
	ok thea start 3.14.1 --set type=final
	ok thea start 3.15.0a1 --set type=alpha
	skipped() { ledger "$1" | jq -r '[.steps | to_entries[] | select(.value.state == "skipped") | .key] | sort | join(",")'; }
	[ "$(skipped 3.14.0)" = "" ]
	[ "$(skipped 3.14.1)" = "branch,whatsnew" ]
	[ "$(skipped 3.15.0a1)" = "branch" ]
}
