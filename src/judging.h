/*
 * The judge fed with commits from git (judging.c): a judge of the commits
 * after a base, one commit at a time or a whole range.
 */
#ifndef RELCTL_JUDGING_H
#define RELCTL_JUDGING_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "judge.h"
#include "session.h"
#include "store.h"

/* A judge of the commits after base (NULL: from the first commit), reading base's files. */
struct judge *judging_new(struct session *s, const char *base);
void judging_free(struct judge *j);

/* Judges one commit (its parent must be the judge's last one); try: a refusal changes nothing. */
int judging_commit(struct session *s, struct judge *j, const char *commit, bool try, struct error *err);

/*
 * Judges every commit after base (NULL: from the first) up to tip, oldest
 * first, recording refusals as incidents.  -1 only when git cannot be read;
 * progress (may be NULL) is called with commits done and total.
 */
int judging_range(struct session *s, struct judge *j, const char *base, const char *tip,
		  void (*progress)(size_t done, size_t total, void *data), void *data, struct error *err);

#endif
