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

#endif
