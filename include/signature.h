/*
 * Signatures on ledger commits, made and checked the way git makes and
 * checks them with gpg.format=ssh, by running ssh-keygen (or the program
 * git config gpg.ssh.program names):
 *
 *   signing    ssh-keygen -Y sign -n git -f KEY [-U] FILE, with the key
 *              git config user.signingKey names: a key file, or a
 *              "key::ssh-ed25519 AAAA..." literal whose private half is in
 *              ssh-agent (-U).  relctl never reads a private key.
 *   checking   ssh-keygen -Y find-principals and -Y verify -n git against
 *              an allowed-signers text, which signature_allowed_signers
 *              derives from a playbook (principal = the person's email).
 *
 * Nothing here prints; every function returns 0 or -1 with err set (or, as
 * documented, 1).  Signatures and payloads are kept in private temporary
 * files for the moment ssh-keygen needs them (it reads signatures from
 * files only).
 */
#ifndef RELCTL_SIGNATURE_H
#define RELCTL_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

struct playbook;
struct store;

/* ---------- the signing setup, from git config ---------- */

struct signing_setup {
	char *program;    /* gpg.ssh.program (~ expanded), else "ssh-keygen" */
	char *key;        /* a key file (~ expanded), or the public key line of a literal */
	bool literal;     /* key is a public key whose private half is in ssh-agent: -U */
	char *public_key; /* "TYPE BASE64 [COMMENT]" when known (a literal, a .pub file, or KEY.pub); else NULL */
};

/*
 * The program git runs for ssh signatures: git config gpg.ssh.program (~/
 * expanded), else "ssh-keygen".  *program is the caller's.
 */
int signature_program(struct store *store, char **program, struct error *err);

/*
 * Reads the signing setup from git config as `git commit -S` would:
 * gpg.format must be ssh; the key is user.signingKey (a "key::" or "ssh-"
 * literal, else a file path), or the first key gpg.ssh.defaultKeyCommand
 * prints.  Returns 0 with setup filled; 1 when no ssh signing key is
 * configured (err, EXIT_NOPERM, holds one line with the exact `git config`
 * commands to run); -1 when it is configured but unusable (EXIT_CONFIG: an
 * unknown gpg.format, a key file that cannot be read, a literal without
 * SSH_AUTH_SOCK).  Release setup in every case.
 */
int signature_setup_read(struct store *store, struct signing_setup *setup, struct error *err);
void signature_setup_release(struct signing_setup *setup);

/*
 * Signs payload with the setup's key (ssh-keygen -Y sign -n git) and
 * appends the armoured "-----BEGIN SSH SIGNATURE-----" block to signature.
 * ssh-keygen's complaint, when it fails, is in err (EXIT_NOPERM).
 */
int signature_sign(const struct signing_setup *setup, const char *payload, size_t len, struct buf *signature,
		   struct error *err);

/* signature_sign in the form of store_author.sign; ctx is a const struct signing_setup *. */
int signature_signer(void *ctx, const char *payload, size_t len, struct buf *signature, struct error *err);

/* ---------- checking ---------- */

/*
 * The allowed-signers file for pb (the format of ssh-keygen(1) "ALLOWED
 * SIGNERS", the file git config gpg.ssh.allowedSignersFile names): one line
 * per key, `EMAIL namespaces="git" TYPE BASE64` (with cert-authority for a
 * certificate authority), each person's lines after a "# ID" comment.
 * People without keys have no line.  Caller frees.
 */
char *signature_allowed_signers(const struct playbook *pb);

enum signature_status {
	SIGNATURE_UNSIGNED,    /* no signature at all */
	SIGNATURE_GOOD,        /* it verifies, with a key the allowed signers list for principal */
	SIGNATURE_UNKNOWN_KEY, /* made with a key that the allowed signers do not list */
	SIGNATURE_BAD,         /* it does not verify: altered payload, another namespace, not a signature */
};

/*
 * One signature to check.  The caller zeroes it and fills the first part
 * (borrowed; allowed_signers is required); the check fills the rest, which
 * signature_check_release frees (a check may be run again).  A caller
 * compares principal with the email of the person who should have signed:
 * a GOOD signature by another person's key is not this person's.
 */
struct signature_check {
	const char *payload;   /* the signed text (store_commit_info's signed_data) */
	size_t payload_len;
	const char *signature; /* the armoured signature; NULL: unsigned */
	size_t signature_len;
	const char *allowed_signers; /* the allowed-signers text to check against */
	time_t when;                 /* the commit's time, for keys with valid-after/before; 0: now */
	bool program_only;           /* leave everything to the program, even what sshsig.c can settle (tests) */

	enum signature_status status;
	char *principal;   /* GOOD: the principal (email) whose key it is; else NULL */
	char *fingerprint; /* "SHA256:..." of the signing key; NULL when unsigned or unreadable */
	char *detail;      /* BAD: why, in ssh-keygen's words (one line); else NULL */
};

void signature_check_release(struct signature_check *check);

/* The check of commit info's signature against the allowed signers text (all borrowed). */
struct store_commit_info;
void signature_check_commit(struct signature_check *check, const struct store_commit_info *info, const char *allowed);

/*
 * Checks one signature as `git verify-commit` does.  Returns 0 with the
 * outcome in check (a bad signature is an outcome, not an error); -1 when
 * the program cannot be run (EXIT_UNAVAILABLE) or temporary files cannot be
 * written (EXIT_IOERR).
 */
int signature_verify(const char *program, struct signature_check *check, struct error *err);

/*
 * Checks count signatures, at most jobs ssh-keygen processes at a time
 * (0: twice the number of processors).  Identical checks (same signature,
 * payload, allowed signers and time) run once.  A signature by a key of a
 * type sshsig.c handles (ed25519, ecdsa, rsa), listed on one line of the
 * allowed-signers text as signature_allowed_signers writes it, is checked
 * in-process, with ssh-keygen's verdict and no process.  For the rest, the
 * principal of each signature's key is looked up in the allowed-signers
 * text itself, so a good signature costs one ssh-keygen -Y verify; anything
 * else takes git's own way (find-principals, then verify as each
 * principal).  Returns as signature_verify does.
 */
int signature_verify_batch(const char *program, struct signature_check *checks, size_t count, size_t jobs,
			   struct error *err);

/* The fingerprint ssh-keygen -l gives a public key ("SHA256:..."), from its base64; NULL when not base64. */
char *signature_key_fingerprint(const char *base64);

#endif
