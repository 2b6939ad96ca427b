/*
 * What a release tells the releases after it, pure: per step who finished
 * it, who shadowed it to its finish, and how long it waited from ready to
 * done (next's shadowing plan, a claim granted by shadowing, forecast's
 * measured durations), and everything stats reads of one release (its
 * status, candidates, delays and lead times, each step's base state,
 * performer, times, every round of its work and its checklists' results,
 * and the people of its playbook), so they read it from a summary instead
 * of replaying every release.  Steps are by id, in the release's playbook
 * order, independent of the playbook in force now.  A summary is written
 * as JSON next to the git directory's other caches (session_summaries),
 * keyed by the id of the release file's blob, in two files: the part next,
 * a claim and forecast read, and the figures only stats reads (three times
 * the size, mostly checklist items' texts), so that the commands that run
 * often parse only what they use.  It can never describe other content, and
 * one that is missing, corrupt or of another format is made again from the
 * release.  Read back, it is untrusted like the ledger (summary_from_json
 * and summary_figures_from_json check every field).
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
#define SUMMARY_FORMAT 2

/* One checklist item's results in one release, over every candidate's checklist of its step. */
struct item_summary {
	char *id;
	char *text; /* as first seen in the release */
	long checked, fails, nas;
};

struct step_summary {
	char *id;
	cJSON *performers; /* people who finished it, any round or candidate: ids */
	cJSON *shadowed;   /* people who shadowed it to its finish: ids */
	long waited;       /* ready-to-done seconds of its final record; -1 when it was not done */
	/* Its final record: STATE_DONE, STATE_SKIPPED, or STATE_PENDING for any other state. */
	enum step_state base;
	char *performer;          /* who did it (the holder, else who marked it done) when done; else NULL */
	time_t ready_at, done_at; /* of its final record when done; else 0 */
	long worked;              /* claim-to-done seconds of its final record, every try; -1: not measured */
	long work;                /* claim-to-done seconds of every round of the release (a replay of its events) */
	long rounds;              /* how many rounds those are */
	struct item_summary *items; /* every item with a result, in the order first seen */
	size_t item_count;
	long *spans; /* each complete checklist of the step: seconds from its first result to its last */
	size_t span_count;
};

/* A delay decision: the candidate it ended, that candidate's label, when after the start. */
struct delay_summary {
	int candidate;
	char *label;
	long after;
};

/* A person of the release's playbook, as stats describes them. */
struct person_summary {
	char *id;
	char *name;
	bool product_owner;   /* decides a release (person_decides) */
	bool release_manager; /* ledger_is_manager */
};

struct release_summary {
	char *version;
	time_t started_at;
	bool rehearsal;
	enum release_status status;
	int candidate;
	time_t shipped_at;   /* the last ship decision; 0: none */
	time_t completed_at; /* when it last became complete; 0 while it is not */
	struct delay_summary *delays;
	size_t delay_count;
	cJSON *vars; /* name -> value, its string vars only */
	struct person_summary *people;
	size_t person_count;
	size_t step_count;
	struct step_summary *steps;
};

/*
 * The summary of a replayed release; doc is its document, whose events are
 * replayed again to measure every round of work and when it last became
 * complete (NULL: no rounds, never complete).
 */
struct release_summary *summary_of(const struct release_state *st, const cJSON *doc);

/* The summaries of count releases (docs parallel to them, or NULL), and freeing them. */
struct release_summary **summaries_of(const struct release_state *const *releases, const cJSON *const *docs,
				      size_t count);
void summaries_free(struct release_summary **sums, size_t count);

/* Its delays as stats and the cache write them: [{candidate, label, after_seconds}].  Caller deletes. */
cJSON *summary_delays_json(const struct release_summary *sum);

/*
 * Its JSON forms (the two cache files' contents): summary_to_json what
 * next, a claim and forecast read (version, start, rehearsal, per step the
 * performers, the shadows and the wait), summary_figures_to_json the rest,
 * what stats reads.  Caller deletes.
 */
cJSON *summary_to_json(const struct release_summary *sum);
cJSON *summary_figures_to_json(const struct release_summary *sum);

/*
 * A summary read back, without its figures; NULL with the reason in err
 * (EXIT_DATAERR) when anything in it is not what summary_to_json writes.
 */
struct release_summary *summary_from_json(const cJSON *json, struct error *err);

/*
 * Adds the figures read back to sum; -1 with the reason in err
 * (EXIT_DATAERR) when anything in them is not what summary_figures_to_json
 * writes of sum's release (its version, its steps in its order).  sum's
 * figures are then partial: free it.
 */
int summary_figures_from_json(struct release_summary *sum, const cJSON *json, struct error *err);

void summary_free(struct release_summary *sum);

/* The step of sum with id, or NULL. */
const struct step_summary *summary_step(const struct release_summary *sum, const char *id);

/* The person of sum's playbook with id, or NULL. */
const struct person_summary *summary_person(const struct release_summary *sum, const char *id);

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
