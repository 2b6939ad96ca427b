#!/usr/bin/env bats
# Completion in the three shells, each the real one (bash, zsh, fish from
# Debian): the script `relctl completion SHELL` prints is loaded, a command
# line is completed, and every shell must offer the same words: commands,
# options, step ids, people, releases, finding ids, choices and files.
#   bash: _relctl called with COMP_WORDS/COMP_CWORD, as complete -F does;
#   zsh:  typed into an interactive zsh in a pseudo-terminal, then TAB
#         (complete.zsh captures what zsh's completion system adds);
#   fish: complete -C LINE.

load helper

# zsh's compinit reads every completion function's file (seconds): once per
# file, into a dump that each completion below loads, as a user's shell does.
setup_file() {
	export RELCTL_ZSH_COMPDUMP="$BATS_FILE_TMPDIR/zcompdump"
	zsh -f -c 'autoload -Uz compinit && compinit -u -d "$1"' _ "$RELCTL_ZSH_COMPDUMP"
	[ -s "$RELCTL_ZSH_COMPDUMP" ]
}

setup() {
	init_tinypilot
	relctl start 2.6.3 >/dev/null
	as david finding add "Static IP page shows an error" --severity major >/dev/null
	as david finding add "Typo on the update page" --severity minor >/dev/null
	OPEN=$(ledger 2.6.3 | jq -r '.findings[0].id')
	as jan finding update "$(ledger 2.6.3 | jq -r '.findings[1].id')" --close --note "fixed" >/dev/null
	touch playbook.yaml plan.txt
	PATH="$(cd "$(dirname "$RELCTL")" && pwd):$PATH"
	[ "$(type -P relctl)" -ef "$RELCTL" ]
}

teardown() {
	cleanup_repo
}

# in_SHELL LINE: the words SHELL offers for LINE (which may end with a space), sorted.
in_bash() {
	bash --norc --noprofile -c 'source <(relctl completion bash) || exit 2
		read -ra COMP_WORDS <<<"$1"
		[[ $1 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_relctl
		printf "%s\n" "${COMPREPLY[@]}"' _ "$1" | sed '/^$/d' | sort -u
}

in_zsh() {
	timeout 20 zsh -f "$BATS_TEST_DIRNAME/complete.zsh" "$1"
}

in_fish() {
	fish -N -c 'relctl completion fish | source; complete -C $argv[1]' "$1" | cut -f1 | sort -u
}

# offers LINE WORD...: every shell offers exactly these words for LINE.
offers() {
	local line=$1 shell got want
	shift
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort -u)
	for shell in bash zsh fish; do
		got=$("in_$shell" "$line") || { echo "$shell failed on '$line'"; return 1; }
		if [ "$got" != "$want" ]; then
			printf '%s offers for "%s":\n%s\nwanted:\n%s\n' "$shell" "$line" "$got" "$want"
			return 1
		fi
	done
}

@test "the three scripts load in their shells and complete command names" {
	offers "relctl cl" claim
	offers "relctl re" releases remind reopen report review
	offers "relctl fi" finding
	# Every command of the table, once (finding and playbook as one word), and help.
	offers "relctl " $(relctl completion commands)
	[ "$(relctl completion commands | grep -c '^finding$')" -eq 1 ]
	offers "relctl help fi" finding
	offers "relctl finding " add list update
	offers "relctl playbook " new show update
	offers "relctl completion " bash fish zsh
}

@test "step ids, people, releases and finding ids come from this repository's ledger" {
	offers "relctl claim " $(relctl playbook show "$PLAYBOOK" --json | jq -r '.steps[].id')
	offers "relctl claim draft-a" draft-advisories draft-announcement
	offers "relctl show test-v" test-voyager
	offers "relctl assign build-rc " cristina david jan lena maria michael shalom
	offers "relctl assign build-rc ma" maria
	offers "relctl status " 2.6.3
	offers "relctl report " 2.6.3
	# Only the open finding: the closed one is done with.
	offers "relctl finding update " "$OPEN"
	# Options and their values are skipped when counting positionals.
	offers "relctl assign --release 2.6.3 build-rc " cristina david jan lena maria michael shalom
	offers "relctl done --release 2.6.3 build" build-rc
	# A new release's version is new: nothing to offer.
	offers "relctl start "
}

@test "a newline or a tab in a teammate's finding title stays inside its description: no other word is offered" {
	as david finding add "$(printf 'Banner flickers\nrm -rf\t/')" --severity minor >/dev/null
	evil=$(ledger 2.6.3 | jq -r '.findings[-1].id')
	offers "relctl finding update " "$OPEN" "$evil"
	run relctl completion candidates -- finding update ""
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ] || { echo "$output"; false; }
	has "$evil"$'\t''Banner flickers\nrm -rf\t/'
}

@test "options, and the values of options with a fixed set or a kind" {
	offers "relctl claim --" --help --offline --release
	offers "relctl run publish-changelog --" --dry-run --force --help --release
	offers "relctl claim build-rc --re" --release
	offers "relctl report 2.6.3 --format " html json md
	offers "relctl finding add X --severity " blocker major minor
	offers "relctl finding update $OPEN --risk " high low medium
	offers "relctl review build-rc " approve reject
	offers "relctl decide " abort delay ship
	offers "relctl playbook new --from " library minimal runtime tinypilot
	offers "relctl finding add X --step build" build-rc
	# --step of brief, decide and input: the decision steps only.
	offers "relctl decide ship --step " decide
	offers "relctl brief --step " decide
	offers "relctl input --note x --step " decide
	offers "relctl claim build-rc --release " 2.6.3
	offers "relctl input --role d" dev
	offers "relctl --v" --version
}

@test "files where a command takes a file" {
	offers "relctl lint pl" plan.txt playbook.yaml
	offers "relctl playbook show play" playbook.yaml
	offers "relctl playbook update pla" plan.txt playbook.yaml
	offers "relctl init --playbook playb" playbook.yaml
	offers "relctl report 2.6.3 --output pla" plan.txt playbook.yaml
}

@test "outside a relctl repository the lists are empty, quietly, and commands still complete" {
	cd "$TEST_TMP"
	offers "relctl claim "
	offers "relctl status "
	offers "relctl cla" claim
	run relctl completion candidates -- claim ""
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "completion prints one script per shell and refuses others" {
	run relctl completion zsh
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "#compdef relctl" ]
	run relctl completion fish
	[ "$status" -eq 0 ]
	[[ "$output" == *"complete -c relctl"* ]]
	run relctl completion tcsh
	[ "$status" -eq 64 ]
	[[ "$output" == *"bash, zsh and fish"* ]]
}
