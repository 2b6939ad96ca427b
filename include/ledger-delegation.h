/*
 * What the rules know of delegation in a release (ledger-delegation.c):
 * deadlines, who is away, who shadowed what, who was reminded.
 */
#ifndef RELCTL_LEDGER_DELEGATION_H
#define RELCTL_LEDGER_DELEGATION_H

#include <stdbool.h>
#include <time.h>

#include "buf.h"
#include "state.h"

/* When step is due (ready_at + due); 0 without a due or before it is ready. */
time_t ledger_due_at(const struct release_state *st, size_t step);
/* Seconds step is past its due at now; 0 when it is not (or finished, pending or waiting). */
long ledger_overdue(const struct release_state *st, size_t step, time_t now);
/* Seconds a claimed step has been held at now, once that is longer than its idle_after; else 0. */
long ledger_idle(const struct release_state *st, size_t step, time_t now);
/* Seconds a ready step has gone unclaimed at now, once that is longer than its idle_after; else 0. */
long ledger_unclaimed(const struct release_state *st, size_t step, time_t now);
/* Whether person is away at now; the record, or NULL. */
const struct away_record *ledger_away(const struct release_state *st, const char *person, time_t now);
/*
 * Who of role can take a step at now: "a mac-expert (ned)", or, when every
 * person of the role is away, "the only mac-expert is away (ned until
 * 2024-03-22T09:00:00Z)" (several: "every mac-expert is away (ned until
 * ..., kim until they are back)"), appended to out.  Returns how
 * many of the role are here.
 */
size_t ledger_who_can_take(const struct release_state *st, const char *role, time_t now, struct buf *out);
/* Whether person shadowed step (an id) to its finish in this release. */
bool ledger_has_shadowed(const struct release_state *st, const char *step, const char *person);
/*
 * Whether person (NULL: the release managers) was already reminded of step on
 * the UTC day of when, by a record dated no later than when (plus the skew).
 */
bool ledger_reminded(const struct release_state *st, const char *kind, const char *person, const char *step,
		     time_t when);

#endif
