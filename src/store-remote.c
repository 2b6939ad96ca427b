/*
 * The remote half of the ledger branch: fetching and pushing it through
 * libgit2's transports, with git's own credentials (the ssh agent or key
 * files, git's credential helpers, http.sslCAInfo).  A remote on this
 * machine is fetched from as git does it, from git upload-pack on the
 * other end of a pipe, and pushed to by a pack copy and a compare-and-swap
 * of its ref, which libgit2's local transport does not do.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/transport.h>

#include "buf.h"
#include "process.h"
#include "store-private.h"
#include "util.h"

struct transfer {
	struct store *store;
	int credential_attempts;
	char *rejection; /* the server's status for our ref, when it refused */
	char said[512];  /* what the server said on the side band (a hook's refusal), on one line */
	size_t said_len;
	/* The last username and password git's helpers gave, to tell them how it went. */
	char *cred_url, *cred_user, *cred_pass;
	char kind; /* the credentials asked for: 's' ssh, 'p' username and password, 0 none */
	bool ssh_planned, ssh_agent;
	char *ssh_keys[3];
	size_t ssh_key_count, ssh_next;
	int ssh_offered;
	bool no_git; /* git upload-pack could not be started for a local remote */
};

static void forget_credential(struct transfer *t)
{
	if (t->cred_pass)
		memset(t->cred_pass, 0, strlen(t->cred_pass));
	free(t->cred_url);
	free(t->cred_user);
	free(t->cred_pass);
	t->cred_url = t->cred_user = t->cred_pass = NULL;
}

/*
 * After a transfer, tells git's credential helpers what became of the
 * credentials they gave, as git does: "approve" when they worked (a cache
 * keeps them), "reject" when the server refused them (a store forgets
 * them).  Then forgets them.  code: what libgit2 returned.
 */
static void transfer_done(struct transfer *t, int code)
{
	FILE *p = NULL;

	if (t->cred_user && (code == 0 || code == GIT_EAUTH))
		p = popen(code == 0 ? "GIT_TERMINAL_PROMPT=0 git credential approve >/dev/null 2>&1"
				    : "GIT_TERMINAL_PROMPT=0 git credential reject >/dev/null 2>&1",
			  "w");
	if (p) {
		fprintf(p, "url=%s\nusername=%s\npassword=%s\n\n", t->cred_url, t->cred_user, t->cred_pass);
		pclose(p);
	}
	forget_credential(t);
	while (t->ssh_key_count > 0)
		free(t->ssh_keys[--t->ssh_key_count]);
}

/* Asks git's credential helpers, the way git itself would, without a prompt. */
static int credential_from_git(git_credential **out, const char *url, struct transfer *t)
{
	char user[1100] = "", pass[1100] = "", line[1100];
	FILE *p;
	int rc = -1;

	if (setenv("RELCTL_CREDENTIAL_URL", url, 1) != 0)
		return -1;
	p = popen("printf 'url=%s\\n\\n' \"$RELCTL_CREDENTIAL_URL\" | GIT_TERMINAL_PROMPT=0 git credential fill 2>/dev/null",
		  "r");
	if (p == NULL)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "username=", 9) == 0)
			snprintf(user, sizeof(user), "%s", line + 9);
		else if (strncmp(line, "password=", 9) == 0)
			snprintf(pass, sizeof(pass), "%s", line + 9);
	}
	if (pclose(p) == 0 && user[0])
		rc = git_credential_userpass_plaintext_new(out, user, pass);
	if (rc == 0) {
		forget_credential(t);
		t->cred_url = xstrdup(url);
		t->cred_user = xstrdup(user);
		t->cred_pass = xstrdup(pass);
	}
	memset(pass, 0, sizeof(pass));
	unsetenv("RELCTL_CREDENTIAL_URL");
	return rc;
}

/* Whether an ssh agent answers on SSH_AUTH_SOCK: a stale or empty variable is common. */
static bool agent_usable(void)
{
	const char *path = getenv("SSH_AUTH_SOCK");
	struct sockaddr_un addr;
	bool ok;
	int fd;

	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(addr.sun_path))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, strlen(path));
	ok = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	close(fd);
	return ok;
}

/*
 * The private key files to offer over ssh after the agent: the one git
 * config relctl.sshKey names (~/ expanded), else each of ssh's default key
 * files, as ssh tries them; only those that can be read.
 */
static void plan_ssh_keys(struct transfer *t)
{
	static const char *const defaults[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	const char *home = getenv("HOME");
	char *key = NULL;
	struct error ignored;
	size_t i;

	t->ssh_planned = true;
	t->ssh_agent = agent_usable();
	if (store_config_get(t->store, "relctl.sshKey", &key, &ignored) == 0 && key) {
		if (strncmp(key, "~/", 2) == 0 && home) {
			char *full = xasprintf("%s/%s", home, key + 2);

			free(key);
			key = full;
		}
		if (access(key, R_OK) == 0)
			t->ssh_keys[t->ssh_key_count++] = key;
		else
			free(key);
		return;
	}
	for (i = 0; home && i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		key = xasprintf("%s/.ssh/%s", home, defaults[i]);
		if (access(key, R_OK) == 0)
			t->ssh_keys[t->ssh_key_count++] = key;
		else
			free(key);
	}
}

/* The user ssh logs in as when the url names none: the local login name, as ssh does. */
static const char *login_name(void)
{
	const struct passwd *pw = getpwuid(geteuid());

	if (pw && pw->pw_name)
		return pw->pw_name;
	return getenv("USER") ? getenv("USER") : "git";
}

static int credentials(git_credential **out, const char *url, const char *username_from_url,
		       unsigned int allowed_types, void *payload)
{
	struct transfer *t = payload;
	const char *user = username_from_url ? username_from_url : login_name();

	if (allowed_types & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	if (allowed_types & GIT_CREDENTIAL_SSH_KEY) {
		/* The agent, then each key file once; then libgit2 reports the failure. */
		t->kind = 's';
		if (!t->ssh_planned)
			plan_ssh_keys(t);
		if (t->ssh_agent) {
			t->ssh_agent = false;
			t->ssh_offered++;
			return git_credential_ssh_key_from_agent(out, user);
		}
		if (t->ssh_next < t->ssh_key_count) {
			const char *key = t->ssh_keys[t->ssh_next++];
			char *pub = xasprintf("%s.pub", key);
			int rc;

			t->ssh_offered++;
			rc = git_credential_ssh_key_new(out, user, access(pub, R_OK) == 0 ? pub : NULL, key, NULL);
			free(pub);
			return rc;
		}
		return GIT_EAUTH;
	}
	/* git's helpers are asked up to three times; then libgit2 reports the failure. */
	if (t->credential_attempts++ >= 3)
		return GIT_EAUTH;
	t->kind = 'p';
	if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && credential_from_git(out, url, t) == 0)
		return 0;
	return GIT_PASSTHROUGH;
}

/* Keeps the server's messages (a hook's stderr, receive-pack's errors) for the error message. */
static int sideband(const char *str, int len, void *payload)
{
	struct transfer *t = payload;
	int i;

	for (i = 0; i < len && t->said_len + 1 < sizeof(t->said); i++) {
		unsigned char c = (unsigned char)str[i];

		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f || (c == ' ' && (t->said_len == 0 || t->said[t->said_len - 1] == ' ')))
			continue; /* no control characters from the server on our terminal */
		t->said[t->said_len++] = (char)c;
	}
	while (t->said_len && t->said[t->said_len - 1] == ' ')
		t->said_len--;
	t->said[t->said_len] = '\0';
	return 0;
}

static int push_status(const char *refname, const char *status, void *payload)
{
	struct transfer *t = payload;

	(void)refname;
	if (status && t->rejection == NULL)
		t->rejection = xstrdup(status);
	return 0;
}

/* There is no remote of that name: how to add it, and the ones there are. */
static int no_remote(struct store *store, const char *remote, struct error *err)
{
	git_strarray names = { 0 };
	struct buf have;
	size_t i;
	int rc;

	buf_init(&have);
	if (git_remote_list(&names, store->repo) == 0)
		for (i = 0; i < names.count; i++)
			buf_addf(&have, "%s%s", i ? ", " : "", names.strings[i]);
	rc = error_set(err, EXIT_CONFIG, "there is no git remote \"%s\" (%s%s); add it with 'git remote add %s URL'", remote,
		       have.len ? "this repository has " : "this repository has none", have.len ? have.data : "", remote);
	git_strarray_dispose(&names);
	buf_release(&have);
	return rc;
}

char *store_remote_url(struct store *store, const char *remote, struct error *err)
{
	git_remote *r = NULL;
	char *url;

	if (git_remote_lookup(&r, store->repo, remote) != 0) {
		no_remote(store, remote, err);
		return NULL;
	}
	url = xstrdup(git_remote_url(r) ? git_remote_url(r) : "");
	git_remote_free(r);
	return url;
}

/* A remote on this machine: a plain path or a file:// url. */
static char *local_remote_path(const char *url)
{
	if (strncmp(url, "file://", 7) == 0)
		return xstrdup(url + 7);
	if (strstr(url, "://") != NULL)
		return NULL;
	/* scp-like "host:path" is ssh; a path has no colon before its first slash. */
	if (strchr(url, ':') && (strchr(url, '/') == NULL || strchr(url, ':') < strchr(url, '/')))
		return NULL;
	return xstrdup(url);
}

/*
 * A transfer that failed, as one sentence that says what to do.  code:
 * what libgit2 returned (GIT_EAUTH when the credentials were refused);
 * t: the transfer's credentials (NULL when none were asked).
 */
static int unreachable(struct error *err, const char *remote, const char *what, int code, const struct transfer *t)
{
	const git_error *e = git_error_last();
	const char *why = e && e->message ? e->message : "unknown error";
	bool ssh = (t && t->kind == 's') || (e && e->klass == GIT_ERROR_SSH);
	char detail[600] = ""; /* libgit2's own words, unless it only said the credentials were refused */
	bool auth = code == GIT_EAUTH ||
		    (e && (e->klass == GIT_ERROR_SSH || e->klass == GIT_ERROR_HTTP || e->klass == GIT_ERROR_NET) &&
		     (strstr(why, "authenticat") || strstr(why, "credentials") || strstr(why, "401") ||
		      strstr(why, "403") || strstr(why, "Username/PublicKey") || strstr(why, "passphrase")));

	if (code != GIT_EAUTH)
		snprintf(detail, sizeof(detail), " (%s)", why);
	if (e && e->klass == GIT_ERROR_SSH && (strstr(why, "hostkey") || strstr(why, "host key")))
		return error_set(err, EXIT_UNAVAILABLE,
				 "cannot %s remote \"%s\": %s; if it is the right host, add its key to ~/.ssh/known_hosts (the file libgit2 checks), for example with ssh-keyscan after comparing the fingerprint",
				 what, remote, why);
	if (t && t->kind == 's' && t->ssh_offered == 0)
		return error_set(err, EXIT_NOPERM,
				 "no ssh key to offer remote \"%s\": add one to ssh-agent (SSH_AUTH_SOCK), or name its file with git config relctl.sshKey FILE",
				 remote);
	if (auth && ssh)
		return error_set(err, EXIT_NOPERM,
				 "remote \"%s\" refused your ssh key%s; check the keys in ssh-agent or git config relctl.sshKey (a key with a passphrase must be loaded into ssh-agent)",
				 remote, detail);
	if (auth)
		return error_set(err, EXIT_NOPERM,
				 "remote \"%s\" refused the credentials%s; check the username and password 'git credential fill' gives for it",
				 remote, detail);
	if (e && e->klass == GIT_ERROR_SSL)
		return error_set(err, EXIT_UNAVAILABLE,
				 "cannot %s remote \"%s\": %s; for a private certificate authority, set git config http.sslCAInfo FILE",
				 what, remote, why);
	return error_set(err, EXIT_UNAVAILABLE,
			 "cannot %s remote \"%s\": %s; retry, or add --offline to record it locally and 'relctl sync' later",
			 what, remote, why);
}

/*
 * git's own TLS settings for https remotes: GIT_SSL_CAINFO / GIT_SSL_CAPATH,
 * else git config http.sslCAInfo / http.sslCAPath (a private certificate
 * authority).  Verification itself is never turned off.
 */
static void tls_settings(struct store *store, const git_remote *r)
{
	static bool applied;
	const char *url = git_remote_url(r);
	char *file = NULL, *dir = NULL;
	struct error ignored;

	/* Only https needs them, and loading a CA file costs milliseconds (mbedTLS parses it whole). */
	if (applied || url == NULL || strncmp(url, "https://", 8) != 0)
		return;
	applied = true;

	if (getenv("GIT_SSL_CAINFO"))
		file = xstrdup(getenv("GIT_SSL_CAINFO"));
	else
		store_config_get(store, "http.sslCAInfo", &file, &ignored);
	if (getenv("GIT_SSL_CAPATH"))
		dir = xstrdup(getenv("GIT_SSL_CAPATH"));
	else
		store_config_get(store, "http.sslCAPath", &dir, &ignored);
	if (file || dir)
		git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, dir);
	free(file);
	free(dir);
}

/*
 * Fetching from a repository on this machine: libgit2's local transport
 * builds the pack in-process and searches deltas for every object again
 * (most of a sync of a thousand commits from a path remote), where git
 * runs git upload-pack, which sends the deltas the remote's pack already
 * has.  This subtransport speaks libgit2's smart protocol with git
 * upload-pack, as git fetch does; the environment that names our
 * repository is not passed on, as git does not pass it.
 */
struct upload_pack {
	git_smart_subtransport parent;
	struct transfer *t;
	struct upload_pack_stream *stream;
};

struct upload_pack_stream {
	git_smart_subtransport_stream parent;
	struct process_conversation child;
	bool ended;
	char said[600]; /* once ended: why, for libgit2's error */
};

static const char *const repo_environment[] = { "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
						"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
						"GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_PREFIX",
						"GIT_SHALLOW_FILE", "GIT_GRAFT_FILE", "GIT_IMPLICIT_WORK_TREE",
						"GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PROTOCOL", NULL };

/*
 * git upload-pack closed the conversation before libgit2 had all it wanted:
 * libgit2's error is the first line upload-pack wrote to stderr ("fatal:
 * '...' does not appear to be a git repository").
 */
static int upload_pack_ended(struct upload_pack_stream *s)
{
	if (!s->ended) {
		struct buf said;
		int code;

		buf_init(&said);
		code = process_end(&s->child, &said);
		s->ended = true;
		buf_add(&said, "", 1);
		said.data[strcspn(said.data, "\n")] = '\0';
		if (said.data[0])
			snprintf(s->said, sizeof(s->said), "git upload-pack: %s", said.data);
		else
			snprintf(s->said, sizeof(s->said), "git upload-pack ended early (exit code %d)", code);
		buf_release(&said);
	}
	git_error_set_str(GIT_ERROR_NET, s->said);
	return -1;
}

static int upload_pack_read(git_smart_subtransport_stream *stream, char *buffer, size_t size, size_t *bytes_read)
{
	struct upload_pack_stream *s = (struct upload_pack_stream *)stream;
	ssize_t n;

	*bytes_read = 0;
	if (s->ended)
		return upload_pack_ended(s);
	do
		n = read(s->child.fd, buffer, size);
	while (n < 0 && errno == EINTR);
	/* libgit2 reads only what it still needs: an end of stream is always early. */
	if (n <= 0)
		return upload_pack_ended(s);
	*bytes_read = (size_t)n;
	return 0;
}

static int upload_pack_write(git_smart_subtransport_stream *stream, const char *buffer, size_t len)
{
	struct upload_pack_stream *s = (struct upload_pack_stream *)stream;

	while (len > 0) {
		ssize_t n = s->ended ? -1 : send(s->child.fd, buffer, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return upload_pack_ended(s);
		buffer += n;
		len -= (size_t)n;
	}
	return 0;
}

static void upload_pack_stream_free(git_smart_subtransport_stream *stream)
{
	struct upload_pack_stream *s = (struct upload_pack_stream *)stream;

	((struct upload_pack *)s->parent.subtransport)->stream = NULL;
	if (!s->ended)
		process_end(&s->child, NULL);
	free(s);
}

static int upload_pack_action(git_smart_subtransport_stream **out, git_smart_subtransport *sub, const char *url,
			      git_smart_service_t action)
{
	struct upload_pack *t = (struct upload_pack *)sub;
	struct upload_pack_stream *s;
	char *path;
	struct error err;
	int rc;

	*out = NULL;
	if (action == GIT_SERVICE_UPLOADPACK && t->stream) {
		*out = &t->stream->parent;
		return 0;
	}
	if (action != GIT_SERVICE_UPLOADPACK_LS) {
		git_error_set_str(GIT_ERROR_NET, "git upload-pack serves fetches only");
		return -1;
	}
	path = local_remote_path(url);
	s = xcalloc(1, sizeof(*s));
	{
		const char *argv[] = { "git", "upload-pack", "--", path ? path : url, NULL };

		rc = process_converse(&s->child, argv, repo_environment, &err);
	}
	free(path);
	if (rc != 0) {
		free(s);
		t->t->no_git = true;
		git_error_set_str(GIT_ERROR_NET, err.message);
		return -1;
	}
	s->parent.subtransport = sub;
	s->parent.read = upload_pack_read;
	s->parent.write = upload_pack_write;
	s->parent.free = upload_pack_stream_free;
	t->stream = s;
	*out = &s->parent;
	return 0;
}

static int upload_pack_close(git_smart_subtransport *sub)
{
	(void)sub;
	return 0;
}

static void upload_pack_free(git_smart_subtransport *sub)
{
	free(sub);
}

static int upload_pack_new(git_smart_subtransport **out, git_transport *owner, void *param)
{
	struct upload_pack *t = xcalloc(1, sizeof(*t));

	(void)owner;
	t->t = param;
	t->parent.action = upload_pack_action;
	t->parent.close = upload_pack_close;
	t->parent.free = upload_pack_free;
	*out = &t->parent;
	return 0;
}

/* The transport for a fetch from a local remote; param is the fetch's struct transfer. */
static int upload_pack_transport(git_transport **out, git_remote *owner, void *param)
{
	git_smart_subtransport_definition definition = { upload_pack_new, 0, param };

	return git_transport_smart(out, owner, &definition);
}

/*
 * The named remote's url as a remote of its own: a fetch through it writes
 * only relctl's own refspec, not also the remote's tracking refs under refs/remotes/NAME,
 * which other relctl processes of this clone may be moving (sync moves the
 * tracking ref itself once it has judged the tip).
 */
static int anonymous_remote(struct store *store, const char *remote, git_remote **out)
{
	git_remote *named = NULL;
	int e = git_remote_lookup(&named, store->repo, remote);

	*out = NULL;
	if (e == 0)
		e = git_remote_create_anonymous(out, store->repo, git_remote_url(named) ? git_remote_url(named) : "");
	git_remote_free(named);
	return e;
}

/*
 * libgit2 1.5 tells a remote what this clone has by walking its history,
 * and stops at a commit it cannot parse (a refused one with no committer
 * line, which a restore is then written on): git's own fetch reads such
 * commits as git log does.  For a remote on this machine: 0 when it
 * fetched spec.
 */
static int git_fetch_walks_past(struct store *store, const char *path, const char *spec)
{
	char *git_dir = xasprintf("--git-dir=%s", store_git_dir(store));
	const char *argv[] = { "git", git_dir, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", path, spec, NULL };
	struct process p;
	struct error ignored;
	int rc;

	process_init(&p, argv);
	rc = process_run(&p, &ignored) == 0 && p.status == 0 ? 0 : -1;
	process_release(&p);
	free(git_dir);
	return rc;
}

int store_fetch(struct store *store, const char *remote, const char *branch, char tip[OID_HEX], struct error *err)
{
	git_fetch_options opts;
	struct transfer t = { .store = store };
	git_remote *r = NULL;
	char hex[17], *spec, *temp, *local;
	git_strarray specs;
	int rc, e;

	if (anonymous_remote(store, remote, &r) != 0)
		return no_remote(store, remote, err);
	tls_settings(store, r);
	if (random_hex(hex, 8) != 0)
		snprintf(hex, sizeof(hex), "%d", (int)getpid());
	temp = xasprintf("refs/relctl/fetch/%s", hex);
	spec = xasprintf("+refs/heads/%s:%s", branch, temp);
	specs.strings = &spec;
	specs.count = 1;
	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	opts.callbacks.credentials = credentials;
	opts.callbacks.payload = &t;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	opts.update_fetchhead = 0;
	local = local_remote_path(git_remote_url(r) ? git_remote_url(r) : "");
	if (local)
		/* From git upload-pack, as git fetches. */
		opts.callbacks.transport = upload_pack_transport;
	e = git_remote_fetch(r, &specs, &opts, NULL);
	if (e != 0 && t.no_git) {
		/* No git to run here: libgit2's local transport (a remote keeps its transport, so a new one). */
		git_remote_free(r);
		r = NULL;
		opts.callbacks.transport = NULL;
		e = anonymous_remote(store, remote, &r);
		if (e == 0)
			e = git_remote_fetch(r, &specs, &opts, NULL);
	}
	if (e != 0 && local && !t.no_git && git_fetch_walks_past(store, local, spec) == 0)
		e = 0;
	free(local);
	transfer_done(&t, e);
	if (e != 0) {
		rc = unreachable(err, remote, "fetch from", e, &t);
	} else {
		rc = store_ref_tip(store, temp, tip, err);
		if (rc == 0) {
			git_reference *ref = NULL;

			if (git_reference_lookup(&ref, store->repo, temp) == 0)
				git_reference_delete(ref);
			git_reference_free(ref);
		}
	}
	free(spec);
	free(temp);
	git_remote_free(r);
	return rc;
}

/*
 * A branch move that git's receive-pack refused because the branch moved
 * meanwhile: not a fast-forward any more, or its compare-and-swap of the
 * ref lost ("failed to update ref": another push held the lock or moved
 * the ref after this one was advertised its value).
 */
static bool lost_race(const char *status)
{
	return strstr(status, "fast-forward") || strstr(status, "fetch first") || strstr(status, "stale") ||
	       strstr(status, "lock") || strstr(status, "non-fast") || strstr(status, "failed to update ref");
}

static int push_refspec(struct store *store, git_remote *r, const char *spec, struct transfer *t)
{
	git_push_options opts;
	git_strarray specs = { (char **)&spec, 1 };
	int e;

	(void)store;
	git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
	opts.callbacks.credentials = credentials;
	opts.callbacks.push_update_reference = push_status;
	opts.callbacks.sideband_progress = sideband;
	opts.callbacks.payload = t;
	e = git_remote_push(r, &specs, &opts);
	transfer_done(t, e);
	return e;
}

struct pack_sink {
	git_odb_writepack *writepack;
	git_indexer_progress stats;
};

static int pack_append(void *data, size_t len, void *payload)
{
	struct pack_sink *sink = payload;

	return sink->writepack->append(sink->writepack, data, len, &sink->stats);
}

/* Writes the objects of new_oid's commits after old_tip into the odb of remote_repo, as one pack. */
static int copy_objects(git_repository *repo, git_repository *remote_repo, const git_oid *new_oid, const char *old_tip)
{
	git_revwalk *walk = NULL;
	git_packbuilder *pb = NULL;
	git_odb *odb = NULL;
	struct pack_sink sink;
	git_oid old_oid;
	int e;

	memset(&sink, 0, sizeof(sink));
	e = git_revwalk_new(&walk, repo);
	if (e == 0)
		e = git_revwalk_push(walk, new_oid);
	if (e == 0 && old_tip && git_oid_fromstr(&old_oid, old_tip) == 0)
		e = git_revwalk_hide(walk, &old_oid);
	if (e == 0)
		e = git_packbuilder_new(&pb, repo);
	if (e == 0)
		e = git_packbuilder_insert_walk(pb, walk);
	if (e != 0) {
		/*
		 * A commit libgit2 cannot parse stops the walk (a refused one the
		 * restore is written on): the new commit alone, with its whole tree.
		 */
		git_packbuilder_free(pb);
		pb = NULL;
		e = git_packbuilder_new(&pb, repo);
		if (e == 0)
			e = git_packbuilder_insert_commit(pb, new_oid);
	}
	if (e == 0)
		e = git_repository_odb(&odb, remote_repo);
	if (e == 0)
		e = git_odb_write_pack(&sink.writepack, odb, NULL, NULL);
	if (e == 0)
		e = git_packbuilder_foreach(pb, pack_append, &sink);
	if (e == 0)
		e = sink.writepack->commit(sink.writepack, &sink.stats);
	if (sink.writepack)
		sink.writepack->free(sink.writepack);
	git_odb_free(odb);
	git_packbuilder_free(pb);
	git_revwalk_free(walk);
	return e;
}

/*
 * A remote that is a repository on this machine, without libgit2's local
 * transport: it moves refs without checking their old value, and its ref
 * listing fails when another process deletes a ref meanwhile.  The objects
 * are written into that repository, then its branch is moved by
 * compare-and-swap there.
 */
static int push_to_local_remote(struct store *store, const char *remote, const char *path, const char *branch,
				const git_oid *new_oid, const char *old_tip, struct error *err)
{
	git_repository *remote_repo = NULL;
	git_reference *out = NULL;
	git_oid old_oid;
	char *ref = xasprintf("refs/heads/%s", branch);
	int e, rc = 0;

	if (git_repository_open_ext(&remote_repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		rc = unreachable(err, remote, "push to", -1, NULL);
		goto out;
	}
	if (copy_objects(store->repo, remote_repo, new_oid, old_tip) != 0) {
		rc = unreachable(err, remote, "push to", -1, NULL);
		goto out;
	}
	if (old_tip) {
		git_oid_fromstr(&old_oid, old_tip);
		e = git_reference_create_matching(&out, remote_repo, ref, new_oid, 1, &old_oid, "relctl");
	} else {
		e = git_reference_create(&out, remote_repo, ref, new_oid, 0, "relctl");
	}
	if (e == GIT_EMODIFIED || e == GIT_EEXISTS || e == GIT_ELOCKED)
		rc = 1;
	else if (e != 0)
		rc = git_fail(err, EXIT_UNAVAILABLE, "cannot update the remote's ledger branch");
out:
	git_reference_free(out);
	git_repository_free(remote_repo);
	free(ref);
	return rc;
}

int store_push(struct store *store, const char *remote, const char *branch, const char *new_tip, const char *old_tip,
	       struct error *err)
{
	struct transfer t = { .store = store };
	git_remote *r = NULL;
	git_reference *outgoing = NULL;
	git_oid new_oid;
	char hex[17], *out_ref = NULL, *spec = NULL, *path = NULL;
	int rc = 0, e;

	if (parse_oid(&new_oid, new_tip, err) != 0)
		return -1;
	if (git_remote_lookup(&r, store->repo, remote) != 0)
		return no_remote(store, remote, err);
	tls_settings(store, r);
	path = local_remote_path(git_remote_url(r) ? git_remote_url(r) : "");
	if (path) {
		rc = push_to_local_remote(store, remote, path, branch, &new_oid, old_tip, err);
		goto out;
	}
	if (random_hex(hex, 8) != 0)
		snprintf(hex, sizeof(hex), "%d", (int)getpid());
	/* A private ref to push from, so the local branch moves only after the remote did. */
	out_ref = xasprintf("refs/relctl/outgoing/%s", hex);
	if (git_reference_create(&outgoing, store->repo, out_ref, &new_oid, 1, NULL) != 0) {
		rc = git_fail(err, EXIT_IOERR, "cannot prepare the push");
		goto out;
	}
	spec = xasprintf("%s:refs/heads/%s", out_ref, branch);
	e = push_refspec(store, r, spec, &t);
	if (e == GIT_ENONFASTFORWARD) {
		/* libgit2 saw the remote's branch move past old_tip before sending anything. */
		rc = 1;
		goto out;
	}
	if (e != 0) {
		rc = unreachable(err, remote, "push to", e, &t);
		goto out;
	}
	if (t.rejection) {
		if (lost_race(t.rejection))
			rc = 1;
		else
			rc = error_set(err, EXIT_NOPERM, "remote \"%s\" refused the ledger update: %s%s%s", remote,
				       t.rejection, t.said_len ? "; it said: " : "", t.said);
		goto out;
	}
out:
	if (outgoing)
		git_reference_delete(outgoing);
	git_reference_free(outgoing);
	git_remote_free(r);
	free(t.rejection);
	free(out_ref);
	free(spec);
	free(path);
	return rc;
}

