/*
 * What sync.c gives mutate.c: the commit loop against the remote's tip.
 */
#ifndef RELCTL_SYNC_PRIVATE_H
#define RELCTL_SYNC_PRIVATE_H

#include "err.h"
#include "plan.h"
#include "session.h"

/* The commit loop with a remote: fetch and judge, reconcile offline events, plan, push; 1 when the plan wrote nothing. */
int sync_commit_loop(struct session *s, plan_fn fn, void *data, char **summary, struct error *err);

#endif
