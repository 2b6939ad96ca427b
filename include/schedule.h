/*
 * When the rest of a release will happen: each unfinished step's earliest
 * start and finish from the dependency graph, the phase order and a duration
 * per step (estimates, or measured medians), and the critical path through
 * them.  Pure: the caller gives "now".
 */
#ifndef RELCTL_SCHEDULE_H
#define RELCTL_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "ledger.h"

struct schedule_step {
	bool finished;  /* done or skipped: not scheduled */
	long duration;  /* seconds still to go */
	time_t start, finish; /* a finished step's finish is when it was done or skipped */
	long predecessor; /* the step whose finish sets this start, or -1 */
};

struct schedule {
	struct schedule_step *steps; /* parallel to pb->steps */
	size_t *path;   /* the critical path, first step first */
	size_t path_len;
	bool complete;  /* every step is done or skipped */
	time_t finish;  /* when the last step finishes, or finished when complete */
	long remaining; /* finish - now; 0 when complete */
};

/*
 * durations: seconds per step (parallel to pb->steps), or NULL for the
 * playbook's estimates.  A claimed step's elapsed time counts against it,
 * and a wait step lasts at least until it opens.
 */
void schedule_compute(const struct release_state *st, const long *durations, time_t now, struct schedule *out);
void schedule_release(struct schedule *s);

/*
 * When phase ph of s finishes, in *finish; true when it has finished (every
 * step done or skipped), and *finish is then when its last step did.
 */
bool schedule_phase_finish(const struct schedule *s, const struct pb_phase *ph, time_t now, time_t *finish);

#endif
