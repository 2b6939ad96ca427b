/*
 * Command steps (command.c): a step's argv rendered from the pinned,
 * judged playbook ({{release.*}} and {{vars.NAME}} in its arguments, no
 * shell, no ${ENV}), run in the work tree (or its cwd, which must stay
 * inside it) with fork and execvp in a process group of its own, its
 * output (stdout and stderr, in the order written) streamed to a callback
 * as it comes, hashed, and its tail kept; after its timeout the whole
 * group gets SIGTERM, then SIGKILL.  What happened becomes the result of
 * a command event (ledger-runs.h), secrets masked.
 */
#ifndef RELCTL_COMMAND_H
#define RELCTL_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "cJSON.h"
#include "err.h"
#include "playbook.h"
#include "template.h"

/* Seconds between the SIGTERM of a command that timed out and the SIGKILL of its group. */
#define COMMAND_KILL_GRACE 2

struct command_run {
	char **argv;      /* rendered, NULL-terminated */
	size_t argc;
	char *cwd;        /* the absolute directory it runs in */
	char *cwd_shown;  /* as the playbook writes it; "." for the work tree's top */
	long timeout;     /* seconds */
	/*
	 * Called with each piece of output as it comes, every secret of mask
	 * (may be NULL) replaced by *** (a piece that may be the start of one
	 * is held back until the next); may be NULL.
	 */
	void (*on_output)(const char *data, size_t len, void *data_of);
	void *output_data;
	const struct template_secrets *mask;
	struct buf held;  /* output not yet passed on: it may end with the start of a secret */

	/* What happened (command_run). */
	bool timed_out;
	int exit_status;  /* -1 when it ended by a signal */
	int signal;       /* the signal that ended it; 0 when it exited */
	long duration_ms;
	size_t output_bytes;
	char output_sha256[65];
	struct buf tail;  /* the last RUN_OUTPUT_TAIL_BYTES bytes of output, raw */
};

/*
 * Renders step's argv over scope (a template the field does not take, or
 * an unknown name, is an error: 65) and its directory below workdir (a
 * cwd that is not a directory inside the work tree, symlinks resolved, is
 * 65 too).  r is then ready for command_run; command_release frees it.
 */
int command_prepare(struct command_run *r, const struct pb_step *step, const struct template_scope *scope,
		    const char *workdir, struct error *err);
void command_release(struct command_run *r);

/*
 * Runs r to its end or its timeout.  0 whatever it exited with (a program
 * that cannot be started exits 127 with why in its output, as in a shell);
 * -1 only when relctl cannot start anything (no pipe, no fork).
 */
int command_run(struct command_run *r, struct error *err);

/* The argv as one line for people: each argument quoted when it needs it; caller frees. */
char *command_text(const struct command_run *r);

/*
 * The values of every ${NAME} the playbook's hooks and check steps read
 * (urls, headers, signing secrets) that the environment sets: what a
 * command's output must not carry into the ledger.
 */
void command_secrets(const struct playbook *pb, struct template_secrets *secrets);

/*
 * The result of a command event for r (ledger-runs.h): outcome, exit,
 * signal, duration, the output's size and sha256, and its tail escaped
 * (term.h) with secrets masked; dry_run: a rehearsal's record of what
 * would run.  Caller deletes.
 */
cJSON *command_result_json(const struct command_run *r, const struct template_secrets *secrets, bool dry_run);

/* The last line of r's output that is not blank, escaped and masked, at most 200 bytes; caller frees. */
char *command_last_line(const struct command_run *r, const struct template_secrets *secrets);

#endif
