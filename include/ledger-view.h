/*
 * The derived part of a release document and its index entry
 * (ledger-view.c), always equal to the replay.
 */
#ifndef RELCTL_LEDGER_VIEW_H
#define RELCTL_LEDGER_VIEW_H

#include <stdbool.h>

#include "cJSON.h"
#include "state.h"

/*
 * The derived part of a release document (status, candidate, vars, steps),
 * added to doc replacing any earlier one.  Always equal to the replay.
 */
void ledger_write_view(const struct release_state *st, cJSON *doc);
/* The same, without "steps" when with_steps is false (the judge compares steps one by one). */
void ledger_write_view_parts(const struct release_state *st, cJSON *doc, bool with_steps);
/* One step's part of the view ("steps"."ID"); caller deletes. */
cJSON *ledger_step_view(const struct release_state *st, size_t step);

/*
 * The entry of st's release in the index's "releases" object: {status,
 * candidate, started, playbook}, put there (last) when its status or
 * candidate changed, or always.  Returns whether it was put.  The commit
 * path writes the index with it and the judge expects the same.
 */
bool ledger_index_entry(const struct release_state *st, cJSON *releases, bool always);

#endif
