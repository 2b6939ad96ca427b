# States several tests of one file reach by the same commands, built once
# per file and copied into each test's folder (load after helper):
#
#   fixture NAME FUNCTION [VAR...]
#       leaves the test where FUNCTION, run from a fresh setup_repo, leaves
#       it: $TEST_TMP's content (the repository, clones, bare remotes), the
#       current folder, RELCTL_NOW and each VAR FUNCTION set.
#
# The first test of the file to ask builds it (the others wait for it) in
# $BATS_FILE_TMPDIR, with the same commands and clock as before; each test
# then gets its own copy, with the fixture's folder renamed to the test's
# own $TEST_TMP in every git config and VAR, so tests stay independent.
# FUNCTION must leave no server running (a copy would not have it): give it
# path or file:// remotes.

fixture() {
	local name=$1 build=$2 dir="$BATS_FILE_TMPDIR/fixture-$1" lock config
	shift 2
	exec {lock}>"$dir.lock"
	flock "$lock"
	if [ ! -e "$dir/ready" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		(
			BATS_TMPDIR="$dir" setup_repo
			"$build"
			{
				printf 'FIXTURE_TMP=%q\n' "$TEST_TMP"
				printf 'FIXTURE_PWD=%q\n' "${PWD#"$TEST_TMP"}"
				printf 'export RELCTL_NOW=%q\n' "$RELCTL_NOW"
				for var in "$@"; do
					printf '%s=%q\n' "$var" "${!var}"
				done
			} >"$dir/env"
		)
		touch "$dir/ready"
	fi
	exec {lock}>&-
	local FIXTURE_TMP FIXTURE_PWD
	# shellcheck disable=SC1091
	source "$dir/env"
	cd / && rm -rf "$TEST_TMP" && mkdir "$TEST_TMP"
	cp -a "$FIXTURE_TMP/." "$TEST_TMP/"
	while IFS= read -r config; do
		sed -i "s|$FIXTURE_TMP|$TEST_TMP|g" "$config"
	done < <(find "$TEST_TMP" -name config -path '*.git/config')
	for var in "$@"; do
		printf -v "$var" '%s' "${!var//"$FIXTURE_TMP"/$TEST_TMP}"
	done
	REPO="$TEST_TMP/repo"
	cd "$TEST_TMP$FIXTURE_PWD"
}
