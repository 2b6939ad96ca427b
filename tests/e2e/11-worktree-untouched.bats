#!/usr/bin/env bats
# relctl keeps its ledger on its own branch, written with git object APIs
# only: whatever the user has in HEAD, the index and the working tree stays
# exactly as it was, whatever relctl command runs.

load helper

setup() {
	setup_repo
}

teardown() {
	cleanup_repo
}

# Everything of the user's that relctl must not touch, as text.
snapshot() {
	{
		echo "HEAD: $(git symbolic-ref -q HEAD || echo detached) $(git rev-parse -q --verify HEAD || echo unborn)"
		echo "status:"
		git status --porcelain=v1 --untracked-files=all
		echo "staged:"
		git diff --cached
		echo "unstaged:"
		git diff
		echo "stage:"
		git ls-files --stage
		echo "files:"
		find . -path ./.git -prune -o -type f -printf '%P %s %T@\n' | sort
		find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum
		echo "branches:"
		git for-each-ref --format='%(refname)' refs/heads | grep -v '^refs/heads/relctl-ledger$' || true
	}
}

# A day of release work by several people.
play() {
	relctl init --playbook "$PLAYBOOK" &&
	relctl start 2.6.3 &&
	as jan claim build-rc &&
	as jan done build-rc --note "rc1" &&
	as shalom claim draft-changelog &&
	as shalom done draft-changelog &&
	as cristina review draft-changelog approve &&
	as shalom claim update-test-plan &&
	as shalom block update-test-plan --reason "waiting for the feature list" &&
	as shalom unblock update-test-plan &&
	relctl skip run-e2e-tests --reason "lab is closed"
}

check_untouched() {
	local before=$1 index_before=$2
	# The index file is compared before git status gets to refresh it.
	[ "$(sha256sum <.git/index 2>/dev/null || echo none)" = "$index_before" ] || { echo "the index file changed"; return 1; }
	diff -u <(echo "$before") <(snapshot)
}

@test "init, start and a day of claims leave HEAD, the index, the working tree and every file as they were" {
	echo "v1" >app.txt
	echo "notes" >NOTES.md
	git add app.txt NOTES.md
	git commit -qm "first"
	echo "v2" >app.txt
	git commit -qam "second"
	echo "dirty, not staged" >>app.txt # a modified file
	echo "new and staged" >staged.txt
	git add staged.txt                 # a staged file
	echo "staged then changed" >>NOTES.md
	git add NOTES.md
	echo "and changed again" >>NOTES.md
	echo "scratch" >untracked.txt # an untracked file
	head=$(git rev-parse HEAD)

	before=$(snapshot)
	index_before=$(sha256sum <.git/index)
	run play
	[ "$status" -eq 0 ]
	check_untouched "$before" "$index_before"
	[ "$(git rev-parse HEAD)" = "$head" ]
	[ "$(git rev-list --count HEAD)" -eq 2 ]
	[ "$(cat staged.txt)" = "new and staged" ]
	[ "$(git diff --cached --name-only | sort | tr '\n' ' ')" = "NOTES.md staged.txt " ]
	# The ledger lives only on its branch.
	[ ! -e releases ] && [ ! -e index.json ] && [ ! -e playbook.yaml ]
	[ "$(git show relctl-ledger:releases/2.6.3.json | jq '.events | length')" -eq 10 ]
}

@test "a repository with no commits keeps its unborn HEAD and its staged files" {
	echo "first file" >README
	git add README
	echo "untracked" >scratch.txt
	branch=$(git symbolic-ref HEAD)

	before=$(snapshot)
	index_before=$(sha256sum <.git/index)
	run play
	[ "$status" -eq 0 ]
	check_untouched "$before" "$index_before"
	# HEAD is still unborn on the same branch; only the ledger branch exists.
	run git rev-parse -q --verify HEAD
	[ "$status" -ne 0 ]
	[ "$(git symbolic-ref HEAD)" = "$branch" ]
	[ "$(git for-each-ref --format='%(refname)' refs/heads)" = refs/heads/relctl-ledger ]
	[ "$(git ls-files --stage | awk '{print $4}')" = README ]
}

@test "a repository with no commits and an empty index gets no index file" {
	[ ! -e .git/index ]
	run play
	[ "$status" -eq 0 ]
	[ ! -e .git/index ]
	run git rev-parse -q --verify HEAD
	[ "$status" -ne 0 ]
	[ -z "$(git status --porcelain)" ]
}

@test "a detached HEAD stays detached at its commit" {
	echo "v1" >app.txt
	git add app.txt
	git commit -qm "first"
	echo "v2" >app.txt
	git commit -qam "second"
	git checkout -q --detach HEAD~1
	echo "local change" >>app.txt
	head=$(git rev-parse HEAD)

	before=$(snapshot)
	index_before=$(sha256sum <.git/index)
	run play
	[ "$status" -eq 0 ]
	check_untouched "$before" "$index_before"
	run git symbolic-ref -q HEAD
	[ "$status" -ne 0 ]
	[ "$(git rev-parse HEAD)" = "$head" ]
}

@test "refused and read-only commands leave the repository untouched too" {
	echo "v1" >app.txt
	git add app.txt
	git commit -qm "first"
	echo "dirty" >>app.txt
	relctl init --playbook "$PLAYBOOK" >/dev/null
	relctl start 2.6.3 >/dev/null

	before=$(snapshot)
	index_before=$(sha256sum <.git/index)
	tip=$(git rev-parse relctl-ledger)
	run as david claim build-rc # refused: wrong role
	[ "$status" -eq 77 ]
	run relctl start 2.6.3 # refused: exists
	[ "$status" -eq 65 ]
	run relctl init # already set up: nothing to do
	[ "$status" -eq 0 ]
	run relctl init --playbook "$PLAYBOOK" # refused: a ledger exists
	[ "$status" -eq 65 ]
	for read_only in "status" "next" "show build-rc" "log" "releases" "playbook show"; do
		run relctl $read_only
		[ "$status" -eq 0 ] || { echo "relctl $read_only: $status: $output"; false; }
	done
	check_untouched "$before" "$index_before"
	[ "$(git rev-parse relctl-ledger)" = "$tip" ]
}
