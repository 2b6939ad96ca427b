/*
 * The in-process SSH signature verifier (src/sshsig.c), on real ssh-keygen
 * signatures of the message "fuzz" (fuzz/corpus-sshsig/good-*.sig, one per
 * key type; file-namespace-* is signed in namespace "file"): each verifies,
 * and each way of spoiling one is refused: another namespace, payload or
 * key, every truncation, every flipped bit outside the version, broken
 * armour or base64.  Key types it leaves to ssh-keygen say so.  Last, the
 * fuzz target (fuzz/fuzz_sshsig.c, included below) replays every file of
 * fuzz/corpus-sshsig, as `make fuzz-sshsig` starts from them.  The tests
 * run from the top of the checkout (tests/run.sh does), or from
 * SSHSIG_CORPUS's directory.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "crypto.h"
#include "file.h"
#include "sshsig.h"

/* The fuzz target itself, so that the replay runs exactly what libFuzzer runs. */
#include "../../fuzz/fuzz_sshsig.c"

static const char *const good[] = { "good-ed25519.sig",  "good-ed25519-sha256.sig", "good-ecdsa256.sig",
				     "good-ecdsa384.sig", "good-ecdsa521.sig",      "good-rsa.sig" };
#define GOOD_COUNT (sizeof(good) / sizeof(good[0]))

static const char *corpus(void)
{
	const char *dir = getenv("SSHSIG_CORPUS");

	return dir && dir[0] ? dir : "fuzz/corpus-sshsig";
}

static void read_corpus_file(const char *name, struct buf *out)
{
	char *path = xasprintf("%s/%s", corpus(), name);
	struct error err;

	buf_init(out);
	if (file_read(path, 1 << 20, out, &err) != 0)
		fail_msg("%s", err.message);
	free(path);
}

/* The decoded blob of a corpus signature. */
static unsigned char *blob_of(const char *name, size_t *len)
{
	struct buf text;
	struct sshsig sig;
	const char *why;
	unsigned char *blob;

	read_corpus_file(name, &text);
	assert_int_equal(sshsig_parse(&sig, text.data, text.len, &why), 0);
	blob = xmalloc(sig.blob_len);
	memcpy(blob, sig.blob, sig.blob_len);
	*len = sig.blob_len;
	sshsig_release(&sig);
	buf_release(&text);
	return blob;
}

static char *armour(const unsigned char *blob, size_t len)
{
	char *b64 = base64_encode(blob, len);
	struct buf text;
	size_t i;

	buf_init(&text);
	buf_adds(&text, "-----BEGIN SSH SIGNATURE-----\n");
	for (i = 0; i < strlen(b64); i += 70)
		buf_addf(&text, "%.70s\n", b64 + i);
	buf_adds(&text, "-----END SSH SIGNATURE-----\n");
	free(b64);
	return buf_detach(&text);
}

/*
 * The verdict on text over message in namespace, against the key of the
 * corpus signature key_of (NULL: the signature's own key); a parse failure
 * is SSHSIG_BAD, as ssh-keygen refuses what it cannot read.
 */
static enum sshsig_verdict verdict(const char *text, size_t len, const char *namespace, const char *message,
				   const char *key_of)
{
	struct sshsig sig, other;
	struct buf other_text;
	const char *why = NULL;
	enum sshsig_verdict v = SSHSIG_BAD;

	if (sshsig_parse(&sig, text, len, &why) != 0) {
		assert_non_null(why);
		sshsig_release(&sig);
		return SSHSIG_BAD;
	}
	if (key_of == NULL) {
		v = sshsig_verify(&sig, namespace, message, strlen(message), sig.key, sig.key_len, &why);
	} else {
		read_corpus_file(key_of, &other_text);
		assert_int_equal(sshsig_parse(&other, other_text.data, other_text.len, &why), 0);
		v = sshsig_verify(&sig, namespace, message, strlen(message), other.key, other.key_len, &why);
		sshsig_release(&other);
		buf_release(&other_text);
	}
	if (v != SSHSIG_GOOD)
		assert_non_null(why);
	sshsig_release(&sig);
	return v;
}

static enum sshsig_verdict blob_verdict(const unsigned char *blob, size_t len)
{
	char *text = armour(blob, len);
	enum sshsig_verdict v = verdict(text, strlen(text), "git", "fuzz", NULL);

	free(text);
	return v;
}

static void ssh_keygen_signatures_of_every_type_verify(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < GOOD_COUNT; i++) {
		struct buf text;

		read_corpus_file(good[i], &text);
		if (verdict(text.data, text.len, "git", "fuzz", NULL) != SSHSIG_GOOD)
			fail_msg("%s does not verify", good[i]);
		/* The same key written again (the allowed signer's copy) is the same key. */
		assert_int_equal(verdict(text.data, text.len, "git", "fuzz", good[i]), SSHSIG_GOOD);
		buf_release(&text);
	}
}

static void another_namespace_payload_or_key_is_refused(void **state)
{
	struct buf text, file;
	size_t i;

	(void)state;
	for (i = 0; i < GOOD_COUNT; i++) {
		read_corpus_file(good[i], &text);
		assert_int_equal(verdict(text.data, text.len, "file", "fuzz", NULL), SSHSIG_BAD);
		assert_int_equal(verdict(text.data, text.len, "gi", "fuzz", NULL), SSHSIG_BAD);
		assert_int_equal(verdict(text.data, text.len, "git", "fuzz\n", NULL), SSHSIG_BAD);
		assert_int_equal(verdict(text.data, text.len, "git", "", NULL), SSHSIG_BAD);
		/* Signed by one key, expected from the next one (of another type, or the same type's other file). */
		assert_int_equal(verdict(text.data, text.len, "git", "fuzz", good[(i + 2) % GOOD_COUNT]), SSHSIG_BAD);
		buf_release(&text);
	}
	read_corpus_file("file-namespace-ecdsa256.sig", &file);
	assert_int_equal(verdict(file.data, file.len, "git", "fuzz", NULL), SSHSIG_BAD);
	assert_int_equal(verdict(file.data, file.len, "file", "fuzz", NULL), SSHSIG_GOOD);
	buf_release(&file);
}

static void every_truncation_is_refused(void **state)
{
	size_t i, n, len;

	(void)state;
	for (i = 0; i < GOOD_COUNT; i++) {
		unsigned char *blob = blob_of(good[i], &len);
		struct buf text;

		for (n = 0; n < len; n++)
			assert_int_equal(blob_verdict(blob, n), SSHSIG_BAD);
		read_corpus_file(good[i], &text);
		for (n = 0; n < text.len; n++) {
			/* Cut before the footer's end: no footer.  After it: ssh-keygen ignores the rest too. */
			enum sshsig_verdict v = verdict(text.data, n, "git", "fuzz", NULL);

			assert_int_equal(v, n >= text.len - 1 ? SSHSIG_GOOD : SSHSIG_BAD);
		}
		buf_release(&text);
		free(blob);
	}
}

static void every_flipped_bit_but_the_versions_is_refused(void **state)
{
	size_t i, bit, len;

	(void)state;
	for (i = 0; i < GOOD_COUNT; i++) {
		unsigned char *blob = blob_of(good[i], &len);

		for (bit = 0; bit < len * 8; bit++) {
			size_t byte = bit / 8;
			enum sshsig_verdict v;

			blob[byte] ^= (unsigned char)(1u << (bit % 8));
			v = blob_verdict(blob, len);
			blob[byte] ^= (unsigned char)(1u << (bit % 8));
			/* Version 1 -> 0 still verifies (sshsig_parse_preamble refuses only newer ones). */
			if (byte == 9 && bit % 8 == 0)
				assert_int_equal(v, SSHSIG_GOOD);
			else if (v == SSHSIG_GOOD)
				fail_msg("%s with bit %zu flipped verifies", good[i], bit);
		}
		free(blob);
	}
}

static void broken_armour_or_base64_is_refused(void **state)
{
	struct buf text, changed;
	size_t at;

	(void)state;
	read_corpus_file("good-ed25519.sig", &text);
	/* The header must open the text, with LF. */
	buf_init(&changed);
	buf_addf(&changed, " %s", text.data);
	assert_int_equal(verdict(changed.data, changed.len, "git", "fuzz", NULL), SSHSIG_BAD);
	buf_reset(&changed);
	buf_adds(&changed, "-----BEGIN SSH SIGNATURE-----\r\n");
	buf_adds(&changed, text.data + strlen("-----BEGIN SSH SIGNATURE-----\n"));
	assert_int_equal(verdict(changed.data, changed.len, "git", "fuzz", NULL), SSHSIG_BAD);
	/* A character outside base64, and a NUL inside the base64. */
	buf_reset(&changed);
	buf_add(&changed, text.data, text.len);
	at = strlen("-----BEGIN SSH SIGNATURE-----\n") + 5;
	changed.data[at] = '!';
	assert_int_equal(verdict(changed.data, changed.len, "git", "fuzz", NULL), SSHSIG_BAD);
	changed.data[at] = '\0';
	assert_int_equal(verdict(changed.data, changed.len, "git", "fuzz", NULL), SSHSIG_BAD);
	/* White space anywhere in the base64 is fine, as b64_pton skips it. */
	buf_reset(&changed);
	buf_add(&changed, text.data, at);
	buf_adds(&changed, " \t\r\n");
	buf_adds(&changed, text.data + at);
	assert_int_equal(verdict(changed.data, changed.len, "git", "fuzz", NULL), SSHSIG_GOOD);
	buf_release(&changed);
	buf_release(&text);
}

static void stray_bits_after_the_last_byte_are_refused(void **state)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len, i;
	unsigned char *blob = blob_of("good-ed25519.sig", &len);
	char *text = armour(blob, len), *pad = strchr(text, '='), *last;

	(void)state;
	assert_non_null(pad); /* an ed25519 signature's blob is not a multiple of three bytes */
	assert_int_equal(verdict(text, strlen(text), "git", "fuzz", NULL), SSHSIG_GOOD);
	last = pad - 1;
	i = (size_t)(strchr(alphabet, *last) - alphabet);
	*last = alphabet[i | 1];
	assert_int_equal(verdict(text, strlen(text), "git", "fuzz", NULL), SSHSIG_BAD);
	free(text);
	free(blob);
}

/* A blob whose key is of type name (and an ed25519 key's body), the rest of good-ed25519's. */
static enum sshsig_verdict verdict_with_key_type(const char *name)
{
	size_t len, key_len, n = strlen(name), at = 10;
	unsigned char *blob = blob_of("good-ed25519.sig", &len), *changed;
	enum sshsig_verdict v;

	key_len = (size_t)blob[at] << 24 | (size_t)blob[at + 1] << 16 | (size_t)blob[at + 2] << 8 | blob[at + 3];
	changed = xmalloc(len + n + 64);
	memcpy(changed, blob, at);
	/* The new key: length, type name, then the old key's body after its own name. */
	{
		size_t old_name = 11, body = key_len - 4 - old_name, new_len = 4 + n + body;

		changed[at] = (unsigned char)(new_len >> 24);
		changed[at + 1] = (unsigned char)(new_len >> 16);
		changed[at + 2] = (unsigned char)(new_len >> 8);
		changed[at + 3] = (unsigned char)new_len;
		changed[at + 4] = changed[at + 5] = changed[at + 6] = 0;
		changed[at + 7] = (unsigned char)n;
		memcpy(changed + at + 8, name, n);
		memcpy(changed + at + 8 + n, blob + at + 4 + 4 + old_name, body);
		memcpy(changed + at + 8 + n + body, blob + at + 4 + key_len, len - at - 4 - key_len);
		v = blob_verdict(changed, len + n - old_name);
	}
	free(changed);
	free(blob);
	return v;
}

static void key_types_it_does_not_handle_are_left_to_ssh_keygen(void **state)
{
	(void)state;
	assert_int_equal(verdict_with_key_type("ssh-ed25519"), SSHSIG_GOOD);
	assert_int_equal(verdict_with_key_type("sk-ssh-ed25519@openssh.com"), SSHSIG_UNSUPPORTED);
	assert_int_equal(verdict_with_key_type("ssh-ed25519-cert-v01@openssh.com"), SSHSIG_UNSUPPORTED);
	/* OpenSSH's short names read as the same type; ssh-keygen judges those. */
	assert_int_equal(verdict_with_key_type("ED25519"), SSHSIG_UNSUPPORTED);
}

static void the_fuzz_corpus_replays(void **state)
{
	DIR *dir = opendir(corpus());
	struct dirent *e;
	size_t count = 0;

	(void)state;
	if (dir == NULL)
		fail_msg("cannot open %s (run from the top of the checkout, or set SSHSIG_CORPUS)", corpus());
	while ((e = readdir(dir)) != NULL) {
		struct buf data;

		if (e->d_name[0] == '.')
			continue;
		read_corpus_file(e->d_name, &data);
		assert_int_equal(LLVMFuzzerTestOneInput((const uint8_t *)data.data, data.len), 0);
		buf_release(&data);
		count++;
	}
	closedir(dir);
	assert_true(count >= GOOD_COUNT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ssh_keygen_signatures_of_every_type_verify),
		cmocka_unit_test(another_namespace_payload_or_key_is_refused),
		cmocka_unit_test(every_truncation_is_refused),
		cmocka_unit_test(every_flipped_bit_but_the_versions_is_refused),
		cmocka_unit_test(broken_armour_or_base64_is_refused),
		cmocka_unit_test(stray_bits_after_the_last_byte_are_refused),
		cmocka_unit_test(key_types_it_does_not_handle_are_left_to_ssh_keygen),
		cmocka_unit_test(the_fuzz_corpus_replays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
