#!/usr/bin/env bats
# Packaging: `make dist` makes a tarball that builds with its Makefile alone
# in a clean folder; `make install` puts the binary, the man page and the
# three shells' completions where each looks, and each shell finds its file
# there by itself.  The tarball is made and built once per file.

load helper

setup_file() {
	# Under make check, MAKEFLAGS carries the sanitizer build's variables: the
	# tarball must build as a user's plain `make` does.
	unset MAKEFLAGS MFLAGS MAKELEVEL
	git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1 || skip "make dist needs the git checkout"
	VERSION=$(sed -n 's/^#define RELCTL_VERSION "\(.*\)"/\1/p' "$ROOT/include/relctl.h")
	export VERSION DIST="$BATS_FILE_TMPDIR/unpacked/relctl-$VERSION"
	make -s -C "$ROOT" dist DISTDIR="$BATS_FILE_TMPDIR" >"$BATS_FILE_TMPDIR/dist.log" 2>&1
	mkdir -p "$BATS_FILE_TMPDIR/unpacked"
	tar -xzf "$BATS_FILE_TMPDIR/relctl-$VERSION.tar.gz" -C "$BATS_FILE_TMPDIR/unpacked"
	make -C "$DIST" -j2 relctl >"$BATS_FILE_TMPDIR/build.log" 2>&1
}

setup() {
	unset MAKEFLAGS MFLAGS MAKELEVEL
	TEST_TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/relctl-pkg.XXXXXX")"
}

teardown() {
	cleanup_repo
}

@test "make dist: relctl-VERSION.tar.gz of the sources only, which builds in a clean folder with its Makefile" {
	tar -tzf "$BATS_FILE_TMPDIR/relctl-$VERSION.tar.gz" >"$TEST_TMP/list"
	# One top folder; the sources, docs and tests; no build output, no git.
	[ "$(cut -d/ -f1 "$TEST_TMP/list" | sort -u)" = "relctl-$VERSION" ]
	for f in Makefile README.md LICENSE src/main.c src/hook.c include/hook.h docs/relctl.1 \
		playbooks/minimal.yaml scripts/embed-playbooks.sh tests/e2e/helper.bash; do
		grep -qx "relctl-$VERSION/$f" "$TEST_TMP/list" || { echo "missing $f"; return 1; }
	done
	run grep -E "^relctl-$VERSION/(relctl|build/|build-asan/|\.git/|.*\.o$)" "$TEST_TMP/list"
	[ "$status" -eq 1 ]
	# It built (setup_file) without this checkout: the binary is the tarball's own.
	[ ! -e "$DIST/.git" ]
	run "$DIST/relctl" --version
	[ "$status" -eq 0 ]
	[ "$output" = "relctl $VERSION" ]
	# And its built-in starter playbook is the tarball's.
	"$DIST/relctl" playbook new --from tinypilot | cmp - "$DIST/playbooks/tinypilot.yaml"
}

@test "make install puts the binary, the man page and the completions under PREFIX, and uninstall takes them away" {
	local root="$TEST_TMP/root"
	make -s -C "$DIST" install DESTDIR="$root" PREFIX=/usr >/dev/null
	[ -x "$root/usr/bin/relctl" ]
	[ -f "$root/usr/share/man/man1/relctl.1" ]
	"$DIST/relctl" completion bash | cmp - "$root/usr/share/bash-completion/completions/relctl"
	"$DIST/relctl" completion zsh | cmp - "$root/usr/share/zsh/vendor-completions/_relctl"
	"$DIST/relctl" completion fish | cmp - "$root/usr/share/fish/vendor_completions.d/relctl.fish"
	[ "$(stat -c %a "$root/usr/share/zsh/vendor-completions/_relctl")" = 644 ]
	# The man page renders without a warning.
	run bash -c 'MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null' _ "$root/usr/share/man/man1/relctl.1"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# Under /usr/local, zsh's completions go to site-functions, which its fpath has there.
	make -s -C "$DIST" install DESTDIR="$TEST_TMP/local" PREFIX=/usr/local >/dev/null
	[ -f "$TEST_TMP/local/usr/local/share/zsh/site-functions/_relctl" ]
	[ -f "$TEST_TMP/local/usr/local/share/bash-completion/completions/relctl" ]
	make -s -C "$DIST" uninstall DESTDIR="$root" PREFIX=/usr
	[ -z "$(find "$root" -type f)" ]
}

@test "the man page keeps the spaces between words that alternating-font macros print" {
	# groff warns about nothing here: ".BR signing ) its signer" rendered as "signing)itssigner".
	run python3 "$BATS_TEST_DIRNAME/man-spaces.py" "$ROOT/docs/relctl.1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run groff -man -ww -z "$ROOT/docs/relctl.1"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	rendered=$(MANWIDTH=200 man -l "$ROOT/docs/relctl.1" 2>/dev/null | col -bx | tr -s ' \n' '  ')
	[[ "$rendered" == *"(with signing) its signer, every stored view equals the replay"* ]] || { echo "$rendered"; false; }
	[[ "$rendered" == *"PREFIX/bin/relctl, PREFIX/share/man/man1/relctl.1"* ]]
}

@test "each shell finds its installed completion by itself: bash-completion's loader, zsh's fpath, fish's vendor directory" {
	local root="$TEST_TMP/root" share
	make -s -C "$DIST" install DESTDIR="$root" PREFIX=/usr >/dev/null
	share="$root/usr/share"
	init_tinypilot
	export PATH="$root/usr/bin:$PATH"
	# bash: the file defines the completion for relctl when loaded.
	run bash --norc --noprofile -c 'source "$1" && complete -p relctl' _ "$share/bash-completion/completions/relctl"
	[ "$status" -eq 0 ]
	[[ "$output" == *"-F _relctl relctl" ]]
	# zsh: _relctl autoloaded from the directory (#compdef), then TAB.
	run env RELCTL_ZSH_FPATH="$share/zsh/vendor-completions" zsh -f "$BATS_TEST_DIRNAME/complete.zsh" "relctl claim build"
	[ "$status" -eq 0 ]
	[ "$output" = build-rc ]
	# fish: its vendor_completions.d under XDG_DATA_DIRS, nothing sourced (and no
	# configuration of this machine's user: HOME is the test's).
	run env XDG_DATA_DIRS="$share" HOME="$TEST_TMP" XDG_CONFIG_HOME="$TEST_TMP/config" \
		fish -c 'complete -C "relctl claim build"'
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | cut -f1)" = build-rc ]
}

@test "debian/: dpkg-buildpackage -us -uc -b builds a .deb of the tarball with the binary, man page and completions" {
	command -v dpkg-buildpackage >/dev/null && [ -f /usr/share/perl5/Debian/Debhelper/Dh_Lib.pm ] || skip "needs dpkg-dev and debhelper"
	mkdir -p "$TEST_TMP/deb"
	tar -xzf "$BATS_FILE_TMPDIR/relctl-$VERSION.tar.gz" -C "$TEST_TMP/deb"
	[ -x "$TEST_TMP/deb/relctl-$VERSION/debian/rules" ]
	(cd "$TEST_TMP/deb/relctl-$VERSION" && dpkg-buildpackage -us -uc -b) >"$TEST_TMP/deb.log" 2>&1 || { tail -20 "$TEST_TMP/deb.log"; return 1; }
	deb="$TEST_TMP/deb/relctl_${VERSION}_$(dpkg --print-architecture).deb"
	[ -f "$deb" ]
	dpkg-deb -c "$deb" | awk '{print $6}' >"$TEST_TMP/contents"
	for f in usr/bin/relctl usr/share/man/man1/relctl.1.gz usr/share/bash-completion/completions/relctl \
		usr/share/zsh/vendor-completions/_relctl usr/share/fish/vendor_completions.d/relctl.fish \
		usr/share/doc/relctl/copyright; do
		grep -qx "./$f" "$TEST_TMP/contents" || { echo "missing $f"; return 1; }
	done
	# The linked libraries (dpkg-shlibdeps) and those relctl loads on first use (library.h).
	depends=$(dpkg-deb -f "$deb" Depends)
	for lib in libgit2 libcurl4 libmicrohttpd12 libcmark; do
		[[ "$depends" == *"$lib"* ]] || { echo "Depends lacks $lib: $depends"; return 1; }
	done
	[ "$(dpkg-deb -f "$deb" Version)" = "$VERSION" ]
	# Built with Debian's hardening flags on top of relctl's own.
	grep -q -- "-fstack-protector-strong" "$TEST_TMP/deb.log"
}
