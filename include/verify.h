/*
 * relctl verify's check of the whole ledger (verify.c).
 */
#ifndef RELCTL_VERIFY_H
#define RELCTL_VERIFY_H

#include "cJSON.h"
#include "err.h"
#include "session.h"

/*
 * relctl verify: has the judge (judge.h) check the ledger branch commit by
 * commit from its first, as sync checks what it fetches.  Returns 0 when
 * every commit is accepted or was restored; otherwise -1 with err naming
 * the first commit refused and not restored (65).  report (may be NULL)
 * receives counts, the problems and every incident (restored or not).
 */
int session_verify(struct session *s, cJSON **report, struct error *err);

#endif
