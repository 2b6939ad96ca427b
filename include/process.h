/*
 * Running other programs without a shell: argv[0] is looked up in PATH,
 * stdin is fed from memory, stdout and stderr are collected in memory.
 * process_run_all runs many programs at once, a bounded number at a time,
 * for work that is one short process per item (checking a thousand
 * signatures with ssh-keygen).  Children inherit the environment (so
 * SSH_AUTH_SOCK reaches ssh-keygen) and no other file descriptor.
 */
#ifndef RELCTL_PROCESS_H
#define RELCTL_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

struct process {
	const char *const *argv; /* NULL-terminated; borrowed */
	const char *input;       /* stdin; NULL: /dev/null; borrowed */
	size_t input_len;
	struct buf out;          /* its stdout */
	struct buf errout;       /* its stderr */
	int status;              /* exit code; 128+N when signal N killed it */
};

/* Starts an empty result for argv (which must outlive the run). */
void process_init(struct process *p, const char *const *argv);
void process_release(struct process *p);

/*
 * Runs p to its end.  Returns 0 whatever its exit code (see p->status), -1
 * when it could not be started (EXIT_UNAVAILABLE, naming the program).
 */
int process_run(struct process *p, struct error *err);

/*
 * Runs every one of procs, at most jobs at a time (0: twice the number of
 * processors), and returns when all have ended.  -1 when one could not be
 * started; the others still run to their end.
 */
int process_run_all(struct process *procs, size_t count, size_t jobs, struct error *err);

/*
 * A program to talk with while it runs (git upload-pack serving a fetch):
 * its stdin and stdout are both fd, one end of a socket pair (so a write
 * to a child that has gone returns EPIPE with MSG_NOSIGNAL instead of
 * killing us), its stderr goes to an unlinked temporary file (which never
 * fills up and blocks it), and the environment variables named in unset
 * (NULL-terminated; may be NULL) are left out of its environment.
 * process_end closes fd, waits for the child and returns its exit code
 * (128+N for signal N), with the start of what it wrote to stderr in
 * errout (may be NULL).
 */
struct process_conversation {
	pid_t pid;
	int fd;
	int errfd;
};

int process_converse(struct process_conversation *c, const char *const *argv, const char *const *unset,
		     struct error *err);
int process_end(struct process_conversation *c, struct buf *errout);

#endif
