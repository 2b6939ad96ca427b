/*
 * libFuzzer harness for the SSH signature parser and verifier (`make
 * fuzz-sshsig`): any bytes go to sshsig_parse() as an armoured signature
 * (when they open with "-----BEGIN") or as the blob inside one (armoured
 * here, so that mutations reach the fields rather than the base64), and
 * what parses is verified over the message "fuzz" in namespace git, both
 * against its own key and against a fixed ed25519 key.  It must answer and
 * never crash, leak, read out of bounds or trip a sanitizer, and what it
 * reports must lie inside the decoded blob.
 *
 * Seeds are in fuzz/corpus-sshsig: real ssh-keygen signatures of "fuzz"
 * with each key type, armoured (*.sig) and a few as raw blobs (*.bin).  tests/unit/test_sshsig.c replays them through this
 * very function in `make check`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "sshsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The blob of an ed25519 key (string "ssh-ed25519", string of 32 bytes). */
static const unsigned char fixed_key[] = {
	0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 32,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

static int inside(const struct sshsig *sig, const void *p, size_t len)
{
	const unsigned char *at = p;

	return at >= sig->blob && len <= sig->blob_len && (size_t)(at - sig->blob) <= sig->blob_len - len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf text;
	struct sshsig sig;
	const char *why = NULL;
	size_t i;

	if (size > 65536)
		return 0;
	buf_init(&text);
	if (size >= 10 && memcmp(data, "-----BEGIN", 10) == 0) {
		buf_add(&text, data, size);
	} else {
		char *b64 = base64_encode(data, size);

		buf_adds(&text, "-----BEGIN SSH SIGNATURE-----\n");
		for (i = 0; i < strlen(b64); i += 70)
			buf_addf(&text, "%.70s\n", b64 + i);
		buf_adds(&text, "-----END SSH SIGNATURE-----\n");
		free(b64);
	}
	if (sshsig_parse(&sig, text.data, text.len, &why) == 0) {
		if (!inside(&sig, sig.key, sig.key_len) || !inside(&sig, sig.namespace, sig.namespace_len) ||
		    !inside(&sig, sig.hash, sig.hash_len) || !inside(&sig, sig.signature, sig.signature_len))
			abort();
		why = NULL;
		if (sshsig_verify(&sig, "git", "fuzz", 4, sig.key, sig.key_len, &why) != SSHSIG_GOOD && why == NULL)
			abort();
		/* Another key can only be refused or left to ssh-keygen. */
		if (sshsig_verify(&sig, "git", "fuzz", 4, fixed_key, sizeof(fixed_key), &why) == SSHSIG_GOOD &&
		    (sig.key_len != sizeof(fixed_key) || memcmp(sig.key, fixed_key, sizeof(fixed_key)) != 0))
			abort();
	} else if (why == NULL) {
		abort();
	}
	sshsig_release(&sig);
	buf_release(&text);
	return 0;
}
