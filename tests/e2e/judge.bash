# Hand-made ledger commits for the judge's tests (load after helper and sync):
#
#   mini_playbook            a five-person playbook of two phases
#   team                     a bare remote; clone a (cristina, release manager) with
#                            2.6.3 started, jan's build done, shalom holding notes;
#                            clone b (michael) has synced
#   scratch PERSON ARGS...   an honest command, offline in a throwaway clone at the
#                            remote's tip; SCRATCH is its commit
#   push_tree, push_files    a commit pushed with plain git, as a teammate with push
#                            access but not relctl's rules would; HAND_COMMIT is it
#   refused_line C AUTHOR T  the last run printed one line refusing C by AUTHOR for T
#   event_ids COMMIT [GIT]   the 2.6.3 event ids at COMMIT, as JSON

V=2.6.3

mini_playbook() {
	cat <<'EOF'
relctl: 1
name: Mini
roles: [release-manager, product-owner, dev, support]
people:
  - {id: cristina, name: Cristina, email: cristina@example.com, roles: [release-manager]}
  - {id: michael, name: Michael, email: michael@example.com, roles: [product-owner]}
  - {id: jan, name: Jan, email: jan@example.com, roles: [dev]}
  - {id: shalom, name: Shalom, email: shalom@example.com, roles: [dev]}
  - {id: maria, name: Maria, email: maria@example.com, roles: [support]}
phases:
  - id: testing
    steps:
      - {id: build, title: Build the release candidate, owner: dev, estimate: 2h}
      - {id: notes, title: Draft the release notes, owner: dev, estimate: 1h}
      - {id: test, title: Test the candidate, owner: support, needs: [build], estimate: 3h}
      - {id: decide, title: Ship or delay, kind: decision, owner: product-owner, needs: [test, notes], on_delay: [build, test]}
  - id: publishing
    steps:
      - {id: publish, title: Publish the release, owner: dev, estimate: 1h}
EOF
}

# A bare remote; clone a (cristina) with the ledger, 2.6.3 started, jan's
# build done and shalom holding notes; clone b (michael) has synced.
team() {
	serve path team
	clone_into a "$URL"
	cd "$TEST_TMP/a"
	relctl init --playbook "$TEST_TMP/mini.yaml" >/dev/null
	relctl start "$V" >/dev/null
	as jan claim build >/dev/null
	as jan done build --note "rc1 from main" >/dev/null
	as shalom claim notes >/dev/null
	clone_into b "$URL"
	git -C "$TEST_TMP/b" config user.email michael@example.com
	(cd "$TEST_TMP/b" && relctl sync >/dev/null)
}

# scratch PERSON ARGS...: an honest relctl command, run offline in a
# throwaway clone at the remote's tip; SCRATCH is its new commit.
scratch() {
	local who=$1 dir="$TEST_TMP/scratch"
	shift
	rm -rf "$dir"
	clone_into scratch "$URL"
	(cd "$dir" && relctl sync >/dev/null && RELCTL_USER=$who "$RELCTL" "$@" --offline >/dev/null) || return 1
	SCRATCH=$(git -C "$dir" rev-parse relctl-ledger)
}

# push_tree TREE-ISH NAME EMAIL MESSAGE: the tree, as a commit by NAME on
# the remote's tip, pushed with plain git; HAND_COMMIT is it.
push_tree() {
	local v="$TEST_TMP/vandal"
	[ -d "$v" ] || git clone -q "$REMOTE" "$v"
	git -C "$v" fetch -q origin
	git -C "$v" fetch -q "$TEST_TMP/scratch" relctl-ledger 2>/dev/null || true
	HAND_COMMIT=$(git -C "$v" -c user.name="$2" -c user.email="$3" commit-tree "$1^{tree}" -p origin/relctl-ledger -m "$4")
	git -C "$v" push -q origin "$HAND_COMMIT:refs/heads/relctl-ledger"
}

# refused_line COMMIT AUTHOR TEXT: the last run printed exactly one line,
# naming the commit, its author, and TEXT.
refused_line() {
	[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == "relctl: remote \"origin\" has commit ${1:0:12} by $2 that relctl refuses: "*"$3"*"your local ledger is unchanged"* ]] ||
		{ echo "$output"; false; }
}

event_ids() { # COMMIT-ISH [GIT-DIR]
	git ${2:+--git-dir="$2"} show "$1:releases/$V.json" | jq -c '[.events[].id]'
}

# push_files NAME EMAIL MESSAGE MODE:PATH=FILE...: one commit by NAME on the
# remote's tip with plain git, writing each FILE at PATH with MODE (100644,
# 120000 for a symlink); HAND_COMMIT is it.
push_files() {
	local v="$TEST_TMP/vandal" n=$1 e=$2 m=$3 spec tree
	shift 3
	[ -d "$v" ] || git clone -q "$REMOTE" "$v"
	git -C "$v" fetch -q origin
	rm -f "$TEST_TMP/vandal.index"
	GIT_INDEX_FILE="$TEST_TMP/vandal.index" git -C "$v" read-tree origin/relctl-ledger
	for spec in "$@"; do
		local mode=${spec%%:*} rest=${spec#*:}
		GIT_INDEX_FILE="$TEST_TMP/vandal.index" git -C "$v" update-index --add \
			--cacheinfo "$mode,$(git -C "$v" hash-object -w "${rest#*=}"),${rest%%=*}"
	done
	tree=$(GIT_INDEX_FILE="$TEST_TMP/vandal.index" git -C "$v" write-tree)
	HAND_COMMIT=$(git -C "$v" -c user.name="$n" -c user.email="$e" commit-tree "$tree" -p origin/relctl-ledger -m "$m")
	git -C "$v" push -q origin "$HAND_COMMIT:refs/heads/relctl-ledger"
}
