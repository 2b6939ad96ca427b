#!/usr/bin/env bats
# relctl checks ssh signatures in-process (src/sshsig.c) and leaves to
# ssh-keygen only the key types it does not handle.  The two must never
# disagree: real ssh-keygen keys of each type (ed25519, ecdsa 256/384/521,
# rsa with rsa-sha2-512 from ssh-keygen and rsa-sha2-256 made by openssl)
# sign messages, and hundreds of cases (good, corrupted, truncated, wrong
# namespace, wrong key, wrong payload, and hand-made edge cases of the
# format; tests/e2e/sshsig-cases.py) go to both relctl's verifier
# (build/tests/sshsig_verdicts) and `ssh-keygen -Y verify`.

load helper

setup_file() {
	export WORK="$BATS_FILE_TMPDIR/sshsig"
	mkdir -p "$WORK"
	cd "$WORK" || return 1
	local kind
	for kind in ed25519 ecdsa256 ecdsa384 ecdsa521 rsa; do
		for name in "$kind" "$kind-other"; do
			case $kind in
			ed25519) ssh-keygen -q -t ed25519 -N "" -C "$name" -f "$name" ;;
			ecdsa*) ssh-keygen -q -t ecdsa -b "${kind#ecdsa}" -N "" -C "$name" -f "$name" ;;
			rsa) ssh-keygen -q -t rsa -b 2048 -m PEM -N "" -C "$name" -f "$name" ;;
			esac
		done
	done
	python3 - <<-'EOF'
		import os
		r = os.urandom
		messages = [b"", b"a", b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.com> 1 +0000\n\nrelease\n",
		            bytes(range(256)) + "r\u00e9sum\u00e9\n".encode(), r(65536)]
		for i, m in enumerate(messages):
		    open("msg-%d" % i, "wb").write(m)
	EOF
	local message hash=sha512
	for kind in ed25519 ecdsa256 ecdsa384 ecdsa521 rsa; do
		for message in msg-*; do
			hash=$([ "$hash" = sha512 ] && echo sha256 || echo sha512)
			ssh-keygen -q -Y sign -n git -O hashalg=$hash -f "$kind" "$message" 2>/dev/null
			mv "$message.sig" "$kind-$message.sig"
			ssh-keygen -q -Y sign -n file -f "$kind" "$message" 2>/dev/null
			mv "$message.sig" "$kind-$message.file.sig"
		done
	done
	python3 "$BATS_TEST_DIRNAME/sshsig-cases.py" "$WORK" >cases
	# relctl's verdicts, then ssh-keygen's, one line per case.
	cut -d' ' -f2- cases | "${RELCTL_BUILD:-$ROOT/build}/tests/sshsig_verdicts" >relctl-verdicts
	# ssh-keygen once per case, four at a time (each is a process start).
	local name sig msg ns key
	split -n l/4 -d cases part-
	local part
	for part in part-0*; do
		while read -r name sig msg ns key; do
			if ssh-keygen -Y verify -f "$key.allowed" -I test@example.com -n "$ns" -s "$sig" <"$msg" >/dev/null 2>&1; then
				echo good
			else
				echo bad
			fi
		done <"$part" >"$part.verdicts" &
	done
	wait
	cat part-0*.verdicts >ssh-keygen-verdicts
	paste -d' ' cases relctl-verdicts ssh-keygen-verdicts | awk '{print $1, $6, $7}' >verdicts
}

@test "hundreds of cases of every key type: relctl's verifier and ssh-keygen -Y verify give the same verdict" {
	cd "$WORK"
	[ "$(wc -l <cases)" -ge 500 ] || { wc -l cases; false; }
	[ "$(wc -l <relctl-verdicts)" -eq "$(wc -l <cases)" ]
	# Left to ssh-keygen ("unsupported"): what the tests make for it, and a
	# corruption that renamed the key type (one of the first bytes of the blob).
	run awk '$2 == "unsupported" && $1 !~ /(-s-plus-order|-short-name|-corrupt-blob|-corrupt-text)$/' verdicts
	[ -z "$output" ] || { echo "$output"; false; }
	[ "$(grep -c -e '-corrupt-[a-z]* unsupported' verdicts)" -le "$(($(grep -c -e '-corrupt-' verdicts) / 8))" ]
	run awk '$2 != "unsupported" && $2 != $3' verdicts
	[ -z "$output" ] || { echo "disagreements (case relctl ssh-keygen):"; echo "$output"; false; }
}

@test "the good signatures of every type, rsa-sha2-256 and -512 included, verify in-process; ssh-rsa (SHA-1) does not" {
	cd "$WORK"
	local kind
	for kind in ed25519 ecdsa256 ecdsa384 ecdsa521 rsa rsa-rsa-sha2-256; do
		run awk -v k="$kind-good" -v k2="$kind" '($1 == k || $1 == k2) && ($2 != "good" || $3 != "good")' verdicts
		[ -z "$output" ] || { echo "$output"; false; }
		[ "$(grep -c -e "^$kind-good good good" -e "^$kind good good" verdicts)" -eq 5 ] || { grep "^$kind" verdicts | head; false; }
	done
	run awk '$1 == "rsa-ssh-rsa" && !($2 == "bad" && $3 == "bad")' verdicts
	[ -z "$output" ] || { echo "$output"; false; }
	[ "$(grep -c '^rsa-ssh-rsa bad bad' verdicts)" -eq 5 ]
}

@test "the bad cases are refused by both: every corruption, truncation, wrong key, namespace and payload" {
	cd "$WORK"
	local variant
	for variant in wrong-payload wrong-key wrong-key-type wrong-namespace wrong-namespace-asked truncated-text; do
		run awk -v v="-$variant\$" '$1 ~ v && !($2 == "bad" && $3 == "bad")' verdicts
		[ -z "$output" ] || { echo "$output"; false; }
		[ "$(grep -c -- "-$variant bad bad" verdicts)" -ge 25 ] || { grep -c -- "-$variant " verdicts; false; }
	done
	# The edge cases that ssh-keygen accepts are accepted in-process too.
	for variant in version-0 reserved-not-empty namespace-ending-in-nul hash-ending-in-nul key-type-ending-in-nul \
		one-line spaces-and-tabs after-footer no-final-newline nul-ending-body; do
		[ "$(grep -c -- "-$variant good good" verdicts)" -eq 5 ] || { grep -- "-$variant " verdicts; false; }
	done
	grep -q '^rsa-rsa-e-with-leading-zero good good' verdicts
}
