/*
 * ssh signatures as git makes and checks them (gpg-interface.c in git):
 * the setup from git config, ssh-keygen -Y sign on a private copy of the
 * payload, and ssh-keygen -Y find-principals / -Y verify against an
 * allowed-signers text.  Checking many commits is the expensive part, so
 * the batch check runs identical checks once and settles in-process
 * (sshsig.c) every signature whose verdict is certain to be ssh-keygen's:
 * one that reads, by a key of a type sshsig handles, listed on exactly one
 * plain line of the allowed-signers text.  The rest go to ssh-keygen in
 * parallel, each key's principal found in the allowed-signers text itself:
 * ssh-keygen -Y verify -I PRINCIPAL then checks everything that matters
 * (that the file lists that key for that principal and namespace, and the
 * signature), so a wrong guess can only make a check fall back to git's
 * own two steps, never pass.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "file.h"
#include "playbook.h"
#include "process.h"
#include "signature.h"
#include "sshsig.h"
#include "store.h"

#define SSH_SIGNATURE_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define SSH_SIGNATURE_END "-----END SSH SIGNATURE-----"
#define SIGNATURE_MAX_BYTES (64 * 1024)

/* ---------- private temporary files ---------- */

/* A directory of our own (mode 0700) and the files in it, removed together. */
struct scratch {
	char *dir;
	char **files;
	size_t count;
};

static int scratch_open(struct scratch *t, const char *what, struct error *err)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/relctl-%s.XXXXXX", tmp && tmp[0] ? tmp : "/tmp", what);

	memset(t, 0, sizeof(*t));
	if (mkdtemp(dir) == NULL) {
		error_set(err, EXIT_IOERR, "cannot create a temporary directory %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	t->dir = dir;
	return 0;
}

/* The path of name in the directory, to be removed with it. */
static const char *scratch_path(struct scratch *t, const char *name)
{
	t->files = xrealloc(t->files, (t->count + 1) * sizeof(*t->files));
	t->files[t->count] = xasprintf("%s/%s", t->dir, name);
	return t->files[t->count++];
}

static const char *scratch_write(struct scratch *t, const char *name, const char *data, size_t len,
				 struct error *err)
{
	const char *path = scratch_path(t, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t done = 0;

	while (fd >= 0 && done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (fd < 0 || done < len || close(fd) != 0) {
		error_set(err, EXIT_IOERR, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0 && done < len)
			close(fd);
		return NULL;
	}
	return path;
}

static void scratch_close(struct scratch *t)
{
	size_t i;

	for (i = 0; i < t->count; i++) {
		unlink(t->files[i]);
		free(t->files[i]);
	}
	free(t->files);
	if (t->dir)
		rmdir(t->dir);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

/* ---------- the setup ---------- */

/* "~/x" and "~user/x" as git's interpolate_path expands them; anything else as it is. */
static char *expand_home(const char *path)
{
	const char *slash, *home = NULL;
	char *user;
	struct passwd *pw;

	if (path[0] != '~')
		return xstrdup(path);
	slash = strchr(path, '/');
	if (slash == NULL)
		slash = path + strlen(path);
	if (slash == path + 1) {
		home = getenv("HOME");
	} else {
		user = xstrndup(path + 1, (size_t)(slash - path - 1));
		pw = getpwnam(user);
		free(user);
		home = pw ? pw->pw_dir : NULL;
	}
	if (home == NULL)
		return xstrdup(path);
	return xasprintf("%s%s", home, slash);
}

int signature_program(struct store *store, char **program, struct error *err)
{
	char *value = NULL;

	*program = NULL;
	if (store_config_get(store, "gpg.ssh.program", &value, err) != 0)
		return -1;
	*program = value && value[0] ? expand_home(value) : xstrdup("ssh-keygen");
	free(value);
	return 0;
}

void signature_setup_release(struct signing_setup *setup)
{
	free(setup->program);
	free(setup->key);
	memset(setup, 0, sizeof(*setup));
}

/* A key file to suggest: the first of ssh's default public keys that exists. */
static const char *suggested_key(void)
{
	static const char *const names[] = { "id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub" };
	const char *home = getenv("HOME");
	size_t i;

	for (i = 0; home && i < sizeof(names) / sizeof(names[0]); i++) {
		char *path = xasprintf("%s/.ssh/%s", home, names[i]);
		int found = access(path, R_OK) == 0;

		free(path);
		if (found)
			return names[i];
	}
	return NULL;
}

/*
 * "Not configured": the git config lines that set a key up.  scope is
 * "--global " for someone who signs nothing yet, "" (this repository only)
 * for someone whose git signs with another format elsewhere.
 */
static int not_configured(struct error *err, const char *why, const char *scope)
{
	const char *key = suggested_key();

	error_set(err, EXIT_NOPERM,
		  "%s; to sign ledger commits as git does, run%s: git config %sgpg.format ssh && git config %suser.signingKey ~/.ssh/%s (and list that public key under your keys: in the playbook)",
		  why, key ? "" : " ssh-keygen -t ed25519, then", scope, scope, key ? key : "id_ed25519.pub");
	return 1;
}

/* The words of a gpg.ssh.defaultKeyCommand, split as git's split_cmdline does (quotes, backslash). */
static char **split_command(const char *command)
{
	char **argv = xcalloc(strlen(command) / 2 + 2, sizeof(*argv));
	size_t argc = 0;
	const char *p = command;

	for (;;) {
		struct buf word;
		char quote = 0;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		buf_init(&word);
		for (; *p && (quote || !isspace((unsigned char)*p)); p++) {
			if (quote && *p == quote)
				quote = 0;
			else if (!quote && (*p == '\'' || *p == '"'))
				quote = *p;
			else if (*p == '\\' && quote != '\'' && p[1])
				buf_addc(&word, *++p);
			else
				buf_addc(&word, *p);
		}
		argv[argc++] = buf_detach(&word);
	}
	return argv;
}

/* The first line of what gpg.ssh.defaultKeyCommand prints (ssh-add -L, say), as git takes it. */
static char *default_key(const char *command, struct error *err)
{
	char **argv = split_command(command);
	struct process p;
	char *key = NULL;
	size_t i;

	process_init(&p, (const char *const *)argv);
	if (argv[0] == NULL) {
		error_set(err, EXIT_CONFIG, "gpg.ssh.defaultKeyCommand is empty");
	} else if (process_run(&p, err) == 0) {
		size_t line = strcspn(p.out.data, "\n");

		/* What git takes for a literal: "key::" or "ssh-" (so not an ecdsa line of ssh-add -L). */
		if (p.status == 0 && (strncmp(p.out.data, "ssh-", 4) == 0 || strncmp(p.out.data, "key::", 5) == 0))
			key = xstrndup(p.out.data, line);
		else
			error_set(err, EXIT_CONFIG, "gpg.ssh.defaultKeyCommand (%s) gave no key (exit %d)", argv[0],
				  p.status);
	}
	process_release(&p);
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
	return key;
}

/*
 * user.signingKey as git reads it: a literal ("key::" or "ssh-"), else a
 * path, ~ expanded, and relative to the top of the work tree (where git
 * commit runs ssh-keygen).
 */
static int setup_key(struct store *store, struct signing_setup *setup, const char *value, struct error *err)
{
	struct pb_key parsed;
	char *why;

	if (strncmp(value, "key::", 5) == 0 || strncmp(value, "ssh-", 4) == 0) {
		const char *literal = value[0] == 'k' ? value + 5 : value;

		why = pb_key_parse(literal, &parsed);
		if (why) {
			error_set(err, EXIT_CONFIG, "user.signingKey is not a public key: %s", why);
			free(why);
			return -1;
		}
		pb_key_release(&parsed);
		if (getenv("SSH_AUTH_SOCK") == NULL || getenv("SSH_AUTH_SOCK")[0] == '\0')
			return error_set(err, EXIT_CONFIG,
					 "user.signingKey is a public key whose private half must be in ssh-agent, but SSH_AUTH_SOCK is not set; start ssh-agent and ssh-add the key");
		setup->key = xstrdup(literal);
		setup->literal = true;
		return 0;
	}
	setup->key = expand_home(value);
	if (setup->key[0] != '/') {
		char *full = xasprintf("%s%s", store_workdir(store), setup->key);

		free(setup->key);
		setup->key = full;
	}
	if (access(setup->key, R_OK) != 0)
		return error_set(err, EXIT_CONFIG, "user.signingKey names %s, which cannot be read (%s)", setup->key,
				 strerror(errno));
	return 0;
}

int signature_setup_read(struct store *store, struct signing_setup *setup, struct error *err)
{
	char *format = NULL, *key = NULL, *command = NULL;
	int rc;

	memset(setup, 0, sizeof(*setup));
	if (store_config_get(store, "gpg.format", &format, err) != 0 ||
	    store_config_get(store, "user.signingKey", &key, err) != 0 ||
	    store_config_get(store, "gpg.ssh.defaultKeyCommand", &command, err) != 0) {
		rc = -1;
	} else if (format && strcmp(format, "openpgp") != 0 && strcmp(format, "x509") != 0 &&
		   strcmp(format, "ssh") != 0) {
		rc = error_set(err, EXIT_CONFIG, "invalid value for git config gpg.format: \"%s\" (git knows openpgp, x509 and ssh)",
			       format);
	} else if (format && strcmp(format, "ssh") != 0) {
		char *why = xasprintf("git config gpg.format is %s, and relctl signs with ssh keys only", format);

		rc = not_configured(err, why, "");
		free(why);
	} else if (format == NULL && key && key[0]) {
		/* git's default format is openpgp: this key is a gpg key for git. */
		rc = not_configured(err, "git config user.signingKey is set but gpg.format is not (git's default is openpgp), and relctl signs with ssh keys only",
				    "");
	} else if (format == NULL) {
		rc = not_configured(err, "no ssh signing key in git config", "--global ");
	} else if (key && key[0]) {
		rc = setup_key(store, setup, key, err);
	} else if (command && command[0]) {
		char *first = default_key(command, err);

		rc = first ? setup_key(store, setup, first, err) : -1;
		free(first);
	} else {
		rc = not_configured(err, "git config gpg.format is ssh but user.signingKey is not set", "--global ");
	}
	if (rc == 0 && signature_program(store, &setup->program, err) != 0)
		rc = -1;
	free(format);
	free(key);
	free(command);
	return rc;
}

/* ---------- signing ---------- */

/* ssh-keygen's complaint on one line, without control characters. */
static char *complaint(const struct process *p)
{
	const struct buf *text = p->errout.len ? &p->errout : &p->out;
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < text->len && b.len < 300; i++) {
		unsigned char c = (unsigned char)text->data[i];

		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f || (c == ' ' && (b.len == 0 || b.data[b.len - 1] == ' ')))
			continue;
		buf_addc(&b, (char)c);
	}
	while (b.len && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (b.len == 0)
		buf_addf(&b, "exit %d", p->status);
	return buf_detach(&b);
}

/* Strips CR before LF, as git does with what the signing program wrote. */
static void strip_cr(struct buf *b, size_t from)
{
	size_t i, j;

	for (i = j = from; i < b->len; i++) {
		if (b->data[i] == '\r' && i + 1 < b->len && b->data[i + 1] == '\n')
			continue;
		b->data[j++] = b->data[i];
	}
	b->len = j;
	b->data[j] = '\0';
}

int signature_sign(const struct signing_setup *setup, const char *payload, size_t len, struct buf *signature,
		   struct error *err)
{
	struct scratch t;
	const char *argv[10], *key_file, *payload_file;
	char *sig_file = NULL, *why;
	struct process p;
	size_t argc = 0, bottom = signature->len;
	int rc = -1;

	if (scratch_open(&t, "sign", err) != 0)
		return -1;
	process_init(&p, argv);
	/* git writes a literal to a file too: ssh-keygen -U takes the public key from -f. */
	key_file = setup->literal ? scratch_write(&t, "key.pub", setup->key, strlen(setup->key), err) : setup->key;
	payload_file = scratch_write(&t, "payload", payload, len, err);
	if (key_file == NULL || payload_file == NULL)
		goto out;
	sig_file = xasprintf("%s.sig", payload_file);
	scratch_path(&t, "payload.sig");
	argv[argc++] = setup->program;
	argv[argc++] = "-Y";
	argv[argc++] = "sign";
	argv[argc++] = "-n";
	argv[argc++] = "git";
	argv[argc++] = "-f";
	argv[argc++] = key_file;
	if (setup->literal)
		argv[argc++] = "-U";
	argv[argc++] = payload_file;
	argv[argc] = NULL;
	if (process_run(&p, err) != 0)
		goto out;
	if (p.status != 0) {
		why = complaint(&p);
		error_set(err, EXIT_NOPERM, "%s could not sign with %s%s: %s%s", setup->program,
			  setup->literal ? "the ssh-agent key " : "", setup->literal ? "of user.signingKey" : setup->key,
			  why,
			  setup->literal ? " (is the key loaded? 'ssh-add -L' lists the agent's keys)"
					 : strstr(why, "usage:") ? " (ssh-keygen -Y sign needs OpenSSH 8.2p1 or newer)" : "");
		free(why);
		goto out;
	}
	if (file_read(sig_file, SIGNATURE_MAX_BYTES, signature, err) != 0)
		goto out;
	strip_cr(signature, bottom);
	rc = 0;
out:
	process_release(&p);
	free(sig_file);
	scratch_close(&t);
	return rc;
}

int signature_signer(void *ctx, const char *payload, size_t len, struct buf *signature, struct error *err)
{
	return signature_sign(ctx, payload, len, signature, err);
}

/* ---------- allowed signers ---------- */

char *signature_allowed_signers(const struct playbook *pb)
{
	struct buf b;
	size_t i, j;

	buf_init(&b);
	buf_adds(&b, "# Allowed signers of the relctl ledger (ssh-keygen(1) ALLOWED SIGNERS): the keys of each\n"
		     "# person of the playbook, for git config gpg.ssh.allowedSignersFile.\n");
	for (i = 0; i < pb->person_count; i++) {
		const struct pb_person *p = &pb->people[i];

		/* The playbook was checked; this keeps a principal from ever being a pattern. */
		if (p->key_count == 0 || !email_is_principal(p->email))
			continue;
		buf_addf(&b, "# %s\n", p->id);
		for (j = 0; j < p->key_count; j++)
			buf_addf(&b, "%s %snamespaces=\"git\" %s %s\n", p->email,
				 p->keys[j].cert_authority ? "cert-authority," : "", p->keys[j].type, p->keys[j].base64);
	}
	return buf_detach(&b);
}

/* ---------- reading signatures ---------- */

/* "SHA256:" and the unpadded base64 of the SHA-256 of blob, as ssh-keygen -l prints it. */
static char *fingerprint_of(const unsigned char *blob, size_t len)
{
	char hex[65], *b64, *out;
	unsigned char digest[32];
	size_t i, n;

	if (sha256_hex(blob, len, hex) != 0)
		return NULL;
	for (i = 0; i < 32; i++) {
		unsigned int byte;

		sscanf(hex + 2 * i, "%2x", &byte);
		digest[i] = (unsigned char)byte;
	}
	b64 = base64_encode(digest, sizeof(digest));
	n = strlen(b64);
	while (n > 0 && b64[n - 1] == '=')
		n--;
	out = xasprintf("SHA256:%.*s", (int)n, b64);
	free(b64);
	return out;
}

char *signature_key_fingerprint(const char *base64)
{
	size_t len;
	unsigned char *blob = base64_decode(base64, &len);
	char *out;

	if (blob == NULL)
		return NULL;
	out = fingerprint_of(blob, len);
	free(blob);
	return out;
}

/*
 * The public key inside an armoured ssh signature (PROTOCOL.sshsig: the
 * magic "SSHSIG", a version, then the key), as base64 like a .pub file
 * has it.  NULL when the text is not an ssh signature.
 */
static char *signature_key(const char *text, size_t len)
{
	const char *begin = memmem(text, len, SSH_SIGNATURE_BEGIN, strlen(SSH_SIGNATURE_BEGIN));
	const char *end, *p;
	unsigned char *blob;
	char *key = NULL;
	size_t n, key_len;
	struct buf body;

	if (begin == NULL)
		return NULL;
	begin += strlen(SSH_SIGNATURE_BEGIN);
	end = memmem(begin, len - (size_t)(begin - text), SSH_SIGNATURE_END, strlen(SSH_SIGNATURE_END));
	if (end == NULL)
		return NULL;
	buf_init(&body);
	for (p = begin; p < end; p++)
		if (!isspace((unsigned char)*p))
			buf_addc(&body, *p);
	blob = base64_decode(body.data, &n);
	buf_release(&body);
	if (blob && n >= 14 && memcmp(blob, "SSHSIG", 6) == 0) {
		key_len = (size_t)blob[10] << 24 | (size_t)blob[11] << 16 | (size_t)blob[12] << 8 | blob[13];
		if (key_len > 0 && key_len <= n - 14)
			key = base64_encode(blob + 14, key_len);
	}
	free(blob);
	return key;
}

/*
 * The words of an allowed-signers line, PRINCIPALS [OPTIONS] TYPE BASE64
 * (quoted options kept whole), into words[4]; how many, up to 4.  line is
 * cut into them.
 */
static size_t line_words(char *line, char *words[4])
{
	char *p = line;
	size_t count = 0;

	memset(words, 0, 4 * sizeof(*words));
	while (count < 4) {
		char quote = 0;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			break;
		words[count++] = p;
		for (; *p && (quote || !isspace((unsigned char)*p)); p++)
			if (*p == '"')
				quote = !quote;
		if (*p)
			*p++ = '\0';
	}
	return count;
}

/*
 * The one principal the allowed-signers text lists key under, when that is
 * plain: one line, a principal that is no pattern, no cert-authority.
 * NULL otherwise, and git's way (find-principals) decides.  With type
 * (the key's own type name), the line must also be exactly as
 * signature_allowed_signers writes it: PRINCIPAL namespaces="git" TYPE KEY.
 */
static char *principal_in(const char *allowed, const char *key, const char *type)
{
	const char *line = allowed;
	char *found = NULL;
	int matches = 0;

	while (*line) {
		const char *eol = line + strcspn(line, "\n");
		char *copy = xstrndup(line, (size_t)(eol - line)), *words[4];
		size_t count = line_words(copy, words);

		if (count >= 3) {
			/* PRINCIPALS [OPTIONS] TYPE BASE64: options hold "=" or are cert-authority. */
			bool options = strchr(words[1], '=') || strncmp(words[1], "cert-authority", 14) == 0;
			const char *blob = options ? words[3] : words[2];

			if (blob && strcmp(blob, key) == 0) {
				bool plain = !options || !strstr(words[1], "cert-authority");

				if (type)
					plain = count == 4 && strcmp(words[1], "namespaces=\"git\"") == 0 &&
						strcmp(words[2], type) == 0;
				matches++;
				free(found);
				found = plain ? xstrdup(words[0]) : NULL;
			}
		}
		free(copy);
		line = *eol ? eol + 1 : eol;
	}
	if (matches != 1 || (found && !email_is_principal(found))) {
		free(found);
		return NULL;
	}
	return found;
}

/* ---------- checking ---------- */

void signature_check_commit(struct signature_check *check, const struct store_commit_info *info, const char *allowed)
{
	check->payload = info->signed_data;
	check->payload_len = info->signed_data_len;
	check->signature = info->signature;
	check->signature_len = info->signature_len;
	check->allowed_signers = allowed;
	check->when = info->time;
}

void signature_check_release(struct signature_check *check)
{
	free(check->principal);
	free(check->fingerprint);
	free(check->detail);
	check->principal = check->fingerprint = check->detail = NULL;
	check->status = SIGNATURE_UNSIGNED;
}

/* One distinct check on its way through the stages. */
struct job {
	struct signature_check *check;
	const char *allowed_file;
	const char *sig_file;
	char *key;         /* the signature's public key, base64 */
	char *principals;  /* to try, one per line: the guess, then find-principals' answer */
	const char *next;  /* the next principal of principals to try */
	bool done;
	char time_option[40];
	const char *argv[16];
};

/* "Good "git" signature for PRINCIPAL with TYPE key SHA256:..." (git's parse_ssh_output). */
static bool parse_good(const char *out, struct signature_check *check)
{
	const char *prefix = "Good \"git\" signature for ", *p, *with = NULL, *key;
	size_t line = strcspn(out, "\n");

	if (strncmp(out, prefix, strlen(prefix)) != 0)
		return false;
	p = out + strlen(prefix);
	while ((key = strstr(p, " with ")) != NULL && key < out + line) {
		with = key;
		p = key + 1;
	}
	if (with == NULL || (key = strstr(with, "key ")) == NULL || key > out + line)
		return false;
	free(check->principal);
	free(check->fingerprint);
	check->principal = xstrndup(out + strlen(prefix), (size_t)(with - out - strlen(prefix)));
	check->fingerprint = xstrndup(key + 4, (size_t)(out + line - key - 4));
	return true;
}

static void job_argv(struct job *j, const char *program, const char *mode, const char *principal)
{
	size_t n = 0;

	j->argv[n++] = program;
	j->argv[n++] = "-Y";
	j->argv[n++] = mode;
	if (principal) {
		j->argv[n++] = "-n";
		j->argv[n++] = "git";
	}
	j->argv[n++] = "-f";
	j->argv[n++] = j->allowed_file;
	if (principal) {
		j->argv[n++] = "-I";
		j->argv[n++] = principal;
	}
	j->argv[n++] = "-s";
	j->argv[n++] = j->sig_file;
	if (j->time_option[0])
		j->argv[n++] = j->time_option;
	j->argv[n] = NULL;
}

/* The next principal of j->principals, copied into one; NULL when all were tried. */
static char *next_principal(struct job *j)
{
	const char *p = j->next, *eol;

	while (p && *p) {
		eol = p + strcspn(p, "\n");
		j->next = *eol ? eol + 1 : eol;
		while (eol > p && eol[-1] == '\r')
			eol--;
		if (eol > p)
			return xstrndup(p, (size_t)(eol - p));
		p = j->next;
	}
	return NULL;
}

/*
 * One round of ssh-keygen -Y verify, for every job that has a principal
 * left to try.  Returns how many ran, or -1.
 */
static int verify_round(const char *program, struct job *jobs, size_t count, size_t max_jobs, struct error *err)
{
	struct process *procs = xcalloc(count + 1, sizeof(*procs));
	struct job **running = xcalloc(count + 1, sizeof(*running));
	char **principals = xcalloc(count + 1, sizeof(*principals));
	size_t i, n = 0;
	int rc;

	for (i = 0; i < count; i++) {
		struct job *j = &jobs[i];
		char *principal;

		if (j->done || (principal = next_principal(j)) == NULL)
			continue;
		job_argv(j, program, "verify", principal);
		process_init(&procs[n], j->argv);
		procs[n].input = j->check->payload;
		procs[n].input_len = j->check->payload_len;
		principals[n] = principal;
		running[n++] = j;
	}
	rc = process_run_all(procs, n, max_jobs, err);
	for (i = 0; i < n; i++) {
		struct job *j = running[i];

		if (rc == 0 && procs[i].status == 0 && parse_good(procs[i].out.data, j->check)) {
			j->check->status = SIGNATURE_GOOD;
			free(j->check->detail);
			j->check->detail = NULL;
			j->done = true;
		} else if (rc == 0) {
			j->check->status = SIGNATURE_BAD;
			free(j->check->detail);
			j->check->detail = complaint(&procs[i]);
		}
		process_release(&procs[i]);
		free(principals[i]);
	}
	free(procs);
	free(running);
	free(principals);
	return rc == 0 ? (int)n : -1;
}

/* git's way for jobs whose guess failed or who had none: ssh-keygen -Y find-principals. */
static int find_principals(const char *program, struct job *jobs, size_t count, size_t max_jobs, struct error *err)
{
	struct process *procs = xcalloc(count + 1, sizeof(*procs));
	struct job **asked = xcalloc(count + 1, sizeof(*asked));
	size_t i, n = 0;
	int rc;

	for (i = 0; i < count; i++) {
		struct job *j = &jobs[i];

		if (j->done)
			continue;
		job_argv(j, program, "find-principals", NULL);
		process_init(&procs[n], j->argv);
		asked[n++] = j;
	}
	rc = process_run_all(procs, n, max_jobs, err);
	for (i = 0; i < n; i++) {
		struct job *j = asked[i];

		free(j->principals);
		j->principals = NULL;
		j->next = NULL;
		if (rc == 0 && procs[i].status == 0 && procs[i].out.len > 0) {
			j->principals = buf_detach(&procs[i].out);
			j->next = j->principals;
		} else if (rc == 0) {
			/* No line lists the key: git fails such a signature too ("No principal matched"). */
			j->check->status = strstr(procs[i].errout.data, "No principal matched") ? SIGNATURE_UNKNOWN_KEY
												 : SIGNATURE_BAD;
			free(j->check->detail);
			j->check->detail = j->check->status == SIGNATURE_BAD ? complaint(&procs[i]) : NULL;
			j->done = true;
		}
		process_release(&procs[i]);
	}
	free(procs);
	free(asked);
	return rc;
}

static int compare_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Orders checks so that equal allowed-signers texts, then equal checks, are next to each other. */
static int check_compare(const void *a, const void *b)
{
	const struct signature_check *x = *(const struct signature_check *const *)a;
	const struct signature_check *y = *(const struct signature_check *const *)b;
	int c = strcmp(x->allowed_signers, y->allowed_signers);

	if (c == 0)
		c = compare_bytes(x->signature, x->signature_len, y->signature, y->signature_len);
	if (c == 0)
		c = compare_bytes(x->payload, x->payload_len, y->payload, y->payload_len);
	if (c == 0)
		c = x->when < y->when ? -1 : x->when > y->when;
	return c;
}

static void copy_result(struct signature_check *to, const struct signature_check *from)
{
	to->status = from->status;
	to->principal = from->principal ? xstrdup(from->principal) : NULL;
	to->fingerprint = from->fingerprint ? xstrdup(from->fingerprint) : NULL;
	to->detail = from->detail ? xstrdup(from->detail) : NULL;
}

/* The type name a key blob opens with; NULL when it has none. */
static char *key_type_name(const unsigned char *blob, size_t len)
{
	size_t n;

	if (len < 4)
		return NULL;
	n = (size_t)blob[0] << 24 | (size_t)blob[1] << 16 | (size_t)blob[2] << 8 | blob[3];
	if (n == 0 || n > len - 4 || memchr(blob + 4, '\0', n))
		return NULL;
	return xstrndup((const char *)blob + 4, n);
}

/*
 * Settles j in-process when sshsig's verdict is certain to be ssh-keygen's
 * (see the top of this file); true when it did.  Otherwise j is left to
 * ssh-keygen, untouched.
 */
static bool job_in_process(struct job *j)
{
	struct signature_check *c = j->check;
	struct sshsig sig;
	const char *why;
	char *type = NULL, *principal = NULL;
	bool settled = false;

	if (sshsig_parse(&sig, c->signature, c->signature_len, &why) == 0 &&
	    (type = key_type_name(sig.key, sig.key_len)) != NULL &&
	    (principal = principal_in(c->allowed_signers, j->key, type)) != NULL) {
		switch (sshsig_verify(&sig, "git", c->payload, c->payload_len, sig.key, sig.key_len, &why)) {
		case SSHSIG_GOOD:
			c->status = SIGNATURE_GOOD;
			c->principal = principal;
			principal = NULL;
			settled = true;
			break;
		case SSHSIG_BAD:
			c->status = SIGNATURE_BAD;
			c->detail = xstrdup(why);
			settled = true;
			break;
		case SSHSIG_UNSUPPORTED:
			break;
		}
	}
	sshsig_release(&sig);
	free(type);
	free(principal);
	j->done = settled;
	return settled;
}

/* Reads a job's key and fingerprint, and settles it when it can: no ssh signature, or in-process. */
static void job_read(struct job *j)
{
	struct signature_check *c = j->check;

	j->key = signature_key(c->signature, c->signature_len);
	if (j->key == NULL) {
		c->status = SIGNATURE_BAD;
		c->detail = xstrdup("not an ssh signature");
		j->done = true;
		return;
	}
	c->fingerprint = signature_key_fingerprint(j->key);
	if (!c->program_only)
		job_in_process(j);
}

/* Sets up a job left to ssh-keygen: its signature file, time and principal guess. */
static int job_files(struct job *j, struct scratch *t, size_t index, struct error *err)
{
	struct signature_check *c = j->check;
	char name[32];

	snprintf(name, sizeof(name), "sig-%zu", index);
	j->sig_file = scratch_write(t, name, c->signature, c->signature_len, err);
	if (j->sig_file == NULL)
		return -1;
	if (c->when > 0) {
		struct tm tm;

		/* As git passes it: the commit's time, local, for valid-after/valid-before. */
		localtime_r(&c->when, &tm);
		strftime(j->time_option, sizeof(j->time_option), "-Overify-time=%Y%m%d%H%M%S", &tm);
	}
	j->principals = principal_in(c->allowed_signers, j->key, NULL);
	j->next = j->principals;
	return 0;
}

/*
 * The jobs left unsettled, through ssh-keygen: their files (one
 * allowed-signers file per distinct text; the jobs come sorted by it), the
 * guessed principals, then git's way for the rest.
 */
static int program_jobs(const char *program, struct job *work, size_t n, size_t jobs, struct error *err)
{
	struct scratch t;
	const char *allowed_file = NULL, *allowed_text = NULL;
	size_t i, files = 0;
	int rc = -1, ran;

	if (scratch_open(&t, "verify", err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct job *j = &work[i];
		char name[32];

		if (j->done)
			continue;
		if (allowed_text == NULL || strcmp(allowed_text, j->check->allowed_signers) != 0) {
			allowed_text = j->check->allowed_signers;
			snprintf(name, sizeof(name), "allowed-%zu", files++);
			allowed_file = scratch_write(&t, name, allowed_text, strlen(allowed_text), err);
			if (allowed_file == NULL)
				goto out;
		}
		j->allowed_file = allowed_file;
		if (job_files(j, &t, i, err) != 0)
			goto out;
	}
	/* The guessed principals: one ssh-keygen each, which settles every good signature. */
	if (verify_round(program, work, n, jobs, err) < 0)
		goto out;
	/* The rest, git's way: find-principals, then verify as each principal it names. */
	if (find_principals(program, work, n, jobs, err) != 0)
		goto out;
	while ((ran = verify_round(program, work, n, jobs, err)) > 0)
		;
	rc = ran < 0 ? -1 : 0;
out:
	scratch_close(&t);
	return rc;
}

int signature_verify_batch(const char *program, struct signature_check *checks, size_t count, size_t jobs,
			   struct error *err)
{
	struct signature_check **sorted = xcalloc(count + 1, sizeof(*sorted));
	struct job *work = xcalloc(count + 1, sizeof(*work));
	struct signature_check **leader = xcalloc(count + 1, sizeof(*leader));
	size_t i, n = 0, signed_count = 0, left = 0;
	int rc = -1;

	for (i = 0; i < count; i++) {
		signature_check_release(&checks[i]);
		if (checks[i].signature && checks[i].signature_len > 0)
			sorted[signed_count++] = &checks[i];
	}
	qsort(sorted, signed_count, sizeof(*sorted), check_compare);
	for (i = 0; i < signed_count; i++) {
		if (i > 0 && check_compare(&sorted[i - 1], &sorted[i]) == 0) {
			leader[i] = leader[i - 1];
			continue;
		}
		leader[i] = sorted[i];
		work[n].check = sorted[i];
		job_read(&work[n]);
		left += !work[n].done;
		n++;
	}
	if (left > 0 && program_jobs(program, work, n, jobs, err) != 0)
		goto out;
	for (i = 0; i < signed_count; i++)
		if (leader[i] != sorted[i])
			copy_result(sorted[i], leader[i]);
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		free(work[i].key);
		free(work[i].principals);
	}
	free(sorted);
	free(work);
	free(leader);
	return rc;
}

int signature_verify(const char *program, struct signature_check *check, struct error *err)
{
	return signature_verify_batch(program, check, 1, 1, err);
}
