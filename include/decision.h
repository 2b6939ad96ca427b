/*
 * What the rules know of a release's decision (decision.c): its step, the
 * inputs given for it, the findings reported, and what a delay reopens.
 */
#ifndef RELCTL_DECISION_H
#define RELCTL_DECISION_H

#include <stdbool.h>

#include "ledger.h"
#include "playbook.h"

/* The playbook's decision step, or NULL. */
const struct pb_step *ledger_decision_step(const struct release_state *st);
/* The latest input of role for the current candidate, or NULL. */
const struct input_record *ledger_input(const struct release_state *st, const char *role);
const struct finding *ledger_finding(const struct release_state *st, const char *id);
/* Whether a delay decided now starts pb step s again (an on_delay step its condition did not skip). */
bool ledger_delay_reopens(const struct release_state *st, const struct pb_step *s);

#endif
