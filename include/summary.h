/*
 * What a release tells the releases after it, pure: per step who finished
 * it, who shadowed it to its finish, and how long it waited from ready to
 * done.  That is all next's shadowing plan, a claim granted by shadowing
 * and forecast's measured durations read of other releases, so they read
 * it from a summary instead of replaying every release.  A summary is
 * written as JSON next to the git directory's other caches
 * (session_summaries), keyed by the id of the release file's blob: it can
 * never describe other content, and one that is missing, corrupt or of
 * another format is made again from the release.  Read back, it is
 * untrusted like the ledger (summary_from_json checks every field).
 */
#ifndef RELCTL_SUMMARY_H
#define RELCTL_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cJSON.h"
#include "err.h"
#include "state.h"

/* Raised whenever what a summary holds, or how it is computed, changes. */
#define SUMMARY_FORMAT 1

struct step_summary {
	char *id;
	cJSON *performers; /* people who finished it, any round or candidate: ids */
	cJSON *shadowed;   /* people who shadowed it to its finish: ids */
	long waited;       /* ready-to-done seconds of its final record; -1 when it was not done */
};

struct release_summary {
	char *version;
	time_t started_at;
	bool rehearsal;
	size_t step_count;
	struct step_summary *steps;
};

/* The summary of a replayed release. */
struct release_summary *summary_of(const struct release_state *st);

/* The summaries of count releases, and freeing them. */
struct release_summary **summaries_of(const struct release_state *const *releases, size_t count);
void summaries_free(struct release_summary **sums, size_t count);

/* Its JSON form (the cache file's content). Caller deletes. */
cJSON *summary_to_json(const struct release_summary *sum);

/*
 * A summary read back; NULL with the reason in err (EXIT_DATAERR) when
 * anything in it is not what summary_to_json writes.
 */
struct release_summary *summary_from_json(const cJSON *json, struct error *err);

void summary_free(struct release_summary *sum);

/* The step of sum with id, or NULL. */
const struct step_summary *summary_step(const struct release_summary *sum, const char *id);

/* Whether person shadowed step to its finish in sum's release. */
bool summary_has_shadowed(const struct release_summary *sum, const char *step, const char *person);

/* One step's record in one release, when it was done; NULL otherwise. */
const struct step_record *release_done_record(const struct release_state *st, const char *id);

/*
 * When the step of record r last became ready: a delay reopens what it
 * needs and makes it pending again, but its record keeps the first
 * ready_at, so the latest finish of its needs (before it was done) counts.
 */
time_t release_ready_since(const struct release_state *st, const char *id, const struct step_record *r);

#endif
