/*
 * Insight across releases, pure: durations per step and phase (median and
 * 90th percentile), who performed what (bus-factor risks: steps only ever
 * done by one person), and the critical path by measured medians.
 */
#ifndef RELCTL_STATS_H
#define RELCTL_STATS_H

#include <stddef.h>
#include <time.h>

#include "cJSON.h"
#include "ledger.h"

/*
 * Statistics over releases (all of one playbook's step ids are matched by
 * id, so releases of older playbooks count for the steps they share).  pb is
 * the playbook the critical path is computed on.  Caller deletes.
 */
cJSON *stats_build(const struct release_state *const *releases, size_t count, const struct playbook *pb);

/*
 * Measured median ready-to-done seconds per step of pb (parallel to
 * pb->steps), falling back to the estimate where a step has no history.
 * measured (may be NULL) says which came from history.  Caller frees.
 */
long *stats_durations(const struct release_state *const *releases, size_t count, const struct playbook *pb,
		      bool *measured);

/* The q-quantile (0..1) of n values, nearest-rank; sorts values. */
long quantile(long *values, size_t n, double q);

#endif
