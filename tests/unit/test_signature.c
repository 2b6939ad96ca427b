/*
 * Signed ledger commits (src/signature.c and store_commit's signer), with
 * real keys and real programs: the group setup makes keys with ssh-keygen
 * (michael: an ed25519 key file under ~/.ssh; jan: an ECDSA key held only
 * by a real ssh-agent started here, named by a key:: literal; mallory: a
 * key nobody listed), a playbook listing the first two, and a git
 * repository that store.c writes commits into.  Plain git then judges
 * them: git verify-commit and git log --show-signature, with
 * gpg.ssh.allowedSignersFile set to signature_allowed_signers' text.
 *
 * HOME is a directory of the test's own, so no one's real git config or
 * keys take part.  SIGNATURE_BENCH=N adds a timing of N verifications.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "file.h"
#include "playbook.h"
#include "process.h"
#include "signature.h"
#include "store.h"
#include "test_keys.h"

#define WHEN 1710842400 /* 2024-03-19T10:00:00Z */

static struct {
	char *dir, *home, *repo, *signers, *wrapper, *wrapper_log, *agent_socket;
	char *michael_key, *jan_key, *mallory_key; /* private key files */
	char *michael_pub, *jan_pub;               /* their public key lines */
	char *michael_fp, *jan_fp, *mallory_fp;
	pid_t agent;
	struct playbook *pb;
	char *allowed;
} t;

static struct store *store;

/* ---------- helpers ---------- */

static char *slurp(const char *path)
{
	struct buf b;
	struct error err;

	buf_init(&b);
	if (file_read(path, 1 << 20, &b, &err) != 0)
		fail_msg("%s", err.message);
	return buf_detach(&b);
}

static void spill(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Runs argv (input on stdin); returns its exit status; its stdout, then stderr, go to out. */
static int run_argv(const char *const *argv, const char *input, struct buf *out)
{
	struct process p;
	struct error err;
	int status;

	process_init(&p, argv);
	p.input = input;
	p.input_len = input ? strlen(input) : 0;
	if (process_run(&p, &err) != 0)
		fail_msg("%s", err.message);
	if (out) {
		buf_add(out, p.out.data, p.out.len);
		buf_add(out, p.errout.data, p.errout.len);
	}
	status = p.status;
	process_release(&p);
	return status;
}

/* run("ssh-keygen", "-l", ..., NULL). */
static int run(struct buf *out, const char *first, ...)
{
	const char *argv[32];
	size_t n = 0;
	va_list ap;

	argv[n++] = first;
	va_start(ap, first);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run_argv(argv, NULL, out);
}

/* git in the test repository, with the allowed signers relctl printed. */
static int git(struct buf *out, const char *a, const char *b, const char *c, const char *d)
{
	char *opt = xasprintf("gpg.ssh.allowedSignersFile=%s", t.signers);
	const char *argv[] = { "git", "-C", t.repo, "-c", opt, a, b, c, d, NULL };
	int status = run_argv(argv, NULL, out);

	free(opt);
	return status;
}

static void git_config(const char *key, const char *value)
{
	assert_int_equal(run(NULL, "git", "-C", t.repo, "config", key, value, NULL), 0);
}

static void git_unset(const char *key)
{
	run(NULL, "git", "-C", t.repo, "config", "--unset-all", key, NULL);
}

/* ssh-keygen -l's fingerprint of a public key file. */
static char *fingerprint_of_file(const char *pub)
{
	struct buf out;
	char *fp, *space;

	buf_init(&out);
	assert_int_equal(run(&out, "ssh-keygen", "-l", "-f", pub, NULL), 0);
	space = strchr(out.data, ' ');
	assert_non_null(space);
	fp = xstrndup(space + 1, strcspn(space + 1, " "));
	buf_release(&out);
	return fp;
}

static char *make_key(const char *path, const char *type, const char *bits, const char *comment)
{
	char *pub = xasprintf("%s.pub", path), *line;

	assert_int_equal(run(NULL, "ssh-keygen", "-q", "-t", type, "-b", bits, "-N", "", "-C", comment, "-f", path, NULL),
			 0);
	line = slurp(pub);
	line[strcspn(line, "\n")] = '\0';
	free(pub);
	return line;
}

/*
 * A real ssh-agent, which dies with this test even when a crash skips the
 * teardown: a shell that the kernel signals when the test dies (ssh-agent
 * is set-group-id, which clears that signal for itself) stops it.
 */
static void start_agent(void)
{
	static const char script[] = "trap 'kill \"$a\"; exit 0' TERM; ssh-agent -D -a \"$1\" >/dev/null 2>&1 & a=$!; wait \"$a\"";
	pid_t parent = getpid();
	struct stat st;
	int i;

	t.agent = fork();
	assert_true(t.agent >= 0);
	if (t.agent == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		execlp("sh", "sh", "-c", script, "sh", t.agent_socket, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500 && stat(t.agent_socket, &st) != 0; i++)
		usleep(10000);
	assert_int_equal(stat(t.agent_socket, &st), 0);
	setenv("SSH_AUTH_SOCK", t.agent_socket, 1);
}

/* Signs and writes a commit of one file as author; returns its id in tip. */
static int commit_as(const char *name, const char *email, const struct signing_setup *setup, const char *text,
		     char tip[OID_HEX], struct error *err)
{
	struct store_change change = { "releases/1.0.json", text, strlen(text) };
	struct store_author author = {
		.name = name,
		.email = email,
		.when = WHEN,
		.sign = setup ? signature_signer : NULL,
		.sign_ctx = (void *)setup,
	};

	return store_commit(store, NULL, &change, 1, text, &author, tip, err);
}

/* Reads this clone's signing setup, which must be complete. */
static void read_setup(struct signing_setup *setup)
{
	struct error err;

	if (signature_setup_read(store, setup, &err) != 0)
		fail_msg("%s", err.message);
}

static void use_michaels_key_file(void)
{
	git_unset("gpg.ssh.program");
	git_config("gpg.format", "ssh");
	git_config("user.signingKey", "~/.ssh/michael");
}

static void use_jans_agent_key(void)
{
	char *literal = xasprintf("key::%s", t.jan_pub);

	git_unset("gpg.ssh.program");
	git_config("gpg.format", "ssh");
	git_config("user.signingKey", literal);
	free(literal);
}

/* A commit signed as (name, email) with the setup git config gives now. */
static void signed_commit(const char *name, const char *email, const char *text, char tip[OID_HEX])
{
	struct signing_setup setup;
	struct error err;

	read_setup(&setup);
	if (commit_as(name, email, &setup, text, tip, &err) != 0)
		fail_msg("%s", err.message);
	signature_setup_release(&setup);
}

static void commit_info(const char *tip, struct store_commit_info *info)
{
	struct error err;

	if (store_commit_info(store, tip, info, &err) != 0)
		fail_msg("%s", err.message);
}

/* A check of the signature of commit tip against the playbook's allowed signers. */
static void check_of(const struct store_commit_info *info, struct signature_check *check)
{
	memset(check, 0, sizeof(*check));
	check->payload = info->signed_data;
	check->payload_len = info->signed_data_len;
	check->signature = info->signature;
	check->signature_len = info->signature_len;
	check->allowed_signers = t.allowed;
	check->when = info->time;
}

static void verify_commit(const char *tip, struct signature_check *check, struct store_commit_info *info)
{
	struct error err;

	commit_info(tip, info);
	check_of(info, check);
	if (signature_verify("ssh-keygen", check, &err) != 0)
		fail_msg("%s", err.message);
}

static bool contains(const struct buf *b, const char *text)
{
	if (strstr(b->data, text))
		return true;
	print_message("expected to find: %s\nin: %s\n", text, b->data);
	return false;
}

/* ---------- fixtures ---------- */

static int group_setup(void **state)
{
	char tmpl[] = "/tmp/relctl-test-signature.XXXXXX";
	char *ssh, *keys, *text, *wrapper;
	struct diagnostics d;

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	t.dir = xstrdup(tmpl);
	t.home = xasprintf("%s/home", t.dir);
	ssh = xasprintf("%s/.ssh", t.home);
	keys = xasprintf("%s/keys", t.dir);
	mkdir(t.home, 0700);
	mkdir(ssh, 0700);
	mkdir(keys, 0700);
	setenv("HOME", t.home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("GIT_DIR");
	unsetenv("SSH_AUTH_SOCK");
	t.repo = xasprintf("%s/repo", t.dir);
	t.signers = xasprintf("%s/signers", t.dir);
	t.agent_socket = xasprintf("%s/agent.sock", t.dir);
	t.michael_key = xasprintf("%s/michael", ssh);
	t.jan_key = xasprintf("%s/jan", keys);
	t.mallory_key = xasprintf("%s/mallory", keys);
	t.michael_pub = make_key(t.michael_key, "ed25519", "256", "michael@laptop");
	t.jan_pub = make_key(t.jan_key, "ecdsa", "256", "jan@desktop");
	free(make_key(t.mallory_key, "ed25519", "256", "mallory@elsewhere"));
	text = xasprintf("%s.pub", t.michael_key);
	t.michael_fp = fingerprint_of_file(text);
	free(text);
	text = xasprintf("%s.pub", t.jan_key);
	t.jan_fp = fingerprint_of_file(text);
	free(text);
	text = xasprintf("%s.pub", t.mallory_key);
	t.mallory_fp = fingerprint_of_file(text);
	free(text);
	start_agent();
	/* jan's private key lives in the agent only. */
	assert_int_equal(run(NULL, "ssh-add", "-q", t.jan_key, NULL), 0);
	assert_int_equal(unlink(t.jan_key), 0);

	text = xasprintf("relctl: 1\n"
			 "name: Signed\n"
			 "roles: [release-manager, product-owner, dev]\n"
			 "people:\n"
			 "  - {id: michael, email: michael@example.com, roles: [release-manager, product-owner], keys: [\"%s\"]}\n"
			 "  - {id: jan, email: jan@example.com, roles: [dev], keys: [\"%s\"]}\n"
			 "signing: required\n"
			 "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n",
			 t.michael_pub, t.jan_pub);
	diagnostics_init(&d, "signed.yaml");
	t.pb = playbook_parse(text, strlen(text), &d);
	diagnostics_release(&d);
	free(text);
	assert_non_null(t.pb);
	t.allowed = signature_allowed_signers(t.pb);
	spill(t.signers, t.allowed);

	/* A stand-in for ssh-keygen that counts how it is run (gpg.ssh.program), then is it. */
	t.wrapper = xasprintf("%s/counting-ssh-keygen", t.dir);
	t.wrapper_log = xasprintf("%s/runs.log", t.dir);
	wrapper = xasprintf("#!/bin/sh\necho \"$2\" >>'%s'\nexec ssh-keygen \"$@\"\n", t.wrapper_log);
	spill(t.wrapper, wrapper);
	free(wrapper);
	chmod(t.wrapper, 0755);

	assert_int_equal(run(NULL, "git", "init", "-q", t.repo, NULL), 0);
	free(ssh);
	free(keys);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (t.agent > 0) {
		kill(t.agent, SIGTERM);
		waitpid(t.agent, NULL, 0);
	}
	if (t.dir)
		run(NULL, "rm", "-rf", t.dir, NULL);
	playbook_free(t.pb);
	free(t.allowed);
	free(t.dir), free(t.home), free(t.repo), free(t.signers), free(t.wrapper), free(t.wrapper_log);
	free(t.agent_socket), free(t.michael_key), free(t.jan_key), free(t.mallory_key);
	free(t.michael_pub), free(t.jan_pub), free(t.michael_fp), free(t.jan_fp), free(t.mallory_fp);
	return 0;
}

static int setup(void **state)
{
	struct error err;

	(void)state;
	/* A fresh store each test, so that git config changes made by git are read. */
	store = store_open(t.repo, &err);
	if (store == NULL)
		fail_msg("%s", err.message);
	setenv("SSH_AUTH_SOCK", t.agent_socket, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_free(store);
	store = NULL;
	return 0;
}

/* ---------- the allowed-signers text ---------- */

static void allowed_signers_has_a_line_per_key(void **state)
{
	static const char text[] =
		"relctl: 1\nname: A\nroles: [dev]\npeople:\n"
		"  - {id: rita, email: rita@example.com, roles: [dev]}\n"
		"  - {id: sam, email: sam@example.com, roles: [dev], keys: [\"" KEY_ED25519 " sam@laptop\", \"" KEY_ECDSA256 "\"]}\n"
		"  - {id: ca, email: ca@example.com, roles: [dev], keys: [\"cert-authority " KEY_RSA " corp\"]}\n"
		"phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n";
	struct diagnostics d;
	struct playbook *pb;
	char *allowed;

	(void)state;
	diagnostics_init(&d, "a.yaml");
	pb = playbook_parse(text, strlen(text), &d);
	diagnostics_release(&d);
	assert_non_null(pb);
	allowed = signature_allowed_signers(pb);
	assert_string_equal(allowed,
			    "# Allowed signers of the relctl ledger (ssh-keygen(1) ALLOWED SIGNERS): the keys of each\n"
			    "# person of the playbook, for git config gpg.ssh.allowedSignersFile.\n"
			    "# sam\n"
			    "sam@example.com namespaces=\"git\" " KEY_ED25519 "\n"
			    "sam@example.com namespaces=\"git\" " KEY_ECDSA256 "\n"
			    "# ca\n"
			    "ca@example.com cert-authority,namespaces=\"git\" " KEY_RSA "\n");
	free(allowed);
	playbook_free(pb);
}

static void fingerprints_are_ssh_keygens(void **state)
{
	char *fp = signature_key_fingerprint(strchr(KEY_ED25519, ' ') + 1), *base64;

	(void)state;
	assert_string_equal(fp, KEY_ED25519_FINGERPRINT);
	free(fp);
	base64 = xstrdup(strchr(t.michael_pub, ' ') + 1);
	base64[strcspn(base64, " ")] = '\0'; /* without the comment */
	fp = signature_key_fingerprint(base64);
	assert_non_null(fp);
	assert_string_equal(fp, t.michael_fp);
	free(fp);
	free(base64);
	assert_null(signature_key_fingerprint("not base64!"));
}

/* ---------- the setup from git config ---------- */

static void no_key_is_not_configured_and_says_what_to_run(void **state)
{
	struct signing_setup setup;
	struct error err;

	(void)state;
	git_unset("gpg.format");
	git_unset("user.signingKey");
	assert_int_equal(signature_setup_read(store, &setup, &err), 1);
	assert_int_equal(err.code, EXIT_NOPERM);
	assert_string_equal(err.message,
			    "no ssh signing key in git config; to sign ledger commits as git does, run ssh-keygen -t "
			    "ed25519, then: git config --global gpg.format ssh && git config --global user.signingKey "
			    "~/.ssh/id_ed25519.pub (and list that public key under your keys: in the playbook)");
	signature_setup_release(&setup);

	git_config("gpg.format", "ssh");
	assert_int_equal(signature_setup_read(store, &setup, &err), 1);
	assert_non_null(strstr(err.message, "gpg.format is ssh but user.signingKey is not set"));
	signature_setup_release(&setup);
}

static void another_signing_format_is_not_configured_for_relctl(void **state)
{
	struct signing_setup setup;
	struct error err;

	(void)state;
	git_config("gpg.format", "openpgp");
	git_config("user.signingKey", "0xDEADBEEF");
	assert_int_equal(signature_setup_read(store, &setup, &err), 1);
	assert_int_equal(err.code, EXIT_NOPERM);
	/* Only this repository: their gpg signing elsewhere stays as it is. */
	assert_non_null(strstr(err.message, "git config gpg.format is openpgp, and relctl signs with ssh keys only; "));
	assert_non_null(strstr(err.message, "run ssh-keygen -t ed25519, then: git config gpg.format ssh && git config "
					    "user.signingKey ~/.ssh/id_ed25519.pub"));
	signature_setup_release(&setup);

	git_unset("gpg.format");
	assert_int_equal(signature_setup_read(store, &setup, &err), 1);
	assert_non_null(strstr(err.message, "gpg.format is not (git's default is openpgp)"));
	signature_setup_release(&setup);

	git_config("gpg.format", "pgp");
	assert_int_equal(signature_setup_read(store, &setup, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	assert_string_equal(err.message, "invalid value for git config gpg.format: \"pgp\" (git knows openpgp, x509 and ssh)");
	signature_setup_release(&setup);
}

static void key_files_and_literals_are_read_as_git_reads_them(void **state)
{
	struct signing_setup setup;
	struct error err;
	char *expected;

	(void)state;
	use_michaels_key_file();
	read_setup(&setup);
	assert_string_equal(setup.key, t.michael_key); /* ~/ expanded */
	assert_false(setup.literal);
	assert_string_equal(setup.program, "ssh-keygen");
	signature_setup_release(&setup);

	use_jans_agent_key();
	git_config("gpg.ssh.program", "~/bin/my-ssh-keygen");
	read_setup(&setup);
	assert_string_equal(setup.key, t.jan_pub);
	assert_true(setup.literal);
	expected = xasprintf("%s/bin/my-ssh-keygen", t.home);
	assert_string_equal(setup.program, expected);
	free(expected);
	signature_setup_release(&setup);
	git_unset("gpg.ssh.program");

	/* As git does, "ssh-..." without key:: is a literal too. */
	git_config("user.signingKey", KEY_ED25519);
	read_setup(&setup);
	assert_true(setup.literal);
	signature_setup_release(&setup);

	unsetenv("SSH_AUTH_SOCK");
	assert_int_equal(signature_setup_read(store, &setup, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	assert_non_null(strstr(err.message, "private half must be in ssh-agent, but SSH_AUTH_SOCK is not set"));
	signature_setup_release(&setup);
	setenv("SSH_AUTH_SOCK", t.agent_socket, 1);

	git_config("user.signingKey", "key::ssh-ed25519 AAAA");
	assert_int_equal(signature_setup_read(store, &setup, &err), -1);
	assert_non_null(strstr(err.message, "user.signingKey is not a public key: the base64 part is not a whole ssh-ed25519 key"));
	signature_setup_release(&setup);

	/* A relative path is relative to the top of the work tree, as for git commit. */
	expected = xasprintf("%s/signing.pub", t.repo);
	spill(expected, t.michael_pub);
	git_config("user.signingKey", "signing.pub");
	read_setup(&setup);
	assert_string_equal(setup.key, expected);
	signature_setup_release(&setup);
	unlink(expected);
	free(expected);

	git_config("user.signingKey", "~/.ssh/nothing-here");
	assert_int_equal(signature_setup_read(store, &setup, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	expected = xasprintf("user.signingKey names %s/.ssh/nothing-here, which cannot be read (No such file or directory)",
			     t.home);
	assert_string_equal(err.message, expected);
	free(expected);
	signature_setup_release(&setup);
}

static void the_default_key_command_gives_the_key_as_in_git(void **state)
{
	struct signing_setup setup;
	char *command = xasprintf("printf 'key::%%s\\n' '%s'", t.jan_pub);

	(void)state;
	git_config("gpg.format", "ssh");
	git_unset("user.signingKey");
	git_config("gpg.ssh.defaultKeyCommand", command);
	read_setup(&setup);
	assert_true(setup.literal);
	assert_string_equal(setup.key, t.jan_pub);
	signature_setup_release(&setup);
	git_unset("gpg.ssh.defaultKeyCommand");
	free(command);
}

/* ---------- signed commits, checked by plain git ---------- */

/* git verify-commit and git log --show-signature agree that tip is signed by email's key. */
static void git_agrees(const char *tip, const char *email, const char *type, const char *fp)
{
	struct buf out;
	char *good = xasprintf("Good \"git\" signature for %s with %s key %s", email, type, fp);

	buf_init(&out);
	assert_int_equal(git(&out, "verify-commit", "-v", tip, NULL), 0);
	assert_true(contains(&out, good));
	buf_reset(&out);
	assert_int_equal(git(&out, "log", "--show-signature", "-1", tip), 0);
	assert_true(contains(&out, good));
	buf_reset(&out);
	/* %G? G: good; %GS the signer git names. */
	assert_int_equal(git(&out, "log", "-1", "--format=%G? %GS %GF", tip), 0);
	free(good);
	good = xasprintf("G %s %s\n", email, fp);
	assert_string_equal(out.data, good);
	free(good);
	buf_release(&out);
}

static void a_key_file_signs_commits_git_verifies(void **state)
{
	char tip[OID_HEX];
	struct buf raw;

	(void)state;
	use_michaels_key_file();
	signed_commit("Michael", "michael@example.com", "{\"decide\": \"ship\"}\n", tip);
	git_agrees(tip, "michael@example.com", "ED25519", t.michael_fp);

	/* The header is laid out as git lays it out: no line of a lone space after the signature. */
	buf_init(&raw);
	assert_int_equal(run(&raw, "git", "-C", t.repo, "cat-file", "commit", tip, NULL), 0);
	assert_true(contains(&raw, "\ngpgsig -----BEGIN SSH SIGNATURE-----\n "));
	assert_true(contains(&raw, "\n -----END SSH SIGNATURE-----\n\n{\"decide\": \"ship\"}\n"));
	buf_release(&raw);
}

static void an_agent_key_named_by_a_literal_signs_commits_git_verifies(void **state)
{
	char tip[OID_HEX];

	(void)state;
	use_jans_agent_key();
	signed_commit("Jan", "jan@example.com", "{\"claim\": \"build-rc\"}\n", tip);
	git_agrees(tip, "jan@example.com", "ECDSA", t.jan_fp);
}

/* Ed25519 signatures are deterministic, so git's own commit -S must write the very same object. */
static void the_commit_is_the_one_git_commit_s_writes(void **state)
{
	char tip[OID_HEX], *tree, *env_author, *env_committer;
	struct buf out;
	const char *argv[] = { "git", "-C", t.repo, "-c", "user.name=Michael", "-c", "user.email=michael@example.com",
			       "commit-tree", "-S", NULL, "-m", NULL, NULL };
	const char *message = "relctl: michael decided ship\n";
	char *message_arg = xstrndup(message, strlen(message) - 1);

	(void)state;
	use_michaels_key_file();
	signed_commit("Michael", "michael@example.com", message, tip);
	buf_init(&out);
	{
		char *spec = xasprintf("%s^{tree}", tip);

		assert_int_equal(run(&out, "git", "-C", t.repo, "rev-parse", spec, NULL), 0);
		free(spec);
	}
	tree = xstrndup(out.data, 40);
	argv[9] = tree;
	argv[11] = message_arg;
	env_author = xasprintf("@%d +0000", WHEN);
	env_committer = xstrdup(env_author);
	setenv("GIT_AUTHOR_DATE", env_author, 1);
	setenv("GIT_COMMITTER_DATE", env_committer, 1);
	buf_reset(&out);
	assert_int_equal(run_argv(argv, NULL, &out), 0);
	unsetenv("GIT_AUTHOR_DATE");
	unsetenv("GIT_COMMITTER_DATE");
	out.data[strcspn(out.data, "\n")] = '\0';
	if (strcmp(out.data, tip) != 0) {
		struct buf a, b;

		buf_init(&a);
		buf_init(&b);
		run(&a, "git", "-C", t.repo, "cat-file", "commit", tip, NULL);
		run(&b, "git", "-C", t.repo, "cat-file", "commit", out.data, NULL);
		print_message("relctl's commit:\n%s\ngit's commit:\n%s\n", a.data, b.data);
		buf_release(&a);
		buf_release(&b);
		fail();
	}
	buf_release(&out);
	free(tree);
	free(env_author);
	free(env_committer);
	free(message_arg);
}

static void unsigned_commits_stay_as_they_were(void **state)
{
	char tip[OID_HEX];
	struct store_commit_info info;
	struct signature_check check;
	struct error err;
	struct buf out;

	(void)state;
	assert_int_equal(commit_as("Jan", "jan@example.com", NULL, "{}\n", tip, &err), 0);
	commit_info(tip, &info);
	assert_null(info.signature);
	assert_null(info.signed_data);
	check_of(&info, &check);
	assert_int_equal(signature_verify("ssh-keygen", &check, &err), 0);
	assert_int_equal(check.status, SIGNATURE_UNSIGNED);
	assert_null(check.principal);
	signature_check_release(&check);
	store_commit_info_release(&info);
	buf_init(&out);
	assert_int_not_equal(git(&out, "verify-commit", tip, NULL, NULL), 0);
	buf_release(&out);
}

/* ---------- checking ---------- */

static void a_good_signature_names_its_signer_and_key(void **state)
{
	char tip[OID_HEX];
	struct store_commit_info info;
	struct signature_check check;

	(void)state;
	use_michaels_key_file();
	signed_commit("Michael", "michael@example.com", "{\"decide\": \"delay\"}\n", tip);
	verify_commit(tip, &check, &info);
	assert_int_equal(check.status, SIGNATURE_GOOD);
	assert_string_equal(check.principal, "michael@example.com");
	assert_string_equal(check.fingerprint, t.michael_fp);
	assert_null(check.detail);
	/* What was signed is the commit without its signature, as git has it. */
	assert_non_null(strstr(info.signed_data, "author Michael <michael@example.com> 1710842400 +0000\n"));
	assert_null(strstr(info.signed_data, "gpgsig"));
	assert_true(strncmp(info.signature, "-----BEGIN SSH SIGNATURE-----\n", 30) == 0);
	signature_check_release(&check);
	store_commit_info_release(&info);
}

/* Writes raw as a commit object with plain git (a forger's hand-made commit); its id into id. */
static void hand_made_commit(const char *raw, char id[OID_HEX])
{
	struct buf out;
	const char *argv[] = { "git", "-C", t.repo, "hash-object", "-w", "-t", "commit", "--stdin", NULL };

	buf_init(&out);
	assert_int_equal(run_argv(argv, raw, &out), 0);
	snprintf(id, OID_HEX, "%.40s", out.data);
	buf_release(&out);
}

static void a_payload_altered_after_signing_is_bad(void **state)
{
	char tip[OID_HEX], forged[OID_HEX], *at;
	struct store_commit_info info, finfo;
	struct signature_check check;
	struct buf raw, out;

	(void)state;
	use_jans_agent_key();
	signed_commit("Jan", "jan@example.com", "{\"op\": \"claim\"}\n", tip);
	/* The signed commit with its message changed, signature kept. */
	buf_init(&raw);
	assert_int_equal(run(&raw, "git", "-C", t.repo, "cat-file", "commit", tip, NULL), 0);
	at = strstr(raw.data, "\"claim\"");
	assert_non_null(at);
	memcpy(at, "\"abort\"", 7);
	hand_made_commit(raw.data, forged);
	buf_release(&raw);

	verify_commit(forged, &check, &finfo);
	assert_int_equal(check.status, SIGNATURE_BAD);
	assert_null(check.principal);
	assert_string_equal(check.fingerprint, t.jan_fp); /* the key it claims to be by */
	assert_non_null(check.detail);
	signature_check_release(&check);
	store_commit_info_release(&finfo);
	/* Plain git refuses it too. */
	buf_init(&out);
	assert_int_not_equal(git(&out, "verify-commit", forged, NULL, NULL), 0);
	buf_release(&out);

	/* The original still verifies. */
	verify_commit(tip, &check, &info);
	assert_int_equal(check.status, SIGNATURE_GOOD);
	signature_check_release(&check);
	store_commit_info_release(&info);
}

static void another_persons_valid_signature_names_that_person(void **state)
{
	char tip[OID_HEX];
	struct store_commit_info info;
	struct signature_check check;
	struct buf out;

	(void)state;
	/* jan signs a decision authored as michael. */
	use_jans_agent_key();
	signed_commit("Michael", "michael@example.com", "{\"decide\": \"ship\", \"actor\": \"michael\"}\n", tip);
	verify_commit(tip, &check, &info);
	assert_int_equal(check.status, SIGNATURE_GOOD);
	assert_string_equal(info.author_email, "michael@example.com");
	assert_string_equal(check.principal, "jan@example.com"); /* not the author's: the judge refuses it */
	assert_string_equal(check.fingerprint, t.jan_fp);
	signature_check_release(&check);
	store_commit_info_release(&info);
	/* git verify-commit only says whose key it is; the author is for the auditor to compare. */
	buf_init(&out);
	assert_int_equal(git(&out, "log", "-1", "--format=%ae %G? %GS", tip), 0);
	assert_string_equal(out.data, "michael@example.com G jan@example.com\n");
	buf_release(&out);
}

static void a_key_nobody_listed_is_unknown(void **state)
{
	char tip[OID_HEX];
	struct store_commit_info info;
	struct signature_check check;
	struct buf out;

	(void)state;
	git_config("gpg.format", "ssh");
	git_config("user.signingKey", t.mallory_key);
	signed_commit("Michael", "michael@example.com", "{\"decide\": \"abort\"}\n", tip);
	verify_commit(tip, &check, &info);
	assert_int_equal(check.status, SIGNATURE_UNKNOWN_KEY);
	assert_null(check.principal);
	assert_string_equal(check.fingerprint, t.mallory_fp);
	signature_check_release(&check);
	store_commit_info_release(&info);
	buf_init(&out);
	assert_int_not_equal(git(&out, "verify-commit", tip, NULL, NULL), 0);
	assert_true(contains(&out, "No principal matched"));
	buf_release(&out);
}

static void what_is_no_ssh_signature_or_for_another_use_is_bad(void **state)
{
	struct signature_check check;
	struct buf sig;
	struct error err;
	char *payload_file = xasprintf("%s/payload", t.dir), *sig_file = xasprintf("%s/payload.sig", t.dir);
	const char *payload = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nhello\n";

	(void)state;
	memset(&check, 0, sizeof(check));
	check.payload = payload;
	check.payload_len = strlen(payload);
	check.signature = "-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n";
	check.signature_len = strlen(check.signature);
	check.allowed_signers = t.allowed;
	assert_int_equal(signature_verify("ssh-keygen", &check, &err), 0);
	assert_int_equal(check.status, SIGNATURE_BAD);
	assert_string_equal(check.detail, "not an ssh signature");
	signature_check_release(&check);

	/* michael's key, but signed for files (-n file), not for git. */
	spill(payload_file, payload);
	assert_int_equal(run(NULL, "ssh-keygen", "-q", "-Y", "sign", "-n", "file", "-f", t.michael_key, payload_file, NULL), 0);
	buf_init(&sig);
	check.signature = slurp(sig_file);
	check.signature_len = strlen(check.signature);
	assert_int_equal(signature_verify("ssh-keygen", &check, &err), 0);
	assert_int_equal(check.status, SIGNATURE_BAD);
	assert_true(strstr(check.detail, "namespace") != NULL);
	free((char *)check.signature);
	signature_check_release(&check);
	buf_release(&sig);
	unlink(payload_file);
	unlink(sig_file);
	free(payload_file);
	free(sig_file);
}

static void a_failing_signer_writes_no_commit(void **state)
{
	struct signing_setup setup;
	struct error err;
	char tip[OID_HEX];

	(void)state;
	/* The literal names michael's key, which the agent does not hold. */
	git_config("gpg.format", "ssh");
	{
		char *literal = xasprintf("key::%s", t.michael_pub);

		git_config("user.signingKey", literal);
		free(literal);
	}
	read_setup(&setup);
	assert_int_equal(commit_as("Michael", "michael@example.com", &setup, "{\"never\": 1}\n", tip, &err), -1);
	assert_int_equal(err.code, EXIT_NOPERM);
	assert_non_null(strstr(err.message, "could not sign with the ssh-agent key of user.signingKey"));
	assert_non_null(strstr(err.message, "'ssh-add -L' lists the agent's keys"));
	signature_setup_release(&setup);
}

static void a_checker_that_cannot_run_is_an_error_not_a_bad_signature(void **state)
{
	char tip[OID_HEX];
	struct store_commit_info info;
	struct signature_check check;
	struct error err;

	(void)state;
	use_michaels_key_file();
	signed_commit("Michael", "michael@example.com", "{\"n\": 0}\n", tip);
	commit_info(tip, &info);
	check_of(&info, &check);
	/* A listed ed25519 key needs no program: the check is made in-process. */
	assert_int_equal(signature_verify("/nonexistent/ssh-keygen", &check, &err), 0);
	assert_int_equal(check.status, SIGNATURE_GOOD);
	/* When the program is needed, that it cannot run is an error. */
	check.program_only = true;
	assert_int_equal(signature_verify("/nonexistent/ssh-keygen", &check, &err), -1);
	assert_int_equal(err.code, EXIT_UNAVAILABLE);
	assert_string_equal(err.message, "cannot run /nonexistent/ssh-keygen: No such file or directory");
	signature_check_release(&check);
	store_commit_info_release(&info);
	/* A key nobody listed goes to ssh-keygen (find-principals) whatever its type. */
	git_config("user.signingKey", t.mallory_key);
	signed_commit("Michael", "michael@example.com", "{\"n\": 0.5}\n", tip);
	commit_info(tip, &info);
	check_of(&info, &check);
	assert_int_equal(signature_verify("/nonexistent/ssh-keygen", &check, &err), -1);
	assert_int_equal(err.code, EXIT_UNAVAILABLE);
	signature_check_release(&check);
	store_commit_info_release(&info);
}

/* ---------- many at once ---------- */

static size_t runs_of(const char *log, const char *mode)
{
	size_t n = 0, len = strlen(mode);
	const char *p = log;

	while (*p) {
		if (strncmp(p, mode, len) == 0 && p[len] == '\n')
			n++;
		p += strcspn(p, "\n");
		if (*p)
			p++;
	}
	return n;
}

static void the_batch_agrees_with_one_at_a_time_and_runs_each_check_once(void **state)
{
	enum { GOOD, GOOD_JAN, WRONG_PERSON, ALTERED, UNKNOWN, UNSIGNED, COUNT };
	char tips[COUNT][OID_HEX], altered[OID_HEX], *log, *at;
	struct store_commit_info info[COUNT + 3];
	struct signature_check batch[COUNT + 3], single;
	struct error err;
	struct buf raw;
	size_t i;

	(void)state;
	use_michaels_key_file();
	signed_commit("Michael", "michael@example.com", "{\"n\": 1}\n", tips[GOOD]);
	use_jans_agent_key();
	signed_commit("Jan", "jan@example.com", "{\"n\": 2}\n", tips[GOOD_JAN]);
	signed_commit("Michael", "michael@example.com", "{\"n\": 3}\n", tips[WRONG_PERSON]);
	signed_commit("Jan", "jan@example.com", "{\"n\": 4}\n", tips[ALTERED]);
	buf_init(&raw);
	assert_int_equal(run(&raw, "git", "-C", t.repo, "cat-file", "commit", tips[ALTERED], NULL), 0);
	at = strstr(raw.data, "\"n\": 4");
	at[5] = '5';
	hand_made_commit(raw.data, altered);
	memcpy(tips[ALTERED], altered, OID_HEX);
	buf_release(&raw);
	git_config("user.signingKey", t.mallory_key);
	signed_commit("Michael", "michael@example.com", "{\"n\": 6}\n", tips[UNKNOWN]);
	assert_int_equal(commit_as("Jan", "jan@example.com", NULL, "{\"n\": 7}\n", tips[UNSIGNED], &err), 0);

	/* Every kind, and the first one three times more. */
	for (i = 0; i < COUNT + 3; i++) {
		commit_info(tips[i < COUNT ? i : GOOD], &info[i]);
		check_of(&info[i], &batch[i]);
	}
	/* First all through ssh-keygen, as before sshsig.c, then as relctl checks them. */
	for (i = 0; i < COUNT + 3; i++)
		batch[i].program_only = true;
	unlink(t.wrapper_log);
	assert_int_equal(signature_verify_batch(t.wrapper, batch, COUNT + 3, 0, &err), 0);
	log = slurp(t.wrapper_log);
	/*
	 * Good signatures (three distinct) cost one verify each; the altered one
	 * a verify as its key's owner, then git's find-principals and verify;
	 * the unknown key one find-principals; the unsigned and the repeats none.
	 */
	assert_int_equal(runs_of(log, "verify"), 5);
	assert_int_equal(runs_of(log, "find-principals"), 2);
	free(log);
	unlink(t.wrapper_log);
	for (i = 0; i < COUNT + 3; i++) {
		struct signature_check in_process = batch[i];

		in_process.principal = in_process.fingerprint = in_process.detail = NULL;
		in_process.program_only = false;
		assert_int_equal(signature_verify_batch(t.wrapper, &in_process, 1, 0, &err), 0);
		assert_int_equal(in_process.status, batch[i].status);
		if (batch[i].principal)
			assert_string_equal(in_process.principal, batch[i].principal);
		else
			assert_null(in_process.principal);
		signature_check_release(&in_process);
	}
	/* In-process, only the key nobody listed needs ssh-keygen (find-principals). */
	log = slurp(t.wrapper_log);
	assert_int_equal(runs_of(log, "verify"), 0);
	assert_int_equal(runs_of(log, "find-principals"), 1);
	free(log);
	assert_int_equal(batch[GOOD].status, SIGNATURE_GOOD);
	assert_int_equal(batch[GOOD_JAN].status, SIGNATURE_GOOD);
	assert_int_equal(batch[WRONG_PERSON].status, SIGNATURE_GOOD);
	assert_string_equal(batch[WRONG_PERSON].principal, "jan@example.com");
	assert_int_equal(batch[ALTERED].status, SIGNATURE_BAD);
	assert_int_equal(batch[UNKNOWN].status, SIGNATURE_UNKNOWN_KEY);
	assert_int_equal(batch[UNSIGNED].status, SIGNATURE_UNSIGNED);
	for (i = 0; i < COUNT + 3; i++) {
		check_of(&info[i], &single);
		single.program_only = true;
		assert_int_equal(signature_verify("ssh-keygen", &single, &err), 0);
		assert_int_equal(batch[i].status, single.status);
		if (single.principal)
			assert_string_equal(batch[i].principal, single.principal);
		else
			assert_null(batch[i].principal);
		if (single.fingerprint)
			assert_string_equal(batch[i].fingerprint, single.fingerprint);
		else
			assert_null(batch[i].fingerprint);
		signature_check_release(&single);
		signature_check_release(&batch[i]);
		store_commit_info_release(&info[i]);
	}
}

/* ---------- speed (SIGNATURE_BENCH=N) ---------- */

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* git verify-commit's work for one signature: find-principals, then verify as that principal. */
static void verify_as_git_does(const struct signature_check *c, const char *sig_file)
{
	struct buf principal;
	const char *argv[] = { "ssh-keygen", "-Y", "verify", "-n", "git", "-f", t.signers, "-I", NULL, "-s", sig_file, NULL };

	buf_init(&principal);
	assert_int_equal(run(&principal, "ssh-keygen", "-Y", "find-principals", "-f", t.signers, "-s", sig_file, NULL), 0);
	principal.data[strcspn(principal.data, "\n")] = '\0';
	argv[8] = principal.data;
	assert_int_equal(run_argv(argv, c->payload, NULL), 0);
	buf_release(&principal);
}

static void verifying_many_signatures_is_timed(void **state)
{
	const char *env = getenv("SIGNATURE_BENCH");
	size_t n = env ? (size_t)strtoul(env, NULL, 10) : 0, i, jobs;
	char **payloads, **signatures, **sig_files, *dir;
	const char **argv;
	struct signature_check *checks;
	struct timespec start;
	struct error err;
	double git_way, one_by_one, serial_batch, batch, in_process, dup_batch;

	(void)state;
	if (n == 0)
		skip();
	dir = xasprintf("%s/bench", t.dir);
	mkdir(dir, 0700);
	payloads = xcalloc(n, sizeof(*payloads));
	signatures = xcalloc(n, sizeof(*signatures));
	sig_files = xcalloc(n, sizeof(*sig_files));
	argv = xcalloc(n + 9, sizeof(*argv));
	checks = xcalloc(n, sizeof(*checks));
	argv[0] = "ssh-keygen", argv[1] = "-q", argv[2] = "-Y", argv[3] = "sign", argv[4] = "-n", argv[5] = "git";
	argv[6] = "-f", argv[7] = t.michael_key;
	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/payload-%zu", dir, i);

		payloads[i] = xasprintf("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Michael <michael@example.com> "
					"%zu +0000\ncommitter Michael <michael@example.com> %zu +0000\n\nevent %zu\n",
					1710842400 + i, 1710842400 + i, i);
		spill(path, payloads[i]);
		argv[8 + i] = path;
	}
	/* One ssh-keygen signs them all (setting up is not what is measured). */
	assert_int_equal(run_argv(argv, NULL, NULL), 0);
	for (i = 0; i < n; i++) {
		sig_files[i] = xasprintf("%s.sig", argv[8 + i]);
		signatures[i] = slurp(sig_files[i]);
		free((char *)argv[8 + i]);
		checks[i].payload = payloads[i];
		checks[i].payload_len = strlen(payloads[i]);
		checks[i].signature = signatures[i];
		checks[i].signature_len = strlen(signatures[i]);
		checks[i].allowed_signers = t.allowed;
		checks[i].program_only = true; /* ssh-keygen's cost first; in-process last */
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < n; i++)
		verify_as_git_does(&checks[i], sig_files[i]);
	git_way = seconds_since(&start);

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < n; i++) {
		assert_int_equal(signature_verify("ssh-keygen", &checks[i], &err), 0);
		assert_int_equal(checks[i].status, SIGNATURE_GOOD);
	}
	one_by_one = seconds_since(&start);

	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(signature_verify_batch("ssh-keygen", checks, n, 1, &err), 0);
	serial_batch = seconds_since(&start);

	jobs = 2 * (size_t)sysconf(_SC_NPROCESSORS_ONLN);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(signature_verify_batch("ssh-keygen", checks, n, 0, &err), 0);
	batch = seconds_since(&start);
	for (i = 0; i < n; i++)
		assert_int_equal(checks[i].status, SIGNATURE_GOOD);

	for (i = 0; i < n; i++)
		checks[i].program_only = false;
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(signature_verify_batch("ssh-keygen", checks, n, 0, &err), 0);
	in_process = seconds_since(&start);
	for (i = 0; i < n; i++)
		assert_int_equal(checks[i].status, SIGNATURE_GOOD);

	/* The same signature n times (a commit checked by several judges, say). */
	for (i = 0; i < n; i++) {
		signature_check_release(&checks[i]);
		checks[i].program_only = true;
		checks[i].payload = payloads[0];
		checks[i].payload_len = strlen(payloads[0]);
		checks[i].signature = signatures[0];
		checks[i].signature_len = strlen(signatures[0]);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(signature_verify_batch("ssh-keygen", checks, n, 0, &err), 0);
	dup_batch = seconds_since(&start);

	print_message("%zu signatures (ed25519), %ld processors:\n"
		      "  git's way, one at a time (find-principals + verify each): %.2f s\n"
		      "  signature_verify one at a time (one verify each):        %.2f s\n"
		      "  signature_verify_batch, 1 job:                            %.2f s\n"
		      "  signature_verify_batch, %zu jobs:                          %.2f s\n"
		      "  signature_verify_batch, in-process (sshsig.c):            %.3f s\n"
		      "  signature_verify_batch, %zu identical signatures:        %.3f s\n",
		      n, sysconf(_SC_NPROCESSORS_ONLN), git_way, one_by_one, serial_batch, jobs, batch, in_process, n,
		      dup_batch);
	for (i = 0; i < n; i++) {
		signature_check_release(&checks[i]);
		unlink(sig_files[i]);
		free(sig_files[i]);
		free(payloads[i]);
		free(signatures[i]);
	}
	free(payloads), free(signatures), free(sig_files), free(argv), free(checks);
	run(NULL, "rm", "-rf", dir, NULL);
	free(dir);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(allowed_signers_has_a_line_per_key),
		T(fingerprints_are_ssh_keygens),
		T(no_key_is_not_configured_and_says_what_to_run),
		T(another_signing_format_is_not_configured_for_relctl),
		T(key_files_and_literals_are_read_as_git_reads_them),
		T(the_default_key_command_gives_the_key_as_in_git),
		T(a_key_file_signs_commits_git_verifies),
		T(an_agent_key_named_by_a_literal_signs_commits_git_verifies),
		T(the_commit_is_the_one_git_commit_s_writes),
		T(unsigned_commits_stay_as_they_were),
		T(a_good_signature_names_its_signer_and_key),
		T(a_payload_altered_after_signing_is_bad),
		T(another_persons_valid_signature_names_that_person),
		T(a_key_nobody_listed_is_unknown),
		T(what_is_no_ssh_signature_or_for_another_use_is_bad),
		T(a_failing_signer_writes_no_commit),
		T(a_checker_that_cannot_run_is_an_error_not_a_bad_signature),
		T(the_batch_agrees_with_one_at_a_time_and_runs_each_check_once),
	};
	/* The timing is a benchmark, not a test: run only when asked for (SIGNATURE_BENCH=1000). */
	const struct CMUnitTest bench[] = {
		T(verifying_many_signatures_is_timed),
	};

	if (getenv("SIGNATURE_BENCH"))
		return cmocka_run_group_tests(bench, group_setup, group_teardown);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
