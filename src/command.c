/*
 * Command steps: render a step's argv, run it without a shell in a process
 * group of its own (so a timeout kills what it started too), stream and
 * hash its output, and describe what happened as a command event's result.
 * fork and execvp rather than posix_spawn: the child must make its own
 * group and change to its directory before it runs anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "crypto.h"
#include "ledger-runs.h"
#include "term.h"
#include "util.h"

/* ---------- preparing ---------- */

/* The directory cwd names below workdir, symlinks resolved, when it is a directory inside it; else NULL. */
static char *directory_inside(const char *workdir, const char *cwd)
{
	char top[PATH_MAX], dir[PATH_MAX], *joined = xasprintf("%s/%s", workdir, cwd);
	struct stat st;
	size_t len;
	bool ok;

	ok = realpath(workdir, top) && realpath(joined, dir) && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	free(joined);
	if (!ok)
		return NULL;
	len = strlen(top);
	if (strncmp(dir, top, len) != 0 || (dir[len] != '\0' && dir[len] != '/'))
		return NULL;
	return xstrdup(dir);
}

int command_prepare(struct command_run *r, const struct pb_step *step, const struct template_scope *scope,
		    const char *workdir, struct error *err)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	buf_init(&r->tail);
	buf_init(&r->held);
	r->exit_status = -1;
	r->timeout = step->command_timeout > 0 ? step->command_timeout : COMMAND_TIMEOUT_DEFAULT;
	r->argv = xcalloc(step->run.count + 1, sizeof(*r->argv));
	for (i = 0; i < step->run.count; i++) {
		r->argv[i] = template_expand_field(step->run.items[i], TEMPLATE_ARGUMENT, scope, err);
		if (r->argv[i] == NULL)
			return -1;
		r->argc++;
	}
	if (r->argc == 0)
		return error_set(err, EXIT_DATAERR, "command step %s has nothing to run", step->id);
	r->cwd_shown = xstrdup(step->cwd ? step->cwd : ".");
	if (step->cwd && !template_path_inside(step->cwd))
		return error_set(err, EXIT_DATAERR, "the cwd \"%s\" of %s is not inside the work tree", step->cwd, step->id);
	r->cwd = directory_inside(workdir, r->cwd_shown);
	if (r->cwd == NULL)
		return error_set(err, EXIT_DATAERR, "the cwd \"%s\" of %s is not a directory inside the work tree (%s)",
				 r->cwd_shown, step->id, workdir);
	return 0;
}

void command_release(struct command_run *r)
{
	size_t i;

	for (i = 0; r->argv && i < r->argc; i++)
		free(r->argv[i]);
	free(r->argv);
	free(r->cwd);
	free(r->cwd_shown);
	buf_release(&r->tail);
	buf_release(&r->held);
	memset(r, 0, sizeof(*r));
}

/* ---------- running ---------- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: its own group, stdin from /dev/null, stdout and stderr into out, nothing else open; never returns. */
static void child(const struct command_run *r, int out)
{
	int null = open("/dev/null", O_RDONLY), fd;
	char *why;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if (null >= 0 && null != 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(out, 1);
	dup2(out, 2);
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	if (chdir(r->cwd) == 0)
		execvp(r->argv[0], r->argv);
	why = xasprintf("relctl: cannot run %s in %s: %s\n", r->argv[0], r->cwd_shown, strerror(errno));
	if (write(1, why, strlen(why)) < 0)
		_exit(127);
	_exit(127);
}

/* Keeps the last RUN_OUTPUT_TAIL_BYTES of the output. */
static void keep_tail(struct buf *tail, const char *data, size_t len)
{
	if (len >= RUN_OUTPUT_TAIL_BYTES) {
		buf_reset(tail);
		buf_add(tail, data + len - RUN_OUTPUT_TAIL_BYTES, RUN_OUTPUT_TAIL_BYTES);
		return;
	}
	if (tail->len + len > RUN_OUTPUT_TAIL_BYTES) {
		size_t drop = tail->len + len - RUN_OUTPUT_TAIL_BYTES;

		memmove(tail->data, tail->data + drop, tail->len - drop);
		tail->len -= drop;
	}
	buf_add(tail, data, len);
}

/* Replaces every secret in b (bytes, not a string) with ***. */
static void mask_bytes(struct buf *b, const struct template_secrets *secrets)
{
	size_t i;

	for (i = 0; secrets && i < secrets->count; i++) {
		size_t n = strlen(secrets->values[i]), at = 0;
		struct buf out;
		const char *hit;

		if (n < 4 || b->len < n)
			continue;
		buf_init(&out);
		while ((hit = memmem(b->data + at, b->len - at, secrets->values[i], n)) != NULL) {
			buf_add(&out, b->data + at, (size_t)(hit - (b->data + at)));
			buf_adds(&out, "***");
			at = (size_t)(hit - b->data) + n;
		}
		if (out.len == 0 && at == 0) {
			buf_release(&out);
			continue;
		}
		buf_add(&out, b->data + at, b->len - at);
		buf_release(b);
		*b = out;
	}
}

/* Passes on the output held, masked, but for what may be the start of a secret (all of it at the end). */
static void pass_on(struct command_run *r, bool end)
{
	size_t keep = 0, i, n;

	mask_bytes(&r->held, r->mask);
	for (i = 0; !end && r->mask && i < r->mask->count; i++)
		if ((n = strlen(r->mask->values[i])) > keep + 1)
			keep = n - 1;
	if (keep > r->held.len)
		keep = r->held.len;
	if (r->held.len - keep > 0 && r->on_output)
		r->on_output(r->held.data, r->held.len - keep, r->output_data);
	memmove(r->held.data, r->held.data + r->held.len - keep, keep);
	r->held.len = keep;
}

/* What the child wrote, until it has closed its end (EOF); false at EOF. */
static bool read_output(struct command_run *r, int fd, struct sha256_stream *hash)
{
	char chunk[8192];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	sha256_add(hash, chunk, (size_t)n);
	keep_tail(&r->tail, chunk, (size_t)n);
	r->output_bytes += (size_t)n;
	buf_add(&r->held, chunk, (size_t)n);
	pass_on(r, false);
	return true;
}

/*
 * The command runs in a group of its own, so a Ctrl-C at the terminal
 * reaches relctl only: relctl passes it on to the whole group, and records
 * how the command ended.
 */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = sig;
}

int command_run(struct command_run *r, struct error *err)
{
	struct sha256_stream *hash;
	struct sigaction on = { 0 }, old_int, old_term, old_hup;
	long start, deadline, kill_at = 0;
	int fds[2], status = 0;
	bool open_pipe = true, reaped = false, passed_on = false;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return error_set(err, EXIT_UNAVAILABLE, "cannot run %s: %s", r->argv[0], strerror(errno));
	hash = sha256_begin();
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		sha256_end(hash, r->output_sha256);
		return error_set(err, EXIT_UNAVAILABLE, "cannot run %s: %s", r->argv[0], strerror(errno));
	}
	if (pid == 0)
		child(r, fds[1]);
	setpgid(pid, pid); /* also here: a timeout may come before the child has run */
	close(fds[1]);
	interrupted = 0;
	on.sa_handler = on_interrupt;
	sigemptyset(&on.sa_mask);
	sigaction(SIGINT, &on, &old_int);
	sigaction(SIGTERM, &on, &old_term);
	sigaction(SIGHUP, &on, &old_hup);
	start = now_ms();
	deadline = start + r->timeout * 1000;
	while (open_pipe || !reaped) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		long now = now_ms();

		if (interrupted && !passed_on) {
			kill(-pid, (int)interrupted);
			passed_on = true;
			kill_at = now + COMMAND_KILL_GRACE * 1000;
		}
		/* The whole group: what the command started in the background dies with it. */
		if (!r->timed_out && now >= deadline) {
			r->timed_out = true;
			kill(-pid, SIGTERM);
			kill_at = now + COMMAND_KILL_GRACE * 1000;
		} else if (kill_at && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = 0;
		}
		if (open_pipe && poll(&p, 1, 50) > 0)
			open_pipe = read_output(r, fds[0], hash);
		else if (!open_pipe)
			usleep(20000);
		if (!reaped && waitpid(pid, &status, WNOHANG) == pid)
			reaped = true;
	}
	if (r->timed_out || passed_on)
		kill(-pid, SIGKILL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	pass_on(r, true);
	close(fds[0]);
	r->duration_ms = now_ms() - start;
	if (WIFEXITED(status)) {
		r->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		r->exit_status = -1;
		r->signal = WTERMSIG(status);
	}
	if (sha256_end(hash, r->output_sha256) != 0)
		r->output_sha256[0] = '\0';
	return 0;
}

/* ---------- describing ---------- */

char *command_text(const struct command_run *r)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < r->argc; i++) {
		const char *arg = r->argv[i], *p;
		bool plain = arg[0] != '\0' && arg[strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
							     "0123456789-_./=:,+@%")] == '\0';

		if (i)
			buf_addc(&b, ' ');
		if (plain) {
			buf_adds(&b, arg);
			continue;
		}
		buf_addc(&b, '\'');
		for (p = arg; *p; p++)
			if (*p == '\'')
				buf_adds(&b, "'\\''");
			else
				buf_addc(&b, *p);
		buf_addc(&b, '\'');
	}
	return buf_detach(&b);
}

/* What the environment gives one request of the playbook (a hook, a check step's). */
static void request_secrets(const struct pb_hook *h, struct template_secrets *secrets)
{
	size_t j;

	template_env_secrets(h->url, secrets);
	for (j = 0; j < h->header_count; j++)
		template_env_secrets(h->headers[j].value, secrets);
	if (h->secret_env && getenv(h->secret_env))
		template_secret_add(secrets, getenv(h->secret_env));
}

void command_secrets(const struct playbook *pb, struct template_secrets *secrets)
{
	size_t i;

	for (i = 0; i < pb->hook_count; i++)
		request_secrets(&pb->hooks[i], secrets);
	for (i = 0; i < pb->step_count; i++)
		if (pb->steps[i].check)
			request_secrets(pb->steps[i].check, secrets);
}

/*
 * bytes with every secret replaced by ***, and a secret cut by the start
 * of the tail (its last 4 bytes or more) too, then escaped for a terminal
 * and JSON alike; caller frees.
 */
static char *shown_output(const char *bytes, size_t len, const struct template_secrets *secrets)
{
	struct buf escaped;
	char *masked;
	size_t i, k;

	buf_init(&escaped);
	for (i = 0; i < secrets->count; i++) {
		const char *secret = secrets->values[i];
		size_t n = strlen(secret);

		for (k = n - 1; k >= 4 && k < n; k--)
			if (len >= k && memcmp(bytes, secret + n - k, k) == 0) {
				buf_adds(&escaped, "***");
				bytes += k;
				len -= k;
				break;
			}
	}
	term_escape(&escaped, bytes, len);
	masked = template_mask(secrets, escaped.data ? escaped.data : "");
	buf_release(&escaped);
	return masked;
}

cJSON *command_result_json(const struct command_run *r, const struct template_secrets *secrets, bool dry_run)
{
	cJSON *o = cJSON_CreateObject(), *argv = cJSON_AddArrayToObject(o, "argv");
	const char *outcome = dry_run		      ? RUN_OUTCOME_DRY_RUN
			      : r->timed_out	      ? RUN_OUTCOME_TIMEOUT
			      : r->exit_status == 0 ? RUN_OUTCOME_PASSED
						      : RUN_OUTCOME_FAILED;
	char *tail;
	size_t i;

	for (i = 0; i < r->argc; i++) {
		char *arg = template_mask(secrets, r->argv[i]);

		cJSON_AddItemToArray(argv, cJSON_CreateString(arg));
		free(arg);
	}
	cJSON_AddStringToObject(o, "cwd", r->cwd_shown);
	cJSON_AddStringToObject(o, "outcome", outcome);
	if (dry_run)
		return o;
	if (r->exit_status >= 0)
		cJSON_AddNumberToObject(o, "exit", r->exit_status);
	else
		cJSON_AddNullToObject(o, "exit");
	if (r->signal)
		cJSON_AddNumberToObject(o, "signal", r->signal);
	if (r->timed_out)
		cJSON_AddNumberToObject(o, "timeout_seconds", (double)r->timeout);
	cJSON_AddNumberToObject(o, "duration_ms", (double)r->duration_ms);
	cJSON_AddNumberToObject(o, "output_bytes", (double)r->output_bytes);
	cJSON_AddStringToObject(o, "output_sha256", r->output_sha256);
	tail = shown_output(r->tail.data ? r->tail.data : "", r->tail.len, secrets);
	cJSON_AddStringToObject(o, "output_tail", tail);
	free(tail);
	return o;
}

char *command_last_line(const struct command_run *r, const struct template_secrets *secrets)
{
	const char *data = r->tail.data ? r->tail.data : "";
	size_t end = r->tail.len, begin;
	char *shown;

	while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r' || data[end - 1] == ' '))
		end--;
	for (begin = end; begin > 0 && data[begin - 1] != '\n'; begin--)
		;
	if (end - begin > 200)
		begin = end - 200;
	shown = shown_output(data + begin, end - begin, secrets);
	shown[strcspn(shown, "\n")] = '\0';
	return shown;
}
