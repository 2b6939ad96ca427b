#!/usr/bin/zsh -f
# complete.zsh LINE: the matches zsh's own completion system offers for LINE,
# one per line, sorted.  LINE is typed into an interactive zsh in a
# pseudo-terminal (zsh/zpty) and completed with TAB; a compadd wrapper there
# prints every match the completion functions add (after zsh matched them
# against what was typed).  compinit and `relctl completion zsh` are loaded
# first (or, with RELCTL_ZSH_FPATH set, _relctl is autoloaded from that
# directory, as an installed one is); relctl must be on PATH.  With
# RELCTL_ZSH_COMPDUMP naming a dump that compinit wrote for the same fpath,
# compinit loads it (-C), as a user's shell loads ~/.zcompdump, instead of
# reading every completion function's file again (seconds each time).  (The markers
# are written in two pieces so that the terminal's echo of the typed
# commands never contains them.)
zmodload zsh/zpty || exit 2
zpty shell zsh -f -i
zpty -w shell 'PROMPT=; RPROMPT=; LISTMAX=100000; unsetopt beep'
if [[ -n $RELCTL_ZSH_FPATH ]]; then
	zpty -w shell "fpath=(${(q)RELCTL_ZSH_FPATH} \$fpath); autoload -Uz compinit && compinit -u -D"
elif [[ -n $RELCTL_ZSH_COMPDUMP ]]; then
	zpty -w shell "autoload -Uz compinit && compinit -u -C -d ${(q)RELCTL_ZSH_COMPDUMP}"
	zpty -w shell 'source <(relctl completion zsh)'
else
	zpty -w shell 'autoload -Uz compinit && compinit -u -D'
	zpty -w shell 'source <(relctl completion zsh)'
fi
zpty -w shell 'compadd() {
	local -a found
	if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi
	builtin compadd -O found "$@"
	(( ${#found} )) && print -rl -- "${found[@]/#/<<ma""tch>>}"
	builtin compadd "$@"
}'
zpty -w shell '_relctl_test_end() { print -r -- "<<e""nd>>"; }; comppostfuncs=(_relctl_test_end)'
zpty -w shell 'print -r -- "<<rea""dy>>"'
zpty -r -m shell out '*<<ready>>*' || exit 2
zpty -w -n shell "$1"$'\t'
zpty -r -m shell out '*<<end>>*' || exit 2
print -r -- "$out" | tr -d '\r' | sed -n 's/^.*<<match>>//p' | sort -u
zpty -d shell
