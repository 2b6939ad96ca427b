/*
 * Insight across releases, pure: durations per step and phase (median and
 * 90th percentile), who performed what (bus-factor risks: steps only ever
 * done by one person), the critical path by measured medians, and the
 * trends release by release: who does the work, lead times, what each step
 * costs a year, and how many steps only one person has done.
 */
#ifndef RELCTL_STATS_H
#define RELCTL_STATS_H

#include <stddef.h>
#include <time.h>

#include "cJSON.h"
#include "ledger.h"
#include "summary.h"

/* A year, for releases and hours per year: 365.25 days. */
#define STATS_YEAR_SECONDS 31557600L
/* Releases without a step of theirs after which a person is off the critical path. */
#define STATS_OFF_AFTER 3

/* An estimate of the work it would take to automate a step (--automation STEP=DURATION). */
struct stats_automation {
	const char *step;
	long seconds;
};

struct stats_options {
	size_t off_after; /* 0: STATS_OFF_AFTER */
	const struct stats_automation *automation;
	size_t automation_count;
};

/*
 * Statistics over the summaries of releases (summary.h), newest first (as
 * session_summaries gives them): each release's figures, down to every
 * round of work (a step built again after a delay costs twice) and its
 * checklists' results, were taken once from its replay, so releases read
 * from the cache cost no replay here.  Steps are matched by id, so
 * releases of older playbooks count for the steps they share; rehearsals
 * are practice and count for nothing.  pb is the
 * playbook the critical path, the phases, the bus factor and the step
 * costs are computed on.  opt may be NULL.  The keys are documented in
 * docs/stats.md.  Caller deletes.
 */
cJSON *stats_build(const struct release_summary *const *releases, size_t count, const struct playbook *pb,
		   const struct stats_options *opt);

/*
 * Measured median ready-to-done seconds per step of pb (parallel to
 * pb->steps), falling back to the estimate where a step has no history.
 * measured (may be NULL) says which came from history.  Caller frees.
 */
long *stats_durations(const struct release_summary *const *releases, size_t count, const struct playbook *pb,
		      bool *measured);

/* The q-quantile (0..1) of n values, nearest-rank; sorts values. */
long quantile(long *values, size_t n, double q);

/*
 * The least-squares line through n points (x[i], y[i]): returns its slope
 * and sets *intercept (its value at x = 0).  With fewer than two distinct
 * x the slope is 0 and the intercept the mean of y (0 for no points).
 */
double stats_slope(const double *x, const double *y, size_t n, double *intercept);

#endif
