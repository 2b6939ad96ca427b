/*
 * Child processes through posix_spawnp, with pipes for stdin, stdout and
 * stderr that one poll loop services for every running child, so no child
 * can block another by filling a pipe.  Our ends of the pipes are
 * close-on-exec, so a child never holds another child's pipe open.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"

extern char **environ;

/* A child being run: its pid and our ends of its pipes (-1 once closed). */
struct running {
	struct process *p;
	pid_t pid;
	int in, out, err;
	size_t written;
};

void process_init(struct process *p, const char *const *argv)
{
	memset(p, 0, sizeof(*p));
	p->argv = argv;
	buf_init(&p->out);
	buf_init(&p->errout);
}

void process_release(struct process *p)
{
	buf_release(&p->out);
	buf_release(&p->errout);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Starts argv[0] (looked up in PATH) with fds 0, 1 and 2 as stdin, stdout
 * and stderr (2 left as ours when -1) and SIGPIPE back to its default, which
 * process_run_all ignores while it runs.  posix_spawnp's error, or 0.
 */
static int spawn(pid_t *pid, const char *const *argv, char **env, int fd0, int fd1, int fd2)
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t defaults;
	int e;

	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fd0, 0);
	posix_spawn_file_actions_adddup2(&actions, fd1, 1);
	if (fd2 >= 0)
		posix_spawn_file_actions_adddup2(&actions, fd2, 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	e = posix_spawnp(pid, argv[0], &actions, &attr, (char *const *)argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&actions);
	return e;
}

static int start(struct running *r, struct process *p, struct error *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 }, e;
	int *all[] = { &in[0], &in[1], &out[0], &out[1], &errp[0], &errp[1] };
	size_t i;

	memset(r, 0, sizeof(*r));
	r->p = p;
	r->in = r->out = r->err = -1;
	buf_reset(&p->out);
	buf_reset(&p->errout);
	p->status = -1;
	if ((p->input ? pipe2(in, O_CLOEXEC) : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC))) < 0 ||
	    pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
		e = errno;
		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			close_fd(all[i]);
		return error_set(err, EXIT_IOERR, "cannot run %s: %s", p->argv[0], strerror(e));
	}
	e = spawn(&r->pid, p->argv, environ, in[0], out[1], errp[1]);
	if (e != 0) {
		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			close_fd(all[i]);
		return error_set(err, EXIT_UNAVAILABLE, "cannot run %s: %s", p->argv[0], strerror(e));
	}
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	r->in = in[1];
	r->out = out[0];
	r->err = errp[0];
	if (r->in >= 0) {
		fcntl(r->in, F_SETFL, fcntl(r->in, F_GETFL) | O_NONBLOCK);
		if (p->input_len == 0)
			close_fd(&r->in);
	}
	return 0;
}

/* Reads what fd has into b; closes it at the end of the stream. */
static void drain(int *fd, struct buf *b)
{
	char chunk[8192];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n > 0)
		buf_add(b, chunk, (size_t)n);
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		close_fd(fd);
}

static void feed(struct running *r)
{
	ssize_t n = write(r->in, r->p->input + r->written, r->p->input_len - r->written);

	if (n > 0)
		r->written += (size_t)n;
	/* EPIPE: the child stopped reading, which is its business. */
	if ((n < 0 && errno != EINTR && errno != EAGAIN) || r->written == r->p->input_len)
		close_fd(&r->in);
}

static void finish(struct running *r)
{
	int status;

	close_fd(&r->in);
	while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		r->p->status = WEXITSTATUS(status);
	else
		r->p->status = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	r->pid = 0;
}

static size_t default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? 2 * (size_t)n : 2;
}

int process_run_all(struct process *procs, size_t count, size_t jobs, struct error *err)
{
	struct running *slots;
	struct pollfd *fds;
	struct sigaction ignore, saved;
	size_t next = 0, active = 0, i;
	int rc = 0;

	if (count == 0)
		return 0;
	if (jobs == 0)
		jobs = default_jobs();
	if (jobs > count)
		jobs = count;
	slots = xcalloc(jobs, sizeof(*slots));
	fds = xcalloc(3 * jobs, sizeof(*fds));
	/* A child that exits before reading all of its stdin must not kill us with SIGPIPE. */
	memset(&ignore, 0, sizeof(ignore));
	ignore.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ignore, &saved);
	for (;;) {
		size_t nfds = 0;

		for (i = 0; i < jobs && next < count; i++) {
			if (slots[i].pid != 0)
				continue;
			while (next < count && slots[i].pid == 0) {
				struct process *p = &procs[next++];

				if (start(&slots[i], p, rc == 0 ? err : NULL) != 0)
					rc = -1;
				else
					active++;
			}
		}
		if (active == 0)
			break;
		for (i = 0; i < jobs; i++) {
			struct running *r = &slots[i];

			if (r->pid == 0)
				continue;
			if (r->in >= 0)
				fds[nfds++] = (struct pollfd){ .fd = r->in, .events = POLLOUT };
			if (r->out >= 0)
				fds[nfds++] = (struct pollfd){ .fd = r->out, .events = POLLIN };
			if (r->err >= 0)
				fds[nfds++] = (struct pollfd){ .fd = r->err, .events = POLLIN };
		}
		if (nfds > 0 && poll(fds, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = error_set(rc == 0 ? err : NULL, EXIT_IOERR, "cannot wait for %s: %s", procs[0].argv[0],
				       strerror(errno));
			break;
		}
		nfds = 0;
		for (i = 0; i < jobs; i++) {
			struct running *r = &slots[i];

			if (r->pid == 0)
				continue;
			if (r->in >= 0 && fds[nfds++].revents)
				feed(r);
			if (r->out >= 0 && fds[nfds++].revents)
				drain(&r->out, &r->p->out);
			if (r->err >= 0 && fds[nfds++].revents)
				drain(&r->err, &r->p->errout);
			if (r->out < 0 && r->err < 0) {
				finish(r);
				active--;
			}
		}
	}
	for (i = 0; i < jobs; i++) {
		if (slots[i].pid == 0)
			continue;
		close_fd(&slots[i].out);
		close_fd(&slots[i].err);
		finish(&slots[i]);
	}
	sigaction(SIGPIPE, &saved, NULL);
	free(fds);
	free(slots);
	return rc;
}

int process_run(struct process *p, struct error *err)
{
	return process_run_all(p, 1, 1, err);
}

/* environ without the variables named in unset; the strings are environ's. */
static char **environ_without(const char *const *unset)
{
	size_t n = 0, i, k;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 1, sizeof(*env));
	for (i = 0, n = 0; environ[i]; i++) {
		bool keep = true;

		for (k = 0; unset && unset[k] && keep; k++) {
			size_t len = strlen(unset[k]);

			keep = !(strncmp(environ[i], unset[k], len) == 0 && environ[i][len] == '=');
		}
		if (keep)
			env[n++] = environ[i];
	}
	return env;
}

/* An unlinked temporary file under TMPDIR (else /tmp), or -1. */
static int scratch_file(void)
{
	const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *path = xasprintf("%s/relctl-stderr.XXXXXX", dir);
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd >= 0)
		unlink(path);
	free(path);
	return fd;
}

int process_converse(struct process_conversation *c, const char *const *argv, const char *const *unset,
		     struct error *err)
{
	int pair[2], e;
	char **env;

	c->pid = 0;
	c->fd = c->errfd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
		return error_set(err, EXIT_IOERR, "cannot run %s: %s", argv[0], strerror(errno));
	c->errfd = scratch_file();
	if (c->errfd < 0)
		c->errfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	env = environ_without(unset);
	e = spawn(&c->pid, argv, env, pair[1], pair[1], c->errfd);
	free(env);
	close(pair[1]);
	c->fd = pair[0];
	if (e != 0) {
		c->pid = 0;
		process_end(c, NULL);
		return error_set(err, EXIT_UNAVAILABLE, "cannot run %s: %s", argv[0], strerror(e));
	}
	return 0;
}

int process_end(struct process_conversation *c, struct buf *errout)
{
	int status = 0, code = -1;

	close_fd(&c->fd);
	if (c->pid > 0) {
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
		c->pid = 0;
		code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	if (errout && c->errfd >= 0 && lseek(c->errfd, 0, SEEK_SET) == 0) {
		char chunk[4096];
		ssize_t n = read(c->errfd, chunk, sizeof(chunk));

		if (n > 0)
			buf_add(errout, chunk, (size_t)n);
	}
	close_fd(&c->errfd);
	return code;
}
