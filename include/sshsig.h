/*
 * SSH signatures (OpenSSH's PROTOCOL.sshsig) checked in-process, with the
 * verdict `ssh-keygen -Y verify` gives: the armoured blob ("SSHSIG", a
 * version, the public key, the namespace, a reserved string, the hash
 * algorithm and the signature), the signed data ("SSHSIG", the namespace,
 * an empty reserved string, the hash algorithm and H(message)), and the
 * signature by OpenSSL's EVP for ssh-ed25519, ecdsa-sha2-nistp256/384/521
 * and ssh-rsa keys with rsa-sha2-256/512 signatures.
 *
 * Every byte is untrusted: each length is checked before it is used, and
 * the parse follows OpenSSH 9.2's (sshsig.c, sshbuf, sshkey.c) rule for
 * rule.  Where OpenSSL and OpenSSH could judge a crafted input differently
 * (another key type, a certificate or security key, an ed25519 scalar at or
 * above the group order, an odd ed25519 point), the answer is
 * SSHSIG_UNSUPPORTED and the caller asks ssh-keygen: the two verifiers never
 * disagree.  Nothing here signs, prints or allocates on the caller's behalf
 * beyond struct sshsig.
 */
#ifndef RELCTL_SSHSIG_H
#define RELCTL_SSHSIG_H

#include <stddef.h>
#include <stdint.h>

enum sshsig_verdict {
	SSHSIG_GOOD,        /* it verifies, by the expected key, in the namespace */
	SSHSIG_BAD,         /* ssh-keygen -Y verify refuses it too */
	SSHSIG_UNSUPPORTED, /* a key type or an input only ssh-keygen may judge */
};

/*
 * A parsed signature.  The fields point into blob (the decoded armour),
 * which sshsig_release frees; the strings are as OpenSSH reads them (a NUL
 * only as the last byte, dropped), so namespace_len excludes it.
 */
struct sshsig {
	unsigned char *blob;
	size_t blob_len;
	uint32_t version;
	const unsigned char *key; /* the public key blob, as in a .pub file's base64 */
	size_t key_len;
	const char *namespace;
	size_t namespace_len;
	const char *hash;         /* "sha256" or "sha512" */
	size_t hash_len;
	const unsigned char *signature; /* the signature blob: algorithm and bytes */
	size_t signature_len;
};

/*
 * Reads an armoured signature ("-----BEGIN SSH SIGNATURE-----\n" at the
 * very start, base64, "\n-----END SSH SIGNATURE-----"; anything after the
 * footer is ignored, as ssh-keygen ignores it).  Returns 0 with sig filled,
 * or -1 with *why (a static sentence) when ssh-keygen could not read it
 * either; sig needs sshsig_release in both cases.
 */
int sshsig_parse(struct sshsig *sig, const char *text, size_t len, const char **why);
void sshsig_release(struct sshsig *sig);

/*
 * Checks sig over message in namespace, made by key (a public key blob).
 * SSHSIG_BAD and SSHSIG_GOOD are ssh-keygen's verdict for an allowed-signers
 * line holding key for this namespace; *why says what failed (static).
 */
enum sshsig_verdict sshsig_verify(const struct sshsig *sig, const char *namespace, const void *message,
				  size_t message_len, const unsigned char *key, size_t key_len, const char **why);

#endif
