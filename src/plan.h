/*
 * One commit of the ledger (plan.c): its plan (files, message, author)
 * built from one tip, the one function that writes every commit and has
 * the judge accept it, and the compare-and-swap loop on the local branch.
 * Below sync.c and mutate.c, which call it; it calls neither.
 */
#ifndef RELCTL_PLAN_H
#define RELCTL_PLAN_H

#include <stdbool.h>
#include <time.h>

#include "buf.h"
#include "judge.h"
#include "ledger.h"
#include "session.h"
#include "store.h"

/* The files, message and author of one commit, built from one tip. */
struct plan {
	struct store_change *changes;
	size_t count;
	struct buf message;
	char *author_name;
	char *author_email;
	time_t when; /* 0: now */
	char *summary;
	char base[OID_HEX]; /* the commit whose tree the changes apply to, when not the parent's ("") */
};

void plan_init(struct plan *p);
void plan_release(struct plan *p);
/* Adds a file to write; takes data (NUL-terminated, heap), NULL to delete the path. */
void plan_write(struct plan *p, const char *path, char *data);
void plan_author(struct plan *p, const struct pb_person *who);
/* The release document (events and view) as one file. */
void plan_release_doc(struct plan *plan, const struct release *rel);
/* The index entry of st's release, rewritten when its status or candidate changed (always: in any case). */
int plan_index(struct session *s, const char *tip, const struct release_state *st, struct plan *plan, bool always,
	       struct error *err);

/* Plans one commit on tip (NULL: the first commit); a plan that writes nothing makes no commit. */
typedef int (*plan_fn)(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err);

/*
 * Writes plan as a commit on parent (NULL: the first commit) and has the
 * judge accept it: j is the judge at parent, or NULL for a new one.  Moves
 * no ref.  A refused commit is left unreferenced and err says why.
 */
int commit_plan(struct session *s, struct judge *j, const char *parent, const struct plan *plan,
		char new_tip[OID_HEX], struct error *err);

/* Sleeps a little longer on each lost race, with jitter. */
void commit_backoff(int attempt);

/*
 * The commit loop on the local branch: plans on its tip, commits, and
 * moves the branch by compare-and-swap, planning again on a lost race.
 * 0 when the plan's commit is the tip (summary, when not NULL, receives
 * its first line), 1 when the plan wrote nothing, -1 on error.
 */
int plan_commit_local(struct session *s, plan_fn fn, void *data, char **summary, struct error *err);

#endif
