/*
 * Exchanging the ledger with the team's remote (sync.c): sync, restore,
 * and how long ago the last exchange was.
 */
#ifndef RELCTL_SYNC_H
#define RELCTL_SYNC_H

#include <stddef.h>

#include "cJSON.h"
#include "err.h"
#include "session.h"

/*
 * relctl sync: fetches the remote's ledger, replays local offline events on
 * its tip (re-checking each), pushes, and fast-forwards the local branch.
 * Events that are no longer valid are listed in s->rejected and kept under
 * refs/relctl/rejected/EVENT; fetched and pushed count events each way.
 */
int session_sync(struct session *s, size_t *fetched, size_t *pushed, struct error *err);

/*
 * relctl sync --restore (a release manager): when the remote's ledger holds
 * commits the judge refuses, writes one commit on its tip that brings back
 * the last good state plus every valid event after it, and pushes it.
 * Returns 0 (restored lists what was brought back and dropped, summary the
 * commit's first line), 1 when nothing needed restoring, -1 on error.
 */
int session_restore(struct session *s, cJSON **restored, char **summary, struct error *err);

/* Seconds since the last successful exchange with the remote; -1 if never. */
long session_sync_age(struct session *s);

#endif
