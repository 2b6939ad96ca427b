/*
 * What the rules know of the steps relctl runs itself (ledger-runs.c):
 * command steps (a "command" event records one run of the step's argv) and
 * check steps (a "poll" event records one request and whether its answer
 * passed; an "override" finishes it without one).  The results' shapes
 * are said here, once, for the commands that build them and the rules that
 * judge them (docs/ledger.md, "Command and check steps").
 */
#ifndef RELCTL_LEDGER_RUNS_H
#define RELCTL_LEDGER_RUNS_H

#include <stdbool.h>
#include <time.h>

#include "state.h"

/*
 * A command event's result: {argv, cwd, outcome, exit, signal?, duration_ms,
 * output_bytes, output_sha256, output_tail}.  outcome is "passed" (exit 0),
 * "failed" (another exit, or killed by a signal), "timeout" (its process
 * group killed after the step's timeout) or "dry-run" (a rehearsal: nothing
 * ran).
 */
#define RUN_OUTCOME_PASSED "passed"
#define RUN_OUTCOME_FAILED "failed"
#define RUN_OUTCOME_TIMEOUT "timeout"
#define RUN_OUTCOME_DRY_RUN "dry-run"

/* At most this many bytes of a command's output end up in its event (output_tail, before escaping). */
#define RUN_OUTPUT_TAIL_BYTES 4096

/*
 * A poll event's result: {method, url, outcome, status, response, error?}.
 * outcome is "passed" (the answer met the step's expect), "failed" or
 * "dry-run" (a rehearsal: nothing was sent).
 */

/*
 * Whether an answer meets a check step's expect: its status (any 2xx when
 * expect has none) and, with body_contains, expected (its templates
 * expanded for the release) in body.
 */
bool ledger_check_passes(const struct pb_step *step, long status, const char *body, const char *expected);

/*
 * Whether check step is due for a poll at now (relctl remind): ready or
 * claimed, and its last poll (if any) at least its "every" ago.
 */
bool ledger_poll_due(const struct release_state *st, size_t step, time_t now);

/* When the holder of a check step may finish it without the check: first poll + max_wait; 0 when never (yet). */
time_t ledger_max_wait_ends(const struct release_state *st, size_t step);

#endif
