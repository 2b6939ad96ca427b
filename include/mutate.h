/*
 * The one way commands change the ledger (mutate.c): each change reads the
 * tip, checks the event with the rules of ledger.h, commits, and moves the
 * branch by compare-and-swap, retrying on a lost race.
 */
#ifndef RELCTL_MUTATE_H
#define RELCTL_MUTATE_H

#include "cJSON.h"
#include "err.h"
#include "event.h"
#include "session.h"

/* What a command asks to record: an op on a step (NULL for release-wide ops) and its fields. */
struct mutation {
	const char *version; /* NULL: the one open release */
	struct event event;  /* its id, time, actor and candidate are filled in */
};

/*
 * Records one event as one commit.  On success summary (when not NULL)
 * receives the commit's first line, which the caller frees.
 */
int session_mutate(struct session *s, const struct mutation *m, char **summary, struct error *err);

/*
 * relctl away: records away (an "away" event: until, back) in every open
 * release, or only in release only, one commit each.  summaries receives
 * the first lines of those recorded, one a line (NULL when none was), which
 * the caller frees; -1 with err at the first refusal (EXIT_NOINPUT when no
 * release is open), the earlier ones staying recorded.
 */
int session_away(struct session *s, const struct event *away, const char *only, char **summaries, struct error *err);

/* relctl init: creates the ledger branch with the playbook. */
int session_init(struct session *s, const char *playbook_path, const char *branch, struct error *err);

/* relctl start: a new release of the current playbook; start gives its vars, rehearsal and target. */
int session_start(struct session *s, const char *version, const struct event *start, char **summary,
		  struct error *err);

/* relctl playbook update: new releases use the new playbook; 1 (no commit) when it is the one in force. */
int session_update_playbook(struct session *s, const char *path, char **summary, struct error *err);

#endif
